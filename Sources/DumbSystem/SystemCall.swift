import Glibc

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
