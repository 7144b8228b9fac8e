/// What a request line asked for, as metrics and logs name it. `error` is every line that was
/// answered with `ERR`.
public enum Command: String, CaseIterable, Sendable {
    case ping = "PING"
    case wait = "WAIT"
    case burn = "BURN"
    case stream = "STREAM"
    case error = "ERR"
}
