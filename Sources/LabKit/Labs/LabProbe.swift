import DumbCommandLine
import DumbMetrics
import DumbSystem
import Foundation
import Glibc

/// What a check found: whether the step's observation holds, the figure it measured and the
/// reference figure beside it, and, when not, why and what to do.
public struct ProbeOutcome: Codable, Sendable, Equatable {
    public var passed: Bool
    /// It would not grade: the limits the lab relies on are not in force (``reason`` says
    /// which).
    public var refused = false
    public var measured: Double?
    public var reference: Double?
    public var unit: String?
    /// What it saw, in words (`PING answered after 2.01 s`).
    public var text: String
    public var reason: String?

    static func pass(_ text: String, measured: Double? = nil, unit: String? = nil) -> ProbeOutcome {
        ProbeOutcome(passed: true, measured: measured, unit: unit, text: text)
    }

    static func fail(_ text: String, _ reason: String, measured: Double? = nil, unit: String? = nil) -> ProbeOutcome {
        ProbeOutcome(passed: false, measured: measured, unit: unit, text: text, reason: reason)
    }

    static func refuse(_ reason: String) -> ProbeOutcome {
        ProbeOutcome(passed: false, refused: true, text: "not graded", reason: reason)
    }
}

/// Where a check looks: the lab's ports, its workspace, and the reference results.
public struct CheckContext: Sendable {
    public var port = 8090
    public var metricsPort = 8091
    /// The lab's folder in the state folder: experiment results and logs.
    public var workspace: String
    /// The repository's `labs/results`, when c10k_lab finds it.
    public var results: String?

    public init(workspace: String, results: String?) {
        self.workspace = workspace
        self.results = results
    }
}

/// What blocks the server in a stall check, on a connection of the check's own.
public enum Blocker: Sendable, Equatable {
    /// `WAIT ms`.
    case wait(milliseconds: Int)
    /// `count` requests of `BURN 1000000000`, the most one may ask (about 1.4 s of CPU each on
    /// the reference machine), pipelined.
    case burns(count: Int)
    /// `STREAM` of 100 MB that the check does not read.
    case slowReader
    /// `P`, and the rest of the line never.
    case slowSender

    var description: String {
        switch self {
        case .wait(let milliseconds): "WAIT \(milliseconds)"
        case .burns(let count): "\(count) × BURN 1000000000"
        case .slowReader: "a slow reader (STREAM 100000000, not read)"
        case .slowSender: "a slow sender (P, then nothing)"
        }
    }
}

/// One step's check: it measures in the learner's environment whether the step's
/// observation holds.
public enum LabProbe: Sendable {
    /// `binary` listens on the lab's port (natively or in its container).
    case listening(binary: String)
    /// … and may run on exactly `cpus` (taskset, a cpuset).
    case pinned(binary: String, cpus: Int)
    /// `request` gets `expected`.
    case answers(request: String, expected: String)
    /// While `blocker` runs on one connection, a PING on another waits (`blocks`) or not.
    case stall(Blocker, blocks: Bool)
    /// A line sent by one client of the chat reaches another.
    case chatRelay
    /// 1100 connections to the chat server: past FD_SETSIZE refused (`refused`), or all welcomed.
    case fdSetSize(refused: Bool)
    /// At least `count` clients connected (the server's `dumb_connections_active`).
    case connections(atLeast: Int)
    /// With clients connected: its threads per connection (≈ 1 for a thread per client).
    case threadsPerConnection
    /// With clients connected: at most `count` threads, however many clients.
    case threadsAtMost(Int)
    /// With clients connected: the share of its CPU time spent in the kernel over 2 s.
    case systemShare
    /// With clients connected: its RSS per connection, in bytes.
    case rssPerConnection
    /// With clients connected: involuntary context switches a second, all threads together.
    case involuntarySwitches
    /// dumb_epoll_workers: `loops` loops, each holding a share of the connections.
    case workersShareTheLoad(loops: Int)
    /// dumb_epoll_workers: a long BURN stalls the clients of its loop, not those of the others.
    case burnStallsOneLoop
    /// The memory experiment's result in the workspace folder `name`: it failed by one of
    /// `modes` (nil: it must hold `maximum` connections), under `memory`.
    case memoryResult(name: String, server: String, memory: String, failsBy: [String]?)
    /// The kernel's share of a connection's cost in the memory result `name`.
    case kernelShare(name: String)
    /// The memory result `name` costs more per connection than `than`.
    case costsMore(name: String, than: String)
    /// The compare result in the workspace folder `name`: `faster` beats `slower` in
    /// throughput at its largest client count.
    case compareResult(name: String, faster: String, slower: String)
    /// A c10k_client JSON summary in the workspace (`name`): no error, a throughput.
    case clientSummary(name: String)

