import DumbMetrics
import DumbProtocol
import DumbTestSupport
import Glibc
import Testing

@Suite struct CgroupTests {
    @Test func cpuListsAreCounted() {
        #expect(Cgroup.countCPUs("0-3,6\n") == 5)
        #expect(Cgroup.countCPUs("1") == 1)
        #expect(Cgroup.countCPUs("0-1,4-7") == 6)
    }

    @Test func theLimitIsAbsentWhenUnlimited() {
        let cgroup = Cgroup.current()
        if let limit = cgroup.memoryLimit {
            #expect(limit < 1 << 62)
        }
        #expect(cgroup.cpuCount >= 1)
    }
}
