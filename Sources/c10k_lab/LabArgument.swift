import ArgumentParser
import LabKit

/// The lab a command is about: `01`, `1`, `01-iterative` or `iterative`.
struct LabArgument: ParsableArguments {
    @Argument(
        help: ArgumentHelp("The lab: 01 to 10, or its folder's name (iterative, memory-limits, …).", valueName: "lab"))
    var lab: String

    func validate() throws {
        guard LabCatalog.lab(lab) != nil else {
            throw ValidationError("no lab '\(lab)': give 01 to 10 (c10k_lab list shows them).")
        }
    }

    var value: Lab { LabCatalog.lab(lab)! }
}
