/// Parses request lines: case-insensitive command names, arguments separated by one or more
/// spaces, leading and trailing spaces ignored.
public enum RequestParser {
    /// Parses one line, without its `\n` and without a `\r` right before it.
    public static func parse<Line: Collection<UInt8>>(_ line: Line) -> ParsedLine {
        parseLine(line)
    }

    /// Parses one line as ``LineFramer`` hands it out. Not generic, so that a caller in another
    /// module (dumb_nio's decoder) runs the code specialized here instead of the generic one,
    /// which looks up type metadata for every word and costs several times more per request.
    public static func parse(_ line: ArraySlice<UInt8>) -> ParsedLine {
        parseLine(line)
    }

    private static func parseLine<Line: Collection<UInt8>>(_ line: Line) -> ParsedLine {
        var words = SpaceSeparatedWords(line)
        guard let name = words.next() else { return .empty }
        let command: Command
        if matches(name, "PING") {
            command = .ping
        } else if matches(name, "WAIT") {
            command = .wait
        } else if matches(name, "BURN") {
            command = .burn
        } else if matches(name, "STREAM") {
            command = .stream
        } else {
            return .error(.unknownCommand)
        }
        let argument = words.next()
        guard words.next() == nil else { return .error(.badArgument) }  // an extra argument
        switch command {
        case .ping:
            return argument == nil ? .request(.ping) : .error(.badArgument)
        case .wait:
            guard let value = number(argument, limit: Request.maxWaitMilliseconds) else {
                return .error(.badArgument)
            }
            return .request(.wait(milliseconds: value))
        case .burn:
            guard let value = number(argument, limit: Request.maxBurnIterations) else {
                return .error(.badArgument)
            }
            return .request(.burn(iterations: value))
        case .stream:
            guard let value = number(argument, limit: Request.maxStreamBytes) else {
                return .error(.badArgument)
            }
            return .request(.stream(byteCount: value))
        case .error:
            return .error(.unknownCommand)
        }
    }

    /// Parses a request line given as text (tests, tools).
    public static func parse(_ line: String) -> ParsedLine {
        parse(Array(line.utf8))
    }

    /// ASCII case-insensitive comparison with an upper-case name.
    private static func matches<Word: Collection<UInt8>>(_ word: Word, _ upperCaseName: StaticString) -> Bool {
        guard word.count == upperCaseName.utf8CodeUnitCount else { return false }
        // A plain loop over the name's bytes: `zip` in a closure here was not specialized, and
        // looked up generic type metadata on every request.
        var expected = upperCaseName.utf8Start
        for byte in word {
            let upper = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) ? byte - 32 : byte
            guard upper == expected.pointee else { return false }
            expected += 1
        }
        return true
    }

    /// A decimal number of digits only (no sign), at most `limit`; `nil` otherwise.
    private static func number<Word: Collection<UInt8>>(_ word: Word?, limit: UInt64) -> UInt64? {
        guard let word, !word.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in word {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
            // checked after every digit, so the multiplication above can never overflow
            guard value <= limit else { return nil }
        }
        return value
    }
}

/// The words of a line, split on runs of spaces.
struct SpaceSeparatedWords<Line: Collection<UInt8>>: IteratorProtocol {
    private let line: Line
    private var index: Line.Index

    init(_ line: Line) {
        self.line = line
        self.index = line.startIndex
    }

    mutating func next() -> Line.SubSequence? {
        while index < line.endIndex && line[index] == UInt8(ascii: " ") {
            line.formIndex(after: &index)
        }
        guard index < line.endIndex else { return nil }
        let wordStart = index
        while index < line.endIndex && line[index] != UInt8(ascii: " ") {
            line.formIndex(after: &index)
        }
        return line[wordStart..<index]
    }
}
