import CLibcap
import DumbSystem
import Foundation
import Glibc
import LabKit
import Testing

/// A real lab cgroup on this machine: needs root (cgroup v1) or a delegated v2 subtree.
/// Whether this process may make lab cgroups (it makes one and removes it).
let canMakeCgroups: Bool = {
    guard let layout = CgroupLayout.detect(),
        let cgroup = try? LabCgroup(name: "probe-\(getpid())", limits: CgroupLimits(), layout: layout)
    else { return false }
    try? cgroup.remove()
    return true
}()

@Suite("a program in a lab cgroup", .enabled(if: canMakeCgroups), .serialized)
struct CgroupProcessTests {
    static func status(_ pid: Int32) -> [String: String] {
        ProcFiles.keyValues(ProcFiles.read("/proc/\(pid)/status") ?? "")
    }

    @Test("it runs in its cgroup, with every capability dropped and no_new_privs, and the cgroup goes with it")
    func limitsAndPrivileges() throws {
        let process = try CgroupProcess(
            command: ["sleep", "60"], name: "test-\(getpid())", limits: CgroupLimits(memory: 32 << 20, pids: 8),
            openFiles: 512)
        defer { kill(process.pid, SIGKILL) }
        #expect(process.cgroup.processes().contains(process.pid))
        let status = Self.status(process.pid)
        #expect(status["CapEff"] == "0000000000000000", "\(status)")
        #expect(status["CapPrm"] == "0000000000000000")
        #expect(status["CapBnd"] == "0000000000000000" || getuid() != 0)
        #expect(status["NoNewPrivs"] == "1")
        let limits = ProcFiles.read("/proc/\(process.pid)/limits") ?? ""
        #expect(limits.contains("Max open files            512                  512"), "\(limits)")
        let memory = try #require(process.cgroup.memoryFolder)
        let limitFile = process.cgroup.layout.usesUnified ? "/memory.max" : "/memory.limit_in_bytes"
        #expect(ProcFiles.read(memory + limitFile)?.trimmingCharacters(in: "\n") == "33554432")
        kill(process.pid, SIGTERM)
        let report = process.finish(try Spawn.wait(process.pid))
        #expect(report.exit.signal == "SIGTERM" && report.exit.shellStatus == 143)
        #expect(!report.oomKilled && report.cgroupRemoved)
        #expect(access(memory, F_OK) != 0, "the cgroup is removed")
    }

    @Test("over its memory limit, the kernel's OOM killer ends it, and the report says so")
    func oomKill() throws {
        // a shell that doubles a string until it holds far more than 16 MiB
        let process = try CgroupProcess(
            command: ["bash", "-c", "x=0123456789abcdef; while true; do x=$x$x; done"], name: "oom-\(getpid())",
            limits: CgroupLimits(memory: 16 << 20))
        let report = process.finish(try process.wait())
        #expect(report.oomKilled, "\(report.text)")
        #expect(report.exit.shellStatus == 137 && report.exit.signal == "SIGKILL")
        #expect(report.peakMemoryBytes >= 15 << 20 && report.peakMemoryBytes <= 16 << 20)
        #expect(report.text.contains("the kernel's OOM killer killed it"))
        #expect(report.cgroupRemoved)
    }

    @Test(
        "a program that does not exist, and a descriptor limit above the hard one, are refused before the cgroup is made"
    )
    func badPrograms() throws {
        #expect {
            try CgroupProcess(command: ["no-such-program-here"], name: "bad-\(getpid())", limits: CgroupLimits())
        } throws: { "\($0)".contains("is not a program on PATH") }
        let hard = OpenFileLimit.current().hard
        #expect {
            try CgroupProcess(command: ["true"], name: "bad-\(getpid())", limits: CgroupLimits(), openFiles: hard + 1)
        } throws: { error in
            Capabilities.hasEffective(CAP_SYS_RESOURCE) || "\(error)".contains("above this process's hard limit")
        }
        let layout = try #require(CgroupLayout.detect())
        let leftover =
            (layout.mountPoint(of: "memory") ?? "") + (layout.usesUnified ? "" : "") + "/c10k-lab/bad-\(getpid())"
        #expect(access(leftover, F_OK) != 0)
    }
}
