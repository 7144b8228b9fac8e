import DumbSystem
import Glibc

/// A blocking TCP connection a check opens to the learner's server, with timeouts: the
/// check's own client, as small as `nc`.
final class ProbeConnection {
    let descriptor: Int32
    private var buffered: [UInt8] = []

    init(port: Int, host: String = "127.0.0.1") throws {
        descriptor = try Socket.connect(host: host, port: port).descriptor
    }

    deinit { Socket.close(descriptor) }

    func send(_ text: String) throws {
        try Array(text.utf8).withUnsafeBytes { try Socket.writeAll(descriptor, $0) }
    }

    /// The next line (without `\n`), or nil when none came within `timeout` seconds or the
    /// server closed first.
    func readLine(timeout: Double) -> String? {
        let deadline = SystemClock.now() + UInt64(timeout * 1e9)
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[..<newline], as: UTF8.self)
                buffered.removeSubrange(...newline)
                return line
            }
            let now = SystemClock.now()
            guard now < deadline, waitReadable(until: deadline) else { return nil }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return nil }
            buffered += chunk[0..<count]
        }
    }

    /// Whether the server closed the connection (end of input) within `timeout` seconds.
    func closed(within timeout: Double) -> Bool {
        let deadline = SystemClock.now() + UInt64(timeout * 1e9)
        while waitReadable(until: deadline) {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { return true }
            buffered += chunk[0..<count]
        }
        return false
    }

    /// Sets a small receive buffer, so that a STREAM the check does not read fills it soon:
    /// a slow reader.
    func shrinkReceiveBuffer() {
        var size: Int32 = 4096
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    private func waitReadable(until deadline: UInt64) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let now = SystemClock.now()
        guard deadline > now else { return false }
        return poll(&entry, 1, SystemClock.timeoutMilliseconds(until: deadline, now: now)) > 0
    }

    /// How long `request` takes to be answered with `expected`, in seconds; nil when it is not
    /// within `timeout`.
    static func time(_ request: String, expect expected: String, port: Int, timeout: Double) -> Double? {
        guard let connection = try? ProbeConnection(port: port) else { return nil }
        let start = SystemClock.now()
        guard (try? connection.send(request + "\n")) != nil, connection.readLine(timeout: timeout) == expected else {
            return nil
        }
        return Double(SystemClock.now() - start) / 1e9
    }
}
