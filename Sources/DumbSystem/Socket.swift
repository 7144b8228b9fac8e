import CDumbSystem
import Glibc

/// A bound, listening TCP socket.
public struct Listener: Sendable {
    public let descriptor: Int32
    /// The address it is bound to, as given (`127.0.0.1`, `::`, …).
    public let host: String
    /// The port it is bound to: the one asked for, or the one the kernel chose for port 0.
    public let port: Int
}

/// What accepting a connection gave.
public enum AcceptResult: Sendable {
    case connection(Int32)
    /// The backlog is empty (a non-blocking listener; on a blocking one, accept waits).
    case wouldBlock
    /// Out of descriptors (EMFILE/ENFILE): a connection was taken off the backlog with the
    /// reserve descriptor and closed at once (or the one just accepted, to reopen the
    /// reserve). It got a clean close instead of a wait without end, and the listener stopped
    /// being readable for it. Count it as refused.
    case rejected(SystemError)
    /// Out of descriptors, and nothing could be shed: no descriptor is free, not even for the
    /// reserve. Connections may still wait in the backlog, and the listener stays readable.
    /// Do not accept again at once (a level-triggered loop would spin) nor wait for the next
    /// new connection (an edge-triggered loop may never get one): stop watching the listener
    /// and try again after ``Socket/exhaustedRetryMilliseconds``.
    case exhausted(SystemError)
}

/// The socket calls the hand-written servers share, over Glibc.
public enum Socket {
    /// How long to wait before accepting again after ``AcceptResult/exhausted(_:)``. Short,
    /// because descriptors come back whenever a client leaves, and until the retry the
    /// connections in the backlog wait; long enough that retrying costs nothing measurable
    /// (a few failing system calls, 20 times a second). SwiftNIO's AcceptBackoffHandler waits
    /// a second by default; here the reserve refuses a flood at once, and the back-off only
    /// covers the moments when the reserve is gone, so it can be short.
    public static let exhaustedRetryMilliseconds: UInt64 = 50

