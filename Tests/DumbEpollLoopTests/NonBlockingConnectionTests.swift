import DumbEpollLoop
import DumbProtocol
import DumbSystem
import Glibc
import Testing

@Suite struct NonBlockingConnectionTests {
    /// A connected pair of non-blocking stream sockets: (server side, client side).
    func socketPair() throws -> (Int32, Int32) {
        var descriptors: [Int32] = [0, 0]
        let status = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue), 0, &descriptors)
        try #require(status == 0)
        return (descriptors[0], descriptors[1])
    }

    func send(_ descriptor: Int32, _ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
    }

    func receive(_ descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
    }

    @Test func drivesUntilTheSocketWouldBlock() throws {
        let (server, client) = try socketPair()
        defer { close(client) }
        let connection = NonBlockingConnection(descriptor: server, observer: nil)
        var scratch = [UInt8](repeating: 0, count: NonBlockingConnection.readChunk)
        #expect(connection.drive(scratch: &scratch) == .needsInput)
        send(client, "PING\nBURN 1\n")
        #expect(connection.drive(scratch: &scratch) == .burn(iterations: 1))
        connection.session.burnFinished(result: Burn.result(iterations: 1))
        send(client, "WAIT 7\n")
        #expect(connection.drive(scratch: &scratch) == .wait(milliseconds: 7))
        connection.session.waitFinished()
        #expect(connection.drive(scratch: &scratch) == .needsInput)
        #expect(receive(client) == "PONG\nRESULT 10451216379200822465\nDONE\n")
        shutdown(client, Int32(SHUT_WR))
        #expect(connection.drive(scratch: &scratch) == .close)
        close(server)
    }

    @Test func aFullSendBufferAndTheBudgetStopIt() throws {
        let (server, client) = try socketPair()
        defer {
            close(client)
            close(server)
        }
        let connection = NonBlockingConnection(descriptor: server, observer: nil)
        var scratch = [UInt8](repeating: 0, count: NonBlockingConnection.readChunk)
        send(client, "STREAM 100000000\n")
        #expect(connection.drive(budget: 1 << 30, scratch: &scratch) == .needsOutput)
        _ = receive(client)
        #expect(connection.drive(budget: 1, scratch: &scratch) == .yielded)
    }
}
