/// The fuzz targets by name: `dumb_fuzz NAME`, `make fuzz`, the corpus folders
/// (`Tests/Fuzz/corpus/NAME`).
public enum FuzzTarget: String, CaseIterable, Sendable {
    case framer, session, verifier, chat

    /// What it checks, for `--help`.
    public var summary: String {
        switch self {
        case .framer: "the line framer and the request parser against the protocol's model"
        case .session: "ConnectionSession, reads and writes cut anywhere, against the protocol's model"
        case .verifier: "ResponseVerifier: accepts exactly the right answers, calls wrong ones wrong in time"
        case .chat: "the chat room: greetings, order, nothing lost, nothing after leaving, bounded outboxes"
        }
    }

    /// Runs one input; throws what property it broke.
    public func run(_ data: UnsafeRawBufferPointer) throws(FuzzFailure) {
        switch self {
        case .framer: try FramerTarget.run(data)
        case .session: try SessionTarget.run(data)
        case .verifier: try VerifierTarget.run(data)
        case .chat: try ChatTarget.run(data)
        }
    }

    /// The property `data` breaks, or nil.
    public func failure(_ data: UnsafeRawBufferPointer) -> FuzzFailure? {
        do throws(FuzzFailure) {
            try run(data)
            return nil
        } catch {
            return error
        }
    }
}
