import LabKit
import Testing

@Suite struct CgroupLayoutTests {
    let v1Mounts = """
        tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
        cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
        cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset 0 0
        cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0
        cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0
        cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0
        """

    @Test func aHybridMachineHasV1ControllersAndAnEmptyUnifiedHierarchy() {
        let mounts = v1Mounts + "\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n"
        let layout = CgroupLayout.detect(mounts: mounts) { path in
            path == "/sys/fs/cgroup/unified/cgroup.controllers" ? "hugetlb\n" : nil
        }
        #expect(layout?.version == .hybrid)
        #expect(layout?.v1Controllers["memory"] == "/sys/fs/cgroup/memory")
        #expect(layout?.v1Controllers["systemd"] == nil, "name=systemd is no controller")
        #expect(layout?.mountPoint(of: "cpuset") == "/sys/fs/cgroup/cpuset")
        #expect(layout?.usesUnified == false)
    }

    @Test func aV1MachineAndAV2Machine() {
        #expect(CgroupLayout.detect(mounts: v1Mounts) { _ in nil }?.version == .v1)
        let v2 = CgroupLayout.detect(mounts: "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n") { path in
            path == "/sys/fs/cgroup/cgroup.controllers" ? "cpuset cpu io memory pids\n" : nil
        }
        #expect(v2?.version == .v2)
        #expect(v2?.usesUnified == true)
        #expect(v2?.mountPoint(of: "memory") == "/sys/fs/cgroup")
        #expect(v2?.mountPoint(of: "hugetlb") == nil)
        #expect(CgroupLayout.detect(mounts: "proc /proc proc rw 0 0\n") { _ in nil } == nil)
    }
}
