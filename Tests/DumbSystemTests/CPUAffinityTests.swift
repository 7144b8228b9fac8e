import DumbSystem
import Glibc
import Testing

@Suite struct CPUAffinityTests {
    @Test func cpuAffinityIsTheAllowedSet() {
        let cpus = CPUAffinity.allowedCPUs()
        #expect(!cpus.isEmpty)
        #expect(CPUAffinity.allowedCPUCount() == cpus.count)
        #expect(CPUAffinity.listDescription([0, 1, 2, 3, 6, 8, 9]) == "0-3,6,8-9")
    }
}