    // MARK: Checking

    /// Runs the check. `expected` is the reference figure, when the lab has one.
    func run(_ context: CheckContext) -> ProbeOutcome {
        switch self {
        case .listening(let binary):
            guard let server = Self.server(context) else {
                return .fail("nothing listens on 127.0.0.1:\(context.port)", "start \(binary) (the step's command)")
            }
            return server.binary == binary
                ? .pass("\(binary) listens on 127.0.0.1:\(context.port) (pid \(server.pid))")
                : .fail(
                    "\(server.binary) listens on \(context.port), not \(binary)",
                    "stop \(server.binary), start \(binary)")
        case .pinned(let binary, let cpus):
            guard let server = Self.server(context), server.binary == binary else {
                return .fail("\(binary) is not running on \(context.port)", "start it as the step says")
            }
            let allowed = Self.allowedCPUs(server.pid)
            return allowed.count == cpus
                ? .pass(
                    "\(binary) may run on CPU \(CPUAffinity.listDescription(allowed))", measured: Double(allowed.count),
                    unit: "CPUs")
                : .refuse(
                    "\(binary) may run on CPUs \(CPUAffinity.listDescription(allowed)): the lab needs it on \(cpus) (taskset -c \(cpus == 1 ? "0" : "0-\(cpus - 1)"), or the lab's compose file)"
                )
        case .answers(let request, let expected):
            guard let seconds = ProbeConnection.time(request, expect: expected, port: context.port, timeout: 5) else {
                return .fail(
                    "\(request) got no \(expected) within 5 s",
                    "is the server running and free (no other client holding it)?")
            }
            return .pass(
                "\(request) → \(expected) in \(Self.milliseconds(seconds))", measured: seconds * 1000, unit: "ms")
        case .stall(let blocker, let blocks):
            return Self.stall(blocker, blocks: blocks, context)
        case .chatRelay:
            return Self.chatRelay(context)
        case .fdSetSize(let refused):
            return Self.fdSetSize(refused: refused, context)
        case .connections(let count):
            let open = Self.connectionsOpen(context)
            return open >= count * 95 / 100
                ? .pass("\(open) clients connected", measured: Double(open), unit: "connections")
                : .fail(
                    "\(open) clients connected, not \(count)",
                    "run the step's c10k_client command (it keeps them connected until Ctrl-C)")
        case .threadsPerConnection, .threadsAtMost, .systemShare, .rssPerConnection, .involuntarySwitches:
            return loaded(context)
        case .workersShareTheLoad(let loops):
            return Self.workers(loops: loops, context)
        case .burnStallsOneLoop:
            return Self.burnOneLoop(context)
        case .memoryResult(let name, let server, let memory, let modes):
            return Self.memoryResult(name: name, server: server, memory: memory, failsBy: modes, context)
        case .kernelShare(let name):
            return Self.kernelShare(name: name, context)
        case .costsMore(let name, let than):
            return Self.costsMore(name: name, than: than, context)
        case .compareResult(let name, let faster, let slower):
            return Self.compare(name: name, faster: faster, slower: slower, context)
        case .clientSummary(let name):
            return Self.clientSummary(name: name, context)
        }
    }

