import CDumbSystem
import Glibc

/// The socket calls the hand-written servers share, over Glibc.
public enum Socket {
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
        try withTCPAddresses(host: host, port: port, flags: AI_PASSIVE) { first in
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
                    return Listener(
                        descriptor: descriptor, host: host, port: try localPort(descriptor), nonBlocking: nonBlocking)
                } catch let error as SystemError {
                    lastError = error
                    Glibc.close(descriptor)
                }
            }
            throw lastError
        }
    }

    /// Accepts one connection. With `nonBlocking`, the new socket is non-blocking (accept4).
    /// Connections the peer gave up before they were taken are skipped (accept(2) lists those
    /// errors as retryable). Out of descriptors, it throws EMFILE or ENFILE like any other
    /// failure: what a server does then is its own policy.
    public static func accept(_ listener: Int32, nonBlocking: Bool = false) throws -> AcceptResult {
        var flags = Int32(SOCK_CLOEXEC.rawValue)
        if nonBlocking { flags |= Int32(SOCK_NONBLOCK.rawValue) }
        while true {
            let descriptor = accept4(listener, nil, nil, flags)
            if descriptor >= 0 { return .connection(descriptor) }
            let error = errno
            switch error {
            case EINTR:
                if let stop = StopSignal.pending { throw stop }
            case EAGAIN, EWOULDBLOCK:
                return .wouldBlock
            case ECONNABORTED, EPROTO, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP,
                ENETUNREACH:
                continue
            default:
                throw SystemError("accept4", errno: error)
            }
        }
    }

    /// Accepts one connection on a blocking listener: the calling thread sleeps until a
    /// client connects.
    public static func acceptBlocking(_ listener: Int32) throws -> Int32 {
        switch try accept(listener) {
        case .connection(let connection): return connection
        case .wouldBlock: throw SystemError("accept4", errno: EAGAIN)  // a blocking listener never says this
        }
    }

    /// Whether `descriptor` is readable now (poll without waiting); on an error, true: the
    /// next call on it says what is wrong.
    public static func isReadable(_ descriptor: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) != 0
    }

    /// Blocks until `descriptor` is readable (for a listener: a connection, or an error
    /// accept will report). A stop signal throws ``StopRequested``.
    public static func waitUntilReadable(_ descriptor: Int32) throws {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
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

    /// Reads from a blocking socket: the calling thread sleeps until bytes (or the end) come.
    /// `0` is end of input.
    public static func readBlocking(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try blockingSystemCall("read") { Glibc.read(descriptor, buffer.baseAddress, buffer.count) }
    }

    /// Writes to a blocking socket: the calling thread sleeps until the send buffer has room;
    /// returns how many bytes the kernel took.
    public static func writeBlocking(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws -> Int {
        try blockingSystemCall("send") {
            Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        }
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

    public static func close(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)  // never retried: on Linux the descriptor is gone even on EINTR
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
