import DumbSystem
import Foundation

/// A built binary of this package (a server, the client), started for a black-box test.
///
/// Its stderr goes to a file, so a chatty process never blocks on a full pipe; ``start``
/// waits for the "listening on" line and reads the port from it, so every test gets its own
/// server on a port the kernel chose.
public final class ServerProcess: @unchecked Sendable {
    public let name: String
    public let process: ChildProcess
    public let logPath: String
    /// The protocol port, read from the server's log.
    public private(set) var port: Int = 0
    public var pid: Int32 { process.pid }

    /// Starts `binary` with `arguments` (`--port 0 --metrics-port 0` are added unless the
    /// arguments name them) and waits until it listens. `launcher` runs it through another
    /// program, as a user would: `["/usr/bin/taskset", "-c", "0"]`.
    public static func start(
        _ binary: String,
        arguments: [String] = [],
        environment: [String: String] = [:],
        launcher: [String] = [],
        timeout: Double = 60
    ) throws -> ServerProcess {
        var arguments = arguments
        if !arguments.contains("--port") { arguments += ["--port", "0"] }
        if !arguments.contains("--metrics-port") { arguments += ["--metrics-port", "0"] }
        let server = try ServerProcess(binary, arguments: arguments, environment: environment, launcher: launcher)
        try server.waitForListening(timeout: timeout)
        return server
    }

    /// Starts `binary` as ``start(_:arguments:environment:launcher:timeout:)`` does, with its
    /// metrics endpoint on a free port (``metricsPort``). A port found free may be taken by
    /// another process before the server binds it: then it tries another.
    public static func startWithMetrics(
        _ binary: String,
        arguments: [String] = [],
        environment: [String: String] = [:],
        launcher: [String] = []
    ) throws -> ServerProcess {
        var lastError: any Error = TestFailure("no attempt")
        for _ in 0..<5 {
            do {
                return try start(
                    binary, arguments: arguments + ["--metrics-port", String(try freeLoopbackPort())],
                    environment: environment,
                    launcher: launcher)
            } catch let error as TestFailure where error.description.contains("Address already in use") {
                lastError = error
            }
        }
        throw lastError
    }

    /// Starts `binary` without waiting for anything (CLI tests).
    public init(
        _ binary: String,
        arguments: [String],
        environment: [String: String] = [:],
        launcher: [String] = []
    ) throws {
        name = binary
        logPath = NSTemporaryDirectory() + "c10k-lab-\(binary)-\(UUID().uuidString).log"
        var merged = ProcessInfo.processInfo.environment
        // the caller's own settings must not leak in: only what the test gives counts
        for key in merged.keys where key.hasPrefix("DUMB_") || key.hasPrefix("C10K_") { merged[key] = nil }
        for (key, value) in environment { merged[key] = value }
        let path = try BinaryLocator.path(of: binary)
        if let program = launcher.first {
            process = try ChildProcess(
                program, arguments: launcher.dropFirst() + [path] + arguments, environment: merged,
                outputPath: logPath)
        } else {
            process = try ChildProcess(path, arguments: arguments, environment: merged, outputPath: logPath)
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: logPath)
    }

    /// What the process wrote to stderr and stdout so far.
    public var log: String { process.output }

    /// The port of its metrics endpoint, read from the server's log; nil when it has none.
    public var metricsPort: Int? {
        guard let range = log.range(of: #"metrics on http://[^ \n]+:(\d+)/metrics"#, options: .regularExpression)
        else { return nil }
        let address = log[range].dropLast("/metrics".count)
        return address.split(separator: ":").last.flatMap { Int($0) }
    }

    /// Its metrics, scraped now over HTTP from its endpoint.
    public func scrapeMetrics() throws -> ScrapedMetrics {
        guard let metricsPort else { throw TestFailure("\(name) serves no metrics (started with --metrics-port 0?)") }
        return try ScrapedMetrics.scrape(port: metricsPort)
    }

    private func waitForListening(timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let range = log.range(of: #"listening on [^ \n]+:(\d+)"#, options: .regularExpression) {
                let match = String(log[range])
                port = Int(match.split(separator: ":").last!)!
                return
            }
            guard process.isRunning else {
                throw TestFailure(
                    "\(name) exited with status \(process.terminationStatus ?? -1) before listening:\n\(log)")
            }
            usleep(10_000)
        }
        throw TestFailure("\(name) did not log 'listening on' within \(timeout) s:\n\(log)")
    }

    /// Sends SIGTERM and waits for the exit status (nil if it did not exit in time).
    @discardableResult
    public func terminate(timeout: Double = 30) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(pid, SIGTERM)
        return waitForExit(timeout: timeout)
    }

    /// Waits for the process to end; its status, or nil on timeout.
    public func waitForExit(timeout: Double) -> Int32? {
        process.waitForExit(timeout: timeout)
    }

    /// Kills the process if it still runs.
    public func stop() {
        if process.isRunning {
            kill(pid, SIGKILL)
            _ = process.waitForExit(timeout: 30)
        }
    }

    public var isRunning: Bool { process.isRunning }

    /// A figure of /proc/PID/status (`Threads`, `VmRSS` in kB, …).
    public func status(_ key: String) -> Int? {
        ProcessStatus.value(key, pid: pid)
    }

    public var threadCount: Int { status("Threads") ?? 0 }
    public var residentBytes: Int { (status("VmRSS") ?? 0) * 1024 }
}

/// Figures of /proc/PID/status.
public enum ProcessStatus {
    public static func value(_ key: String, pid: Int32) -> Int? {
        guard let text = ProcFiles.read("/proc/\(pid)/status") else { return nil }
        guard let value = ProcFiles.keyValues(text)[key] else { return nil }
        return Int(value.split(separator: " ").first ?? "")
    }

    /// The CPU time (user + system) a process used so far, in clock ticks
    /// (``ticksPerSecond``), from /proc/PID/stat; nil when it is gone.
    public static func cpuTicks(pid: Int32) -> Int? {
        // the command may hold spaces: the fields that follow it are after the last ')'
        guard let stat = ProcFiles.read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // utime and stime are fields 14 and 15 of proc(5); `fields` starts at field 3
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    /// Clock ticks per second (sysconf(_SC_CLK_TCK), 100 on Linux).
    public static let ticksPerSecond = Int(sysconf(Int32(_SC_CLK_TCK)))

    /// `CapEff`, `NoNewPrivs`, … of every thread of a process, as text.
    public static func perThread(_ key: String, pid: Int32) -> [String] {
        (ProcFiles.directoryEntries("/proc/\(pid)/task") ?? []).compactMap { thread in
            ProcFiles.read("/proc/\(pid)/task/\(thread)/status").flatMap { ProcFiles.keyValues($0)[key] }
        }
    }
}

/// Where `swift build` put the package's binaries: next to the test bundle, or
/// `DUMB_BIN_DIR` (to test a release build: `DUMB_BIN_DIR=.build/release swift test`).
public enum BinaryLocator {
    public static func path(of binary: String) throws -> String {
        let directory: String
        if let override = ProcessInfo.processInfo.environment["DUMB_BIN_DIR"], !override.isEmpty {
            directory = override
        } else {
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            directory = executable.deletingLastPathComponent().path
        }
        let path = directory + "/" + binary
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("no \(binary) in \(directory): run `swift build` first (or set DUMB_BIN_DIR)")
        }
        return path
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
