import Foundation
import Testing

@testable import LabKit

/// The checks that read result files, and the grading against the reference: on results
/// written here, so each case is exact.
@Suite struct LabProbeTests {
    let workspace = NSTemporaryDirectory() + "c10k-lab-probe-\(UUID().uuidString)"

    func fingerprint(openFiles: Int = 20000) -> Fingerprint {
        Fingerprint(
            kernel: "6.18", cgroupVersion: "hybrid", cpuModel: "test CPU", cpus: 2, memoryTotalBytes: 1 << 34,
            serverCpus: "0", clientCpus: "1", memoryLimitBytes: 64 << 20, openFiles: openFiles,
            server: "dumb_multithreaded",
            build: "test", swift: "6.3.1", date: "2026-12-02T00:00:00Z")
    }

    func write(limit: Int = 64 << 20, notes: [String] = [], openFiles: Int = 20000, failure: String? = "oom_killed")
        throws
    {
        let result = MemoryExperiment.Result(
            server: "dumb_multithreaded", service: "multithreaded", mode: "native", memoryLimitBytes: limit,
            request: "PING",
            step: 1000, maximum: 10000, samples: [],
            failure: failure.map {
                .init(mode: $0, text: "the kernel's OOM killer killed it at 2000 connections", atConnections: 2000)
            },
            heldConnections: 1000, bytesPerConnection: 30000, rssBytesPerConnection: 20000, fit: nil, serverEnd: nil,
            cgroupNotes: notes, fingerprint: fingerprint(openFiles: openFiles), how: "test")
        try FileManager.default.createDirectory(atPath: workspace + "/mt", withIntermediateDirectories: true)
        try JSONText.encode(result).write(toFile: workspace + "/mt/result.json", atomically: true, encoding: .utf8)
    }

    var probe: LabProbe {
        .memoryResult(name: "mt", server: "dumb_multithreaded", memory: "64m", failsBy: ["oom_killed", "refused"])
    }
    var context: CheckContext { CheckContext(workspace: workspace, results: nil) }

    @Test func aResultUnderTheLabsLimitsIsGraded() throws {
        try write()
        let outcome = probe.run(context)
        #expect(outcome.passed && !outcome.refused && outcome.measured == 2000, "\(outcome)")
    }

    @Test func noResultFailsWithWhatToRun() {
        let outcome = probe.run(context)
        #expect(!outcome.passed && !outcome.refused)
        #expect(outcome.reason?.contains("c10k_lab experiment memory") == true)
    }

    @Test func limitsNotInForceAreNotGraded() throws {
        try write(limit: 128 << 20)
        var outcome = probe.run(context)
        #expect(outcome.refused && outcome.reason?.contains("the lab's limit is 64m") == true, "\(outcome)")
        try write(notes: ["swap is NOT limited: the kernel has no memory.memsw.limit_in_bytes"])
        outcome = probe.run(context)
        #expect(outcome.refused && outcome.reason?.contains("not in force") == true, "\(outcome)")
        try write(openFiles: 1024)
        outcome = probe.run(context)
        #expect(outcome.refused && outcome.reason?.contains("open files limit was 1024") == true, "\(outcome)")
    }

    @Test func theWrongOutcomeFails() throws {
        try write(failure: nil)
        let outcome = probe.run(context)
        #expect(!outcome.passed && !outcome.refused && outcome.reason?.contains("should fail") == true, "\(outcome)")
    }

    @Test func aFigureFarFromTheReferenceFailsAndSaysBoth() throws {
        let runner = LabRunner(state: LabState(folder: workspace + "/state")) { _ in }
        let lab = try #require(LabCatalog.lab("08"))
        let step = lab.steps[0]
        let reference = CheckReport(
            lab: "08", folder: lab.folder, title: lab.title,
            steps: [
                StepVerdict(
                    number: 1, key: step.key, title: step.title, passed: true, refused: false, text: "", measured: 2000,
                    unit: "connections")
            ], passed: true, fingerprint: fingerprint())
        let near = runner.grade(step, number: 1, outcome: .pass("x", measured: 3000), reference: reference, lab: lab)
        #expect(near.passed && near.reference == 2000)
        #expect(near.referenceSource?.contains("labs/results/labs/08-memory-limits.json, test CPU") == true)
        let far = runner.grade(step, number: 1, outcome: .pass("x", measured: 9000), reference: reference, lab: lab)
        #expect(!far.passed)
        #expect(far.reason?.contains("measured 9000, the reference 2000") == true, "\(far)")
    }
}
