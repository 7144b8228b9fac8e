import DumbSystem
import Glibc

extension Socket {
    /// Wakes every thread blocked in accept on `listener` (Linux: they get EINVAL) and stops
    /// new connections.
    public static func shutdownListener(_ listener: Int32) {
        _ = Glibc.shutdown(listener, Int32(SHUT_RDWR))
    }

    public static func setNonBlocking(_ descriptor: Int32) throws {
        let flags = try blockingSystemCall("fcntl(F_GETFL)") { fcntl(descriptor, F_GETFL) }
        try blockingSystemCall("fcntl(F_SETFL)") { fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) }
    }
}
