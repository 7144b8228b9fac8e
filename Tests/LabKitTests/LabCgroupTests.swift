import DumbSystem
import Foundation
import LabKit
import Testing

/// The cgroup files `c10k_lab run` writes, against fake trees: a v2 hierarchy (what most
/// learners' machines have, and this one does not) and a v1 one.
@Suite struct LabCgroupTests {
    /// A temporary folder standing for a cgroup mount.
    final class FakeTree {
        let root = NSTemporaryDirectory() + "c10k-lab-fake-cgroup-\(UUID().uuidString)"
        init(_ files: [String: String]) throws {
            for (path, text) in files {
                let full = root + "/" + path
                try FileManager.default.createDirectory(
                    atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try text.write(toFile: full, atomically: false, encoding: .utf8)
            }
        }
        func read(_ path: String) -> String? {
            try? String(contentsOfFile: root + "/" + path, encoding: .utf8)
        }
        deinit { try? FileManager.default.removeItem(atPath: root) }
    }

    @Test func v2WritesTheLimitsAComposeServiceHas() throws {
        let tree = try FakeTree([
            "cgroup.controllers": "cpuset cpu io memory pids\n", "cgroup.subtree_control": "",
            "cpuset.mems.effective": "0\n",
        ])
        let layout = CgroupLayout(
            version: .v2, unified: tree.root, unifiedControllers: ["cpuset", "cpu", "io", "memory", "pids"],
            v1Controllers: [:])
        let cgroup = try LabCgroup(
            name: "epoll", limits: CgroupLimits(memory: 64 << 20, cpus: [0, 1], pids: 100), layout: layout,
            base: tree.root)
        #expect(tree.read("cgroup.subtree_control") == "+memory +pids +cpuset")
        #expect(tree.read("c10k-lab/cgroup.subtree_control") == "+memory +pids +cpuset")
        #expect(tree.read("c10k-lab/epoll/memory.max") == "67108864")
        #expect(tree.read("c10k-lab/epoll/memory.swap.max") == "0")
        #expect(tree.read("c10k-lab/epoll/cpuset.cpus") == "0-1")
        #expect(tree.read("c10k-lab/epoll/cpuset.mems") == "0")
        #expect(tree.read("c10k-lab/epoll/pids.max") == "100")
        #expect(cgroup.procsFiles == [tree.root + "/c10k-lab/epoll/cgroup.procs"])
        #expect(cgroup.notes.isEmpty)
    }

    @Test func v2WithoutLimitsLeavesMemoryAndPidsUnlimited() throws {
        let tree = try FakeTree(["cgroup.controllers": "memory pids\n"])
        let layout = CgroupLayout(
            version: .v2, unified: tree.root, unifiedControllers: ["memory", "pids"], v1Controllers: [:])
        _ = try LabCgroup(name: "plain", limits: CgroupLimits(), layout: layout, base: tree.root)
        #expect(tree.read("c10k-lab/plain/memory.max") == nil, "no limit: the kernel's default, max")
        #expect(tree.read("c10k-lab/plain/pids.max") == "max")
        #expect(tree.read("cgroup.subtree_control") == "+memory +pids")
    }

    @Test func v2WithoutTheControllerSaysSo() throws {
        let tree = try FakeTree(["cgroup.controllers": "memory pids\n"])
        let layout = CgroupLayout(
            version: .v2, unified: tree.root, unifiedControllers: ["memory", "pids"], v1Controllers: [:])
        #expect {
            try LabCgroup(name: "x", limits: CgroupLimits(cpus: [0]), layout: layout, base: tree.root)
        } throws: { "\($0)".contains("no cpuset controller") }
    }

    @Test func v1WritesEachControllersFolder() throws {
        let tree = try FakeTree([
            "memory/memory.limit_in_bytes": "9223372036854771712\n", "cpuset/cpuset.cpus": "0-1\n",
            "cpuset/cpuset.mems": "0\n", "pids/pids.max": "max\n",
        ])
        let layout = CgroupLayout(
            version: .v1, unified: nil, unifiedControllers: [],
            v1Controllers: [
                "memory": tree.root + "/memory", "cpuset": tree.root + "/cpuset", "pids": tree.root + "/pids",
            ])
        let cgroup = try LabCgroup(name: "mt", limits: CgroupLimits(memory: 64 << 20, cpus: [1]), layout: layout)
        #expect(tree.read("memory/c10k-lab/mt/memory.limit_in_bytes") == "67108864")
        #expect(tree.read("memory/c10k-lab/mt/memory.kmem.tcp.limit_in_bytes") == "-1", "socket memory counted")
        // a new cpuset cgroup takes no process until it has CPUs and memory nodes: copied from the root
        #expect(tree.read("cpuset/c10k-lab/cpuset.cpus") == "0-1")
        #expect(tree.read("cpuset/c10k-lab/cpuset.mems") == "0")
        #expect(tree.read("cpuset/c10k-lab/mt/cpuset.cpus") == "1")
        #expect(tree.read("pids/c10k-lab/mt/pids.max") == "max")
        #expect(Set(cgroup.procsFiles).count == 3)
        // no memory.memsw file in this tree: the swap note says whether that matters
        #expect(cgroup.notes.count == 1 && cgroup.notes[0].contains("memory.memsw.limit_in_bytes"))
    }

    @Test func aNameThatIsAPathIsRefused() {
        let layout = CgroupLayout(version: .v1, unified: nil, unifiedControllers: [], v1Controllers: [:])
        for name in ["", "../x", "a/b", "."] {
            #expect(throws: LabError.self) { try LabCgroup(name: name, limits: CgroupLimits(), layout: layout) }
        }
    }

    @Test func aFolderItMayNotWriteSaysWhatToRunInstead() throws {
        let layout = CgroupLayout(
            version: .v2, unified: "/proc", unifiedControllers: ["memory", "pids"], v1Controllers: [:])
        #expect {
            try LabCgroup(name: "x", limits: CgroupLimits(), layout: layout, base: "/proc/c10k-lab-nowhere")
        } throws: { "\($0)".contains("systemd-run --user --scope -p Delegate=yes") }
    }

    @Test func samplesReadV1AndV2Files() throws {
        let v2 = try FakeTree([
            "memory.current": "1048576\n", "memory.peak": "2097152\n",
            "memory.stat": "anon 524288\nfile 4096\nkernel 262144\nsock 8192\n",
            "memory.events": "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n", "pids.current": "7\n",
        ])
        let sample = CgroupSample.read(memoryFolder: v2.root, pidsFolder: v2.root, unified: true)
        #expect(sample.memoryCurrent == 1 << 20 && sample.memoryPeak == 2 << 20)
        #expect(sample.anonymous == 524288 && sample.kernel == 262144 && sample.sockets == 8192)
        #expect(sample.limitHits == 12 && sample.oomKills == 1 && sample.pids == 7)
        let v1 = try FakeTree([
            "memory.usage_in_bytes": "100\n", "memory.max_usage_in_bytes": "200\n", "memory.stat": "cache 10\nrss 50\n",
            "memory.kmem.usage_in_bytes": "30\n", "memory.kmem.tcp.usage_in_bytes": "5\n", "memory.failcnt": "3\n",
            "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
        ])
        let old = CgroupSample.read(memoryFolder: v1.root, pidsFolder: nil, unified: false)
        #expect(old.memoryCurrent == 100 && old.memoryPeak == 200 && old.anonymous == 50 && old.file == 10)
        #expect(old.kernel == 30 && old.sockets == 5 && old.limitHits == 3 && old.oomKills == 2 && old.pids == nil)
    }
}
