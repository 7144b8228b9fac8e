import DumbCommandLine
import DumbMetrics
import DumbSystem
import Foundation
import Glibc

/// `c10k_lab experiment memory`: one server under one memory limit, connections added a
/// step at a time (each step loaded, then idle) until it fails or holds them all. The curve
/// of memory against connections, and where it broke.
public struct MemoryExperiment {
    public struct Options: Sendable {
        public var server: ServerInfo
        public var memory: Int
        public var serverCPUs: [Int]
        public var clientCPUs: [Int]
        public var step = 1000
        public var maximum = 10_000
        public var request = "PING"
        /// Seconds each step's new connections are loaded before they go idle.
        public var loadSeconds = 2.0
        public var compose = false
        /// Given to the server after its ports (`--stack-size 64k`).
        public var serverArguments: [String] = []
        public var output: String
        /// The command line, for the result file.
        public var commandLine: String

        public init(
            server: ServerInfo, memory: Int, serverCPUs: [Int], clientCPUs: [Int], output: String, commandLine: String
        ) {
            self.server = server
            self.memory = memory
            self.serverCPUs = serverCPUs
            self.clientCPUs = clientCPUs
            self.output = output
            self.commandLine = commandLine
        }
    }

    /// One sample: a step's connections, loaded or idle.
    public struct Sample: Codable, Sendable, Equatable {
        public var step: Int
        /// `baseline` (no client yet), `loaded` or `idle`.
        public var phase: String
        /// Connections the clients had open.
        public var connections: Int
        /// Connections asked for by then.
        public var target: Int
        public var seconds: Double
        public var cgroup: CgroupSample
        public var server: ProcessSample?
        public var clientErrors: Int
        /// `dumb_connections_rejected_total`.
        public var serverRefused: Int
    }

    /// How the server failed, in words and as a key the labs grade (`oom_killed`, `exited`,
    /// `refused`, `dropped`, `timeouts`, `interrupted`), at how many connections; nil when
    /// it held them all.
    public struct Failure: Codable, Sendable, Equatable {
        public var mode: String
        public var text: String
        public var atConnections: Int
    }

    public struct Result: Codable, Sendable {
        public var experiment = "memory"
        public var server: String
        public var service: String
        public var mode: String
        public var memoryLimitBytes: Int
        public var request: String
        public var step: Int
        public var maximum: Int
        public var samples: [Sample]
        public var failure: Failure?
        /// The most connections open at once.
        public var heldConnections: Int
        /// What one more idle connection costs: the slope of the cgroup's memory, and of the
        /// server's RSS, against connections (least squares over the idle samples before
        /// the failure).
        public var bytesPerConnection: Double?
        public var rssBytesPerConnection: Double?
        /// The same slope over the samples taken under load: with buffers full (STREAM), more.
        public var loadedBytesPerConnection: Double?
        public var fit: LinearFit?
        public var serverEnd: ServerEnd?
        /// What the cgroup could not set (swap not limited, …): a check refuses to grade then.
        public var cgroupNotes: [String]
        public var fingerprint: Fingerprint
        public var how: String
    }

    let options: Options
    let progress: (String) -> Void

    public init(_ options: Options, progress: @escaping (String) -> Void) {
        self.options = options
        self.progress = progress
    }

