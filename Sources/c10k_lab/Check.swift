import ArgumentParser
import LabKit

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Checks a lab's steps in your environment: ✓ or ✗ each, and why and a hint for ✗.",
        discussion: """
            Each check measures: it talks to the lab's server on 127.0.0.1:8090, reads its \
            metrics on :8091, /proc, its cgroup, or the experiment results in the lab's folder, \
            and grades the figure against the reference result of labs/results/ (both shown, \
            with your guess). It refuses to grade (?) when the limits the lab relies on are not \
            in force. A step that passed stays passed. Exit status 0 only when every step holds.

            Examples:
              c10k_lab check 01
              c10k_lab check 08 --step 2
              c10k_lab check 03 --json
            """)

    @OptionGroup var lab: LabArgument

    @Option(help: ArgumentHelp("Check this step only (its number or key), now.", valueName: "step"))
    var step: String?

    @Flag(help: "Print the verdicts as JSON.")
    var json = false

    func validate() throws {
        if let step, LabCatalog.lab(lab.lab)?.step(step) == nil {
            throw ValidationError(
                "lab \(lab.lab) has no step '\(step)': give 1 to \(LabCatalog.lab(lab.lab)?.steps.count ?? 0).")
        }
    }

    func run() throws {
        do {
            let report = try LabRunner { Console.note($0) }.check(lab.value, only: step)
            print(json ? report.json : report.text, terminator: "")
            if !report.passed { throw ExitCode(1) }
        } catch let error as LabError {
            Console.fail(error)
        }
    }
}
