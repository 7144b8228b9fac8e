import DumbSystem
import DumbTestSupport
import Foundation
import Glibc
import Testing

/// `c10k_client` run as a learner runs it, against every server of the lab.
@Suite("c10k_client against the lab's servers")
struct AgainstServersTests {
    @Test("a mix of every request, checked, without an error", arguments: ServerUnderTest.all)
    func mixedLoad(server: ServerUnderTest) throws {
        let process = try server.start()
        // the iterative server serves one connection at a time: the others would wait forever
        let clients = server.concurrency == .iterative ? 1 : 50
        let run = try ClientRun([
            "\(clients)", "--port", "\(process.port)", "--duration", "2s",
            "--mix", "PING=40,BURN 1000=30,STREAM 5000=20,WAIT 1=10",
        ])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.integer("clients_requested") == clients)
        #expect(run.integer("clients_connected") == clients)
        #expect((run.integer("requests") ?? 0) > 0)
        #expect(run.errorKinds.isEmpty, "\(run.errors)")
        #expect(run.output.contains("errors       none"))
    }

    @Test("open loop at a fixed rate", arguments: ServerUnderTest.concurrent)
    func openLoop(server: ServerUnderTest) throws {
        let process = try server.start()
        let run = try ClientRun([
            "20", "--port", "\(process.port)", "--duration", "2s", "--rate", "200", "--request", "PING",
        ])
        #expect(run.status == 0, "\(run.output)")
        // 200 requests/s for 2 s: about 400, whatever the server's speed
        #expect((300...420).contains(run.integer("requests") ?? 0), "\(run.output)")
        #expect(run.output.contains("open loop at 200 req/s"))
    }

    @Test("SIGINT ends the run with the summary", arguments: ServerUnderTest.concurrent)
    func interrupt(server: ServerUnderTest) throws {
        let process = try server.start()
        let client = try ServerProcess("c10k_client", arguments: ["10", "--port", "\(process.port)"])
        #expect(eventually(timeout: 60) { client.log.contains("req/s | p50") }, "\(client.log)")
        kill(client.pid, SIGINT)
        #expect(client.waitForExit(timeout: 30) == 0, "\(client.log)")
        #expect(client.log.contains("correct answers"))
        #expect(client.log.contains("errors       none"))
    }

    @Test("fewer descriptors than clients: it holds what it can and says which limit stopped it")
    func descriptorLimit() throws {
        let process = try ServerUnderTest.concurrent[0].start()
        let binary = try BinaryLocator.path(of: "c10k_client")
        let (status, output) = try runShell(
            "ulimit -n 64 && exec '\(binary)' 100 --port \(process.port) --duration 2s --request PING")
        #expect(status == 1, "\(output)")
        #expect(output.contains("RLIMIT_NOFILE is 64"), "\(output)")
        #expect(output.contains("of 100 connections were open at once. Limited by: file descriptors"), "\(output)")
    }
}
