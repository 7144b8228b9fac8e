/// Something a lab command cannot do, with what to do instead.
public struct LabError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// The errno behind it, when a system call failed.
    public let errno: Int32?

    public init(_ description: String, errno: Int32? = nil) {
        self.description = description
        self.errno = errno
    }
}
