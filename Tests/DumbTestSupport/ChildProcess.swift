import CDumbSystem
import Foundation
import Glibc

/// A child process started with posix_spawn, with the signal mask and dispositions reset to
/// the defaults and only stdin, stdout and stderr open: a test runner may block or ignore
/// SIGTERM and SIGINT, and a child that inherited that (a server, `pv` in a walkthrough
/// script) could not be stopped as a user stops it. Its stdout and stderr go to a file, so it
/// never blocks on a full pipe.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    public let outputPath: String
    private var exitStatus: Int32?

    public init(_ executable: String, arguments: [String], environment: [String: String], outputPath: String) throws {
        self.outputPath = outputPath
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // the test runner's own descriptors stay with it: a server starts as a user starts it
        dumb_spawn_close_from(&actions, 3)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw TestFailure("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            _ = waitForExit(timeout: 10)
        }
    }

    public var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            exitStatus = Self.decode(status)
            return false
        }
        return result == 0
    }

    /// The exit status (128 + signal when killed by one), or nil while running.
    public var terminationStatus: Int32? {
        _ = isRunning
        return exitStatus
    }

    /// Waits up to `timeout` seconds; the exit status, or nil if it still runs.
    public func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { usleep(5_000) }
        return exitStatus
    }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Everything the process wrote so far.
    public var output: String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }
}

/// Runs a bash script to its end (at most `timeout` seconds); returns what it printed.
public func runShell(_ script: String, timeout: Double = 120) throws -> (status: Int32, output: String) {
    let path = NSTemporaryDirectory() + "c10k-lab-shell-\(UUID().uuidString).log"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let child = try ChildProcess(
        "/bin/bash", arguments: ["-c", script], environment: ProcessInfo.processInfo.environment, outputPath: path)
    guard let status = child.waitForExit(timeout: timeout) else {
        kill(child.pid, SIGKILL)
        throw TestFailure("the script did not end within \(timeout) s:\n\(script)\n\(child.output)")
    }
    return (status, child.output)
}
