import DumbCommandLine
import DumbSystem
import Foundation
import Glibc

/// `c10k_lab experiment compare`: every server under the same cpuset and memory limit, at
/// each client count, loaded by c10k_client on a CPU of its own: throughput, latency,
/// errors, memory, threads, context switches and CPU, side by side.
public struct CompareExperiment {
    public struct Options: Sendable {
        public var servers: [ServerInfo]
        public var clients: [Int]
        public var request = "BURN 1000"
        public var durationSeconds = 10.0
        public var memory: Int
        public var serverCPUs: [Int]
        public var clientCPUs: [Int]
        public var output: String
        public var commandLine: String

        public init(
            servers: [ServerInfo], clients: [Int], memory: Int, serverCPUs: [Int], clientCPUs: [Int], output: String,
            commandLine: String
        ) {
            self.servers = servers
            self.clients = clients
            self.memory = memory
            self.serverCPUs = serverCPUs
            self.clientCPUs = clientCPUs
            self.output = output
            self.commandLine = commandLine
        }
    }

    /// One server at one client count.
    public struct Row: Codable, Sendable, Equatable {
        public var server: String
        public var clients: Int
        /// The most connections open at once.
        public var connected: Int
        public var throughputRps: Double
        public var p50Ms: Double
        public var p99Ms: Double
        public var p999Ms: Double
        public var errors: Int
        /// The most seen during the run: the server's RSS, its cgroup's memory, its threads.
        public var rssBytes: Int
        public var cgroupBytes: Int
        public var threads: Int
        /// During the run: context switches, and CPU seconds in user mode and in the kernel.
        public var voluntarySwitches: Int
        public var involuntarySwitches: Int
        public var userSeconds: Double
        public var systemSeconds: Double
        /// Server CPU (user + system) per correct answer.
        public var cpuMicrosecondsPerRequest: Double?
        /// The server did not survive the run (`OOM-killed`, `exited with status 1`).
        public var serverFailed: String?
    }

    public struct Result: Codable, Sendable {
        public var experiment = "compare"
        public var request: String
        public var durationSeconds: Double
        public var memoryLimitBytes: Int
        public var rows: [Row]
        public var fingerprint: Fingerprint
        public var how: String
    }

    /// The measures plotted, one SVG each: (file, title, y label, column of compare.csv, scale).
    static let measures: [(file: String, title: String, yLabel: String, column: Int, scale: Double)] = [
        ("throughput", "throughput", "correct answers per second", 4, 1),
        ("latency-p99", "latency, 99th percentile", "ms", 6, 1),
        ("rss", "server RSS", "MiB", 9, 1_048_576),
        ("cgroup-memory", "server cgroup memory (kernel memory included)", "MiB", 10, 1_048_576),
        ("threads", "server threads", "threads", 11, 1),
        ("context-switches", "involuntary context switches during the run", "switches", 13, 1),
        ("system-cpu", "server CPU in the kernel (%sys) during the run", "CPU seconds", 15, 1),
        ("cpu-per-request", "server CPU per request", "µs", 16, 1),
    ]

    let options: Options
    let progress: (String) -> Void

    public init(_ options: Options, progress: @escaping (String) -> Void) {
        self.options = options
        self.progress = progress
    }

