/// A second, deliberately plain reading of docs/protocol.md, written from the text and not
/// from `DumbProtocol`: the fuzz targets check the real framer, parser and session against
/// it. It is slow (it copies, it builds strings) and that is fine: it only has to be right.
public enum ProtocolModel {
    public static let maxLineLength = 4096

    /// What one request line asks for.
    public enum Answer: Equatable, Sendable {
        case nothing  // an empty line
        case pong
        case wait(UInt64)
        case burn(UInt64)
        case stream(UInt64)
        case unknownCommand
        case badArgument
    }

    /// The lines of a byte stream that ends (half-close) after `bytes`: each complete line
    /// without its `\n` and a `\r` right before it, and whether the stream ends in a line
    /// over the limit (answered `ERR line too long`, then the server closes).
    public static func lines(_ bytes: [UInt8]) -> (lines: [[UInt8]], tooLong: Bool) {
        var lines: [[UInt8]] = []
        var start = 0
        while start < bytes.count {
            guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                // an unfinished line: discarded at the end, unless it is already over the limit
                // (one byte over may be the `\r` of a CRLF whose `\n` never came)
                let pending = bytes.count - start
                let overLimit =
                    pending > maxLineLength + 1 || (pending == maxLineLength + 1 && bytes.last != UInt8(ascii: "\r"))
                return (lines, overLimit)
            }
            var line = Array(bytes[start..<newline])
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.count > maxLineLength { return (lines, true) }
            lines.append(line)
            start = newline + 1
        }
        return (lines, false)
    }

    /// The request of one line, by the protocol's table.
    public static func answer(_ line: [UInt8]) -> Answer {
        let words = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        guard let first = words.first else { return .nothing }
        let name = String(decoding: first.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }, as: UTF8.self)
        let arguments = words.dropFirst()
        let limits: [String: UInt64] = ["WAIT": 600_000, "BURN": 1_000_000_000, "STREAM": 1_000_000_000_000]
        if name == "PING" { return arguments.isEmpty ? .pong : .badArgument }
        guard let limit = limits[name] else { return .unknownCommand }
        guard arguments.count == 1, let value = number(Array(arguments.first!)), value <= limit else {
            return .badArgument
        }
        switch name {
        case "WAIT": return .wait(value)
        case "BURN": return .burn(value)
        default: return .stream(value)
        }
    }

    /// Decimal digits only, leading zeros allowed; nil for anything else or a value past 2^64.
    static func number(_ word: [UInt8]) -> UInt64? {
        guard !word.isEmpty, word.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let significant = word.drop { $0 == 48 }
        if significant.isEmpty { return 0 }
        return UInt64(String(decoding: significant, as: UTF8.self))  // nil when it overflows
    }

    /// BURN's result, as the protocol's pseudo-code says.
    public static func burn(_ iterations: UInt64) -> UInt64 {
        var x = iterations
        var accumulator: UInt64 = 0
        var remaining = iterations
        while remaining > 0 {
            x = x &+ 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z = z ^ (z >> 31)
            accumulator ^= z
            remaining -= 1
        }
        return accumulator
    }

    /// The bytes a correct server sends for `answer`, at most `budget` of them (a STREAM may
    /// be a terabyte). `burnResult` gives the RESULT of a BURN.
    public static func response(_ answer: Answer, budget: Int, burnResult: (UInt64) -> UInt64) -> [UInt8] {
        switch answer {
        case .nothing: return []
        case .pong: return Array("PONG\n".utf8)
        case .wait: return Array("DONE\n".utf8)
        case .burn(let iterations): return Array("RESULT \(burnResult(iterations))\n".utf8)
        case .unknownCommand: return Array("ERR unknown command\n".utf8)
        case .badArgument: return Array("ERR bad argument\n".utf8)
        case .stream(let count):
            let payload = Int(min(count, UInt64(max(budget, 0))))
            var bytes = (0..<payload).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            if UInt64(payload) == count { bytes += Array("\nDONE\n".utf8) }
            return bytes
        }
    }

    /// Everything a correct server sends to a client that sent `bytes` and then shut down its
    /// side, cut at `budget` bytes.
    public static func conversation(_ bytes: [UInt8], budget: Int, burnResult: (UInt64) -> UInt64) -> [UInt8] {
        let (lines, tooLong) = lines(bytes)
        var output: [UInt8] = []
        for line in lines where output.count < budget {
            output += response(answer(line), budget: budget - output.count, burnResult: burnResult)
        }
        if tooLong { output += Array("ERR line too long\n".utf8) }
        return Array(output.prefix(budget))
    }
}
