import DumbSystem
import DumbTestSupport
import Testing

/// The lesson of dumb_reactor and dumb_coro: a long BURN delays no other client. The reactor
/// hands BURNs to worker threads; the coroutines yield their thread now and then. Each test
/// starts more BURNs than the server has threads to run them, so that neither would pass
/// without its mechanism, and checks an order of events, never a time: the PING's answer
/// comes while every BURN is still running.
@Suite("a long BURN stalls nobody on dumb_reactor and dumb_coro")
struct BurnOffloadTests {
    static let servers = ServerUnderTest.all.filter { ["dumb_reactor", "dumb_coro"].contains($0.binary) }

    /// The process's CPU time (user + system) in clock ticks.
    static func cpuTicks(_ process: ServerProcess) -> Int {
        ProcessStatus.cpuTicks(pid: process.pid) ?? 0
    }

    /// Starts `count` clients each with a BURN of 10^9 iterations (seconds in a release build,
    /// minutes in a debug one), and returns once the server is burning CPU for them.
    static func startBurns(_ count: Int, on process: ServerProcess) throws -> [TestClient] {
        let before = cpuTicks(process)
        var burners: [TestClient] = []
        for _ in 0..<count {
            let client = try TestClient(port: process.port)
            try client.send("PING\nBURN 1000000000\n")
            burners.append(client)
        }
        // each PONG says the server read that client's BURN line
        for client in burners { #expect(try client.readLine() == "PONG") }
        // and CPU time says the BURNs run (an observation, not a deadline: it only grows)
        #expect(eventually(timeout: 120) { cpuTicks(process) >= before + 20 }, "the BURNs do not seem to run")
        return burners
    }

    @Test("a PING during long BURNs is answered before any of them", arguments: servers)
    func pingDuringBurns(server: ServerUnderTest) throws {
        let process = try server.start()
        let burners = try Self.startBurns(CPUAffinity.allowedCPUCount() + 2, on: process)
        for round in 0..<3 {
            let other = try TestClient(port: process.port)
            try other.send("PING\n")
            #expect(try other.readLine() == "PONG", "round \(round)")
        }
        for (index, burner) in burners.enumerated() {
            #expect(!burner.isReadable(within: 0), "BURN \(index) ended before the PINGs were answered")
        }
    }

    @Test("WAIT, STREAM and short BURNs go on during long BURNs", arguments: servers)
    func everythingElseDuringBurns(server: ServerUnderTest) throws {
        let process = try server.start()
        let burners = try Self.startBurns(CPUAffinity.allowedCPUCount() + 1, on: process)
        let other = try TestClient(port: process.port)
        try other.send("WAIT 50\nSTREAM 100000\nPING\n")
        #expect(try other.readLine() == "DONE")
        #expect(try other.readStream(count: 100_000) == .ok)
        #expect(try other.readLine() == "PONG")
        for burner in burners { #expect(!burner.isReadable(within: 0)) }
    }

    @Test("dumb_reactor: BURNs beyond the pool's room wait their turn, and all are answered")
    func burnsQueue() throws {
        // one worker thread takes 4 jobs at most: the other BURNs wait in the reactor
        let process = try ServerProcess.start("dumb_reactor", arguments: ["--burn-threads", "1"])
        let clients = try (0..<12).map { _ in try TestClient(port: process.port) }
        for (index, client) in clients.enumerated() { try client.send("BURN \(1000 * index)\nBURN 1\n") }
        let vectors = [0: "RESULT 0", 1: "RESULT 18296984787417760110"]
        for (index, client) in clients.enumerated() {
            let first = try client.readLine()
            #expect(first?.hasPrefix("RESULT ") == true)
            if let expected = vectors[index] { #expect(first == expected) }
            #expect(try client.readLine() == "RESULT 10451216379200822465")
        }
        // clients that leave while queued or parked cost nothing: the others still get answers
        let leaving = try (0..<8).map { _ in try TestClient(port: process.port) }
        for client in leaving { try client.send("BURN 1000000\n") }
        for client in leaving { client.reset() }
        let after = try TestClient(port: process.port)
        try after.send("BURN 2\nPING\n")
        #expect(try after.readLine() == "RESULT 2922963487156816012")
        #expect(try after.readLine() == "PONG")
    }

    @Test("dumb_reactor: a client that goes away mid-BURN frees its worker thread")
    func abandonedBurnsStop() throws {
        // the one worker runs a BURN of 10^9 and has another queued: both clients reset.
        // Only if both jobs are given up does a third client's BURN get its turn before the
        // first would have ended (minutes in a debug build).
        let process = try ServerProcess.start("dumb_reactor", arguments: ["--burn-threads", "1"])
        let burners = try Self.startBurns(2, on: process)
        for burner in burners { burner.reset() }
        let after = try TestClient(port: process.port)
        try after.send("BURN 1\n")
        #expect(try after.readLine(timeout: 60) == "RESULT 10451216379200822465")
    }

    @Test("dumb_reactor --burn-threads: that many workers, besides the reactor thread")
    func burnThreads() throws {
        for (arguments, environment, workers) in [
            (["--burn-threads", "1"], [:], 1), (["--burn-threads", "3"], [:], 3),
            ([], ["DUMB_BURN_THREADS": "5"], 5), (["--burn-threads", "2"], ["DUMB_BURN_THREADS": "5"], 2),
        ] as [([String], [String: String], Int)] {
            let process = try ServerProcess.start("dumb_reactor", arguments: arguments, environment: environment)
            // logged once the workers are started, just after "listening on"
            #expect(eventually { process.log.contains("BURNs on \(workers) worker threads") }, "\(process.log)")
            #expect(process.threadCount == 1 + workers, "\(arguments) \(environment)")
        }
        let process = try ServerProcess.start("dumb_reactor")
        let cpus = CPUAffinity.allowedCPUCount()
        #expect(eventually { process.log.contains("BURNs on \(cpus) worker threads") }, "\(process.log)")
    }

    @Test("dumb_reactor --poller poll: the same reactor on poll(2)")
    func pollBackend() throws {
        let process = try ServerProcess.start("dumb_reactor", arguments: ["--poller", "poll"])
        #expect(eventually { process.log.contains("reactor on poll") }, "\(process.log)")
        let clients = try (0..<50).map { _ in try TestClient(port: process.port) }
        for client in clients { try client.send("PING\nBURN 1000\nWAIT 10\nSTREAM 3\n") }
        for client in clients {
            for expected in ["PONG", "RESULT 18296984787417760110", "DONE", "abc", "DONE"] {
                #expect(try client.readLine() == expected)
            }
        }
        let burners = try Self.startBurns(CPUAffinity.allowedCPUCount() + 1, on: process)
        let other = try TestClient(port: process.port)
        try other.send("PING\n")
        #expect(try other.readLine() == "PONG")
        for burner in burners { #expect(!burner.isReadable(within: 0)) }
    }

    @Test("dumb_reactor: bad --burn-threads and --poller values say what to do")
    func badValues() throws {
        for (arguments, environment, message) in [
            (["--burn-threads", "0"], [:], "--burn-threads 0 is out of range"),
            (["--burn-threads", "100000"], [:], "give 1 to 256"),
            ([], ["DUMB_BURN_THREADS": "many"], "DUMB_BURN_THREADS=many is not a whole number"),
            (["--poller", "kqueue"], [:], "--poller kqueue is not a backend: use epoll or poll"),
        ] as [([String], [String: String], String)] {
            let process = try ServerProcess("dumb_reactor", arguments: arguments, environment: environment)
            let status = process.waitForExit(timeout: 60)
            #expect(status != nil && status != 0, "\(arguments) \(environment)")
            #expect(process.log.contains(message), "\(arguments) \(environment): \(process.log)")
        }
    }
}
