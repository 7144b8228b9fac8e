import DumbPoller
import DumbSystem
import Glibc
import Testing

/// Every backend keeps the same contract: the reactor cannot tell them apart.
@Suite("Poller backends")
struct PollerTests {
    /// A connected pair of non-blocking stream sockets.
    final class SocketPair {
        let left: Int32
        let right: Int32

        init() throws {
            var descriptors: [Int32] = [0, 0]
            let status = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue), 0, &descriptors)
            try #require(status == 0)
            (left, right) = (descriptors[0], descriptors[1])
        }

        deinit {
            close(left)
            close(right)
        }

        func send(_ text: String, from descriptor: Int32) {
            _ = Array(text.utf8).withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        }

        /// Writes into `descriptor` until its send buffer is full.
        func fill(_ descriptor: Int32) {
            let chunk = [UInt8](repeating: 0, count: 64 * 1024)
            while chunk.withUnsafeBytes({ Glibc.write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
        }

        func drain(_ descriptor: Int32) {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while buffer.withUnsafeMutableBytes({ Glibc.read(descriptor, $0.baseAddress, $0.count) }) > 0 {}
        }
    }

    func poll(_ poller: any Poller, timeout: Int32 = 0) throws -> [PollerEvent] {
        var events: [PollerEvent] = []
        try poller.poll(timeoutMilliseconds: timeout, into: &events)
        return events
    }

    @Test("nothing ready: the timeout passes and no event comes", arguments: PollerBackend.allCases)
    func timeout(backend: PollerBackend) throws {
        let poller = try backend.make()
        let pair = try SocketPair()
        try poller.add(pair.left, interest: .read, token: 7)
        let started = SystemClock.now()
        #expect(try poll(poller, timeout: 30).isEmpty)
        #expect(SystemClock.now() - started >= 25_000_000, "returned before its timeout")
    }

    @Test("a readable descriptor comes with its token, as long as it stays readable", arguments: PollerBackend.allCases)
    func readable(backend: PollerBackend) throws {
        let poller = try backend.make()
        let pair = try SocketPair()
        let other = try SocketPair()
        try poller.add(pair.left, interest: .read, token: 7)
        try poller.add(other.left, interest: .read, token: 8)
        pair.send("PING\n", from: pair.right)
        let expected = [PollerEvent(token: 7, readable: true, writable: false)]
        #expect(try poll(poller, timeout: 1000) == expected)
        #expect(try poll(poller) == expected, "level-triggered: reported again while unread")
        pair.drain(pair.left)
        #expect(try poll(poller).isEmpty)
    }

    @Test(
        "write interest: reported while there is room, not when the buffer is full", arguments: PollerBackend.allCases)
    func writable(backend: PollerBackend) throws {
        let poller = try backend.make()
        let pair = try SocketPair()
        try poller.add(pair.left, interest: .write, token: 3)
        #expect(try poll(poller) == [PollerEvent(token: 3, readable: false, writable: true)])
        pair.fill(pair.left)
        #expect(try poll(poller).isEmpty)
        pair.drain(pair.right)
        #expect(try poll(poller, timeout: 1000) == [PollerEvent(token: 3, readable: false, writable: true)])
    }

    @Test("modify changes the interest and the token; remove stops the events", arguments: PollerBackend.allCases)
    func modifyAndRemove(backend: PollerBackend) throws {
        let poller = try backend.make()
        let pair = try SocketPair()
        let other = try SocketPair()
        try poller.add(other.left, interest: .read, token: 1)
        try poller.add(pair.left, interest: .read, token: 2)
        #expect(try poll(poller).isEmpty)
        try poller.modify(pair.left, interest: [.read, .write], token: 5)
        #expect(try poll(poller) == [PollerEvent(token: 5, readable: false, writable: true)])
        poller.remove(pair.left)
        #expect(try poll(poller).isEmpty)
        // the one left is still watched (poll's set moved it into the removed one's place)
        other.send("x", from: other.right)
        #expect(try poll(poller) == [PollerEvent(token: 1, readable: true, writable: false)])
        poller.remove(other.left)
        poller.remove(other.left)  // twice is harmless
        #expect(try poll(poller).isEmpty)
        try poller.add(pair.left, interest: .write, token: 9)  // and it can come back
        #expect(try poll(poller) == [PollerEvent(token: 9, readable: false, writable: true)])
    }

    @Test(
        "a peer that goes away: failed, readable and writable, whatever the interest", arguments: PollerBackend.allCases
    )
    func hangUp(backend: PollerBackend) throws {
        let poller = try backend.make()
        var pair: SocketPair? = try SocketPair()
        let watchedForReading = dup(pair!.left)
        let watchedForNothing = dup(pair!.left)
        defer {
            close(watchedForReading)
            close(watchedForNothing)
        }
        try poller.add(watchedForReading, interest: .read, token: 4)
        try poller.add(watchedForNothing, interest: [], token: 5)
        #expect(try poll(poller).isEmpty, "an empty interest reports no readiness")
        pair!.send("x", from: pair!.right)
        #expect(try poll(poller).map(\.token) == [4])
        pair = nil  // closes both ends; the duplicates keep their side open
        let events = try poll(poller, timeout: 1000)
        #expect(Set(events.map(\.token)) == [4, 5])
        #expect(events.allSatisfy { $0.failed && $0.readable && $0.writable }, "\(events)")
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(buffer.withUnsafeMutableBytes { Glibc.read(watchedForReading, $0.baseAddress, $0.count) } == 1)
        #expect(buffer.withUnsafeMutableBytes { Glibc.read(watchedForReading, $0.baseAddress, $0.count) } == 0)
    }

    @Test("a descriptor cannot be added twice, nor modified unless added", arguments: PollerBackend.allCases)
    func misuse(backend: PollerBackend) throws {
        let poller = try backend.make()
        let pair = try SocketPair()
        #expect(throws: SystemError.self) { try poller.modify(pair.left, interest: .read, token: 1) }
        try poller.add(pair.left, interest: .read, token: 1)
        #expect(throws: SystemError.self) { try poller.add(pair.left, interest: .read, token: 1) }
    }

    @Test("many descriptors, a few ready: exactly those are reported", arguments: PollerBackend.allCases)
    func many(backend: PollerBackend) throws {
        let poller = try backend.make()
        let pairs = try (0..<200).map { _ in try SocketPair() }
        for (index, pair) in pairs.enumerated() {
            try poller.add(pair.left, interest: .read, token: UInt64(index))
        }
        for index in [3, 50, 199] { pairs[index].send("x", from: pairs[index].right) }
        #expect(Set(try poll(poller, timeout: 1000).map(\.token)) == [3, 50, 199])
    }
}
