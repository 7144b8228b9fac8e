import ArgumentParser
import DumbSystem
import LabKit

struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs a lab's reference solution as a learner would, checking each step on the way.",
        discussion: """
            It starts the lab's servers and clients (they stay until c10k_lab reset), runs its \
            experiments into the lab's folder, and checks each step after its commands. Exit \
            status 0 when every step then holds.

            Examples:
              c10k_lab solve 01 && c10k_lab check 01
              c10k_lab solve 03 --docker
            """)

    @OptionGroup var lab: LabArgument

    @Flag(help: "The Docker path: the lab's servers in its compose containers.")
    var docker = false

    @Flag(help: "Print the final check as JSON.")
    var json = false

    func run() throws {
        do {
            try StopSignal.install(.notify)
            let report = try LabRunner(docker: docker) { Console.note($0) }.solve(lab.value)
            print(json ? report.json : report.text, terminator: "")
            if !report.passed { throw ExitCode(1) }
        } catch let error as LabError {
            Console.fail(error)
        }
    }
}
