/// A request of the DUMB protocol, parsed from one line.
public enum Request: Equatable, Sendable {
    /// `PING` → `PONG`.
    case ping
    /// `WAIT <ms>` → `DONE` after that many milliseconds.
    case wait(milliseconds: UInt64)
    /// `BURN <it>` → `RESULT <x>`, see ``Burn``.
    case burn(iterations: UInt64)
    /// `STREAM <n>` → n payload bytes, then `\nDONE\n`, see ``StreamPayload``.
    case stream(byteCount: UInt64)

    public static let maxWaitMilliseconds: UInt64 = 600_000
    public static let maxBurnIterations: UInt64 = 1_000_000_000
    public static let maxStreamBytes: UInt64 = 1_000_000_000_000

    /// The command, as the metrics label it.
    public var command: Command {
        switch self {
        case .ping: .ping
        case .wait: .wait
        case .burn: .burn
        case .stream: .stream
        }
    }

    /// The request line a client sends, with its `\n`.
    public var line: String {
        switch self {
        case .ping: "PING\n"
        case .wait(let milliseconds): "WAIT \(milliseconds)\n"
        case .burn(let iterations): "BURN \(iterations)\n"
        case .stream(let byteCount): "STREAM \(byteCount)\n"
        }
    }
}

/// What a request line asked for, as metrics and logs name it. `error` is every line that was
/// answered with `ERR`.
public enum Command: String, CaseIterable, Sendable {
    case ping = "PING"
    case wait = "WAIT"
    case burn = "BURN"
    case stream = "STREAM"
    case error = "ERR"
}

/// The errors of the protocol, each answered with one `ERR <reason>` line.
public enum RequestError: Error, Equatable, Sendable {
    case unknownCommand
    case badArgument
    /// The server closes the connection after this one.
    case lineTooLong

    /// The response line, with its `\n`.
    public var responseLine: StaticString {
        switch self {
        case .unknownCommand: "ERR unknown command\n"
        case .badArgument: "ERR bad argument\n"
        case .lineTooLong: "ERR line too long\n"
        }
    }
}

/// The outcome of parsing one line.
public enum ParsedLine: Equatable, Sendable {
    /// Nothing but spaces: no response.
    case empty
    case request(Request)
    case error(RequestError)
}

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
