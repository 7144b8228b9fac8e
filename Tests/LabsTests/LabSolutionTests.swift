import DumbTestSupport
import Foundation
import LabKit
import Testing

/// Every lab, played through natively as a learner would: `start`, `hint`, `predict`; `check`
/// before `solve` fails with a reason and a hint for each step, `solve` then `check` passes
/// every step with the guess beside its measurement, `list` and `hint` say the lab is done, and
/// the README's runnable commands work in the solved lab. The labs share the lab's ports (8090, 8091): one at a time.
@Suite("the labs, solved and checked", .enabled(if: LabTool.available), .serialized)
struct LabSolutionTests {
    @Test(
        "check fails before solve, solve then check passes, the README's runnable commands run",
        arguments: LabCatalog.labs.map(\.id))
    func lab(id: String) throws {
        let lab = try #require(LabCatalog.lab(id))
        _ = try LabTool.run(["reset", id])
        defer { _ = try? LabTool.run(["reset", id]) }
        let started = try LabTool.run(["start", id])
        #expect(
            started.status == 0,
            "start \(id): the machine passed doctor, so the lab's preflight must:\n\(started.output)")
        let firstHint = try LabTool.run(["hint", id])
        #expect(firstHint.output == "step 1 \(lab.steps[0].title): \(lab.steps[0].hint)\n", "\(firstHint.output)")
        // predict, then measure: the guess stands beside the measurement in every check
        let guess = 4321
        if let prediction = lab.prediction {
            let question = try LabTool.run(["predict", id])
            #expect(question.output.contains(prediction.question), "\(question.output)")
            #expect(try LabTool.run(["predict", id, String(guess)]).status == 0)
        } else {
            #expect(try LabTool.run(["predict", id, String(guess)]).status != 0, "lab \(id) asks for no prediction")
        }

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
        if let prediction = lab.prediction {
            let predicted = steps.first { $0["key"] as? String == prediction.step }
            #expect(
                predicted?["guess"] as? Double == Double(guess), "the guess is missing beside step \(prediction.step)")
            #expect(predicted?["measured"] != nil, "step \(prediction.step) measures what was guessed")
            let text = try LabTool.run(["check", id])
            #expect(text.output.contains("your guess \(guess)"), "\(text.output)")
        }
        let listed = try LabTool.run(["list"])
        let done = "✓ \(id)  \(lab.title)  (\(lab.minutes) min, \(lab.steps.count)/\(lab.steps.count) steps)"
        #expect(listed.output.contains(done), "\(done) missing:\n\(listed.output)")
        let lastHint = try LabTool.run(["hint", id])
        #expect(lastHint.output.contains("every step of lab \(id) is done"), "\(lastHint.output)")

        for block in try LabReadme(lab).runnableBlocks {
            let run = try LabTool.shell(block, timeout: 120)
            #expect(
                run.status == 0, "labs/\(lab.folder)/README.md, runnable block:\n\(block)\n--- output:\n\(run.output)")
        }
    }
}
