import ArgumentParser
import Foundation
import LabKit

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draws an experiment's SVGs again from its folder (gnuplot, on the .gp scripts it wrote).",
        discussion: """
            Examples:
              c10k_lab plot results/memory/multithreaded-64m
              c10k_lab plot labs/results/compare
            """)

    @Argument(help: "The experiment's folder (where result.json or compare.json is).")
    var folder: String

    func run() throws {
        let scripts = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
            $0.hasSuffix(".gp")
        }.sorted()
        guard !scripts.isEmpty else {
            Console.fail(LabError("\(folder) has no .gp plot scripts: give an experiment's --out folder"))
        }
        var failed = false
        for script in scripts {
            let outcome = Plotter.redraw(folder: folder, script: script)
            Console.note(outcome.text)
            failed = failed || !outcome.drawn
        }
        if failed { throw ExitCode(1) }
    }
}
