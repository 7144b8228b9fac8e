import DumbProtocol
import DumbSystem

/// The requests a load run sends: one request line, or a weighted mix
/// (`PING=70,BURN 1000=20,STREAM 4096=10`), each with the answer a correct server gives.
public struct RequestMix: Sendable {
    public struct Entry: Sendable {
        /// The request line as sent, without its `\n`.
        public let line: String
        /// Its share of the requests, relative to the other entries' weights.
        public let weight: Int
        /// The answer it must get.
        public let expected: ResponseVerifier.Expected
    }

    public let entries: [Entry]
    /// `--expect`: the prefix every answer line must start with, when the server is not DUMB.
    public let expectedPrefix: String?

    /// One request line. Without `expect`, it must be a DUMB request.
    public static func single(_ line: String, expect: String? = nil) throws(UsageError) -> RequestMix {
        var cache: [UInt64: UInt64] = [:]
        return RequestMix(
            entries: [try entry(line, weight: 1, expect: expect, burnResults: &cache)], expectedPrefix: expect)
    }

    /// A mix written as `REQUEST=WEIGHT,REQUEST=WEIGHT,…` (weights are whole numbers ≥ 1).
    public static func parse(_ text: String, expect: String? = nil) throws(UsageError) -> RequestMix {
        var entries: [Entry] = []
        var cache: [UInt64: UInt64] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let equals = part.lastIndex(of: "=") else {
                throw UsageError(
                    "--mix entry '\(part)' has no weight: write REQUEST=WEIGHT, e.g. --mix \"PING=70,BURN 1000=30\".")
            }
            let weightText = part[part.index(after: equals)...].trimmingCharacters(in: " ")
            guard let weight = Int(weightText), weight >= 1 else {
                throw UsageError(
                    "--mix entry '\(part)': the weight '\(weightText)' must be a whole number of at least 1.")
            }
            entries.append(try entry(String(part[..<equals]), weight: weight, expect: expect, burnResults: &cache))
        }
        return RequestMix(entries: entries, expectedPrefix: expect)
    }

    /// BURN results are computed once per iteration count (`burnResults`), however often the
    /// count appears.
    private static func entry(_ line: String, weight: Int, expect: String?, burnResults: inout [UInt64: UInt64])
        throws(UsageError) -> Entry
    {
        let line = line.trimmingCharacters(in: " ")
        guard !line.isEmpty, !line.contains("\n"), !line.contains("\r") else {
            throw UsageError("the request '\(line)' must be one non-empty line, e.g. --request \"BURN 1000\".")
        }
        if let expect {
            return Entry(line: line, weight: weight, expected: .linePrefix(Array(expect.utf8)))
        }
        switch RequestParser.parse(line) {
        case .request(let request):
            let expected: ResponseVerifier.Expected
            if case .burn(let iterations) = request {
                if burnResults[iterations] == nil { burnResults[iterations] = Burn.result(iterations: iterations) }
                expected = .result(burnResults[iterations]!)
            } else {
                expected = ResponseVerifier.Expected(answering: request)
            }
            return Entry(line: line, weight: weight, expected: expected)
        case .error(let error):
            let reason = "\(error.responseLine)".dropFirst(4).dropLast()
            throw UsageError(
                "'\(line)' is not a DUMB request (\(reason)): use PING, WAIT <ms>, BURN <iterations> or STREAM <bytes>; to drive another server (redis-server), add --expect PREFIX."
            )
        case .empty:
            throw UsageError("the request must not be empty: e.g. --request \"BURN 1000\".")
        }
    }

    /// `"BURN 1000"`, or `"PING=70,BURN 1000=30"`.
    public var description: String {
        entries.count == 1
            ? "\"\(entries[0].line)\"" : "\"" + entries.map { "\($0.line)=\($0.weight)" }.joined(separator: ",") + "\""
    }
}

/// A command line that cannot work, with what to write instead.
public struct UsageError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
