import ArgumentParser
import LabKit

struct Reset: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stops what a lab started (servers, clients, containers), removes its cgroups, forgets its progress.",
        discussion: """
            Your guess is kept, and so are the results in the lab's folder.

            Examples:
              c10k_lab reset 03
            """)

    @OptionGroup var lab: LabArgument

    func run() throws {
        do {
            let runner = LabRunner { Console.note($0) }
            for line in try runner.reset(lab.value) { print(line) }
        } catch let error as LabError {
            Console.fail(error)
        }
    }
}
