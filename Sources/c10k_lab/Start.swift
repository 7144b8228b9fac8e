import ArgumentParser
import LabKit

struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Begins a lab: its preflight (doctor's facts for it), then what it needs running.",
        discussion: """
            Natively it checks the machine and makes the lab's results folder; with --docker it \
            also brings up the lab's compose stack (monitoring and its server).

            Examples:
              c10k_lab start 01
              c10k_lab start 03 --docker
            """)

    @OptionGroup var lab: LabArgument

    @Flag(help: "The Docker path: docker compose up -d in the lab's folder.")
    var docker = false

    func run() throws {
        do {
            let (ready, text) = try LabRunner(docker: docker) { Console.note($0) }.start(lab.value)
            print(text, terminator: "")
            if !ready { throw ExitCode(1) }
        } catch let error as LabError {
            Console.fail(error)
        }
    }
}
