/// Counts by ``ErrorKind``.
public struct ErrorCounts: Equatable, Sendable {
    private var counts = [UInt64](repeating: 0, count: ErrorKind.allCases.count)

    public init() {}

    public subscript(kind: ErrorKind) -> UInt64 {
        get { counts[kind.rawValue] }
        set { counts[kind.rawValue] = newValue }
    }

    public var total: UInt64 { counts.reduce(0, +) }

    /// The kinds that happened, most frequent first: `timeout 12, refused 3`.
    public var description: String {
        let happened = ErrorKind.allCases.filter { self[$0] > 0 }.sorted { self[$0] > self[$1] }
        return happened.isEmpty ? "none" : happened.map { "\($0.key) \(self[$0])" }.joined(separator: ", ")
    }
}
