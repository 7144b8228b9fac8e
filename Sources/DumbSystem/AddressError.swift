import CDumbSystem
import Glibc

/// A host that is not an address and does not resolve.
public struct AddressError: Error, CustomStringConvertible, Sendable {
    public let host: String
    public let reason: String
    public var description: String {
        "cannot use host '\(host)': \(reason); give an IP address such as 127.0.0.1 or 0.0.0.0"
    }
}