    /// The checks of a loaded server: they need clients connected (1000 at least).
    private func loaded(_ context: CheckContext) -> ProbeOutcome {
        guard let server = Self.server(context) else {
            return .fail("nothing listens on 127.0.0.1:\(context.port)", "start the server (step 1)")
        }
        let open = Self.connectionsOpen(context)
        guard open >= 1000 else {
            return .fail(
                "\(open) clients connected",
                "these figures need 1000 clients or more: run the step's c10k_client command")
        }
        guard let before = ProcessSample.read(server.pid) else {
            return .fail("\(server.binary) is gone", "start it again")
        }
        switch self {
        case .threadsPerConnection:
            let ratio = Double(before.threads) / Double(open)
            return ratio > 0.8
                ? .pass(
                    "\(before.threads) threads for \(open) clients", measured: Self.rounded(ratio, 2),
                    unit: "threads per client")
                : .fail(
                    "\(before.threads) threads for \(open) clients", "a thread per client would be about one each",
                    measured: ratio)
        case .threadsAtMost(let most):
            return before.threads <= most
                ? .pass(
                    "\(before.threads) threads for \(open) clients", measured: Double(before.threads), unit: "threads")
                : .fail(
                    "\(before.threads) threads for \(open) clients", "this model needs at most \(most)",
                    measured: Double(before.threads))
        case .rssPerConnection:
            let bytes = Double(before.rssBytes) / Double(open)
            return .pass(
                "RSS \(ByteSize.human(before.rssBytes)) for \(open) clients", measured: bytes.rounded(),
                unit: "bytes per client")
        default:
            break
        }
        usleep(2_000_000)
        guard let after = ProcessSample.read(server.pid) else {
            return .fail("\(server.binary) is gone", "start it again")
        }
        if case .systemShare = self {
            let user = after.userSeconds - before.userSeconds
            let system = after.systemSeconds - before.systemSeconds
            guard user + system > 0.1 else {
                return .fail(
                    "\(Self.rounded(user + system, 2)) s of CPU in 2 s",
                    "the clients must keep it busy: BURN 1000 requests")
            }
            let share = system / (user + system)
            return share >= 0.5
                ? .pass(
                    "\(Int(share * 100)) % of its CPU time in the kernel (%sys)",
                    measured: Self.rounded(share * 100, 0), unit: "% sys")
                : .fail(
                    "\(Int(share * 100)) % in the kernel", "more clients (2000 and up) push it into the kernel",
                    measured: share * 100)
        }
        let switches = Double(after.involuntarySwitches - before.involuntarySwitches) / 2
        return switches > 10
            ? .pass(
                "\(Int(switches)) involuntary context switches a second", measured: switches.rounded(),
                unit: "per second")
            : .fail(
                "\(Int(switches)) involuntary switches a second", "more clients make the threads fight for the CPU",
                measured: switches)
    }

    // MARK: The checks that talk to the server

    static func stall(_ blocker: Blocker, blocks: Bool, _ context: CheckContext) -> ProbeOutcome {
        guard let blocking = try? ProbeConnection(port: context.port) else {
            return .fail("nothing listens on 127.0.0.1:\(context.port)", "start the server (step 1)")
        }
        let seconds: Double
        do {
            // as `nc -N` does: the request, then the end of input, so that the connection is
            // over once it is answered (the iterative server serves it until then)
            switch blocker {
            case .wait(let milliseconds):
                try blocking.send("WAIT \(milliseconds)\n")
                Socket.shutdownWrite(blocking.descriptor)
            case .burns(let count):
                try blocking.send(String(repeating: "BURN 1000000000\n", count: count))
                Socket.shutdownWrite(blocking.descriptor)
            case .slowReader:
                blocking.shrinkReceiveBuffer()
                try blocking.send("STREAM 100000000\n")
            case .slowSender: try blocking.send("P")
            }
        } catch {
            return .fail("cannot send \(blocker.description): \(error)", "is the server running?")
        }
        usleep(300_000)  // the server is busy with it now
        let start = SystemClock.now()
        let answered = ProbeConnection.time("PING", expect: "PONG", port: context.port, timeout: 4) != nil
        seconds = Double(SystemClock.now() - start) / 1e9
        let what = answered ? "a PING was answered after \(milliseconds(seconds))" : "a PING got no answer in 4 s"
        if blocks {
            return !answered || seconds > 1
                ? .pass(
                    "during \(blocker.description), \(what): the server is stalled",
                    measured: rounded(seconds * 1000, 0), unit: "ms")
                : .fail(
                    "during \(blocker.description), \(what)", "this server should stall: is it the step's server?",
                    measured: seconds * 1000, unit: "ms")
        }
        return answered && seconds < 1
            ? .pass(
                "during \(blocker.description), \(what): nobody waits", measured: rounded(seconds * 1000, 0), unit: "ms"
            )
            : .fail(
                "during \(blocker.description), \(what)", "this server should not stall: is it the step's server?",
                measured: seconds * 1000, unit: "ms")
    }

