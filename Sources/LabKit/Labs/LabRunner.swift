import DumbCommandLine
import DumbMetrics
import DumbSystem
import Foundation
import Glibc

/// A step's verdict in a check.
public struct StepVerdict: Codable, Sendable, Equatable {
    public var number: Int
    public var key: String
    public var title: String
    public var passed: Bool
    /// Not graded: the limits the lab relies on are not in force.
    public var refused: Bool
    /// It passed before (recorded in the progress), and its state is gone now.
    public var passedEarlier: String?
    public var text: String
    public var measured: Double?
    public var unit: String?
    public var reference: Double?
    /// Where the reference comes from, and the machine it was measured on.
    public var referenceSource: String?
    public var guess: Double?
    public var reason: String?
    public var hint: String?
}

/// `c10k_lab check NN`: a verdict per step.
public struct CheckReport: Codable, Sendable {
    public var lab: String
    public var folder: String
    public var title: String
    public var steps: [StepVerdict]
    public var passed: Bool
    public var fingerprint: Fingerprint?

    public var text: String {
        var lines = ["lab \(lab) \(title)"]
        for step in steps {
            let mark = step.passed ? "✓" : (step.refused ? "?" : "✗")
            lines.append(
                "\(mark) \(step.number) \(step.title): \(step.passedEarlier.map { "passed at \($0): " } ?? "")\(step.text)"
            )
            var figures: [String] = []
            if let measured = step.measured { figures.append("measured \(Self.figure(measured)) \(step.unit ?? "")") }
            if let reference = step.reference {
                figures.append("reference \(Self.figure(reference))\(step.referenceSource.map { " (\($0))" } ?? "")")
            }
            if let guess = step.guess { figures.append("your guess \(Self.figure(guess))") }
            if !figures.isEmpty { lines.append("    " + figures.joined(separator: " · ")) }
            if !step.passed {
                if let reason = step.reason { lines.append("    \(step.refused ? "not graded" : "why"): \(reason)") }
                if let hint = step.hint { lines.append("    hint: \(hint)") }
            }
        }
        let done = steps.filter(\.passed).count
        lines.append(passed ? "all \(steps.count) steps done" : "\(done) of \(steps.count) steps done")
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: String { JSONText.encode(self) }

    static func figure(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))" : "\((value * 100).rounded() / 100)"
    }
}

/// The labs' commands: start, check, solve, reset.
public final class LabRunner {
    public let state: LabState
    /// The repository (its `labs/` and `labs/results/`), when c10k_lab finds it.
    public let repository: String?
    /// The Docker path: servers in the lab's compose containers.
    public let docker: Bool
    let progress: (String) -> Void

    public static let port = 8090
    public static let metricsPort = 8091

    public init(state: LabState = LabState(), docker: Bool = false, progress: @escaping (String) -> Void) {
        self.state = state
        self.docker = docker
        self.progress = progress
        repository = Self.findRepository()
    }

    // MARK: check

    /// Checks every step (or `only` one). A step that passed before but whose state is gone
    /// now (a server stopped since) stays passed, with when.
    public func check(_ lab: Lab, only: String? = nil) throws -> CheckReport {
        let context = CheckContext(
            workspace: try state.workspace(lab), results: repository.map { $0 + "/labs/results" })
        let reference = referenceReport(lab)
        var progress = state.progress(lab)
        var verdicts: [StepVerdict] = []
        for (index, step) in lab.steps.enumerated() {
            if let only, lab.step(only)?.key != step.key { continue }
            var verdict = grade(
                step, number: index + 1, outcome: step.probe.run(context), reference: reference, lab: lab)
            if lab.prediction?.step == step.key { verdict.guess = progress.guess?.value }
            if verdict.passed {
                progress.steps[step.key] = LabState.StepRecord(
                    passedAt: LabState.now(), text: verdict.text, measured: verdict.measured, unit: verdict.unit)
            } else if only == nil, let record = progress.steps[step.key] {
                verdict.passed = true
                verdict.refused = false
                verdict.passedEarlier = record.passedAt
                verdict.text = record.text
                verdict.measured = record.measured
                verdict.unit = record.unit
            }
            verdicts.append(verdict)
        }
        try state.update(lab) { $0.steps = progress.steps }
        return CheckReport(
            lab: lab.id, folder: lab.folder, title: lab.title, steps: verdicts, passed: verdicts.allSatisfy(\.passed),
            fingerprint: .here(
                server: "", serverCPUs: [], clientCPUs: [], memoryLimit: nil, openFiles: OpenFileLimit.current().hard))
    }

