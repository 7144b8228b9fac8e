/// Checks one answer as its bytes arrive, however they were fragmented: the client side of
/// the protocol. The load generator and the tests judge answers with it.
///
/// Feed it what the socket gave with ``consume(_:)``: it says whether the answer is still
/// incomplete, complete (and how many of the bytes it took: the rest belong to no answer),
/// or wrong, with a reason a person can read. Every byte is checked: `RESULT` against the
/// request's own BURN, every STREAM byte against the pattern, the trailer, `PONG`, `DONE`.
/// It allocates nothing while it checks, so it costs a load generator nothing per request.
public struct ResponseVerifier: Sendable {
    /// What a correct server answers.
    public enum Expected: Equatable, Sendable {
        /// `PONG\n`, to PING.
        case pong
        /// `DONE\n`, to WAIT.
        case done
        /// `RESULT <x>\n` in decimal, to BURN.
        case result(UInt64)
        /// `byteCount` payload bytes, then `\nDONE\n`, to STREAM.
        case stream(byteCount: UInt64)
        /// Any one line that begins with these bytes: for servers that are not DUMB (`+PONG`
        /// from redis-server).
        case linePrefix([UInt8])

        /// The answer to `request`. BURN computes its result here: compute it once per
        /// iteration count and keep it.
        public init(answering request: Request) {
            switch request {
            case .ping: self = .pong
            case .wait: self = .done
            case .burn(let iterations): self = .result(Burn.result(iterations: iterations))
            case .stream(let byteCount): self = .stream(byteCount: byteCount)
            }
        }
    }

    public enum Verdict: Equatable, Sendable {
        /// More bytes are needed.
        case incomplete
        /// The answer is complete and right; it ended after `consumed` of the bytes given.
        case complete(consumed: Int)
        /// The answer is wrong: why, for a log line.
        case wrong(String)
    }

    public let expected: Expected
    /// Bytes of the answer received so far.
    public private(set) var received: UInt64 = 0
    /// A `linePrefix` answer longer than this is wrong (the protocol's lines are far shorter).
    public let maxLineLength: Int
    /// `RESULT` digits so far: their value, and how many.
    private var value: UInt64 = 0
    private var digits = 0

    public init(expecting expected: Expected, maxLineLength: Int = 64 * 1024) {
        self.expected = expected
        self.maxLineLength = maxLineLength
    }

    /// Starts over for a new answer.
    public mutating func reset() {
        received = 0
        value = 0
        digits = 0
    }

    /// Checks the next bytes of the answer.
    public mutating func consume(_ bytes: UnsafeRawBufferPointer) -> Verdict {
        switch expected {
        case .pong: return consumeLine(bytes, "PONG\n")
        case .done: return consumeLine(bytes, "DONE\n")
        case .result(let result): return consumeResult(bytes, result)
        case .stream(let byteCount): return consumeStream(bytes, byteCount)
        case .linePrefix(let prefix): return consumePrefixedLine(bytes, prefix)
        }
    }

    private mutating func consumeLine(_ bytes: UnsafeRawBufferPointer, _ line: StaticString) -> Verdict {
        line.withUTF8Buffer { line in
            var index = 0
            while index < bytes.count {
                let position = Int(received)
                if bytes[index] != line[position] {
                    let got = Self.printable(line[..<position], bytes[index...])
                    return .wrong("expected \(Self.printable(line.dropLast(), [])), got \(got)")
                }
                received += 1
                index += 1
                if position + 1 == line.count { return .complete(consumed: index) }
            }
            return .incomplete
        }
    }

