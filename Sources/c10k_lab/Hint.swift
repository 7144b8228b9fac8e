import ArgumentParser
import LabKit

struct Hint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The hint for the first step of a lab not done yet (or every step's).",
        discussion: """
            Examples:
              c10k_lab hint 01
              c10k_lab hint 08 --all
            """)

    @OptionGroup var lab: LabArgument

    @Flag(help: "Every step's hint.")
    var all = false

    func run() throws {
        let progress = LabState().progress(lab.value)
        for (index, step) in lab.value.steps.enumerated() where all || progress.steps[step.key] == nil {
            print("step \(index + 1) \(step.title): \(step.hint)")
            if !all { return }
        }
        if !all { print("every step of lab \(lab.value.id) is done: c10k_lab check \(lab.value.id) shows them") }
    }
}
