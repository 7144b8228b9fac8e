import DumbSystem
import DumbTestSupport
import Testing

/// Thousands of connections, a handful of threads.
@Suite("threads of dumb_reactor and dumb_coro", .serialized)
struct FewThreadsTests {
    @Test("under 400 connections, WAITs and BURNs, fewer than 50 threads", arguments: BurnOffloadTests.servers)
    func fewThreads(server: ServerUnderTest) throws {
        let process = try server.start()
        let clients = try ThreadingTests.openConnections(ThreadingTests.connections, to: process, answered: true)
        #expect(process.threadCount < 50, "\(process.threadCount) threads")
        // every connection busy at once: half WAIT, half BURN
        for (index, client) in clients.enumerated() { try client.send(index % 2 == 0 ? "WAIT 1000\n" : "BURN 1000\n") }
        let busyThreads = process.threadCount
        for (index, client) in clients.enumerated() {
            #expect(try client.readLine() == (index % 2 == 0 ? "DONE" : "RESULT 18296984787417760110"))
        }
        #expect(busyThreads < 50, "\(busyThreads) threads while busy")
        #expect(process.threadCount < 50, "\(process.threadCount) threads")
    }
}
