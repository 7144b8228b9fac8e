import DumbTestSupport
import Testing

/// What each design costs in threads, counted in /proc/PID/status.
@Suite("threads per design", .serialized)
struct ThreadingTests {
    static let connections = 400

    /// Opens `count` connections and makes sure the server took each one (a PING answered).
    static func openConnections(_ count: Int, to process: ServerProcess, answered: Bool) throws -> [TestClient] {
        var clients: [TestClient] = []
        for _ in 0..<count {
            let client = try TestClient(port: process.port)
            try client.send("PING\n")
            clients.append(client)
        }
        if answered {
            for client in clients { #expect(try client.readLine() == "PONG") }
        }
        return clients
    }

    @Test("dumb_iterative: one thread, whatever the connections")
    func iterativeRunsOneThread() throws {
        let process = try ServerProcess.start("dumb_iterative")
        // the first connection is served, the others wait in the backlog
        let clients = try Self.openConnections(Self.connections, to: process, answered: false)
        #expect(try clients[0].readLine() == "PONG")
        #expect(process.threadCount == 1)
    }

    @Test("dumb_multithreaded: at least one thread per connection")
    func multithreadedRunsAThreadPerConnection() throws {
        let process = try ServerProcess.start("dumb_multithreaded")
        let clients = try Self.openConnections(Self.connections, to: process, answered: true)
        #expect(process.threadCount >= Self.connections)
        // and they go away with their connections
        for client in clients { client.shutdownWrite() }
        for client in clients { #expect(try client.waitForClose()) }
        #expect(eventually { process.threadCount < 10 }, "threads left: \(process.threadCount)")
    }

    @Test("dumb_multithreaded --stack-size: the threads get the stack asked for")
    func stackSize() throws {
        // the same 100 connections, with the default stacks and with 64 KiB ones: the
        // difference in address space is the stacks'
        let small = try ServerProcess.start("dumb_multithreaded", arguments: ["--stack-size", "64k"])
        #expect(small.log.contains("a 64 KiB stack"))
        let large = try ServerProcess.start("dumb_multithreaded")
        let smallClients = try Self.openConnections(100, to: small, answered: true)
        let largeClients = try Self.openConnections(100, to: large, answered: true)
        let difference = (large.status("VmSize")! - small.status("VmSize")!) * 1024
        let defaultStack = 8 << 20
        #expect(difference > 100 * (defaultStack - (64 << 10)) / 2, "VmSize differs by \(difference >> 20) MiB only")
        _ = (smallClients, largeClients)
    }
}
