import DumbSystem
import DumbTestSupport
import Foundation
import Glibc
import Testing

/// Out of descriptors (EMFILE), a server must neither spin nor leave connections stuck in its
/// listen backlog. The hand-written servers refuse what they cannot take (accept with a
/// reserve descriptor, close at once) and, when not even that is possible, retry after a
/// short back-off; dumb_nio has no reserve: it leaves them in the backlog and retries after
/// the same back-off. Every wait here has a deadline: a stuck backlog fails, never hangs.
@Suite("out of descriptors")
struct OutOfDescriptorsTests {
    static let prlimit = "/usr/bin/prlimit"
    /// What a server logs while it backs off.
    static let backoffLog = "cannot accept now"
    static let hasPrlimit = FileManager.default.isExecutableFile(atPath: prlimit)

    /// A server that can run out of descriptors, and what it does then.
    struct Case: CustomStringConvertible, Sendable {
        let binary: String
        let arguments: [String]
        /// The chat protocol: a served client is greeted (`WELCOME client-N`); a DUMB one
        /// answers the PING each client sends.
        let chat: Bool
        /// Closes at once the connections it has no descriptor for; dumb_nio leaves them in
        /// the backlog instead, and takes them when descriptors come back.
        let sheds: Bool
        /// Survives an open files limit lowered under the descriptors it has open. Not
        /// dumb_coro: libdispatch, under its coroutines, stops the process when it cannot open
        /// a descriptor (its thread monitor reads /proc every second while work is queued), and
        /// the last few descriptors it keeps from connections for it are then gone. Not poll(2)
        /// either: it refuses (EINVAL) more descriptors than the limit.
        let survivesLoweredLimit: Bool

        init(
            _ binary: String, _ arguments: [String] = [], chat: Bool = false, sheds: Bool = true,
            survivesLoweredLimit: Bool = true
        ) {
            (self.binary, self.arguments, self.chat, self.sheds) = (binary, arguments, chat, sheds)
            self.survivesLoweredLimit = survivesLoweredLimit
        }

        var description: String { ([binary] + arguments).joined(separator: " ") }

        func start(launcher: [String] = []) throws -> ServerProcess {
            try ServerProcess.startWithMetrics(binary, arguments: arguments, launcher: launcher)
        }
    }

    /// Every server that can hold more connections than 64 descriptors allow (not
    /// dumb_iterative: it holds one connection at a time).
    static let cases: [Case] = [
        Case("select_chat", chat: true),
        Case("epoll_chat", chat: true),
        Case("dumb_multithreaded"),
        Case("dumb_epoll"),
        Case("dumb_epoll_workers"),
        Case("dumb_reactor"),
        Case("dumb_reactor", ["--poller", "poll"], survivesLoweredLimit: false),
        Case("dumb_coro", survivesLoweredLimit: false),
        Case("dumb_nio", sheds: false),
    ]

    /// What became of a connection.
    enum Outcome: Equatable {
        /// Answered: PONG to its PING, or the chat's greeting.
        case served
        /// Closed by the server without an answer (refused).
        case closed
        /// Neither, by the deadline: it waits in the backlog.
        case waiting
    }

    /// Opens a connection and, for a DUMB server, sends a PING (a refused one may be closed
    /// before it is sent).
    static func connect(_ server: Case, _ process: ServerProcess) throws -> TestClient {
        let client = try TestClient(port: process.port, readBufferSize: 4096)
        if !server.chat { try? client.send("PING\n") }
        return client
    }

    /// What became of `client` by `deadline` (CLOCK_MONOTONIC nanoseconds).
    static func outcome(_ client: TestClient, _ server: Case, by deadline: UInt64) -> Outcome {
        let now = SystemClock.now()
        let timeout = deadline > now ? Double(deadline - now) / 1e9 : 0.001
        do {
            guard let line = try client.readLine(timeout: timeout) else {
                return (try? client.waitForClose(timeout: 0)) == true ? .closed : .waiting
            }
            let served = server.chat ? line.hasPrefix("WELCOME client-") : line == "PONG"
            #expect(served, "\(server): unexpected first line '\(line)'")
            return .served
        } catch {
            return .closed  // reset: the server closed it with the PING unread
        }
    }

