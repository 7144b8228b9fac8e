import DumbSystem
import DumbTestSupport
import Foundation
import Glibc
import Testing

/// Whether this process may make lab cgroups: root on cgroup v1, or a delegated v2 subtree.
/// c10k_lab's doctor says so itself.
let labCgroupsWritable: Bool = {
    guard let doctor = try? LabCommand(["doctor", "--json"], timeout: 60),
        let cgroup = doctor.json?["cgroup"] as? [String: Any], let writable = cgroup["writable"] as? [String: Bool]
    else { return false }
    return writable["memory"] == true && writable["pids"] == true
}()

/// `c10k_lab ARGUMENTS`, run to its end.
struct LabCommand {
    let status: Int32
    let output: String
    let json: [String: Any]?

    init(_ arguments: [String], timeout: Double = 120) throws {
        let process = try ServerProcess("c10k_lab", arguments: arguments)
        guard let status = process.waitForExit(timeout: timeout) else {
            throw TestFailure("c10k_lab \(arguments) did not end within \(timeout) s:\n\(process.log)")
        }
        let log = process.log
        self.status = status
        output = log
        json = log.firstIndex(of: "{").flatMap {
            try? JSONSerialization.jsonObject(with: Data(log[$0...].utf8)) as? [String: Any]
        }
    }
}

/// The cgroup folders `c10k_lab run` leaves, which must be none.
func labCgroupsLeft(named name: String) -> [String] {
    ["memory", "cpuset", "pids", "unified"].map { "/sys/fs/cgroup/\($0)/c10k-lab/\(name)" }
        .filter { access($0, F_OK) == 0 }
}

@Suite("c10k_lab doctor")
struct DoctorTests {
    @Test("--json states what this machine is: its cgroups, its descriptor limits, its capabilities")
    func json() throws {
        let doctor = try LabCommand(["doctor", "--json"])
        let json = try #require(doctor.json, "\(doctor.output)")
        #expect(doctor.status == ((json["every_lab_can_run"] as? Bool) == true ? 0 : 1))
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let openFiles = try #require(json["open_files"] as? [String: Int])
        #expect(openFiles["hard"] == Int(limit.rlim_max))
        let cgroup = try #require(json["cgroup"] as? [String: Any])
        let mounts = ProcFiles.read("/proc/self/mounts") ?? ""
        let hasV1 = mounts.contains(" cgroup rw") || mounts.contains(" cgroup ro")
        let hasV2 = mounts.contains(" cgroup2 ")
        let expected = hasV1 && hasV2 ? "hybrid" : hasV1 ? "v1" : "v2"
        #expect(cgroup["version"] as? String == expected)
        let capabilities = try #require(json["capabilities"] as? [String: Bool])
        let status = ProcFiles.keyValues(ProcFiles.read("/proc/self/status") ?? "")
        let effective = UInt64(status["CapEff"] ?? "0", radix: 16) ?? 0
        #expect(capabilities["CAP_SYS_RESOURCE"] == (effective & (1 << 24) != 0))
        #expect(capabilities["CAP_SYS_ADMIN"] == (effective & (1 << 21) != 0))
        let labs = try #require(json["labs"] as? [[String: Any]])
        #expect(labs.count == 10)
        let facts = try #require(json["facts"] as? [[String: Any]])
        // every fact that fails says how to fix it
        for fact in facts where fact["status"] as? String == "failed" {
            #expect((fact["fix"] as? String)?.isEmpty == false, "\(fact)")
        }
    }

    @Test("the text has a line per fact, and for each ✗ the fix and the labs it blocks")
    func text() throws {
        let doctor = try LabCommand(["doctor"])
        #expect(doctor.output.contains("✓ kernel"))
        #expect(doctor.output.contains("open files: soft"))
        #expect(doctor.output.contains("lab 08 Under one memory limit"))
        for block in doctor.output.components(separatedBy: "\n✗ ").dropFirst() {
            #expect(block.contains("\n    fix: "), "\(block)")
        }
    }
}

