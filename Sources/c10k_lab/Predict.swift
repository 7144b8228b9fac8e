import ArgumentParser
import LabKit

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Records your guess before the run; check shows it beside the measurement and the reference.",
        discussion: """
            Examples:
              c10k_lab predict 08            # the question
              c10k_lab predict 08 3000       # your answer
            """)

    @OptionGroup var lab: LabArgument

    @Argument(help: ArgumentHelp("Your guess, a number in the question's unit.", valueName: "value"))
    var value: Double?

    func run() throws {
        guard let prediction = lab.value.prediction else {
            Console.fail(LabError("lab \(lab.value.id) asks for no prediction"))
        }
        guard let value else {
            print("\(prediction.question) (\(prediction.unit)): c10k_lab predict \(lab.value.id) VALUE")
            return
        }
        do {
            try LabState().update(lab.value) { $0.guess = LabState.Guess(value: value, madeAt: LabState.now()) }
        } catch {
            Console.fail(error)
        }
        print(
            "recorded: \(prediction.question) \(value) \(prediction.unit). Now run the lab; c10k_lab check \(lab.value.id) shows it beside the measurement"
        )
    }
}
