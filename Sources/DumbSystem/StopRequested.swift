import Glibc

/// SIGINT or SIGTERM arrived while a blocking call waited: the server should close and exit.
public struct StopRequested: Error, CustomStringConvertible, Sendable {
    public let signal: Int32
    public var description: String { "stopped by signal \(signal)" }
}
