import CDumbSystem
import CLibcap
import Glibc

/// What a child is given before its program runs (see ``Spawn/start(_:)``).
public struct SpawnRequest: Sendable {
    /// The program: a name found on PATH, or a path.
    public var program: String
    public var arguments: [String]
    /// `NAME=value` lines; nil: the launcher's own environment.
    public var environment: [String]?
    /// `cgroup.procs` files the child joins before its program starts.
    public var cgroupProcsFiles: [String] = []
    /// Soft and hard RLIMIT_NOFILE.
    public var openFiles: Int?
    /// The CPUs it may run on.
    public var cpus: [Int]?
    /// Drops every capability (libcap), empties the bounding set when the launcher may
    /// (CAP_SETPCAP), and sets no_new_privs: the program runs with no privilege, even as root.
    public var dropCapabilities = false
    /// In a process group of its own: Ctrl-C in a terminal then reaches only the launcher.
    public var newProcessGroup = true
    /// A file its standard output and error go to (appended); nil: the launcher's.
    public var outputFile: String?

    public init(program: String, arguments: [String]) {
        self.program = program
        self.arguments = arguments
    }
}

/// Why a child did not start: the step that failed, and its errno.
public struct SpawnError: Error, CustomStringConvertible, Sendable {
    public let program: String
    public let step: String
    public let errno: Int32

    public var description: String {
        "cannot start \(program): \(step) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// How a process ended.
public enum Termination: Equatable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    /// The shell's way to say it: the exit status, or 128 + the signal (137 for SIGKILL).
    public var shellStatus: Int32 {
        switch self {
        case .exited(let status): status
        case .signaled(let signal): 128 + signal
        }
    }

    public var description: String {
        switch self {
        case .exited(let status): "exited with status \(status)"
        case .signaled(let signal): "killed by \(Self.signalName(signal)) (status \(128 + signal))"
        }
    }

    public static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGKILL: "SIGKILL"
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        case SIGSEGV: "SIGSEGV"
        case SIGABRT: "SIGABRT"
        case SIGBUS: "SIGBUS"
        case SIGILL: "SIGILL"
        default: "signal \(signal)"
        }
    }
}

/// Starting a program as a container runtime would, natively: fork, join cgroups, set
/// limits, drop privileges, exec, all in the child before its program runs.
public enum Spawn {
    /// Starts `request.program`; returns its pid once the program runs. Throws which step
    /// failed: joining a cgroup (EACCES: not allowed), the descriptor limit (EPERM: over the
    /// hard limit without CAP_SYS_RESOURCE), the CPUs, exec (ENOENT: no such program).
    public static func start(_ request: SpawnRequest) throws -> Int32 {
        guard let path = findProgram(request.program) else {
            throw SpawnError(program: request.program, step: "finding it on PATH", errno: ENOENT)
        }
        var joinDescriptors: [Int32] = []
        defer { for descriptor in joinDescriptors { Glibc.close(descriptor) } }
        for file in request.cgroupProcsFiles {
            let descriptor = open(file, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw SpawnError(program: request.program, step: "opening \(file)", errno: errno)
            }
            joinDescriptors.append(descriptor)
        }
        var output: Int32 = -1
        if let file = request.outputFile {
            output = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard output >= 0 else { throw SpawnError(program: request.program, step: "opening \(file)", errno: errno) }
        }
        defer { if output >= 0 { Glibc.close(output) } }
        var capabilities: cap_t?
        if request.dropCapabilities {
            capabilities = cap_init()
            guard capabilities != nil else {
                throw SpawnError(program: request.program, step: "cap_init", errno: errno)
            }
        }
        defer { if let capabilities { cap_free(UnsafeMutableRawPointer(capabilities)) } }
        let arguments = [path] + request.arguments
        let environment = request.environment ?? currentEnvironment()
        let cpus = (request.cpus ?? []).map { Int32($0) }
        var failedStep: Int32 = 0
        let pid = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in
                joinDescriptors.withUnsafeBufferPointer { joins in
                    cpus.withUnsafeBufferPointer { cpuList in
                        var spawn = dumb_spawn_request(
                            path: argv[0], argv: argv, envp: envp, join_fds: joins.baseAddress,
                            join_count: Int32(joins.count), nofile: Int64(request.openFiles ?? -1),
                            cpus: cpuList.baseAddress, cpu_count: Int32(cpuList.count),
                            new_process_group: request.newProcessGroup ? 1 : 0,
                            no_new_privs: request.dropCapabilities ? 1 : 0,
                            drop_bounding: request.dropCapabilities && Capabilities.hasEffective(CAP_SETPCAP) ? 1 : 0,
                            capabilities: capabilities.map { UnsafeMutableRawPointer($0) },
                            stdout_fd: output, stderr_fd: output)
                        return dumb_spawn(&spawn, &failedStep)
                    }
                }
            }
        }
        guard pid > 0 else {
            throw SpawnError(program: request.program, step: stepName(failedStep), errno: errno)
        }
        return pid
    }

    /// Waits for `pid` to end (reaps it).
    public static func wait(_ pid: Int32) throws -> Termination {
        var status: Int32 = 0
        try blockingSystemCall("waitpid(\(pid))") { waitpid(pid, &status, 0) }
        return termination(status)
    }

    /// `pid`'s end if it has ended (reaped then); nil while it runs.
    public static func poll(_ pid: Int32) throws -> Termination? {
        var status: Int32 = 0
        let result = try blockingSystemCall("waitpid(\(pid), WNOHANG)") { waitpid(pid, &status, WNOHANG) }
        return result == 0 ? nil : termination(status)
    }

    /// A descriptor that becomes readable when `pid` ends (pidfd_open), for a loop that
    /// waits on it with other descriptors.
    public static func exitDescriptor(_ pid: Int32) throws -> Int32 {
        try blockingSystemCall("pidfd_open(\(pid))") { dumb_pidfd_open(pid) }
    }

    /// The path `name` runs as: itself when it has a slash, else the first executable of
    /// that name on PATH.
    public static func findProgram(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = "\(folder)/\(name)"
            var info = stat()
            if access(candidate, X_OK) == 0, stat(candidate, &info) == 0, info.st_mode & S_IFMT != S_IFDIR {
                return candidate
            }
        }
        return nil
    }

    private static func termination(_ status: Int32) -> Termination {
        // WIFEXITED and friends are macros: the status layout is Linux's
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }

    private static func stepName(_ step: Int32) -> String {
        switch UInt32(step) {
        case DUMB_SPAWN_CGROUP.rawValue: "joining the cgroup (writing cgroup.procs)"
        case DUMB_SPAWN_NOFILE.rawValue: "setting RLIMIT_NOFILE"
        case DUMB_SPAWN_AFFINITY.rawValue: "setting the CPUs (sched_setaffinity)"
        case DUMB_SPAWN_NO_NEW_PRIVS.rawValue: "setting no_new_privs"
        case DUMB_SPAWN_BOUNDING.rawValue: "emptying the bounding set"
        case DUMB_SPAWN_CAPABILITIES.rawValue: "dropping the capabilities (cap_set_proc)"
        case DUMB_SPAWN_EXEC.rawValue: "execve"
        default: "fork"
        }
    }

    private static func currentEnvironment() -> [String] {
        var lines: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            lines.append(String(cString: pointer))
            entry += 1
        }
        return lines
    }

    /// `strings` as a NULL-terminated `char *const *` for the duration of `body`.
    private static func withCStrings<Result>(
        _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result
    ) -> Result {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