    /// The verdict: the probe's, and the band around the reference figure.
    func grade(_ step: LabStep, number: Int, outcome: ProbeOutcome, reference: CheckReport?, lab: Lab) -> StepVerdict {
        var verdict = StepVerdict(
            number: number, key: step.key, title: step.title, passed: outcome.passed, refused: outcome.refused,
            text: outcome.text, measured: outcome.measured, unit: outcome.unit, reason: outcome.reason, hint: step.hint)
        if let referenceStep = reference?.steps.first(where: { $0.key == step.key }), let value = referenceStep.measured
        {
            verdict.reference = value
            let machine = reference?.fingerprint.map { "\($0.cpuModel), \($0.kernel)" } ?? "the reference machine"
            verdict.referenceSource = "labs/results/labs/\(lab.folder).json, \(machine)"
            if outcome.passed, let band = step.band, let measured = outcome.measured, value > 0,
                measured < value / band || measured > value * band
            {
                verdict.passed = false
                verdict.reason =
                    "measured \(CheckReport.figure(measured)), the reference \(CheckReport.figure(value)): more than ×\(CheckReport.figure(band)) apart. A loaded machine, other limits, or a debug build?"
            }
        }
        return verdict
    }

    /// The reference run of the lab: `labs/results/labs/FOLDER.json`, made by `make reference-results`.
    func referenceReport(_ lab: Lab) -> CheckReport? {
        guard let repository, let text = ProcFiles.read(repository + "/labs/results/labs/\(lab.folder).json") else {
            return nil
        }
        return try? JSONText.decode(CheckReport.self, from: text)
    }

    // MARK: solve

    /// The reference solution, run as a learner would: each step's actions, then its check.
    /// Stops at the first step that does not pass. Returns the final check.
    public func solve(_ lab: Lab) throws -> CheckReport {
        let context = CheckContext(
            workspace: try state.workspace(lab), results: repository.map { $0 + "/labs/results" })
        for (index, step) in lab.steps.enumerated() {
            progress("step \(index + 1)/\(lab.steps.count): \(step.title)")
            for action in step.solve {
                if StopSignal.pending != nil {
                    throw LabError("interrupted: c10k_lab reset \(lab.id) stops what it started")
                }
                try perform(action, lab: lab, context: context)
            }
            let verdict = try check(lab, only: step.key).steps.first
            if verdict?.passed != true {
                progress("step \(index + 1) did not pass: \(verdict?.reason ?? verdict?.text ?? "")")
                break
            }
        }
        return try check(lab)
    }