    /// Runs it, writes `result.json`, `result.csv` and `memory.svg` (the plot needs gnuplot)
    /// into the output folder, and returns the result. Ctrl-C stops it: what it started is
    /// stopped and removed, and the samples so far are written.
    public func run() throws -> Result {
        try ResultFiles.makeFolder(options.output)
        let started = SystemClock.now()
        let name = "memory-\(options.server.service)"
        var environment: [String] = []
        if options.compose && !options.serverArguments.isEmpty {
            // the compose service takes its options from variables: --stack-size is MULTITHREADED_STACK_SIZE
            guard options.serverArguments.count == 2, options.serverArguments[0] == "--stack-size" else {
                throw LabError(
                    "--compose runs the compose service as it is: its options come from the compose file's variables, not -- \(options.serverArguments.joined(separator: " "))"
                )
            }
            environment.append("MULTITHREADED_STACK_SIZE=\(options.serverArguments[1])")
        }
        progress(
            "starting \(options.server.binary) under \(ByteSize.human(options.memory)) on CPUs \(CPUAffinity.listDescription(options.serverCPUs)) (\(options.compose ? "compose" : "native"))"
        )
        let limits = CgroupLimits(memory: options.memory, cpus: options.serverCPUs)
        let server: any ExperimentServer =
            options.compose
            ? try ComposeServer(
                options.server, limits: limits, environment: environment, log: options.output + "/server.log")
            : try NativeServer(
                options.server, name: name, limits: limits, arguments: options.serverArguments,
                log: options.output + "/server.log")
        let fleet: ClientFleet
        do {
            try server.waitUntilListening()
            fleet = try ClientFleet(cpus: options.clientCPUs)
        } catch {
            _ = server.stop()
            throw error
        }
        var samples: [Sample] = []
        var failure: Failure?
        let steps = (options.maximum + options.step - 1) / options.step
        func seconds() -> Double { Double(SystemClock.now() - started) / 1e9 }
        /// A sample, unless the server ended (its cgroup is gone: the failure says what happened).
        func take(_ step: Int, _ phase: String, target: Int, figures: ClientFleet.Figures) -> Sample? {
            guard server.ended() == nil else { return nil }
            let refused = MetricsScrape.fetch(port: server.metricsPort).map {
                Int($0.total("dumb_connections_rejected_total"))
            }
            let sample = Sample(
                step: step, phase: phase, connections: figures.open, target: target,
                seconds: (seconds() * 10).rounded() / 10,
                cgroup: server.sample(), server: ProcessSample.read(server.pid), clientErrors: figures.errorCount,
                serverRefused: refused ?? samples.last?.serverRefused ?? 0)
            samples.append(sample)
            return sample
        }
        guard take(0, "baseline", target: 0, figures: ClientFleet.Figures()) != nil else {
            _ = server.stop()
            throw LabError("\(options.server.binary) ended at once: \(server.ended()?.termination ?? "")")
        }
        let holdSeconds = Double(steps) * (options.loadSeconds + 3) + 60
        for step in 1...steps {
            let target = min(step * options.step, options.maximum)
            let adding = target - (step - 1) * options.step
            if StopSignal.pending != nil {
                failure = Failure(
                    mode: "interrupted", text: "interrupted (Ctrl-C) before step \(step)", atConnections: target)
                break
            }
            let client = try fleet.start(
                connections: adding, port: server.port, request: options.request, loadSeconds: options.loadSeconds,
                holdSeconds: holdSeconds, log: options.output + "/clients.log")
            _ = fleet.waitUntilServing(client)
            // loaded: once the new connections are open (or the connect timeout passed), mid-load
            let loadDeadline = client.started + UInt64(options.loadSeconds * 1e9)
            var figures = fleet.figures()
            while figures.open < target && SystemClock.now() + 300_000_000 < loadDeadline && server.ended() == nil {
                usleep(100_000)
                figures = fleet.figures()
            }
            let loaded = take(step, "loaded", target: target, figures: figures)
            // idle: the load is over, the connections stay (--hold); the clients publish their
            // figures once a second, and a loaded machine may still be connecting: give them
            // the connect timeout
            while SystemClock.now() < loadDeadline + 700_000_000 && server.ended() == nil { usleep(50_000) }
            figures = fleet.figures()
            let settled = SystemClock.now() + 6_000_000_000
            while figures.open < target && figures.errorCount == 0 && SystemClock.now() < settled
                && server.ended() == nil
            {
                usleep(200_000)
                figures = fleet.figures()
            }
            let idle = take(step, "idle", target: target, figures: figures)
            if let idle { progress(progressLine(step: step, steps: steps, sample: idle, elapsed: seconds())) }
            // a server the OOM killer struck is not reaped at once: wait for its end, so the
            // failure is this step's, not the next one's
            if [loaded, idle].contains(where: { $0.map { !Self.isLive($0, baseline: samples[0]) } ?? false }) {
                let deadline = SystemClock.now() + 10_000_000_000
                while server.ended() == nil && SystemClock.now() < deadline { usleep(50_000) }
            }
            failure = Self.failure(server: server, loaded: loaded, idle: idle, figures: figures, target: target)
            if failure != nil { break }
        }
        if failure == nil, StopSignal.pending != nil {
            failure = Failure(
                mode: "interrupted", text: "interrupted (Ctrl-C)", atConnections: samples.last?.target ?? 0)
        }
        fleet.stopAll()
        let end = server.stop()
        if let failure {
            progress("stopped: \(failure.text)")
        } else {
            progress("held all \(options.maximum) connections")
        }

        // what a live server measured: the fits leave out samples of one the OOM killer struck
        let live = samples.filter { Self.isLive($0, baseline: samples[0]) }
        let idle = live.filter {
            $0.phase == "idle" && $0.connections > 0 && $0.clientErrors == 0 && $0.serverRefused == 0
        }
        let points = ([samples[0]] + idle).compactMap { sample in
            sample.cgroup.memoryCurrent.map { (x: Double(sample.connections), y: Double($0)) }
        }
        let rssPoints = ([samples[0]] + idle).compactMap { sample in
            sample.server.map { (x: Double(sample.connections), y: Double($0.rssBytes)) }
        }
        let fit = LinearFit(points)
        let loaded = live.filter { $0.phase == "loaded" && $0.connections > 0 && $0.clientErrors == 0 }
        let loadedPoints = ([samples[0]] + loaded).compactMap { sample in
            sample.cgroup.memoryCurrent.map { (x: Double(sample.connections), y: Double($0)) }
        }
        let result = Result(
            server: options.server.binary, service: options.server.service,
            mode: options.compose ? "compose" : "native",
            memoryLimitBytes: options.memory, request: options.request, step: options.step, maximum: options.maximum,
            samples: samples, failure: failure, heldConnections: Self.heldConnections(samples),
            bytesPerConnection: fit.map { ($0.slope).rounded() },
            rssBytesPerConnection: LinearFit(rssPoints).map { $0.slope.rounded() },
            loadedBytesPerConnection: LinearFit(loadedPoints).map { $0.slope.rounded() },
            fit: fit, serverEnd: end, cgroupNotes: (server as? NativeServer)?.process.cgroup.notes ?? [],
            fingerprint: .here(
                server: options.server.binary, serverCPUs: options.serverCPUs, clientCPUs: options.clientCPUs,
                memoryLimit: options.memory, openFiles: OpenFileLimit.current().hard),
            how: options.commandLine)
        try ResultFiles.write(options.output + "/result.json", JSONText.encode(result))
        try ResultFiles.write(options.output + "/result.csv", Self.csv(samples))
        let plotted = Plotter.render(Self.plot(result), folder: options.output, name: "memory")
        progress(
            plotted.map { "wrote \(options.output)/result.json, result.csv; \($0)" }
                ?? "wrote \(options.output)/result.json, result.csv")
        return result
    }