    static func chatRelay(_ context: CheckContext) -> ProbeOutcome {
        guard let first = try? ProbeConnection(port: context.port),
            let second = try? ProbeConnection(port: context.port),
            let welcome = first.readLine(timeout: 3), welcome.hasPrefix("WELCOME client-"),
            let other = second.readLine(timeout: 3), other.hasPrefix("WELCOME client-")
        else { return .fail("no WELCOME from the chat server", "start the step's chat server") }
        let name = String(welcome.dropFirst("WELCOME ".count))
        _ = try? first.send("hello from the check\n")
        while let line = second.readLine(timeout: 3) {
            if line == "\(name): hello from the check" { return .pass("\(other.dropFirst(8)) read \"\(line)\"") }
        }
        return .fail("the line did not reach the other client", "is it a chat server (select_chat, epoll_chat)?")
    }

    static func fdSetSize(refused: Bool, _ context: CheckContext) -> ProbeOutcome {
        OpenFileLimit.raiseToHardLimit()
        var connections: [ProbeConnection] = []
        var full = 0
        var first: Int?
        for index in 0..<1100 {
            guard let connection = try? ProbeConnection(port: context.port) else { break }
            connections.append(connection)
            if let line = connection.readLine(timeout: 3), line.hasPrefix("ERR server full") {
                full += 1
                if first == nil { first = index + 1 }
            }
        }
        guard connections.count == 1100 else {
            return .fail(
                "only \(connections.count) connections opened",
                "is the chat server running, with its open files limit raised?")
        }
        if refused {
            guard let first else {
                return .fail("all 1100 connections welcomed", "select_chat refuses past FD_SETSIZE: is it select_chat?")
            }
            return .pass(
                "connection \(first) and the \(full - 1) after it were refused: \"ERR server full\"",
                measured: Double(first), unit: "th connection refused")
        }
        return full == 0
            ? .pass("all 1100 connections welcomed: no FD_SETSIZE", measured: 1100, unit: "connections")
            : .fail("\(full) of 1100 refused", "epoll_chat has no FD_SETSIZE: is it epoll_chat?")
    }

    static func workers(loops: Int, _ context: CheckContext) -> ProbeOutcome {
        guard let scrape = MetricsScrape.fetch(port: context.metricsPort) else {
            return .fail("no metrics on 127.0.0.1:\(context.metricsPort)", "start dumb_epoll_workers (step 1)")
        }
        let shares = scrape.values.filter { $0.key.hasPrefix("dumb_worker_connections_active{") }.map(\.value)
        guard shares.count == loops else {
            return .refuse(
                "\(shares.count) event loops, not \(loops): give the server \(loops) CPUs (c10k_lab run --cpus 0-\(loops - 1), or taskset -c 0-\(loops - 1))"
            )
        }
        let total = shares.reduce(0, +)
        guard total >= 1000 else {
            return .fail("\(Int(total)) clients connected", "run the step's c10k_client command")
        }
        let least = (shares.min() ?? 0) / total
        return least >= 0.25
            ? .pass(
                "the loops hold \(shares.map { String(Int($0)) }.joined(separator: " and ")) connections",
                measured: rounded(least * 100, 0), unit: "% on the least loaded loop")
            : .fail(
                "the loops hold \(shares.map { String(Int($0)) }.joined(separator: ", "))",
                "SO_REUSEPORT should spread them about evenly", measured: least * 100)
    }

