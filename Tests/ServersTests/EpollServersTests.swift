import DumbSystem
import DumbTestSupport
import Foundation
import Testing

/// dumb_epoll's lesson (a BURN stalls the loop's only thread), and what the epoll servers cost
/// in threads: one loop, one thread; one loop per CPU for dumb_epoll_workers.
@Suite("the epoll servers")
struct EpollServersTests {
    static let taskset = "/usr/bin/taskset"
    static let hasTaskset = FileManager.default.isExecutableFile(atPath: taskset)

    /// A BURN long enough to tell a stalled loop from a free one in any build: about two
    /// seconds (a debug build burns about 200 times slower than a release one), measured on
    /// `process` first.
    static func longBurn(on process: ServerProcess) throws -> String {
        let probe = try TestClient(port: process.port)
        let started = SystemClock.now()
        try probe.send("BURN 10000000\n")
        #expect(try probe.readLine(timeout: 600)?.hasPrefix("RESULT ") == true)
        let seconds = max(Double(SystemClock.now() - started) / 1e9, 1e-4)
        let iterations = min(1_000_000_000, max(10_000_000, Int(10_000_000 * 2 / seconds)))
        return "BURN \(iterations)\n"
    }

    /// Sends `burn` on `burner` and waits until the server has read it: the loop counts a
    /// connection's bytes as it reads them and, in the same turn, parses the line and runs the
    /// BURN (or hands it off). No timing involved.
    static func startBurn(_ burn: String, on burner: TestClient, _ process: ServerProcess) throws {
        let receivedBefore = try #require(try process.scrapeMetrics()["dumb_bytes_received_total"])
        try burner.send(burn)
        let receivedAll = receivedBefore + Double(burn.utf8.count)
        #expect(
            eventually(timeout: 120) { (try? process.scrapeMetrics()["dumb_bytes_received_total"]) == receivedAll },
            "the server never read the BURN")
    }

    @Test(
        "a PING on another connection during a long BURN: after it on dumb_epoll (one loop), before it on dumb_reactor",
        arguments: ["dumb_epoll", "dumb_reactor"])
    func burnStallsOnlyTheLoopItRunsOn(binary: String) throws {
        let process = try ServerProcess.startWithMetrics(binary)
        let burn = try Self.longBurn(on: process)
        let other = try TestClient(port: process.port)
        try other.send("PING\n")
        #expect(try other.readLine() == "PONG")  // accepted and registered with the loop
        let burnsBefore = try process.scrapeMetrics()[#"dumb_requests_total{command="BURN"}"#] ?? 0
        let burner = try TestClient(port: process.port)
        try Self.startBurn(burn, on: burner, process)

        try other.send("PING\n")
        #expect(try other.readLine(timeout: 600) == "PONG")
        // dumb_epoll writes the PONG only after the BURN's RESULT was handed to the kernel (and
        // counted) on the same thread; dumb_reactor answers while a worker burns
        let burns = try process.scrapeMetrics()[#"dumb_requests_total{command="BURN"}"#] ?? 0
        if binary == "dumb_epoll" {
            #expect(burns == burnsBefore + 1, "the PING was answered during the BURN: the loop did not stall")
            #expect(burner.isReadable(within: 0), "the RESULT is not there although the PING came after it")
        } else {
            #expect(burns == burnsBefore, "the PING waited for the BURN")
            #expect(!burner.isReadable(within: 0), "the BURN ended before the PING was answered")
        }
        #expect(try burner.readLine(timeout: 600)?.hasPrefix("RESULT ") == true)
    }

    @Test("dumb_epoll_workers: a long BURN stalls the clients of its own loop, not the other loop's")
    func burnStallsOnlyItsOwnLoop() throws {
        let process = try ServerProcess.startWithMetrics("dumb_epoll_workers", arguments: ["--workers", "2"])
        let burn = try Self.longBurn(on: process)
        // which loop each connection is on: the loop whose request count its PING raised,
        // counted from what the loops served before (the calibrating BURN's connection may be on
        // either) and once the count has risen (a loop counts a request after its write)
        func served() throws -> [String: Double] {
            let metrics = try process.scrapeMetrics()
            return ["0", "1"].reduce(into: [:]) {
                $0[$1] = metrics[#"dumb_worker_requests_total{worker="\#($1)"}"#] ?? 0
            }
        }
        var onLoop: [String: [TestClient]] = ["0": [], "1": []]
        func total(_ counts: [String: Double]) -> Double { counts.values.reduce(0, +) }
        var counts = try served()
        #expect(
            try eventually { () throws -> Bool in
                counts = try served()
                return total(counts) == 1
            }, "the calibrating BURN")
        for _ in 0..<200 where onLoop["0"]!.count < 2 || onLoop["1"]!.isEmpty {
            let client = try TestClient(port: process.port)
            try client.send("PING\n")
            #expect(try client.readLine() == "PONG")
            var now = counts
            #expect(
                try eventually { () throws -> Bool in
                    now = try served()
                    return total(now) == total(counts) + 1
                })
            for loop in ["0", "1"] where now[loop]! > counts[loop]! { onLoop[loop]!.append(client) }
            counts = now
        }
        let (burner, sameLoop) = (try #require(onLoop["0"]?.first), try #require(onLoop["0"]?.last))
        let otherLoop = try #require(onLoop["1"]?.first)
        #expect(burner !== sameLoop, "two connections on loop 0")
        #expect(onLoop["0"]!.allSatisfy { $0 !== otherLoop }, "a connection counted on both loops")
        try Self.startBurn(burn, on: burner, process)

        try otherLoop.send("PING\n")
        #expect(try otherLoop.readLine(timeout: 600) == "PONG")
        #expect(!burner.isReadable(within: 0), "the BURN ended before the other loop's PING was answered")
        try sameLoop.send("PING\n")
        #expect(try sameLoop.readLine(timeout: 600) == "PONG")
        #expect(burner.isReadable(within: 0), "loop 0 answered a PING during its own BURN")
        #expect(try burner.readLine(timeout: 600)?.hasPrefix("RESULT ") == true)
    }

    @Test(
        "a client that resets right after its WAIT, while the loop burns, is closed at once, not when the WAIT ends",
        arguments: ["dumb_epoll", "dumb_epoll_workers"])
    func resetWithTheWaitClosesAtOnce(binary: String) throws {
        // one loop, so the WAIT and the reset arrive while it burns: epoll reports both in one
        // event (input, error, hang-up), which the loop must not take for a WAIT to time
        let process = try ServerProcess.startWithMetrics(
            binary, arguments: binary == "dumb_epoll" ? [] : ["--workers", "1"])
        let burn = try Self.longBurn(on: process)
        let burner = try TestClient(port: process.port)
        let waiters = try (0..<4).map { _ in try TestClient(port: process.port) }
        #expect(eventually { (try? process.scrapeMetrics()["dumb_connections_accepted_total"]) == 6 })
        try Self.startBurn(burn, on: burner, process)
        for waiter in waiters {
            try waiter.send("WAIT 600000\n")
            waiter.reset()
        }
        #expect(try burner.readLine(timeout: 600)?.hasPrefix("RESULT ") == true)
        #expect(
            eventually(timeout: 60) { (try? process.scrapeMetrics()["dumb_connections_active"]) == 1 },
            "the reset connections are still open, waiting for their WAIT to end")
    }

    @Test("dumb_epoll --metrics-port 0: one thread under 400 connections, WAITs and STREAMs under way")
    func epollRunsOneThread() throws {
        let process = try ServerProcess.start("dumb_epoll", arguments: ["--metrics-port", "0"])
        let clients = try ThreadingTests.openConnections(ThreadingTests.connections, to: process, answered: true)
        for (index, client) in clients.prefix(20).enumerated() {
            try client.send(index % 2 == 0 ? "WAIT 60000\n" : "STREAM 100000000000\n")
        }
        #expect(try clients[1].read(count: 26) == Array("abcdefghijklmnopqrstuvwxyz".utf8))
        let last = try #require(clients.last)
        try last.send("PING\n")
        #expect(try last.readLine() == "PONG")
        #expect(process.threadCount == 1)
    }

    /// The loop count from "running N event loops" in the log, which the server writes once
    /// it started every loop's thread.
    static func loopCount(_ process: ServerProcess) -> Int? {
        var count: Int?
        _ = eventually {
            if let range = process.log.range(of: #"running \d+ event loops"#, options: .regularExpression) {
                count = Int(process.log[range].split(separator: " ")[1])
            }
            return count != nil || !process.isRunning
        }
        return count
    }

    /// Checks a dumb_epoll_workers process runs `loops` loops: the log, the threads (the
    /// loops and the metrics endpoint's), and one metrics series per loop.
    static func expectLoops(_ loops: Int, in process: ServerProcess) throws {
        #expect(loopCount(process) == loops, "\(process.log)")
        let clients = try ThreadingTests.openConnections(20, to: process, answered: true)
        #expect(process.threadCount == loops + 1)
        let metrics = try process.scrapeMetrics()
        let perLoop = metrics.series("dumb_worker_connections_active")
        #expect(perLoop.count == loops, "\(perLoop)")
        #expect(perLoop.values.reduce(0, +) == Double(clients.count))
    }

    @Test("taskset -c 0 dumb_epoll_workers: one event loop", .enabled(if: hasTaskset))
    func pinnedToOneCPU() throws {
        let process = try ServerProcess.startWithMetrics("dumb_epoll_workers", launcher: [Self.taskset, "-c", "0"])
        try Self.expectLoops(1, in: process)
    }

    @Test(
        "taskset -c with two CPUs: two event loops", .enabled(if: hasTaskset && CPUAffinity.allowedCPUs().count >= 2))
    func pinnedToTwoCPUs() throws {
        let cpus = CPUAffinity.allowedCPUs().prefix(2).map(String.init).joined(separator: ",")
        let process = try ServerProcess.startWithMetrics("dumb_epoll_workers", launcher: [Self.taskset, "-c", cpus])
        try Self.expectLoops(2, in: process)
    }

    @Test("unpinned: one event loop per CPU the process may run on (2 on a 2-CPU machine)")
    func onePerAllowedCPU() throws {
        // the server inherits this process's CPU affinity
        let process = try ServerProcess.startWithMetrics("dumb_epoll_workers")
        try Self.expectLoops(CPUAffinity.allowedCPUCount(), in: process)
    }

    @Test("--workers and DUMB_WORKERS set the loops; the option wins; bad counts are refused")
    func workersOption() throws {
        let fromOption = try ServerProcess.start("dumb_epoll_workers", arguments: ["--workers", "3"])
        #expect(Self.loopCount(fromOption) == 3)
        #expect(fromOption.threadCount == 3)
        let fromEnvironment = try ServerProcess.start("dumb_epoll_workers", environment: ["DUMB_WORKERS": "4"])
        #expect(Self.loopCount(fromEnvironment) == 4)
        let both = try ServerProcess.start(
            "dumb_epoll_workers", arguments: ["--workers", "1"], environment: ["DUMB_WORKERS": "4"])
        #expect(Self.loopCount(both) == 1)
        for (arguments, environment, message) in [
            (["--workers", "0"], [:], "--workers 0 is not a loop count"),
            (["--workers", "5000"], [:], "give 1 to 1024"),
            ([], ["DUMB_WORKERS": "many"], "DUMB_WORKERS=many is not a whole number"),
        ] as [([String], [String: String], String)] {
            let process = try ServerProcess("dumb_epoll_workers", arguments: arguments, environment: environment)
            #expect(process.waitForExit(timeout: 60) != 0)
            #expect(process.log.contains(message), "\(arguments) \(environment): \(process.log)")
        }
    }

    @Test("dumb_epoll_workers: connections spread over the loops, each counting its own")
    func connectionsSpread() throws {
        let process = try ServerProcess.startWithMetrics("dumb_epoll_workers", arguments: ["--workers", "2"])
        // SO_REUSEPORT hashes each connection's addresses to a listener: 100 connections all
        // on one of two loops has a probability of 2^-99
        let clients = try ThreadingTests.openConnections(100, to: process, answered: true)
        let metrics = try process.scrapeMetrics()
        for worker in ["0", "1"] {
            let connections = metrics[#"dumb_worker_connections_active{worker="\#(worker)"}"#] ?? 0
            let requests = metrics[#"dumb_worker_requests_total{worker="\#(worker)"}"#] ?? 0
            #expect(connections >= 1, "loop \(worker) got no connection: \(metrics.series("dumb_worker"))")
            #expect(connections == requests, "each connection sent one PING")
        }
        #expect(metrics.series("dumb_worker_connections_active").values.reduce(0, +) == Double(clients.count))
        #expect(metrics["dumb_connections_active"] == Double(clients.count))
        // and a closed connection leaves its loop's count
        for client in clients { client.shutdownWrite() }
        for client in clients { #expect(try client.waitForClose()) }
        #expect(
            eventually {
                (try? process.scrapeMetrics().series("dumb_worker_connections_active").values.reduce(0, +)) == 0
            })
    }
}