    static func outcomes(_ clients: [TestClient], _ server: Case, within seconds: Double) -> [Outcome] {
        let deadline = SystemClock.now() + UInt64(seconds * 1e9)
        return clients.map { outcome($0, server, by: deadline) }
    }

    /// CPU time (user + system) the process used so far.
    static func cpuSeconds(_ pid: Int32) throws -> Double {
        Double(try #require(ProcessStatus.cpuTicks(pid: pid))) / Double(ProcessStatus.ticksPerSecond)
    }

    /// Expects the process to use little CPU over about a second in which nothing happens:
    /// a loop that spins on a readable listener uses a whole core. A wide bound, not a speed
    /// measurement: a quarter of the time that passed.
    static func expectIdle(_ process: ServerProcess, _ server: Case, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let (cpuBefore, wallBefore) = (try cpuSeconds(process.pid), SystemClock.now())
        usleep(1_000_000)
        let cpu = try cpuSeconds(process.pid) - cpuBefore
        let wall = Double(SystemClock.now() - wallBefore) / 1e9
        #expect(
            cpu < wall / 4, "\(server) used \(cpu) s of CPU in \(wall) s doing nothing", sourceLocation: sourceLocation)
    }

    /// Sets the soft open files limit of a running process (prlimit(1), as root may for any
    /// process of its user); the hard limit stays.
    static func setOpenFilesLimit(_ pid: Int32, soft: Int) throws {
        let result = try runShell("\(prlimit) --pid \(pid) --nofile=\(soft):", timeout: 60)
        #expect(result.status == 0, "\(result.output)")
    }

