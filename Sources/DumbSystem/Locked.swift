import Glibc

/// A value behind a pthread mutex, for state that threads share.
///
/// Synchronization's `Mutex` would do the same, but on Linux ThreadSanitizer cannot see its
/// contended path (Swift 6.3: four threads writing one `Mutex<[Int32: Int]>` get "Swift
/// access race" reports on the value it guards; the same test on this type, none), and
/// `make sanitize` must report only real races. `pthread_mutex_lock` is one TSan intercepts.
public final class Locked<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` on the value, no other thread holding it meanwhile.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