    public func run() throws -> Result {
        try ResultFiles.makeFolder(options.output)
        var rows: [Row] = []
        let runs = options.servers.count * options.clients.count
        let started = SystemClock.now()
        runs: for server in options.servers {
            for clients in options.clients {
                if StopSignal.pending != nil {
                    progress("interrupted: writing the \(rows.count) runs so far")
                    break runs
                }
                let done = rows.count
                let elapsed = Double(SystemClock.now() - started) / 1e9
                let left =
                    done == 0
                    ? Double(runs) * (options.durationSeconds + 4) : elapsed / Double(done) * Double(runs - done)
                progress(
                    "run \(done + 1)/\(runs): \(server.binary), \(clients) clients, \(options.request); about \(Int(left)) s left"
                )
                let row = try measure(server, clients: clients)
                rows.append(row)
                progress("  \(Self.format(row))")
            }
        }
        let result = Result(
            request: options.request, durationSeconds: options.durationSeconds, memoryLimitBytes: options.memory,
            rows: rows,
            fingerprint: .here(
                server: options.servers.map(\.binary).joined(separator: ","), serverCPUs: options.serverCPUs,
                clientCPUs: options.clientCPUs, memoryLimit: options.memory, openFiles: OpenFileLimit.current().hard),
            how: options.commandLine)
        try ResultFiles.write(options.output + "/compare.json", JSONText.encode(result))
        try ResultFiles.write(options.output + "/compare.csv", Self.csv(rows))
        var plots: [String] = []
        for measure in Self.measures {
            var script = GnuplotScript(
                title:
                    "\(measure.title): \(options.request), \(ByteSize.human(options.memory)) limit, server on CPU \(CPUAffinity.listDescription(options.serverCPUs))",
                xLabel: "clients", yLabel: measure.yLabel)
            script.logX = options.clients.count > 2
            for server in options.servers {
                script.series.append(
                    .init(
                        data: "compare.csv", x: "2",
                        y: "(strcol(1) eq \"\(server.binary)\" ? $\(measure.column)/\(measure.scale) : NaN)",
                        title: server.binary))
            }
            if let plotted = Plotter.render(script, folder: options.output, name: measure.file) {
                plots.append(plotted)
            }
        }
        progress("wrote \(options.output)/compare.json, compare.csv; " + (plots.first ?? ""))
        return result
    }

    /// One server at one client count: a fresh server, one client run, the server's figures.
    func measure(_ info: ServerInfo, clients: Int) throws -> Row {
        let log = options.output + "/\(info.binary).log"
        let server = try NativeServer(
            info, name: "compare-\(info.service)",
            limits: CgroupLimits(memory: options.memory, cpus: options.serverCPUs),
            log: log)
        defer { _ = server.stop() }
        try server.waitUntilListening()
        let fleet = try ClientFleet(cpus: options.clientCPUs)
        let before = ProcessSample.read(server.pid)
        let json = options.output + "/.client-\(getpid()).json"
        defer { unlink(json) }
        let client = try fleet.start(
            connections: clients, port: server.port, request: options.request, loadSeconds: options.durationSeconds,
            holdSeconds: nil, json: json, log: options.output + "/clients.log")
        var most = ProcessSample.read(server.pid)
        var cgroupMost = 0
        var after = most
        while fleet.waitForExit(client, timeout: 0.5) == nil {
            if server.ended() != nil || StopSignal.pending != nil { break }
            if let now = ProcessSample.read(server.pid) {
                after = now
                if now.rssBytes > (most?.rssBytes ?? 0) || now.threads > (most?.threads ?? 0) {
                    most = ProcessSample(
                        rssBytes: max(now.rssBytes, most?.rssBytes ?? 0), threads: max(now.threads, most?.threads ?? 0),
                        descriptors: max(now.descriptors, most?.descriptors ?? 0), voluntarySwitches: 0,
                        involuntarySwitches: 0, userSeconds: 0, systemSeconds: 0)
                }
            }
            cgroupMost = max(cgroupMost, server.sample().memoryCurrent ?? 0)
            if SystemClock.now() > client.started + UInt64((options.durationSeconds + 30) * 1e9) { break }
        }
        fleet.stopAll()
        let summary =
            (ProcFiles.read(json)).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            ?? [:]
        let latency = summary["latency_ms"] as? [String: Any] ?? [:]
        let errors = (summary["errors"] as? [String: Any] ?? [:]).values.compactMap { $0 as? Int }.reduce(0, +)
        let requests = summary["requests"] as? Int ?? 0
        let end = server.ended()
        let user = (after?.userSeconds ?? 0) - (before?.userSeconds ?? 0)
        let system = (after?.systemSeconds ?? 0) - (before?.systemSeconds ?? 0)
        return Row(
            server: info.binary, clients: clients, connected: summary["clients_connected"] as? Int ?? 0,
            throughputRps: summary["throughput_rps"] as? Double ?? 0, p50Ms: latency["p50"] as? Double ?? 0,
            p99Ms: latency["p99"] as? Double ?? 0, p999Ms: latency["p999"] as? Double ?? 0,
            errors: errors + (end == nil ? 0 : 1), rssBytes: most?.rssBytes ?? 0,
            cgroupBytes: max(cgroupMost, server.sample().memoryPeak ?? 0), threads: most?.threads ?? 0,
            voluntarySwitches: (after?.voluntarySwitches ?? 0) - (before?.voluntarySwitches ?? 0),
            involuntarySwitches: (after?.involuntarySwitches ?? 0) - (before?.involuntarySwitches ?? 0),
            userSeconds: (user * 100).rounded() / 100, systemSeconds: (system * 100).rounded() / 100,
            cpuMicrosecondsPerRequest: requests > 0
                ? ((user + system) / Double(requests) * 1e6 * 100).rounded() / 100 : nil,
            serverFailed: end.map { $0.oomKilled ? "OOM-killed" : $0.termination })
    }

