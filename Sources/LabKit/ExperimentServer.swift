import DumbSystem
import Foundation
import Glibc

/// How a server ended, as an experiment saw it.
public struct ServerEnd: Codable, Sendable, Equatable {
    /// `exited with status 0`, `killed by SIGKILL (status 137)`.
    public var termination: String
    public var shellStatus: Int32
    public var oomKilled: Bool
    public var peakMemoryBytes: Int?
    /// The cgroup was removed (native), or the container (compose).
    public var cleanedUp: Bool
}

/// A server an experiment drives: natively in a lab cgroup (``NativeServer``), or in its
/// compose container (``ComposeServer``). Either way the experiment reads the same cgroup
/// files and /proc entries.
public protocol ExperimentServer: AnyObject {
    var info: ServerInfo { get }
    var pid: Int32 { get }
    var port: Int { get }
    var metricsPort: Int { get }
    /// The server's cgroup now.
    func sample() -> CgroupSample
    /// How it ended, once it has; nil while it runs.
    func ended() -> ServerEnd?
    /// Stops it if it runs (SIGTERM, then SIGKILL), and cleans up: its cgroup or container.
    func stop() -> ServerEnd
}

extension ExperimentServer {
    /// Waits until the server accepts connections on ``port``; throws when it ends first or
    /// does not within `timeout` seconds.
    func waitUntilListening(timeout: Double = 20) throws {
        let deadline = SystemClock.now() + UInt64(timeout * 1e9)
        while SystemClock.now() < deadline {
            if let end = ended() {
                throw LabError(
                    "\(info.binary) ended before it listened: \(end.termination)\(end.oomKilled ? ", OOM-killed: the limit is below what it needs to start; give more --memory" : "")"
                )
            }
            if let connection = try? Socket.connect(host: "127.0.0.1", port: port) {
                Socket.close(connection.descriptor)
                return
            }
            usleep(50_000)
        }
        throw LabError("\(info.binary) does not accept connections on 127.0.0.1:\(port) after \(Int(timeout)) s")
    }
}

/// The server natively, through `c10k_lab run`'s launcher: a lab cgroup with the limits, no
/// capability, the descriptor limit.
public final class NativeServer: ExperimentServer {
    public let info: ServerInfo
    public let process: CgroupProcess
    public let port: Int
    public let metricsPort: Int
    private var end: ServerEnd?

    public var pid: Int32 { process.pid }

    public init(_ info: ServerInfo, name: String, limits: CgroupLimits, arguments: [String] = [], log: String?) throws {
        self.info = info
        port = try freeLoopbackPort()
        metricsPort = try freeLoopbackPort()
        let command =
            [
                try ServerCatalog.requirePath(of: info.binary), "--port", String(port), "--metrics-port",
                String(metricsPort),
            ]
            + arguments
        process = try CgroupProcess(command: command, name: name, limits: limits, outputFile: log)
    }

    public func sample() -> CgroupSample { process.sample() }

    public func ended() -> ServerEnd? {
        if let end { return end }
        guard let termination = try? process.termination() else { return nil }
        end = Self.end(process.finish(termination))
        return end
    }

    public func stop() -> ServerEnd {
        if let end = ended() { return end }
        kill(process.pid, SIGTERM)
        for _ in 0..<100 {
            if let end = ended() { return end }
            usleep(50_000)
        }
        kill(process.pid, SIGKILL)
        let termination = (try? Spawn.wait(process.pid)) ?? .signaled(SIGKILL)
        end = Self.end(process.finish(termination))
        return end!
    }

    static func end(_ report: RunReport) -> ServerEnd {
        ServerEnd(
            termination: report.exit.signal.map { "killed by \($0) (status \(report.exit.shellStatus))" }
                ?? "exited with status \(report.exit.shellStatus)",
            shellStatus: report.exit.shellStatus, oomKilled: report.oomKilled, peakMemoryBytes: report.peakMemoryBytes,
            cleanedUp: report.cgroupRemoved)
    }
}

/// A loopback port that was free a moment ago (the kernel's choice, then closed).
func freeLoopbackPort() throws -> Int {
    let listener = try Socket.listen(host: "127.0.0.1", port: 0, backlog: 1)
    Socket.close(listener.descriptor)
    return listener.port
}
