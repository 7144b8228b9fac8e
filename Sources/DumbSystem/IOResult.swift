import Glibc

/// The outcome of a non-blocking call: done, or it would have blocked (EAGAIN).
public enum IOResult<Value: Sendable>: Sendable {
    case done(Value)
    case wouldBlock
}

extension IOResult: Equatable where Value: Equatable {}
