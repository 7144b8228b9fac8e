import DumbSystem

/// The last descriptors below the open files limit, kept for the runtime. Descriptors are
/// numbered lowest free first, so a connection on number n means every lower number is in
/// use: fewer than ``count`` would be left for the runtime once it holds one of the last.
struct DescriptorHeadroom: Error, CustomStringConvertible {
    static let count = 8
    /// The soft limit at start: the server raised it then, and nothing lowers it after.
    let limit = OpenFileLimit.current().soft

    func isTakenBy(_ descriptor: Int32) -> Bool {
        Int(descriptor) >= limit - Self.count
    }

    var description: String {
        "the last \(Self.count) descriptors below the open files limit (\(limit)) are kept for the runtime (libdispatch)"
    }
}