    /// Creates a TCP socket bound to `host`:`port` and listening with `backlog`
    /// (SO_REUSEADDR, so a restarted server rebinds at once; SO_REUSEPORT on request, for one
    /// listener per event loop). `host` may be a name or an IPv4/IPv6 address; port 0 lets the
    /// kernel choose.
    public static func listen(
        host: String,
        port: Int,
        backlog: Int,
        reusePort: Bool = false,
        nonBlocking: Bool = false
    ) throws -> Listener {
        DescriptorReserve.prepare()  // opens the reserve descriptor now, while descriptors are plenty
        return try withTCPAddresses(host: host, port: port, flags: AI_PASSIVE) { first in
            // bind and listen on the first address that takes it
            var lastError = SystemError("bind", errno: EADDRNOTAVAIL)
            var candidate: UnsafeMutablePointer<addrinfo>? = first
            while let info = candidate {
                candidate = info.pointee.ai_next
                var type = Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue)
                if nonBlocking { type |= Int32(SOCK_NONBLOCK.rawValue) }
                let descriptor = Glibc.socket(info.pointee.ai_family, type, 0)
                guard descriptor >= 0 else {
                    lastError = SystemError("socket", errno: errno)
                    continue
                }
                do {
                    try setOption(descriptor, SOL_SOCKET, SO_REUSEADDR, 1, "setsockopt(SO_REUSEADDR)")
                    if reusePort {
                        try setOption(descriptor, SOL_SOCKET, SO_REUSEPORT, 1, "setsockopt(SO_REUSEPORT)")
                    }
                    try blockingSystemCall("bind(\(host):\(port))") {
                        Glibc.bind(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen)
                    }
                    try blockingSystemCall("listen") { Glibc.listen(descriptor, Int32(clamping: backlog)) }
                    return Listener(descriptor: descriptor, host: host, port: try localPort(descriptor))
                } catch let error as SystemError {
                    lastError = error
                    Glibc.close(descriptor)
                }
            }
            throw lastError
        }
    }

    /// Accepts one connection. With `nonBlocking`, the new socket is non-blocking (accept4).
    /// Out of descriptors, it refuses a connection with the reserve descriptor
    /// (``AcceptResult/rejected(_:)``), or says none could be refused
    /// (``AcceptResult/exhausted(_:)``); see ``DescriptorReserve``.
    public static func accept(_ listener: Int32, nonBlocking: Bool = false) throws -> AcceptResult {
        var flags = Int32(SOCK_CLOEXEC.rawValue)
        if nonBlocking { flags |= Int32(SOCK_NONBLOCK.rawValue) }
        while true {
            let descriptor = accept4(listener, nil, nil, flags)
            if descriptor >= 0 {
                // it may hold the number another thread freed to shed with: the reserve comes first
                guard DescriptorReserve.keep(descriptor) else {
                    return .rejected(SystemError("accept4", errno: EMFILE))
                }
                return .connection(descriptor)
            }
            let error = errno
            switch error {
            case EINTR:
                if let stop = StopSignal.pending { throw stop }
            case EAGAIN, EWOULDBLOCK:
                return .wouldBlock
            case ECONNABORTED, EPROTO, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP,
                ENETUNREACH:
                continue  // the peer gave up before we took it (accept(2) lists these as retryable)
            case EMFILE, ENFILE:
                switch DescriptorReserve.shed(listener) {
                case .shed: return .rejected(SystemError("accept4", errno: error))
                case .noSpare: return .exhausted(SystemError("accept4", errno: error))
                case .nothingWaiting:
                    if isNonBlocking(listener) { return .wouldBlock }
                    // Out of descriptors, even a blocking accept fails at once (the kernel takes
                    // the number before it waits): wait for a connection as it would have.
                    try waitForConnection(listener)
                }
            default:
                throw SystemError("accept4", errno: error)
            }
        }
    }

    private static func isNonBlocking(_ descriptor: Int32) -> Bool {
        fcntl(descriptor, F_GETFL) & O_NONBLOCK != 0
    }

    /// Blocks until `listener` is readable (a connection, or an error accept4 will report).
    private static func waitForConnection(_ listener: Int32) throws {
        var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        _ = try blockingSystemCall("poll") { poll(&entry, 1, -1) }
    }

    /// Reads into `buffer`. `.done(0)` is end of input (the peer shut down its side).
    public static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws
        -> IOResult<Int>
    {
        try systemCall("read") { Glibc.read(descriptor, buffer.baseAddress, buffer.count) }
    }

    /// Writes from `bytes`; returns how many the kernel took. Never raises SIGPIPE: a closed
    /// peer is an EPIPE error.
    public static func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws -> IOResult<Int> {
        try systemCall("send") { Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Writes all of `bytes` to a blocking socket.
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            switch try write(descriptor, UnsafeRawBufferPointer(rebasing: bytes[offset...])) {
            case .done(let count): offset += count
            case .wouldBlock: throw SystemError("send", errno: EAGAIN)  // a blocking socket never says this
            }
        }
    }

    /// Connects to `host`:`port` (clients and tests). With `nonBlocking`, the connect is
    /// only started: `connected` is false while it is in progress (EINPROGRESS), and the
    /// socket becomes writable when it is done (check ``pendingError(_:)``).
    public static func connect(host: String, port: Int, nonBlocking: Bool = false) throws
        -> (descriptor: Int32, connected: Bool)
    {
        try connect(to: SocketAddress(host: host, port: port), nonBlocking: nonBlocking)
    }

    /// Connects to an address resolved once (a load generator opens thousands of connections
    /// to the same one). Failures are thrown as a ``SystemError`` naming `socket` or
    /// `connect(host:port)` with its errno: EMFILE (out of descriptors), EADDRNOTAVAIL (out of
    /// local ports), ECONNREFUSED, …
    public static func connect(to address: SocketAddress, nonBlocking: Bool = false) throws
        -> (descriptor: Int32, connected: Bool)
    {
        var type = Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue)
        if nonBlocking { type |= Int32(SOCK_NONBLOCK.rawValue) }
        let descriptor = try blockingSystemCall("socket") { Glibc.socket(address.family, type, 0) }
        while true {
            let status = withUnsafePointer(to: address.storage) { storage in
                storage.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(descriptor, $0, address.length)
                }
            }
            if status == 0 { return (descriptor, true) }
            let error = errno
            if error == EINTR && StopSignal.pending == nil { continue }
            if error == EINPROGRESS && nonBlocking { return (descriptor, false) }
            Glibc.close(descriptor)
            throw SystemError("connect(\(address))", errno: error)
        }
    }

    /// Stops sending: the peer reads end of input after what was sent.
    public static func shutdownWrite(_ descriptor: Int32) {
        _ = Glibc.shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Wakes every thread blocked in accept on `listener` (Linux: they get EINVAL) and stops
    /// new connections.
    public static func shutdownListener(_ listener: Int32) {
        _ = Glibc.shutdown(listener, Int32(SHUT_RDWR))
    }

    public static func close(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)  // never retried: on Linux the descriptor is gone even on EINTR
    }

    public static func setNonBlocking(_ descriptor: Int32) throws {
        let flags = try blockingSystemCall("fcntl(F_GETFL)") { fcntl(descriptor, F_GETFL) }
        try blockingSystemCall("fcntl(F_SETFL)") { fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) }
    }

    /// TCP_NODELAY: small responses go out at once instead of waiting for Nagle.
    public static func setNoDelay(_ descriptor: Int32) throws {
        try setOption(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, 1, "setsockopt(TCP_NODELAY)")
    }

    /// The pending error of a socket (SO_ERROR), e.g. after a non-blocking connect.
    public static func pendingError(_ descriptor: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &value, &length) == 0 else { return errno }
        return value
    }

    /// The local port a socket is bound to.
    public static func localPort(_ descriptor: Int32) throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                try blockingSystemCall("getsockname") { getsockname(descriptor, address, &length) }
            }
        }
        // sin_port and sin6_port are both at offset 2, in network byte order
        let family = Int32(storage.ss_family)
        guard family == AF_INET || family == AF_INET6 else { return 0 }
        return withUnsafeBytes(of: storage) { Int(UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self))) }
    }

    private static func setOption(_ descriptor: Int32, _ level: Int32, _ name: Int32, _ value: Int32, _ call: String)
        throws
    {
        var value = value
        try blockingSystemCall(call) {
            setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

}

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

/// A host that is not an address and does not resolve.
public struct AddressError: Error, CustomStringConvertible, Sendable {
    public let host: String
    public let reason: String
    public var description: String {
        "cannot use host '\(host)': \(reason); give an IP address such as 127.0.0.1 or 0.0.0.0"
    }
}