    static func burnOneLoop(_ context: CheckContext) -> ProbeOutcome {
        guard let burner = try? ProbeConnection(port: context.port),
            (try? burner.send(String(repeating: "BURN 1000000000\n", count: 4))) != nil
        else {
            return .fail("nothing listens on \(context.port)", "start dumb_epoll_workers (step 1)")
        }
        usleep(300_000)
        // new connections are hashed over the loops: some land on the burning one
        var fast = 0
        var slow = 0
        for _ in 0..<16 {
            if let seconds = ProbeConnection.time("PING", expect: "PONG", port: context.port, timeout: 0.5),
                seconds < 0.4
            {
                fast += 1
            } else {
                slow += 1
            }
        }
        if fast > 0 && slow > 0 {
            return .pass(
                "of 16 new clients during a long BURN, \(fast) were answered at once, \(slow) waited: one loop stalled",
                measured: Double(slow), unit: "clients waiting")
        }
        return .fail(
            "of 16 new clients, \(fast) were answered at once and \(slow) waited",
            fast == 0
                ? "every loop stalled: are there 2 loops (2 CPUs)?"
                : "none waited: is it dumb_epoll_workers, BURN on its loops?")
    }

    // MARK: The checks of result files

    static func memoryResult(
        name: String, server: String, memory: String, failsBy modes: [String]?, _ context: CheckContext
    ) -> ProbeOutcome {
        let path = context.workspace + "/" + name + "/result.json"
        guard let result = try? JSONText.decode(MemoryExperiment.Result.self, from: ProcFiles.read(path) ?? "") else {
            return .fail("no result in \(path)", "run the step's c10k_lab experiment memory command (with its --out)")
        }
        if let refusal = limitsNotInForce(result, server: server, memory: memory) { return .refuse(refusal) }
        if let modes {
            guard let failure = result.failure, modes.contains(failure.mode) else {
                return .fail(
                    result.failure.map { "it stopped: \($0.text)" } ?? "it held all \(result.maximum) connections",
                    "under \(memory) it should fail (\(modes.joined(separator: " or "))): is the limit the lab's?")
            }
            return .pass(
                "\(failure.text) [\(failure.mode)]", measured: Double(failure.atConnections),
                unit: "connections at the failure")
        }
        guard result.failure == nil, result.heldConnections >= result.maximum else {
            return .fail(
                result.failure?.text ?? "it held \(result.heldConnections)",
                "it should hold every connection under \(memory)")
        }
        return .pass(
            "it held \(result.heldConnections) connections, \(Int(result.bytesPerConnection ?? 0)) B each",
            measured: result.bytesPerConnection, unit: "bytes per connection")
    }

    /// Why a result cannot be graded: not the lab's server or limit, swap not limited, too few descriptors.
    static func limitsNotInForce(_ result: MemoryExperiment.Result, server: String, memory: String) -> String? {
        guard result.server == server else { return "the result is \(result.server)'s: the step is about \(server)" }
        guard let bytes = ByteSize.parse(memory), result.memoryLimitBytes == bytes else {
            return
                "it ran under \(ByteSize.human(result.memoryLimitBytes)): the lab's limit is \(memory) (--memory \(memory))"
        }
        if result.fingerprint.openFiles < 10_240 {
            return
                "its open files limit was \(result.fingerprint.openFiles): the lab needs 10240 or more (c10k_lab doctor)"
        }
        if let note = result.cgroupNotes.first(where: { $0.contains("NOT limited") }) {
            return "\(note): the memory limit was not in force"
        }
        return nil
    }

    static func kernelShare(name: String, _ context: CheckContext) -> ProbeOutcome {
        let path = context.workspace + "/" + name + "/result.json"
        guard let result = try? JSONText.decode(MemoryExperiment.Result.self, from: ProcFiles.read(path) ?? ""),
            let total = result.bytesPerConnection, let user = result.rssBytesPerConnection, total > 0
        else { return .fail("no result in \(path)", "run the step's c10k_lab experiment memory command") }
        let kernel = max(0, total - user)
        let share = kernel / total
        return share > 0.5
            ? .pass(
                "of \(Int(total)) B a connection, \(Int(user)) B are the server's own (RSS), \(Int(kernel)) B the kernel's",
                measured: rounded(share * 100, 0), unit: "% in the kernel")
            : .fail(
                "\(Int(kernel)) B of \(Int(total)) B in the kernel",
                "an idle epoll connection costs the kernel more than the server", measured: share * 100)
    }