    private mutating func consumeResult(_ bytes: UnsafeRawBufferPointer, _ result: UInt64) -> Verdict {
        let prefix: StaticString = "RESULT "
        let prefixLength = prefix.utf8CodeUnitCount
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let position = Int(received)
            if position < prefixLength {
                let matches = prefix.withUTF8Buffer { $0[position] == byte }
                if !matches {
                    return wrongResult(result, got: prefix.withUTF8Buffer { Array($0[..<position]) }, bytes[index...])
                }
            } else if byte == UInt8(ascii: "\n") {
                guard digits > 0 else { return wrongResult(result, got: Array("RESULT ".utf8), bytes[index...]) }
                guard value == result else {
                    return .wrong("expected RESULT \(result), got RESULT \(value)")
                }
                received += 1
                return .complete(consumed: index + 1)
            } else {
                let digit = byte &- UInt8(ascii: "0")
                // digits only, no leading zero, and no more than a UInt64 holds
                let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (next, overflow2) = times10.addingReportingOverflow(UInt64(digit))
                guard digit <= 9, !(digits == 1 && value == 0), !overflow1, !overflow2 else {
                    return wrongResult(
                        result, got: Array("RESULT \(digits > 0 ? String(value) : "")".utf8), bytes[index...])
                }
                value = next
                digits += 1
            }
            received += 1
            index += 1
        }
        return .incomplete
    }

    private func wrongResult(_ result: UInt64, got head: [UInt8], _ rest: UnsafeRawBufferPointer.SubSequence) -> Verdict
    {
        .wrong("expected RESULT \(result), got \(Self.printable(head, rest))")
    }

    private mutating func consumeStream(_ bytes: UnsafeRawBufferPointer, _ byteCount: UInt64) -> Verdict {
        var index = 0
        if received < byteCount {
            let take = Int(min(UInt64(bytes.count), byteCount - received))
            if let mismatch = StreamPayload.firstMismatch(
                in: UnsafeRawBufferPointer(rebasing: bytes[..<take]), payloadOffset: received)
            {
                let at = received + UInt64(mismatch)
                let expected = StreamPayload.expectedByte(at: at)
                return .wrong(
                    "STREAM \(byteCount): payload byte \(at) is \(Self.printable([], bytes[mismatch..<(mismatch + 1)])), expected '\(Character(Unicode.Scalar(expected)))'"
                )
            }
            received += UInt64(take)
            index = take
        }
        let trailer = StreamPayload.trailer
        return trailer.withUTF8Buffer { trailer in
            while index < bytes.count {
                let position = Int(received - byteCount)
                if bytes[index] != trailer[position] {
                    return .wrong(
                        "STREAM \(byteCount): after the payload expected \(Self.printable(trailer, [])), got \(Self.printable(trailer[..<position], bytes[index...]))"
                    )
                }
                received += 1
                index += 1
                if position + 1 == trailer.count { return .complete(consumed: index) }
            }
            return .incomplete
        }
    }

    private mutating func consumePrefixedLine(_ bytes: UnsafeRawBufferPointer, _ prefix: [UInt8]) -> Verdict {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let position = Int(received)
            if position < prefix.count && byte != prefix[position] {
                return .wrong(
                    "expected a line beginning with \(Self.printable(prefix, [])), got \(Self.printable(prefix[..<position], bytes[index...]))"
                )
            }
            received += 1
            index += 1
            if byte == UInt8(ascii: "\n") && position >= prefix.count { return .complete(consumed: index) }
            if position >= maxLineLength {
                return .wrong(
                    "expected one line beginning with \(Self.printable(prefix, [])), got over \(maxLineLength) bytes without a newline"
                )
            }
        }
        return .incomplete
    }

    /// `'what was matched' + what came`, up to the end of the line, quoted, with control
    /// bytes escaped and cut at 60 characters: received bytes, shown in a log line.
    public static func printable<Head: Sequence<UInt8>, Rest: Sequence<UInt8>>(_ head: Head, _ rest: Rest) -> String {
        var text = "'"
        var count = 0
        for byte in [AnySequence(head), AnySequence(rest)].joined() {
            if count == 60 {
                text += "…"
                break
            }
            switch byte {
            case UInt8(ascii: "\n"):
                text += "\\n"
                return text + "'"
            case UInt8(ascii: "\r"): text += "\\r"
            case UInt8(ascii: "'"): text += "\\'"
            case 0x20..<0x7f: text.append(Character(Unicode.Scalar(byte)))
            default: text += "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
            count += 1
        }
        return text + "'"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