@Suite("c10k_lab run", .enabled(if: labCgroupsWritable), .serialized)
struct RunTests {
    /// Starts `c10k_lab run` with `options` on `server`, on a port of its own.
    func start(_ server: String, _ options: [String], name: String) throws -> (ServerProcess, Int) {
        let port = try freeLoopbackPort()
        let binary = try BinaryLocator.path(of: server)
        let run = try ServerProcess(
            "c10k_lab",
            arguments: ["run"] + options + [
                "--name", name, "--", binary, "--port", String(port), "--metrics-port", "0",
            ])
        #expect(
            eventually(timeout: 30) {
                (try? Socket.connect(host: "127.0.0.1", port: port)).map { Socket.close($0.descriptor) } != nil
            })
        return (run, port)
    }

    func clients(_ count: Int, port: Int) throws -> (Int32, String) {
        let client = try ServerProcess(
            "c10k_client",
            arguments: [String(count), "--port", String(port), "--request", "PING", "--duration", "8s", "--quiet"])
        let status = client.waitForExit(timeout: 120) ?? -1
        return (status, client.log)
    }

    @Test("dumb_multithreaded under 64m and 4000 clients: OOM-killed, its peak, exit 137, its cgroup gone")
    func multithreadedIsOOMKilled() throws {
        let name = "test-mt-\(getpid())"
        let (run, port) = try start("dumb_multithreaded", ["--memory", "64m"], name: name)
        _ = try clients(4000, port: port)
        let status = run.waitForExit(timeout: 60)
        #expect(status == 137, "\(run.log)")
        #expect(run.log.contains("was killed by SIGKILL (status 137)"))
        #expect(run.log.contains("the kernel's OOM killer killed it"))
        #expect(run.log.contains("peak memory 64 MiB of 64 MiB"), "\(run.log)")
        #expect(labCgroupsLeft(named: name).isEmpty)
    }

    @Test("dumb_epoll under the same limit serves all 4000; SIGTERM is passed on, and it exits 0")
    func epollServesThemAll() throws {
        let name = "test-epoll-\(getpid())"
        let json = NSTemporaryDirectory() + "\(name).json"
        defer { unlink(json) }
        let (run, port) = try start("dumb_epoll", ["--memory", "64m", "--cpus", "0", "--json", json], name: name)
        let (clientStatus, clientLog) = try clients(4000, port: port)
        #expect(clientStatus == 0, "\(clientLog)")
        kill(run.pid, SIGTERM)
        #expect(run.waitForExit(timeout: 30) == 0, "\(run.log)")
        #expect(run.log.contains("passing SIGTERM to dumb_epoll"))
        #expect(run.log.contains("not OOM-killed"))
        let report = try #require(
            (try? Data(contentsOf: URL(fileURLWithPath: json))).flatMap {
                try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
            })
        #expect(report["oom_killed"] as? Bool == false)
        #expect((report["exit"] as? [String: Any])?["shell_status"] as? Int == 0)
        #expect(((report["cgroup"] as? [String: Any])?["limits"] as? [String: Any])?["memory"] as? Int == 64 << 20)
        #expect((report["peak_memory_bytes"] as? Int ?? 0) > 4000 * 1000, "4000 connections cost kernel memory")
        #expect(labCgroupsLeft(named: name).isEmpty)
    }

    @Test("bad input gets a clear error and leaves no cgroup behind")
    func badInput() throws {
        let name = "test-bad-\(getpid())"
        for (arguments, status, message) in [
            (["--memory", "64x", "--", "true"], 64, "--memory '64x' is not a size"),
            (["--cpus", "999", "--", "true"], 64, "is not one this process may use"),
            (["--", "no-such-program-here"], 2, "is not a program on PATH"),
            (["--memory", "64m"], 64, "give the program to run after --"),
            (["--nofile", "99999999", "--", "true"], 2, "above this process's hard limit"),
        ] as [([String], Int32, String)] {
            let run = try LabCommand(["run", "--name", name] + arguments)
            #expect(run.status == status, "\(arguments): \(run.output)")
            #expect(run.output.contains(message), "\(arguments): \(run.output)")
        }
        // a limit below what the program needs to start: it is OOM-killed at once, and told so
        let tiny = try LabCommand([
            "run", "--name", name, "--memory", "256k", "--", try BinaryLocator.path(of: "dumb_epoll"), "--port", "0",
        ])
        #expect(tiny.status == 137, "\(tiny.output)")
        #expect(tiny.output.contains("below what it needs to start"), "\(tiny.output)")
        #expect(labCgroupsLeft(named: name).isEmpty)
    }
}