    static func csv(_ rows: [Row]) -> String {
        var lines = [
            "server,clients,connected,throughput_rps,p50_ms,p99_ms,p999_ms,errors,rss_bytes,cgroup_bytes,threads,voluntary_switches,involuntary_switches,user_seconds,system_seconds,cpu_us_per_request,server_failed"
        ]
        for row in rows {
            lines.append(
                [
                    row.server, "\(row.clients)", "\(row.connected)", "\(row.throughputRps)", "\(row.p50Ms)",
                    "\(row.p99Ms)",
                    "\(row.p999Ms)", "\(row.errors)", "\(row.rssBytes)", "\(row.cgroupBytes)", "\(row.threads)",
                    "\(row.voluntarySwitches)", "\(row.involuntarySwitches)", "\(row.userSeconds)",
                    "\(row.systemSeconds)",
                    row.cpuMicrosecondsPerRequest.map { "\($0)" } ?? "", row.serverFailed ?? "",
                ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func format(_ row: Row) -> String {
        let cpu = row.cpuMicrosecondsPerRequest.map { "\(Self.fixed($0, 1)) µs/req" } ?? "-"
        return
            "\(row.server) \(row.clients) clients: \(Self.fixed(row.throughputRps, 0)) req/s, p50 \(Self.fixed(row.p50Ms, 2)) ms, p99 \(Self.fixed(row.p99Ms, 2)) ms, p99.9 \(Self.fixed(row.p999Ms, 2)) ms, errors \(row.errors), RSS \(ByteSize.human(row.rssBytes)), cgroup \(ByteSize.human(row.cgroupBytes)), \(row.threads) threads, \(row.involuntarySwitches) involuntary switches, sys \(Self.fixed(row.systemSeconds, 2)) s, \(cpu)"
            + (row.serverFailed.map { "; SERVER: \($0)" } ?? "")
    }

    /// The table printed at the end: a line per server and client count.
    public static func table(_ result: Result) -> String {
        let header = [
            "server", "clients", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "errors", "RSS", "cgroup", "threads",
            "invol.sw",
            "user s", "sys s", "µs/req",
        ]
        var rows = [header]
        for row in result.rows {
            rows.append([
                row.server, "\(row.clients)", fixed(row.throughputRps, 0), fixed(row.p50Ms, 2), fixed(row.p99Ms, 2),
                fixed(row.p999Ms, 2), "\(row.errors)" + (row.serverFailed == nil ? "" : " (\(row.serverFailed!))"),
                ByteSize.human(row.rssBytes), ByteSize.human(row.cgroupBytes), "\(row.threads)",
                "\(row.involuntarySwitches)",
                fixed(row.userSeconds, 2), fixed(row.systemSeconds, 2),
                row.cpuMicrosecondsPerRequest.map { fixed($0, 1) } ?? "-",
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// `value` with `decimals` decimals.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        if decimals == 0 { return "\(Int(rounded))" }
        var text = "\(rounded)"
        let fraction = text.split(separator: ".").last?.count ?? 0
        if !text.contains(".") { text += "." }
        return text + String(repeating: "0", count: max(0, decimals - fraction))
    }
}
