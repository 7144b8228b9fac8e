import ArgumentParser
import DumbSystem
import Foundation
import LabKit

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Runs a program under the limits of a compose service, natively: a cgroup of its own, no capabilities.",
        discussion: """
            The native twin of a compose service: it makes the cgroup c10k-lab/NAME with the \
            memory limit (swap limited to nothing more), the cpuset and the pids limit, puts \
            the program in it before it executes, sets its descriptor limit, drops every \
            capability and sets no_new_privs. Ctrl-C and SIGTERM are passed on (twice: SIGKILL). \
            When it ends: its exit status or signal, whether the kernel OOM-killed it, its peak \
            memory; then the cgroup is removed. c10k_lab exits with the program's status.

            Examples:
              sudo c10k_lab run --memory 64m -- ./dumb_multithreaded
              sudo c10k_lab run --memory 64m --cpus 0 --json run.json -- ./dumb_epoll --port 8090
              sudo c10k_lab run --cpus 0-1 --pids 100 --nofile 4096 --name workers -- ./dumb_epoll_workers
            """)

    @Option(help: ArgumentHelp("The CPUs it may run on: 0, 0-3, 0,2 (cpuset.cpus).", valueName: "list"))
    var cpus: String?

    @Option(
        help: ArgumentHelp(
            "Its memory limit, swap included: 64m, 1g (memory.max, memory.limit_in_bytes).", valueName: "size"))
    var memory: String?

    @Option(help: ArgumentHelp("Its limit of processes and threads (pids.max).", valueName: "n"))
    var pids: Int?

    @Option(
        help: ArgumentHelp("Its descriptor limit, soft and hard (default: this process's hard limit).", valueName: "n"))
    var nofile: Int?

    @Option(help: ArgumentHelp("The cgroup's name, c10k-lab/NAME (default: the program's name).", valueName: "name"))
    var name: String?

    @Option(help: ArgumentHelp("Also write the exit report as JSON to this file.", valueName: "path"))
    var json: String?

    @Argument(parsing: .postTerminator, help: "The program and its arguments, after --.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("give the program to run after --, e.g. -- ./dumb_epoll") }
        if let memory { _ = try LabOptions.size(memory, "--memory") }
        if let cpus { _ = try LabOptions.cpuList(cpus, "--cpus") }
        if let pids, pids < 1 { throw ValidationError("--pids must be at least 1 (the program itself).") }
        if let nofile, nofile < 16 {
            throw ValidationError("--nofile must be at least 16 (the standard streams and a few more).")
        }
    }

    func run() throws {
        let limits = CgroupLimits(
            memory: try memory.map { try LabOptions.size($0, "--memory") },
            cpus: try cpus.map { try LabOptions.cpuList($0, "--cpus") }, pids: pids)
        let program = (command[0] as NSString).lastPathComponent
        let process: CgroupProcess
        do {
            try StopSignal.install(.notify)
            process = try CgroupProcess(command: command, name: name ?? program, limits: limits, openFiles: nofile)
        } catch {
            Console.fail(error)
        }
        Console.note(
            "\(program) is pid \(process.pid) in \(process.cgroup.procsFiles.map { ($0 as NSString).deletingLastPathComponent }.joined(separator: ", "))"
        )
        let termination: Termination
        do {
            termination = try process.wait { signal in
                Console.note(
                    "passing \(Termination.signalName(signal)) to \(program)\(signal == SIGKILL ? "" : " (again: SIGKILL)")"
                )
            }
        } catch {
            _ = process.finish(.signaled(SIGKILL))
            Console.fail(error)
        }
        let report = process.finish(termination)
        FileHandle.standardError.write(Data(report.text.utf8))
        if let json {
            do { try report.json.write(toFile: json, atomically: true, encoding: .utf8) } catch {
                Console.note("cannot write \(json): \(error.localizedDescription)")
            }
        }
        throw ExitCode(report.exit.shellStatus)
    }
}
