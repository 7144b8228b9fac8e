import Testing

@testable import LabKit

/// What a memory experiment says the server held: only what a live server held.
@Suite struct HeldConnectionsTests {
    func sample(_ connections: Int, oomKills: Int = 0, rss: Int = 50 << 20, descriptors: Int? = nil)
        -> MemoryExperiment.Sample
    {
        var cgroup = CgroupSample()
        cgroup.oomKills = oomKills
        let server = ProcessSample(
            rssBytes: rss, threads: connections + 2, descriptors: descriptors ?? connections + 7, voluntarySwitches: 0,
            involuntarySwitches: 0, userSeconds: 0, systemSeconds: 0)
        return MemoryExperiment.Sample(
            step: connections / 1000, phase: "idle", connections: connections, target: connections, seconds: 0,
            cgroup: cgroup, server: server, clientErrors: 0, serverRefused: 0)
    }

    @Test func aSampleTakenAsTheOOMKillerStruckDoesNotCount() {
        // the last sample: the clients still count 6000 sockets, the kernel killed the server
        let samples = [sample(0), sample(1000), sample(5000), sample(6000, oomKills: 1, rss: 0)]
        #expect(MemoryExperiment.heldConnections(samples) == 5000)
        #expect(MemoryExperiment.heldConnections([sample(0), sample(1000), sample(6000, rss: 0)]) == 1000)
        #expect(MemoryExperiment.heldConnections(samples.dropLast() + [sample(6000)]) == 6000)
    }

    @Test func aProcessThatIsExitingDoesNotCount() {
        // killed, not reaped yet: its descriptor table is gone, its memory not yet, the kill
        // not yet counted (measured: multithreaded under 256m, at 6000)
        let dying = sample(6000, descriptors: 0)
        #expect(!MemoryExperiment.isLive(dying, baseline: sample(0)))
        #expect(MemoryExperiment.heldConnections([sample(0), sample(5000), dying]) == 5000)
    }

    @Test func killsBeforeTheExperimentAreNotItsOwn() {
        // a cgroup whose count was already 1 (a lab run twice in one cgroup)
        let samples = [sample(0, oomKills: 1), sample(2000, oomKills: 1), sample(3000, oomKills: 2)]
        #expect(MemoryExperiment.heldConnections(samples) == 2000)
    }
}
