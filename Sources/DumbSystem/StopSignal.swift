import CDumbSystem
import Glibc
import Synchronization

/// SIGINT and SIGTERM, turned into a clean stop without an extra thread.
///
/// The handler is in C, so it is async-signal-safe. How it stops the process is chosen at
/// install time:
///
/// - ``Mode/exitAtOnce(message:)``: it writes the message and exits 0 — for blocking servers,
///   where a thread may be about to sleep in a WAIT or a read that no signal would interrupt
///   any more; the kernel closes every socket.
/// - ``Mode/notify``: it records the signal and makes ``wakeDescriptor`` (an eventfd)
///   readable; an event loop watches it next to its sockets and returns cleanly. A blocking
///   call interrupted on the main thread throws ``StopRequested`` (see ``systemCall(_:_:)``).
public enum StopSignal {
    public enum Mode: Sendable {
        case exitAtOnce(message: String)
        case notify
    }

    /// Installs the handlers; returns the eventfd that becomes readable on a stop signal.
    @discardableResult
    public static func install(_ mode: Mode = .notify) throws -> Int32 {
        let descriptor = try blockingSystemCall("eventfd") {
            eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        }
        wake.store(descriptor, ordering: .releasing)
        switch mode {
        case .exitAtOnce(let message):
            try blockingSystemCall("sigaction") { dumb_install_stop_handler(descriptor, message) }
        case .notify:
            try blockingSystemCall("sigaction") { dumb_install_stop_handler(descriptor, nil) }
        }
        return descriptor
    }

    /// The eventfd that a stop signal makes readable, or -1 before ``install()``.
    public static var wakeDescriptor: Int32 { wake.load(ordering: .acquiring) }

    /// The stop that was asked for, if any.
    public static var pending: StopRequested? {
        let signal = dumb_stop_signal()
        return signal == 0 ? nil : StopRequested(signal: signal)
    }

    private static let wake = Atomic<Int32>(-1)
}
