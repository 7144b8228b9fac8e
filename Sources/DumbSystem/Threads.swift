import CDumbSystem
import Glibc

/// Starting a thread with pthreads, for the thread-per-connection server and the metrics
/// endpoint.
public enum Threads {
    /// Starts a detached thread running `body`, with `stackSize` bytes of stack (nil: the
    /// default, RLIMIT_STACK, usually 8 MiB). SIGINT and SIGTERM are blocked in it, so they
    /// reach the main thread. Throws when the system refuses a thread (EAGAIN: out of memory
    /// or over the thread limit), which is what a memory-limited server runs into.
    public static func start(stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) throws {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        if let stackSize {
            let status = pthread_attr_setstacksize(&attributes, stackSize)
            guard status == 0 else { throw SystemError("pthread_attr_setstacksize(\(stackSize))", errno: status) }
        }
        let box = Unmanaged.passRetained(ThreadBody(body))
        // the new thread inherits the mask: block the stop signals around pthread_create
        var previous = sigset_t()
        dumb_mask_stop_signals(SIG_BLOCK, &previous)
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, threadEntry, box.toOpaque())
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        guard status == 0 else {
            box.release()
            throw SystemError("pthread_create", errno: status)
        }
    }

    /// The default stack size of a new thread on this machine (RLIMIT_STACK, as glibc uses it).
    public static var defaultStackSize: Int {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        var size = 0
        pthread_attr_getstacksize(&attributes, &size)
        return size
    }

    /// The smallest stack a thread may have (PTHREAD_STACK_MIN).
    public static let minimumStackSize = 16 * 1024
}

private final class ThreadBody {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

private func threadEntry(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let box = Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue()
    box.body()
    return nil
}
