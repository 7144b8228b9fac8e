import DumbSystem
import Glibc
import Testing

@Suite struct SocketTests {
    @Test func listenOnAnEphemeralPortAcceptAndTalk() throws {
        let listener = try Socket.listen(host: "127.0.0.1", port: 0, backlog: 8, nonBlocking: true)
        defer { Socket.close(listener.descriptor) }
        #expect(listener.port > 0)
        guard case .wouldBlock = try Socket.accept(listener.descriptor, nonBlocking: true) else {
            Issue.record("a listener without clients must say wouldBlock")
            return
        }
        let client = try Socket.connect(host: "127.0.0.1", port: listener.port)
        defer { Socket.close(client.descriptor) }
        #expect(client.connected)
        var accepted: Int32 = -1
        _ = eventuallyTrue {
            if case .connection(let descriptor) = try Socket.accept(listener.descriptor, nonBlocking: true) {
                accepted = descriptor
                return true
            }
            return false
        }
        #expect(accepted >= 0)
        defer { Socket.close(accepted) }
        var buffer = [UInt8](repeating: 0, count: 16)
        // nothing sent yet: a non-blocking read says so as a value
        let empty = try buffer.withUnsafeMutableBytes { try Socket.read(accepted, into: $0) }
        #expect(empty == .wouldBlock)
        try Array("hi".utf8).withUnsafeBytes { try Socket.writeAll(client.descriptor, $0) }
        var got = 0
        _ = eventuallyTrue {
            let result = try buffer.withUnsafeMutableBytes { try Socket.read(accepted, into: $0) }
            if case .done(let count) = result { got = count }
            return got > 0
        }
        #expect(Array(buffer[0..<got]) == Array("hi".utf8))
        Socket.shutdownWrite(client.descriptor)
        var end = -1
        _ = eventuallyTrue {
            let result = try buffer.withUnsafeMutableBytes { try Socket.read(accepted, into: $0) }
            if case .done(let count) = result { end = count }
            return end == 0
        }
        #expect(end == 0, "end of input reads as 0")
    }

    @Test func errorsNameTheCallAndErrno() throws {
        let first = try Socket.listen(host: "127.0.0.1", port: 0, backlog: 8)
        defer { Socket.close(first.descriptor) }
        #expect {
            try Socket.listen(host: "127.0.0.1", port: first.port, backlog: 8)
        } throws: { error in
            let error = error as? SystemError
            return error?.errno == EADDRINUSE && error?.description.contains("bind(127.0.0.1:") == true
        }
        #expect(throws: AddressError.self) { try Socket.listen(host: "not a host", port: 0, backlog: 1) }
    }

    @Test func writingToAClosedPeerIsAnErrorNotASignal() throws {
        let listener = try Socket.listen(host: "127.0.0.1", port: 0, backlog: 8)
        defer { Socket.close(listener.descriptor) }
        let client = try Socket.connect(host: "127.0.0.1", port: listener.port)
        guard case .connection(let server) = try Socket.accept(listener.descriptor) else {
            Issue.record("no connection")
            return
        }
        defer { Socket.close(server) }
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(client.descriptor, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        Socket.close(client.descriptor)
        let payload = [UInt8](repeating: 1, count: 1 << 16)
        #expect(throws: SystemError.self) {
            for _ in 0..<100 { try payload.withUnsafeBytes { try Socket.writeAll(server, $0) } }
        }
    }

    @Test func reusePortLetsSeveralListenersShareAPort() throws {
        let first = try Socket.listen(host: "127.0.0.1", port: 0, backlog: 8, reusePort: true)
        let second = try Socket.listen(host: "127.0.0.1", port: first.port, backlog: 8, reusePort: true)
        #expect(first.port == second.port)
        Socket.close(first.descriptor)
        Socket.close(second.descriptor)
    }
}

func eventuallyTrue(_ condition: () throws -> Bool) -> Bool {
    for _ in 0..<3000 {
        if (try? condition()) == true { return true }
        usleep(1000)
    }
    return false
}