    /// The hard open files limit of a running process, from /proc/PID/limits.
    static func hardOpenFilesLimit(_ pid: Int32) throws -> Int {
        let limits = try #require(ProcFiles.read("/proc/\(pid)/limits"))
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[4]))
    }

    static func occurrences(of text: String, in log: String) -> Int {
        log.components(separatedBy: text).count - 1
    }

    @Test(
        "over the limit: refused at once and counted, no spinning, and served again once clients leave",
        .enabled(if: hasPrlimit), arguments: cases)
    func overTheLimit(server: Case) throws {
        // 64 descriptors in all: the server's own take ten to twenty, the clients the rest
        let process = try server.start(launcher: [Self.prlimit, "--nofile=64"])
        var clients = try (0..<100).map { _ in try Self.connect(server, process) }
        // each is answered or refused within seconds (none left waiting in the backlog)
        let outcomes = Self.outcomes(clients, server, within: 10)
        let served = outcomes.filter { $0 == .served }.count
        let closed = outcomes.filter { $0 == .closed }.count
        #expect(served >= 10 && served < 64, "\(served) of 100 served")
        if server.sheds {
            #expect(served + closed == 100, "\(100 - served - closed) left waiting in the backlog")
            #expect(process.log.contains("refused a connection"), "\(process.log)")
            // a flood of refusals is one line, then one every few seconds at most
            #expect(Self.occurrences(of: "refused", in: process.log) <= 3, "\(process.log)")
        } else {
            #expect(closed == 0 && served < 100, "\(closed) closed; \(served) served")
        }
        #expect(process.isRunning)
        // out of descriptors, and nothing to do: it sleeps
        try Self.expectIdle(process, server)

        // the served leave: there are descriptors again, for those waiting (as many as left;
        // then those leave in turn), then for new ones
        var waiting = clients.indices.filter { outcomes[$0] == .waiting }.map { clients[$0] }
        clients.removeAll()
        for _ in 0..<3 where !waiting.isEmpty {
            let next = Self.outcomes(waiting, server, within: 5)
            #expect(next.contains(.served) && !next.contains(.closed), "\(next)")
            waiting = waiting.indices.filter { next[$0] == .waiting }.map { waiting[$0] }
        }
        #expect(waiting.isEmpty, "\(waiting.count) still waiting")
        // (a newcomer may still be refused while the server closes the connections of those who left)
        var refusedLater = 0
        #expect(
            eventually {
                guard let client = try? Self.connect(server, process) else { return false }
                let outcome = Self.outcome(client, server, by: SystemClock.now() + 2_000_000_000)
                if outcome == .closed { refusedLater += 1 }
                return outcome == .served
            })
        let rejected = try process.scrapeMetrics()["dumb_connections_rejected_total"] ?? 0
        #expect(rejected == Double(closed + refusedLater), "\(rejected) counted, \(closed) + \(refusedLater) closed")
    }

    @Test(
        "no descriptor to spare: no spinning, the backlog waits, and is served when descriptors come back",
        .enabled(if: hasPrlimit), arguments: cases.filter(\.survivesLoweredLimit))
    func nothingToShed(server: Case) throws {
        let process = try server.start()
        // clients served before, to show that the server goes on serving them meanwhile
        let (first, second) = try Self.servedPair(server, process)
        // soft limit 0: no descriptor can be opened at all, not even the reserve a server keeps
        // to refuse connections with
        try Self.setOpenFilesLimit(process.pid, soft: 0)
        let waiting = try (0..<3).map { _ in try Self.connect(server, process) }
        #expect(eventually { process.log.contains(Self.backoffLog) }, "\(process.log)")
        try Self.expectIdle(process, server)
        // none is refused: they wait in the backlog (dumb_multithreaded may take the first
        // one: its blocked accept held a descriptor number from before)
        let meanwhile = Self.outcomes(waiting, server, within: 0.1)
        #expect(!meanwhile.contains(.closed), "\(meanwhile)")
        #expect(meanwhile.filter { $0 == .served }.count <= 1, "\(meanwhile)")
        try Self.expectStillServing(first, second, server)
        if server.sheds {
            // the retries are not logged one by one
            #expect(Self.occurrences(of: Self.backoffLog, in: process.log) <= 2, "\(process.log)")
        }

        // descriptors again: the next retry takes them, with no new connection to wake it
        try Self.setOpenFilesLimit(process.pid, soft: try Self.hardOpenFilesLimit(process.pid))
        let stillWaiting = waiting.indices.filter { meanwhile[$0] == .waiting }.map { waiting[$0] }
        let after = Self.outcomes(stillWaiting, server, within: 20)
        #expect(after.allSatisfy { $0 == .served }, "\(after)")
        #expect(try process.scrapeMetrics()["dumb_connections_rejected_total"] == 0)
        #expect(process.isRunning)
    }

    @Test(
        "out of descriptors, SIGTERM still stops it with status 0", .enabled(if: hasPrlimit), arguments: cases)
    func stopsWhenFull(server: Case) throws {
        let process = try server.start(launcher: [Self.prlimit, "--nofile=64"])
        let clients = try (0..<100).map { _ in try Self.connect(server, process) }
        let outcomes = Self.outcomes(clients, server, within: 10)
        #expect(outcomes.contains(.served) && !outcomes.allSatisfy { $0 == .served }, "\(outcomes)")
        #expect(process.terminate(timeout: 30) == 0, "\(process.log)")
    }

    /// Two connections the server serves: two DUMB clients, or two chat clients who know each other.
    static func servedPair(_ server: Case, _ process: ServerProcess) throws -> (TestClient, TestClient) {
        let pair = try (0..<2).map { _ in try Self.connect(server, process) }
        for client in pair { #expect(Self.outcome(client, server, by: SystemClock.now() + 30_000_000_000) == .served) }
        if server.chat { #expect(try pair[0].readLine() == "client-2 joined") }
        return (pair[0], pair[1])
    }

    /// The server answers clients it took before: a PING, or a chat line relayed.
    static func expectStillServing(_ first: TestClient, _ second: TestClient, _ server: Case) throws {
        if server.chat {
            try second.send("still here\n")
            #expect(try first.readLine(timeout: 30) == "client-2: still here")
        } else {
            try first.send("PING\n")
            #expect(try first.readLine(timeout: 30) == "PONG")
        }
    }
}
