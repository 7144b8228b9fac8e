import CDumbSystem
import Glibc

/// A TCP address, resolved once: the first that `getaddrinfo` gives for a host and port.
public struct SocketAddress: Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    let family: Int32
    let storage: sockaddr_storage
    let length: socklen_t

    /// Resolves `host` (a name or an IPv4/IPv6 address) and `port`.
    public init(host: String, port: Int) throws {
        let (family, storage, length) = try withTCPAddresses(host: host, port: port) { info in
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { bytes in
                bytes.copyMemory(
                    from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen)))
            }
            return (info.pointee.ai_family, storage, info.pointee.ai_addrlen)
        }
        self.host = host
        self.port = port
        self.family = family
        self.storage = storage
        self.length = length
    }

    public var description: String { "\(host):\(port)" }
}

/// getaddrinfo for TCP on `host`:`port` (a numeric port; `flags` added, e.g. AI_PASSIVE): hands
/// `body` the first of the list, which is freed after it. Throws ``AddressError`` when the
/// host does not resolve.
func withTCPAddresses<Result>(
    host: String, port: Int, flags: Int32 = 0, _ body: (UnsafeMutablePointer<addrinfo>) throws -> Result
) throws -> Result {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = flags | AI_NUMERICSERV
    var results: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, String(port), &hints, &results)
    guard status == 0, let first = results else {
        throw AddressError(host: host, reason: String(cString: gai_strerror(status)))
    }
    defer { freeaddrinfo(results) }
    return try body(first)
}
