/// What a descriptor is watched for.
public struct Interest: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Data to read, a connection to accept, or end of input.
    public static let read = Interest(rawValue: 1 << 0)
    /// Room in the send buffer.
    public static let write = Interest(rawValue: 1 << 1)

    public var description: String {
        switch self {
        case []: "none"
        case .read: "read"
        case .write: "write"
        default: "read+write"
        }
    }
}
