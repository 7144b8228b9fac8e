import DumbSystem
import Glibc

/// A plain blocking TCP client for black-box tests. Every read waits on the socket with a
/// deadline (poll), never on a sleep, so tests are as fast as the server and still pass on
/// a loaded machine.
public final class TestClient: @unchecked Sendable {
    public private(set) var descriptor: Int32
    private var pending: [UInt8] = []
    private var closed = false
    private var scratch: [UInt8]

    /// Connects to 127.0.0.1:`port`. `readBufferSize` is what one read takes at most (keep it
    /// small for a thousand idle clients).
    public init(port: Int, host: String = "127.0.0.1", readBufferSize: Int = 256 * 1024) throws {
        scratch = [UInt8](repeating: 0, count: readBufferSize)
        descriptor = try Socket.connect(host: host, port: port).descriptor
        try? Socket.setNoDelay(descriptor)
    }

    deinit { if descriptor >= 0 { Socket.close(descriptor) } }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try Socket.writeAll(descriptor, $0) }
    }

    /// Sends as much of `bytes` as the kernel takes without blocking; returns how many.
    public func sendWithoutBlocking(_ bytes: [UInt8]) throws -> Int {
        let result = bytes.withUnsafeBytes { buffer in
            Glibc.send(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        }
        if result >= 0 { return result }
        if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
        throw SystemError("send", errno: errno)
    }

    /// Stops sending (`nc -N`): the server sees end of input.
    public func shutdownWrite() {
        Socket.shutdownWrite(descriptor)
    }

    /// Shrinks the receive buffer (before connecting data flows), to make a slow reader.
    public func setReceiveBuffer(_ bytes: Int32) {
        var value = bytes
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Closes with a reset (SO_LINGER 0), as a client that crashed or gave up.
    public func reset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        Socket.close(descriptor)
        descriptor = -1
        closed = true
    }

    /// One line without its `\n`, or nil if none arrived before the timeout or the connection
    /// closed first.
    public func readLine(timeout: Double = 30) throws -> String? {
        let deadline = SystemClock.now() + UInt64(timeout * 1e9)
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            guard try fill(until: deadline) else { return nil }
        }
    }

    /// Exactly `count` bytes, or what arrived before the timeout or close.
    public func read(count: Int, timeout: Double = 30) throws -> [UInt8] {
        let deadline = SystemClock.now() + UInt64(timeout * 1e9)
        while pending.count < count {
            guard try fill(until: deadline) else { break }
        }
        let taken = Array(pending.prefix(count))
        pending.removeFirst(taken.count)
        return taken
    }

    /// Reads and checks a STREAM answer of `count` payload bytes without keeping it: true if
    /// every byte is the pattern's and the trailer follows.
    public func readStream(count: UInt64, timeout: Double = 120) throws -> StreamCheck {
        let deadline = SystemClock.now() + UInt64(timeout * 1e9)
        var index: UInt64 = 0
        while index < count {
            if pending.isEmpty { guard try fill(until: deadline) else { return .short(received: index) } }
            let take = min(UInt64(pending.count), count - index)
            for offset in 0..<Int(take) where pending[offset] != expectedByte(index + UInt64(offset)) {
                return .wrongByte(at: index + UInt64(offset))
            }
            pending.removeFirst(Int(take))
            index += take
        }
        let trailer = try read(count: 6, timeout: max(1, Double(deadline &- SystemClock.now()) / 1e9))
        return trailer == Array("\nDONE\n".utf8) ? .ok : .badTrailer(String(decoding: trailer, as: UTF8.self))
    }

    public enum StreamCheck: Equatable {
        case ok
        case short(received: UInt64)
        case wrongByte(at: UInt64)
        case badTrailer(String)
    }

    private func expectedByte(_ index: UInt64) -> UInt8 {
        UInt8(ascii: "a") + UInt8(index % 26)
    }

    /// Whether bytes (or the close) arrive within `timeout`, without consuming them.
    public func isReadable(within timeout: Double) -> Bool {
        if !pending.isEmpty { return true }
        return poll(events: Int16(POLLIN), timeoutMilliseconds: Int32(timeout * 1000))
    }

    /// True when the server closed the connection (end of file, or reset) within `timeout`;
    /// bytes that arrive first are kept for the next read.
    public func waitForClose(timeout: Double = 30) throws -> Bool {
        let deadline = SystemClock.now() + UInt64(timeout * 1e9)
        while !closed {
            do {
                guard try fill(until: deadline) else { return closed }
            } catch let error as SystemError where error.errno == ECONNRESET {
                return true
            }
        }
        return true
    }

    /// Everything received and not read yet, as text.
    public var unread: String { String(decoding: pending, as: UTF8.self) }

    /// Reads what is available, waiting until `deadline`. False on timeout or end of file.
    private func fill(until deadline: UInt64) throws -> Bool {
        if closed { return false }
        let now = SystemClock.now()
        guard now < deadline else { return false }
        let remaining = Int32(min(Double(deadline - now) / 1e6, 600_000).rounded(.up))
        guard poll(events: Int16(POLLIN), timeoutMilliseconds: max(1, remaining)) else { return false }
        let count = try scratch.withUnsafeMutableBytes { buffer -> Int in
            switch try Socket.read(descriptor, into: buffer) {
            case .done(let count): return count
            case .wouldBlock: return -1
            }
        }
        if count == 0 {
            closed = true
            return false
        }
        if count > 0 { pending.append(contentsOf: scratch[0..<count]) }
        return true
    }

    private func poll(events: Int16, timeoutMilliseconds: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        while true {
            let result = Glibc.poll(&entry, 1, timeoutMilliseconds)
            if result < 0 && errno == EINTR { continue }
            return result > 0
        }
    }
}

/// Waits until `condition` holds, checking every few milliseconds, up to `timeout` seconds.
/// For figures that have no socket to wait on (a thread count, a process exit).
public func eventually(timeout: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = SystemClock.now() + UInt64(timeout * 1e9)
    while SystemClock.now() < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}
