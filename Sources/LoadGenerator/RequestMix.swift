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
        /// The DUMB request; nil with `--expect` (the line goes out as written).
        public let request: Request?
    }

    public let entries: [Entry]
    /// `--expect`: the prefix every answer line must start with, when the server is not DUMB.
    public let expectedPrefix: String?

    /// One request line. Without `expect`, it must be a DUMB request.
    public static func single(_ line: String, expect: String? = nil) throws(UsageError) -> RequestMix {
        RequestMix(entries: [try entry(line, weight: 1, expect: expect)], expectedPrefix: expect)
    }

    /// A mix written as `REQUEST=WEIGHT,REQUEST=WEIGHT,…` (weights are whole numbers ≥ 1).
    public static func parse(_ text: String, expect: String? = nil) throws(UsageError) -> RequestMix {
        var entries: [Entry] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let equals = part.lastIndex(of: "=") else {
                throw UsageError(
                    "--mix entry '\(part)' has no weight: write REQUEST=WEIGHT, e.g. --mix \"PING=70,BURN 1000=30\".")
            }
            let weightText = part[part.index(after: equals)...].trimmingCharacters(in: " ")
            guard let weight = Int(weightText), (1...1_000_000).contains(weight) else {
                throw UsageError(
                    "--mix entry '\(part)': the weight '\(weightText)' must be a whole number from 1 to 1000000.")
            }
            entries.append(try entry(String(part[..<equals]), weight: weight, expect: expect))
        }
        return RequestMix(entries: entries, expectedPrefix: expect)
    }

    private static func entry(_ line: String, weight: Int, expect: String?) throws(UsageError) -> Entry {
        let line = line.trimmingCharacters(in: " ")
        guard !line.isEmpty, !line.contains("\n"), !line.contains("\r") else {
            throw UsageError("the request '\(line)' must be one non-empty line, e.g. --request \"BURN 1000\".")
        }
        if expect != nil {
            return Entry(line: line, weight: weight, request: nil)
        }
        switch RequestParser.parse(line) {
        case .request(let request):
            return Entry(line: line, weight: weight, request: request)
        case .error(let error):
            let reason = "\(error.responseLine)".dropFirst(4).dropLast()
            throw UsageError(
                "'\(line)' is not a DUMB request (\(reason)): use PING, WAIT <ms>, BURN <iterations> or STREAM <bytes>; to drive another server (redis-server), add --expect PREFIX."
            )
        case .empty:
            throw UsageError("the request must not be empty: e.g. --request \"BURN 1000\".")
        }
    }

    /// The answer each entry must get. BURN results are computed here, once per iteration
    /// count however often it appears (a BURN of a billion iterations takes seconds).
    public func expectedAnswers() -> [ResponseVerifier.Expected] {
        var burnResults: [UInt64: UInt64] = [:]
        return entries.map { entry in
            switch entry.request {
            case nil:
                return .linePrefix(Array((expectedPrefix ?? "").utf8))
            case .burn(let iterations):
                if burnResults[iterations] == nil { burnResults[iterations] = Burn.result(iterations: iterations) }
                return .result(burnResults[iterations]!)
            case let request?:
                return ResponseVerifier.Expected(answering: request)
            }
        }
    }

    /// `"BURN 1000"`, or `"PING=70,BURN 1000=30"`.
    public var description: String {
        entries.count == 1
            ? "\"\(entries[0].line)\"" : "\"" + entries.map { "\($0.line)=\($0.weight)" }.joined(separator: ",") + "\""
    }

    /// Picks the entry of each request, by weight: cheap enough for every request of a run
    /// (no allocation, no lock), and random enough to pick among a handful of weights.
    public struct Picker: Sendable {
        private let cumulativeWeights: [UInt64]
        private var random: UInt64

        /// - Parameter seed: any number; runs with the same seed pick the same sequence.
        public init(_ mix: RequestMix, seed: UInt64) {
            var sum: UInt64 = 0
            cumulativeWeights = mix.entries.map { entry in
                sum += UInt64(entry.weight)
                return sum
            }
            random = seed | 1  // xorshift never leaves 0
        }

        /// The index in ``RequestMix/entries`` of the next request.
        @inline(__always)
        public mutating func next() -> Int {
            if cumulativeWeights.count == 1 { return 0 }
            // xorshift64
            random ^= random << 13
            random ^= random >> 7
            random ^= random << 17
            let pick = random % cumulativeWeights[cumulativeWeights.count - 1]
            var index = 0
            while cumulativeWeights[index] <= pick { index += 1 }
            return index
        }
    }
}
