import ArgumentParser
import LabKit

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lists the labs: their time and your progress.",
        discussion: """
            Examples:
              c10k_lab list
            """)

    func run() throws {
        let state = LabState()
        for lab in LabCatalog.labs {
            let done = state.progress(lab).steps.count
            let mark = done == lab.steps.count ? "✓" : (done > 0 ? "…" : " ")
            print("\(mark) \(lab.id)  \(lab.title)  (\(lab.minutes) min, \(done)/\(lab.steps.count) steps)")
        }
        print("progress is kept in \(state.folder); c10k_lab start NN begins a lab")
    }
}
