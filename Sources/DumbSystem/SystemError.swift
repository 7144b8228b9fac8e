import Glibc

/// A failed system call: its name and errno, so a log line says what failed and why.
public struct SystemError: Error, Equatable, CustomStringConvertible, Sendable {
    public let call: String
    public let errno: Int32

    public init(_ call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String {
        "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// SIGINT or SIGTERM arrived while a blocking call waited: the server should close and exit.
public struct StopRequested: Error, CustomStringConvertible, Sendable {
    public let signal: Int32
    public var description: String { "stopped by signal \(signal)" }
}

/// The outcome of a non-blocking call: done, or it would have blocked (EAGAIN).
public enum IOResult<Value: Sendable>: Sendable {
    case done(Value)
    case wouldBlock
}

extension IOResult: Equatable where Value: Equatable {}

/// Runs a system call the way every server needs it: EINTR is retried (unless SIGINT or
/// SIGTERM asked the process to stop), EAGAIN comes back as ``IOResult/wouldBlock``, any
/// other failure is thrown as a ``SystemError`` naming the call.
@inline(__always)
public func systemCall<Result: FixedWidthInteger & Sendable>(
    _ name: @autoclosure () -> String,
    _ body: () -> Result
) throws -> IOResult<Result> {
    while true {
        let result = body()
        if result >= 0 { return .done(result) }
        let error = Glibc.errno
        switch error {
        case EINTR:
            if let stop = StopSignal.pending { throw stop }
            continue
        case EAGAIN, EWOULDBLOCK:
            return .wouldBlock
        default:
            throw SystemError(name(), errno: error)
        }
    }
}

/// ``systemCall(_:_:)`` for calls that cannot return EAGAIN (or where it is an error).
@inline(__always)
@discardableResult
public func blockingSystemCall<Result: FixedWidthInteger & Sendable>(
    _ name: @autoclosure () -> String,
    _ body: () -> Result
) throws -> Result {
    switch try systemCall(name(), body) {
    case .done(let result): return result
    case .wouldBlock: throw SystemError(name(), errno: EAGAIN)
    }
}
