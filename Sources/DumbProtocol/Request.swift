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