    func perform(_ action: LabAction, lab: Lab, context: CheckContext) throws {
        switch action {
        case .startServer(let binary, let cpus, let memory, let arguments):
            try startServer(binary, cpus: cpus, memory: memory, arguments: arguments, lab: lab, context: context)
        case .stopServer:
            try stop(lab, roles: ["server"])
        case .startClients(let count, let request, let thinkTime):
            let client = try ServerCatalog.requirePath(of: "c10k_client")
            var spawn = SpawnRequest(
                program: client,
                arguments: [
                    String(count), "--port", String(Self.port), "--request", request, "--think-time", thinkTime,
                    "--duration", "1h", "--quiet",
                ])
            spawn.cpus = Self.clientCPUs
            spawn.outputFile = context.workspace + "/clients.log"
            let pid = try Spawn.start(spawn)
            try state.record(lab, .init(pid: pid, role: "clients", command: [client] + spawn.arguments))
            progress("\(count) clients (pid \(pid)) on CPU \(CPUAffinity.listDescription(Self.clientCPUs))")
            // a reconnecting client or two (after a timeout) are not missing
            try waitFor("\(count) clients connected", seconds: 90) {
                LabProbe.connectionsOpen(context) >= count * 95 / 100
            }
        case .stopClients:
            try stop(lab, roles: ["clients"])
        case .memoryExperiment(let server, let memory, let out, let step, let maximum, let request, let serverArguments):
            var options = MemoryExperiment.Options(
                server: try ServerCatalog.dumbServer(server), memory: try Self.size(memory), serverCPUs: [0],
                clientCPUs: Self.clientCPUs, output: context.workspace + "/" + out,
                commandLine: "c10k_lab solve \(lab.id)")
            options.step = step
            options.maximum = maximum
            options.request = request
            options.compose = docker
            options.serverArguments = serverArguments
            _ = try MemoryExperiment(options, progress: progress).run()
        case .compareExperiment(let servers, let clients, let out, let request, let duration):
            var options = CompareExperiment.Options(
                servers: try servers.split(separator: ",").map { try ServerCatalog.dumbServer(String($0)) },
                clients: clients.split(separator: ",").compactMap { Int($0) }, memory: 1 << 30, serverCPUs: [0],
                clientCPUs: Self.clientCPUs, output: context.workspace + "/" + out,
                commandLine: "c10k_lab solve \(lab.id)")
            options.request = request
            options.durationSeconds = Double(DurationText.parse(duration) ?? 5_000_000_000) / 1e9
            _ = try CompareExperiment(options, progress: progress).run()
        case .startRedis(let port):
            guard let redis = Spawn.findProgram("redis-server") else {
                throw LabError("redis-server is not installed: sudo apt-get install redis-server")
            }
            var spawn = SpawnRequest(
                program: redis,
                arguments: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            spawn.cpus = [0]
            spawn.outputFile = context.workspace + "/redis.log"
            let pid = try Spawn.start(spawn)
            try state.record(lab, .init(pid: pid, role: "redis", command: [redis] + spawn.arguments))
            try waitFor("redis-server on \(port)", seconds: 20) {
                (try? Socket.connect(host: "127.0.0.1", port: port)).map { Socket.close($0.descriptor) } != nil
            }
        case .redisClients(let port, let out):
            var spawn = SpawnRequest(
                program: try ServerCatalog.requirePath(of: "c10k_client"),
                arguments: [
                    "1000", "--port", String(port), "--request", "PING", "--expect", "+PONG", "--duration", "5s",
                    "--quiet",
                    "--json", context.workspace + "/" + out,
                ])
            spawn.cpus = Self.clientCPUs
            spawn.outputFile = context.workspace + "/clients.log"
            _ = try Spawn.wait(try Spawn.start(spawn))
            try stop(lab, roles: ["redis"])
        }
    }

    func startServer(
        _ binary: String, cpus: String?, memory: String?, arguments: [String], lab: Lab, context: CheckContext
    ) throws {
        guard let info = ServerCatalog.server(binary) else { throw LabError("no server \(binary)") }
        if docker {
            // the lab's compose file runs its own server as `server`; another (lab 02's second)
            // is the repository's service of its name, in its profile
            guard let file = composeFile(lab) else { throw LabError("no compose.yaml in labs/\(lab.folder)") }
            let main = lab.steps.flatMap(\.solve).compactMap { action -> String? in
                if case .startServer(let binary, _, _, _) = action { binary } else { nil }
            }.first
            let service = binary == main ? "server" : info.service
            var command = ["docker", "compose", "-f", file]
            if service != "server" { command += ["--profile", service] }
            guard let up = Shell.run(command + ["up", "-d", service], timeout: 900), up.status == 0 else {
                throw LabError("docker compose up \(service) failed: docker compose -f \(file) logs \(service)")
            }
        } else {
            var launcher =
                [
                    try ServerCatalog.requirePath(of: binary), "--port", String(Self.port), "--metrics-port",
                    String(Self.metricsPort),
                ] + arguments
            if memory != nil {
                let lab = ServerCatalog.binaryFolder + "/c10k_lab"
                launcher =
                    [lab, "run", "--name", "lab-\(info.service)"] + (memory.map { ["--memory", $0] } ?? []) + ["--"]
                    + launcher
            }
            var spawn = SpawnRequest(program: launcher[0], arguments: Array(launcher.dropFirst()))
            spawn.cpus = try cpus.map { text in
                guard let list = CPUList.parse(text) else { throw LabError("not a CPU list: \(text)") }
                return list
            }
            spawn.outputFile = context.workspace + "/server.log"
            let pid = try Spawn.start(spawn)
            try state.record(lab, .init(pid: pid, role: "server", command: launcher))
            progress("\(binary) (pid \(pid))\(cpus.map { " on CPUs \($0)" } ?? "")")
        }
        try waitFor("\(binary) listening on 127.0.0.1:\(Self.port)", seconds: 30) {
            LabProbe.server(context)?.binary == binary && MetricsScrape.fetch(port: Self.metricsPort) != nil
        }
    }

    // MARK: start, reset

    /// Preflight for the lab (its facts of `doctor`), then, on the Docker path, its stack.
    public func start(_ lab: Lab) throws -> (ready: Bool, text: String) {
        let report = DoctorReport.examine(binaries: ServerCatalog.binaryFolder)
        let blockers = report.facts.filter {
            $0.status == .failed && ($0.blocks.contains(lab.id) || (docker && $0.blocksDocker))
        }
        var lines = ["lab \(lab.id) \(lab.title) (\(lab.minutes) min)"]
        for fact in blockers {
            lines.append("✗ \(fact.text)\n    fix: \(fact.fix ?? "")")
        }
        guard blockers.isEmpty else {
            lines.append("fix what is marked ✗, then c10k_lab start \(lab.id) again")
            return (false, lines.joined(separator: "\n") + "\n")
        }
        lines.append("✓ this machine can run it (c10k_lab doctor)")
        let workspace = try state.workspace(lab)
        lines.append("its results go to \(workspace)")
        if docker {
            guard let file = composeFile(lab) else { throw LabError("no compose.yaml in labs/\(lab.folder)") }
            guard let up = Shell.run(["docker", "compose", "-f", file, "up", "-d"], timeout: 900), up.status == 0 else {
                throw LabError("docker compose -f \(file) up -d failed: see docker compose -f \(file) logs")
            }
            lines.append(
                "✓ docker compose up -d in labs/\(lab.folder): monitoring and the lab's server; dashboards on http://localhost:3000"
            )
        }
        if let folder = repository.map({ $0 + "/labs/" + lab.folder }) {
            lines.append("open \(folder)/README.md; check each step with c10k_lab check \(lab.id)")
        }
        return (true, lines.joined(separator: "\n") + "\n")
    }

    /// Stops what the lab started (its processes, its compose stack), removes its cgroups and
    /// forgets its progress (not the guess).
    public func reset(_ lab: Lab) throws -> [String] {
        var done: [String] = []
        for process in state.started(lab) where kill(process.pid, 0) == 0 {
            done.append("stopped \(process.role) (pid \(process.pid))")
        }
        try stop(lab, roles: nil)
        if let file = composeFile(lab), Spawn.findProgram("docker") != nil,
            let containers = Shell.output(["docker", "compose", "-f", file, "--profile", "*", "ps", "-a", "-q"]),
            !containers.isEmpty
        {
            _ = Shell.run(["docker", "compose", "-f", file, "--profile", "*", "down", "--timeout", "5"], timeout: 120)
            done.append("docker compose -f labs/\(lab.folder)/compose.yaml down")
        }
        try state.forget(lab)
        done.append("progress of lab \(lab.id) forgotten")
        return done
    }

    /// Stops the processes of `roles` (nil: all) the lab started: SIGTERM, then SIGKILL.
    func stop(_ lab: Lab, roles: Set<String>?) throws {
        let processes = state.started(lab).filter { roles?.contains($0.role) ?? true }
        for process in processes { kill(process.pid, SIGTERM) }
        for process in processes {
            var exited = false
            for _ in 0..<200 {
                if kill(process.pid, 0) != 0 || (try? Spawn.poll(process.pid)) != nil {
                    exited = true
                    break
                }
                usleep(50_000)
            }
            if !exited {
                kill(process.pid, SIGKILL)
                _ = try? Spawn.poll(process.pid)
            }
        }
        if docker, roles?.contains("server") ?? true, let file = composeFile(lab) {
            _ = Shell.run(["docker", "compose", "-f", file, "--profile", "*", "stop"], timeout: 120)
        }
        try state.clearStarted(lab, roles: roles)
        if processes.contains(where: { $0.role == "server" }) {
            let context = CheckContext(workspace: try state.workspace(lab), results: nil)
            try waitFor("the port \(Self.port) free", seconds: 20) { LabProbe.server(context) == nil }
        }
    }

    // MARK: Helpers

    /// The clients' CPU: the last this process may use (the servers take the first).
    static var clientCPUs: [Int] { [CPUAffinity.allowedCPUs().last ?? 0] }

    static func size(_ text: String) throws -> Int {
        guard let bytes = ByteSize.parse(text) else { throw LabError("not a size: \(text)") }
        return bytes
    }

    func waitFor(_ what: String, seconds: Double, _ condition: () -> Bool) throws {
        let deadline = SystemClock.now() + UInt64(seconds * 1e9)
        while !condition() {
            guard SystemClock.now() < deadline else { throw LabError("\(what): not within \(Int(seconds)) s") }
            if StopSignal.pending != nil { throw LabError("interrupted while waiting for \(what)") }
            usleep(100_000)
        }
    }

    func composeFile(_ lab: Lab) -> String? {
        guard let repository else { return nil }
        let file = repository + "/labs/\(lab.folder)/compose.yaml"
        return access(file, F_OK) == 0 ? file : nil
    }

    /// The folder with `labs/` and `compose.yaml`: the working folder or one above it, or one
    /// above this program's binary.
    static func findRepository() -> String? {
        ComposeServer.composeFile().map { String($0.dropLast("/compose.yaml".count)) }
    }
}
