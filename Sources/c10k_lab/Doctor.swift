import ArgumentParser
import Foundation
import LabKit

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Says whether this machine can run each lab: one line per fact, the fix for what fails.",
        discussion: """
            It checks the kernel; cgroup v1, v2 or hybrid and which controllers this process \
            may use; its capabilities; the descriptor limits; the ephemeral ports, somaxconn \
            and tcp_max_syn_backlog; threads-max, pid_max and vm.max_map_count; the CPUs it may \
            use; Docker and compose v2; who holds the lab's ports; nc, pv, taskset, curl and \
            gnuplot; and the built binaries. Exit status 0 when every lab can run, 1 otherwise.

            Examples:
              c10k_lab doctor
              c10k_lab doctor --json | jq .labs
              sudo c10k_lab doctor                  # what root may do (cgroups on v1)
            """)

    @Flag(help: "Print the report as JSON (keys in docs/c10k_lab.md).")
    var json = false

    func run() throws {
        let report = DoctorReport.examine(binaries: ServerCatalog.binaryFolder)
        print(json ? report.json : report.text, terminator: "")
        if !report.everyLabCanRun { throw ExitCode(1) }
    }
}