    func progressLine(step: Int, steps: Int, sample: Sample, elapsed: Double) -> String {
        let memory = sample.cgroup.memoryCurrent.map(ByteSize.human) ?? "?"
        let left = elapsed / Double(step) * Double(steps - step)
        let threads = sample.server.map { ", \($0.threads) threads, RSS \(ByteSize.human($0.rssBytes))" } ?? ""
        return
            "step \(step)/\(steps): \(sample.connections) of \(sample.target) connections, cgroup \(memory) of \(ByteSize.human(options.memory))\(threads); about \(Int(left.rounded())) s left"
    }

    /// Why this step failed, if it did.
    /// Whether `sample` is of a live server: not one the kernel's OOM killer had already struck
    /// (the cgroup's kill count rose since the baseline), nor one of a process that is exiting
    /// (its memory or its descriptor table already gone), though the clients may still count
    /// their sockets open then.
    static func isLive(_ sample: Sample, baseline: Sample) -> Bool {
        guard let server = sample.server, server.rssBytes > 0, server.descriptors > 0 else { return false }
        return (sample.cgroup.oomKills ?? 0) == (baseline.cgroup.oomKills ?? 0)
    }

    /// The most connections open in a sample of a live server.
    static func heldConnections(_ samples: [Sample]) -> Int {
        guard let baseline = samples.first else { return 0 }
        return samples.filter { isLive($0, baseline: baseline) }.map(\.connections).max() ?? 0
    }

    static func failure(
        server: any ExperimentServer, loaded: Sample?, idle: Sample?, figures: ClientFleet.Figures, target: Int
    ) -> Failure? {
        if let end = server.ended() {
            if end.oomKilled {
                return Failure(
                    mode: "oom_killed",
                    text: "the kernel's OOM killer killed it at \(target) connections (\(end.termination))",
                    atConnections: target)
            }
            return Failure(
                mode: "exited", text: "it ended at \(target) connections: \(end.termination)", atConnections: target)
        }
        let refused = max(loaded?.serverRefused ?? 0, idle?.serverRefused ?? 0)
        if refused > 0 || figures.errors.keys.contains(where: { $0.hasPrefix("connect_") }) {
            let kinds = figures.errors.filter { $0.key.hasPrefix("connect_") }.map { "\($0.key) \($0.value)" }.sorted()
            return Failure(
                mode: "refused",
                text:
                    "it refused connections at \(target): \(refused) counted in dumb_connections_rejected_total\(kinds.isEmpty ? "" : ", the clients saw " + kinds.joined(separator: ", "))",
                atConnections: target)
        }
        if let timeouts = figures.errors["timeout"], timeouts > 0 {
            return Failure(
                mode: "timeouts", text: "\(timeouts) answers timed out at \(target) connections", atConnections: target)
        }
        let open = idle?.connections ?? figures.open
        if figures.errorCount > 0 || open < target {
            let kinds = figures.errors.map { "\($0.key) \($0.value)" }.sorted().joined(separator: ", ")
            return Failure(
                mode: "dropped",
                text: "only \(open) of \(target) connections stayed open\(kinds.isEmpty ? "" : " (\(kinds))")",
                atConnections: target)
        }
        return nil
    }