    static func costsMore(name: String, than other: String, _ context: CheckContext) -> ProbeOutcome {
        func result(_ name: String) -> MemoryExperiment.Result? {
            try? JSONText.decode(
                MemoryExperiment.Result.self,
                from: ProcFiles.read(context.workspace + "/" + name + "/result.json") ?? "")
        }
        guard let mine = result(name)?.loadedBytesPerConnection else {
            return .fail("no result \(name)", "run the step's experiment")
        }
        guard let idle = result(other)?.bytesPerConnection else {
            return .fail("no result \(other)", "run the earlier step's experiment first")
        }
        return mine > idle * 1.2
            ? .pass(
                "under load, \(Int(mine)) B a connection, against \(Int(idle)) B idle", measured: mine.rounded(),
                unit: "bytes per loaded connection")
            : .fail(
                "under load, \(Int(mine)) B a connection, against \(Int(idle)) B idle", "full buffers should cost more",
                measured: mine)
    }

    static func compare(name: String, faster: String, slower: String, _ context: CheckContext) -> ProbeOutcome {
        let path = context.workspace + "/" + name + "/compare.json"
        guard let result = try? JSONText.decode(CompareExperiment.Result.self, from: ProcFiles.read(path) ?? "") else {
            return .fail("no result in \(path)", "run the step's c10k_lab experiment compare command")
        }
        let most = result.rows.map(\.clients).max() ?? 0
        guard let fast = result.rows.first(where: { $0.server == faster && $0.clients == most }),
            let slow = result.rows.first(where: { $0.server == slower && $0.clients == most })
        else { return .fail("\(path) has no \(faster) and \(slower) at \(most) clients", "give both to --servers") }
        let ratio = fast.throughputRps / max(slow.throughputRps, 1)
        return ratio > 1
            ? .pass(
                "at \(most) clients, \(faster) \(Int(fast.throughputRps)) req/s, \(slower) \(Int(slow.throughputRps))",
                measured: rounded(ratio, 2), unit: "× the throughput")
            : .fail(
                "at \(most) clients, \(faster) \(Int(fast.throughputRps)) req/s, \(slower) \(Int(slow.throughputRps))",
                "run it on a quiet machine", measured: ratio)
    }

    static func clientSummary(name: String, _ context: CheckContext) -> ProbeOutcome {
        let path = context.workspace + "/" + name
        guard let text = ProcFiles.read(path),
            let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        else { return .fail("no summary in \(path)", "run the step's c10k_client command (with its --json)") }
        let errors = (json["errors"] as? [String: Any] ?? [:]).values.compactMap { $0 as? Int }.reduce(0, +)
        let throughput = json["throughput_rps"] as? Double ?? 0
        return errors == 0 && throughput > 0
            ? .pass("\(Int(throughput)) req/s, no error", measured: throughput.rounded(), unit: "req/s")
            : .fail("\(Int(throughput)) req/s, \(errors) errors", "is redis-server running on the step's port?")
    }

    // MARK: Helpers

    struct Server {
        let pid: Int32
        let binary: String
    }

    /// The process that listens on the lab's port, and its binary's name.
    static func server(_ context: CheckContext) -> Server? {
        guard let holder = ListeningSockets.holders(of: [context.port]).first, let pid = holder.pid else { return nil }
        var target = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/\(pid)/exe", &target, target.count - 1)
        let path =
            length > 0
            ? String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : (holder.program ?? "")
        return Server(pid: pid, binary: String(path.split(separator: "/").last ?? ""))
    }

    static func allowedCPUs(_ pid: Int32) -> [Int] {
        let list = ProcFiles.keyValues(ProcFiles.read("/proc/\(pid)/status") ?? "")["Cpus_allowed_list"] ?? ""
        return CPUList.parse(list) ?? []
    }

    static func connectionsOpen(_ context: CheckContext) -> Int {
        Int(MetricsScrape.fetch(port: context.metricsPort)?["dumb_connections_active"] ?? 0)
    }

    static func milliseconds(_ seconds: Double) -> String { "\(Int((seconds * 1000).rounded())) ms" }

    static func rounded(_ value: Double, _ decimals: Int) -> Double {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        return (value * scale).rounded() / scale
    }
}
