import DumbSystem
import DumbTestSupport
import Foundation
import Glibc
import Testing

@Suite("c10k_lab experiment memory", .enabled(if: labCgroupsWritable), .serialized)
struct MemoryExperimentTests {
    /// A result folder of its own.
    func folder(_ name: String) -> String {
        NSTemporaryDirectory() + "c10k-lab-\(name)-\(UUID().uuidString.prefix(8))"
    }

    func result(_ folder: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/result.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("dumb_multithreaded under 64m stops at a measured failure, its mode in the result")
    func multithreadedFails() throws {
        let out = folder("mt")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try LabCommand(
            ["experiment", "memory", "--server", "multithreaded", "--memory", "64m", "--max", "10000", "--out", out],
            timeout: 300)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("step 1/10:"), "a progress line per step")
        let json = try result(out)
        let failure = try #require(json["failure"] as? [String: Any], "\(run.output)")
        #expect(
            ["oom_killed", "refused", "dropped", "timeouts"].contains(failure["mode"] as? String ?? ""), "\(failure)")
        #expect((failure["at_connections"] as? Int ?? 0) < 10000)
        #expect((json["bytes_per_connection"] as? Double ?? 0) > 4096, "a thread per connection costs pages")
        let fingerprint = try #require(json["fingerprint"] as? [String: Any])
        for key in [
            "kernel", "cgroup_version", "cpu_model", "server_cpus", "memory_limit_bytes", "open_files", "build",
        ] {
            #expect(fingerprint[key] != nil, "fingerprint lacks \(key)")
        }
        let csv = try String(contentsOfFile: out + "/result.csv", encoding: .utf8)
        #expect(csv.hasPrefix("step,phase,connections,"))
        if TestTools.has("gnuplot") {
            let svg = try String(contentsOfFile: out + "/memory.svg", encoding: .utf8)
            #expect(svg.contains("<svg") && svg.contains("limit 64 MiB"))
        }
        #expect(labCgroupsLeft(named: "memory-multithreaded").isEmpty)
    }

    @Test("dumb_epoll under the same 64m holds 10,000 connections, at a few KiB each")
    func epollHoldsThem() throws {
        let out = folder("epoll")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try LabCommand(
            [
                "experiment", "memory", "--server", "epoll", "--memory", "64m", "--step", "2500", "--max", "10000",
                "--out", out,
            ],
            timeout: 300)
        #expect(run.status == 0, "\(run.output)")
        let json = try result(out)
        #expect(json["failure"] == nil, "\(run.output)")
        #expect(json["held_connections"] as? Int == 10000)
        let perConnection = json["bytes_per_connection"] as? Double ?? 0
        #expect(perConnection > 0 && perConnection < 6 * 1024 + 1024, "\(perConnection) B per connection")
        #expect(labCgroupsLeft(named: "memory-epoll").isEmpty)
    }

    @Test("Ctrl-C stops it: what it started is stopped and removed, the samples so far are kept")
    func interrupted() throws {
        let out = folder("stop")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let experiment = try ServerProcess(
            "c10k_lab",
            arguments: ["experiment", "memory", "--server", "epoll", "--memory", "64m", "--step", "500", "--out", out])
        #expect(eventually(timeout: 60) { experiment.log.contains("step 2/") }, "\(experiment.log)")
        kill(experiment.pid, SIGINT)
        #expect(experiment.waitForExit(timeout: 60) == 130, "\(experiment.log)")
        let json = try result(out)
        #expect((json["failure"] as? [String: Any])?["mode"] as? String == "interrupted")
        #expect((json["samples"] as? [Any])?.count ?? 0 >= 3)
        #expect(labCgroupsLeft(named: "memory-epoll").isEmpty)
        // its clients hold their connections with --hold: none may be left
        let clients = (ProcFiles.directoryEntries("/proc") ?? []).filter {
            (ProcFiles.read("/proc/\($0)/cmdline") ?? "").contains("--hold")
        }
        #expect(clients.isEmpty, "clients of the experiment left: \(clients)")
    }

    @Test("bad input: an unknown server, a chat server, a size that is not one")
    func badInput() throws {
        for (arguments, message) in [
            (["--server", "apache", "--memory", "64m"], "unknown server 'apache'"),
            (["--server", "select-chat", "--memory", "64m"], "chat protocol"),
            (["--server", "epoll", "--memory", "64x"], "--memory '64x' is not a size"),
            (["--server", "epoll", "--memory", "64m", "--step", "0"], "--step must be at least 1"),
        ] as [([String], String)] {
            let run = try LabCommand(["experiment", "memory"] + arguments)
            #expect(run.status == 64, "\(arguments): \(run.output)")
            #expect(run.output.contains(message), "\(arguments): \(run.output)")
        }
    }
}
