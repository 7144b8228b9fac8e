import CDumbSystem
import Glibc

/// An `fd_set`, the bitmap select() takes: FD_ZERO, FD_SET, FD_CLR and FD_ISSET as methods.
///
/// Its size is fixed when glibc is built: descriptors 0 to ``capacity`` − 1 (FD_SETSIZE,
/// 1024 on Linux), whatever the open files limit says. Inserting a higher descriptor would
/// write past the bitmap, so ``insert(_:)`` stops the process instead (a select() server
/// must refuse such connections, and that limit is select()'s lesson).
public struct DescriptorSet {
    /// FD_SETSIZE: the first descriptor an `fd_set` cannot hold.
    public static let capacity = Int32(dumb_fd_setsize())

    /// The bitmap itself, to pass to select() as `&set.raw`.
    public var raw = fd_set()

    public init() {}

    /// FD_ZERO.
    public mutating func removeAll() { dumb_fd_zero(&raw) }

    /// FD_SET.
    public mutating func insert(_ descriptor: Int32) {
        precondition(descriptor >= 0 && descriptor < Self.capacity, "descriptor \(descriptor) is past FD_SETSIZE")
        dumb_fd_set(descriptor, &raw)
    }

    /// FD_ISSET.
    public func contains(_ descriptor: Int32) -> Bool {
        guard descriptor >= 0 && descriptor < Self.capacity else { return false }
        return withUnsafePointer(to: raw) { dumb_fd_isset(descriptor, $0) != 0 }
    }
}
