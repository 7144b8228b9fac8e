import ArgumentParser
import DumbCommandLine
import DumbSystem
import Foundation
import LabKit

struct Experiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measures servers under limits: memory against connections, or every server side by side.",
        subcommands: [Memory.self, Compare.self])
}

extension Experiment {
    struct Memory: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ramps connections to one server under a memory limit until it fails, sampling its memory.",
            discussion: """
                Each step adds --step connections, held by a c10k_client of their own: loaded with \
                --request for 2 s, then idle while the next steps come. After each step's load and \
                after it idles, it samples the server's cgroup (memory now and at its peak, the \
                anonymous, kernel and socket memory the kernel charged), its RSS, threads and \
                descriptors, and the clients' errors. It stops at the first failure — OOM-killed, \
                connections refused or dropped, answers timed out — or at --max.

                It writes result.json (every sample, the failure in words, the fitted bytes per \
                connection, the machine's fingerprint), result.csv and memory.svg (with gnuplot) \
                into --out. Ctrl-C stops it, removes what it started, and keeps the samples.

                Examples:
                  sudo c10k_lab experiment memory --server multithreaded --memory 64m
                  sudo c10k_lab experiment memory --server epoll --memory 64m --max 10000
                  sudo c10k_lab experiment memory --server multithreaded --memory 256m --step 500 --out /tmp/mt
                  c10k_lab experiment memory --server epoll --memory 64m --compose   # in its container
                  sudo c10k_lab experiment memory --server multithreaded --memory 64m -- --stack-size 64k
                """)

        @Option(
            help: ArgumentHelp(
                "The server: iterative, multithreaded, epoll, epoll-workers, reactor, coro, nio.", valueName: "name"))
        var server: String

        @Option(help: ArgumentHelp("Its memory limit, swap included: 64m, 256m, 1g.", valueName: "size"))
        var memory: String

        @Option(help: ArgumentHelp("The server's CPUs (default: 0).", valueName: "list"))
        var cpus: String = "0"

        @Option(
            name: .customLong("client-cpus"),
            help: ArgumentHelp("The clients' CPUs (default: the first the server has not).", valueName: "list"))
        var clientCPUList: String?

        @Option(help: ArgumentHelp("Connections added at each step.", valueName: "n"))
        var step = 1000

        @Option(help: ArgumentHelp("Stop after this many connections.", valueName: "n"))
        var max = 10_000

        @Option(help: ArgumentHelp("What each step's clients send while loaded.", valueName: "request"))
        var request = "PING"

        @Flag(help: "Run the server in its compose container (Docker), not natively.")
        var compose = false

        @Option(
            help: ArgumentHelp("The folder for the results (default: results/memory/SERVER-LIMIT).", valueName: "dir"))
        var out: String?

        @Argument(parsing: .postTerminator, help: "Options for the server, after -- (e.g. -- --stack-size 64k).")
        var serverArguments: [String] = []

        func validate() throws {
            do { _ = try ServerCatalog.dumbServer(server) } catch { throw ValidationError("\(error)") }
            _ = try LabOptions.size(memory, "--memory")
            _ = try LabOptions.cpuList(cpus, "--cpus")
            guard step >= 1, max >= step else {
                throw ValidationError("--step must be at least 1 and --max at least --step.")
            }
            guard max <= 100_000 else {
                throw ValidationError(
                    "--max \(max) is more than one client machine's ports allow: give 100000 or less.")
            }
        }

        func run() throws {
            do {
                let info = try ServerCatalog.dumbServer(server)
                let limit = try LabOptions.size(memory, "--memory")
                let serverCPUs = try LabOptions.cpuList(cpus, "--cpus")
                try StopSignal.install(.notify)
                let options = MemoryExperiment.Options(
                    server: info, memory: limit, serverCPUs: serverCPUs,
                    clientCPUs: try LabOptions.clientCPUs(clientCPUList, server: serverCPUs),
                    output: out ?? "results/memory/\(info.service)-\(memory.lowercased())",
                    commandLine: LabOptions.commandLine)
                var configured = options
                configured.step = step
                configured.maximum = max
                configured.request = request
                configured.compose = compose
                configured.serverArguments = serverArguments
                let result = try MemoryExperiment(configured) { Console.note($0) }.run()
                print(MemoryExperiment.summary(result), terminator: "")
                if result.failure?.mode == "interrupted" { throw ExitCode(130) }
            } catch let error as LabError {
                Console.fail(error)
            }
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs every server under the same cpuset and memory limit at each client count, side by side.",
            discussion: """
                For each server and client count, a fresh server (natively, in a lab cgroup) and one \
                c10k_client run of --duration on a CPU of its own: throughput, latency p50/p99/p99.9, \
                errors, the server's RSS, cgroup memory and threads, its voluntary and involuntary \
                context switches and its user and system CPU. A table on stdout; compare.json, \
                compare.csv and an SVG per measure (with gnuplot) in --out.

                Examples:
                  sudo c10k_lab experiment compare --servers all --clients 100,1000,5000,10000
                  sudo c10k_lab experiment compare --servers multithreaded,epoll --clients 1000 --request PING
                """)

        @Option(help: ArgumentHelp("The servers, comma-separated, or all.", valueName: "list"))
        var servers: String

        @Option(help: ArgumentHelp("Client counts, comma-separated.", valueName: "list"))
        var clients: String

        @Option(help: ArgumentHelp("What every client sends.", valueName: "request"))
        var request = "BURN 1000"

        @Option(help: ArgumentHelp("How long each run loads the server: 10s, 30s.", valueName: "duration"))
        var duration = "10s"

        @Option(help: ArgumentHelp("Every server's memory limit.", valueName: "size"))
        var memory = "1g"

        @Option(help: ArgumentHelp("Every server's CPUs (default: 0).", valueName: "list"))
        var cpus: String = "0"

        @Option(
            name: .customLong("client-cpus"),
            help: ArgumentHelp("The client's CPUs (default: the first the servers have not).", valueName: "list"))
        var clientCPUList: String?

        @Option(help: ArgumentHelp("The folder for the results (default: results/compare).", valueName: "dir"))
        var out = "results/compare"

        func serverList() throws -> [ServerInfo] {
            servers == "all"
                ? ServerCatalog.dumbServers
                : try servers.split(separator: ",").map { try ServerCatalog.dumbServer(String($0)) }
        }

        func clientCounts() throws -> [Int] {
            let counts = clients.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 100_000 }) else {
                throw ValidationError(
                    "--clients '\(clients)' is not a list of counts from 1 to 100000: e.g. 100,1000,5000,10000.")
            }
            return counts.compactMap { $0 }
        }

        func validate() throws {
            do { _ = try serverList() } catch let error as LabError { throw ValidationError(error.description) }
            _ = try clientCounts()
            _ = try LabOptions.size(memory, "--memory")
            _ = try LabOptions.cpuList(cpus, "--cpus")
            guard let seconds = DurationText.parse(duration), seconds >= 1_000_000_000 else {
                throw ValidationError("--duration '\(duration)' is not a duration of at least 1s: write 10s, 30s, 1m.")
            }
        }

        func run() throws {
            do {
                let serverCPUs = try LabOptions.cpuList(cpus, "--cpus")
                try StopSignal.install(.notify)
                var options = CompareExperiment.Options(
                    servers: try serverList(), clients: try clientCounts(),
                    memory: try LabOptions.size(memory, "--memory"),
                    serverCPUs: serverCPUs, clientCPUs: try LabOptions.clientCPUs(clientCPUList, server: serverCPUs),
                    output: out,
                    commandLine: LabOptions.commandLine)
                options.request = request
                options.durationSeconds = Double(DurationText.parse(duration) ?? 10_000_000_000) / 1e9
                let result = try CompareExperiment(options) { Console.note($0) }.run()
                print(CompareExperiment.table(result), terminator: "")
            } catch let error as LabError {
                Console.fail(error)
            }
        }
    }
}
