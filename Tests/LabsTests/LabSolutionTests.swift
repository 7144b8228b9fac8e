import DumbTestSupport
import Foundation
import LabKit
import Testing

/// Every lab, played through natively: `check` before `solve` fails with a reason and a hint
/// for each step, `solve` then `check` passes every step, and the README's runnable commands
/// work in the solved lab. The labs share the lab's ports (8090, 8091): one at a time.
@Suite("the labs, solved and checked", .enabled(if: LabTool.available), .serialized)
struct LabSolutionTests {
    @Test(
        "check fails before solve, solve then check passes, the README's runnable commands run",
        arguments: LabCatalog.labs.map(\.id))
    func lab(id: String) throws {
        let lab = try #require(LabCatalog.lab(id))
        _ = try LabTool.run(["reset", id])
        defer { _ = try? LabTool.run(["reset", id]) }

        let before = try LabTool.run(["check", id])
        #expect(before.status == 1, "check before solve must fail:\n\(before.output)")
        for (number, step) in lab.steps.enumerated() {
            let line = "✗ \(number + 1) \(step.title):"
            #expect(before.output.contains(line), "\(line) missing:\n\(before.output)")
        }
        #expect(before.output.components(separatedBy: "\n    why: ").count - 1 == lab.steps.count, "a reason per step")
        #expect(before.output.components(separatedBy: "\n    hint: ").count - 1 == lab.steps.count, "a hint per step")

        let solved = try LabTool.run(["solve", id], timeout: 900)
        #expect(solved.status == 0, "solve \(id):\n\(solved.output)")
        let after = try LabTool.run(["check", id, "--json"])
        #expect(after.status == 0, "check after solve:\n\(after.output)")
        let report = try JSONSerialization.jsonObject(with: Data(after.output.utf8)) as? [String: Any]
        let steps = report?["steps"] as? [[String: Any]] ?? []
        #expect(steps.count == lab.steps.count && steps.allSatisfy { $0["passed"] as? Bool == true }, "\(after.output)")

        for block in try LabReadme(lab).runnableBlocks {
            let run = try LabTool.shell(block, timeout: 120)
            #expect(
                run.status == 0, "labs/\(lab.folder)/README.md, runnable block:\n\(block)\n--- output:\n\(run.output)")
        }
    }
}
