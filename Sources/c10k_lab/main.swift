// c10k_lab: the lab tool. It says whether this machine can run each lab (doctor), runs a
// program under the limits a compose service has, natively (run), and turns "try to limit
// server memory" into measured curves (experiment memory, experiment compare).
import ArgumentParser
import LabKit

struct C10kLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "c10k_lab",
        abstract: "The lab tool: preflight, a native cgroup launcher, memory-limit experiments with plots.",
        discussion: """
            Examples:
              c10k_lab doctor                                   # can this machine run every lab?
              sudo c10k_lab run --memory 64m --cpus 0 -- ./dumb_multithreaded
              sudo c10k_lab experiment memory --server multithreaded --memory 64m
              sudo c10k_lab experiment compare --servers epoll,reactor --clients 100,1000
              c10k_lab plot labs/results/memory/multithreaded-64m   # draw the SVGs again

            Exit status: 0 when it did what was asked (run: the program's own status), 1 when \
            doctor found a lab that cannot run or an experiment could not measure, 2 when it \
            could not run (the message says why and what to do), 64 for a wrong command line.
            """,
        subcommands: [
            Doctor.self, Run.self, Experiment.self, Plot.self, List.self, Start.self, Check.self, Hint.self, Solve.self,
            Reset.self, Predict.self,
        ])
}

C10kLab.main()