    static func csv(_ samples: [Sample]) -> String {
        var lines = [
            "step,phase,connections,target,seconds,cgroup_bytes,cgroup_peak_bytes,anon_bytes,kernel_bytes,socket_bytes,limit_hits,oom_kills,rss_bytes,threads,descriptors,client_errors,server_refused,live"
        ]
        for sample in samples {
            let cgroup = sample.cgroup
            let fields: [String] = [
                "\(sample.step)", sample.phase, "\(sample.connections)", "\(sample.target)", "\(sample.seconds)",
                cgroup.memoryCurrent.map(String.init) ?? "", cgroup.memoryPeak.map(String.init) ?? "",
                cgroup.anonymous.map(String.init) ?? "", cgroup.kernel.map(String.init) ?? "",
                cgroup.sockets.map(String.init) ?? "", cgroup.limitHits.map(String.init) ?? "",
                cgroup.oomKills.map(String.init) ?? "", sample.server.map { String($0.rssBytes) } ?? "",
                sample.server.map { String($0.threads) } ?? "", sample.server.map { String($0.descriptors) } ?? "",
                "\(sample.clientErrors)", "\(sample.serverRefused)",
                isLive(sample, baseline: samples[0]) ? "1" : "0",
            ]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The plot: memory against connections (the cgroup's, and the server's RSS, at each idle
    /// step), the limit as a line, the failure marked.
    static func plot(_ result: Result) -> GnuplotScript {
        var script = GnuplotScript(
            title: "\(result.server) under \(ByteSize.human(result.memoryLimitBytes)): memory against connections",
            xLabel: "connections (idle, after each step's load)", yLabel: "MiB")
        let limit = Double(result.memoryLimitBytes) / 1_048_576
        script.horizontalLine(at: limit, label: "limit \(ByteSize.human(result.memoryLimitBytes))", color: "#d62728")
        if let failure = result.failure, failure.mode != "interrupted" {
            let words = [
                "oom_killed": "OOM-killed", "refused": "refusing", "dropped": "dropping", "timeouts": "timing out",
            ]
            script.verticalLine(
                at: Double(failure.atConnections),
                label: (words[failure.mode] ?? failure.mode) + " at \(failure.atConnections)")
        }
        script.yRange = (0, max(limit * 1.15, 1))
        // a sample of a server the OOM killer struck is not plotted (column 18, `live`)
        let idle = "(strcol(2) eq \"idle\" || strcol(2) eq \"baseline\") && $18 == 1"
        script.series.append(
            .init(
                data: "result.csv", x: "3", y: "(\(idle) ? $6/1048576 : NaN)",
                title: "cgroup memory (kernel memory included)"))
        script.series.append(.init(data: "result.csv", x: "3", y: "(\(idle) ? $13/1048576 : NaN)", title: "server RSS"))
        script.series.append(
            .init(
                data: "result.csv", x: "3", y: "(strcol(2) eq \"loaded\" && $18 == 1 ? $6/1048576 : NaN)",
                title: "cgroup memory under load", style: "points pt 6 ps 1.2"))
        script.xRange = (
            0, Double(result.failure?.atConnections ?? result.maximum) * (result.failure == nil ? 1.03 : 1.15)
        )
        if let bytes = result.bytesPerConnection {
            script.note = "fitted: \(Int(bytes)) bytes of cgroup memory per connection"
        }
        return script
    }

    /// What the experiment found, in a few lines.
    public static func summary(_ result: Result) -> String {
        var lines = [
            "\(result.server) under \(ByteSize.human(result.memoryLimitBytes)) (\(result.mode)), \(result.request):"
        ]
        lines.append("  held         \(result.heldConnections) connections at most")
        if let failure = result.failure {
            lines.append("  failed       \(failure.text) [\(failure.mode)]")
        } else {
            lines.append("  failed       no: it held all \(result.maximum)")
        }
        if let bytes = result.bytesPerConnection {
            let rss = result.rssBytesPerConnection.map { ", RSS \(Int($0)) B" } ?? ""
            lines.append(
                "  per client   \(Int(bytes)) B of cgroup memory\(rss) (least squares, \(result.fit?.points ?? 0) idle samples)"
            )
        }
        if let peak = (result.samples.compactMap(\.cgroup.memoryPeak) + [result.serverEnd?.peakMemoryBytes ?? 0]).max()
        {
            lines.append("  peak         \(ByteSize.human(peak)) of \(ByteSize.human(result.memoryLimitBytes))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
