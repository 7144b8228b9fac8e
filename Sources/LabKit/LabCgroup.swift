import DumbSystem
import Foundation
import Glibc

/// A cgroup made for one run, `c10k-lab/NAME`: in the unified hierarchy on a v2 machine
/// (`memory.max`, `memory.swap.max` 0, `cpuset.cpus`/`cpuset.mems`, `pids.max`), or one
/// folder per controller on v1 and hybrid machines (`memory.limit_in_bytes` and, where the
/// kernel has swap accounting, `memory.memsw.limit_in_bytes`, `cpuset.cpus`/`cpuset.mems`,
/// `pids.max`). What a container runtime writes for `mem_limit`, `memswap_limit`, `cpuset`
/// and `pids_limit`, so a native run is the twin of a compose service.
///
/// The folders are created before the child starts and the child joins them before its
/// program runs (``procsFiles``); ``remove()`` deletes them once it is gone.
public final class LabCgroup: Sendable {
    /// The folder every lab cgroup is made in, under each hierarchy's base.
    public static let parentName = "c10k-lab"

    public let name: String
    public let layout: CgroupLayout
    public let limits: CgroupLimits
    /// Each controller's folder (`memory` → `/sys/fs/cgroup/memory/c10k-lab/NAME`); on v2
    /// every controller has the same folder.
    public let folders: [String: String]
    /// What could not be set, said once in the report (`swap is not limited: …`).
    public let notes: [String]

    /// The `cgroup.procs` files the child writes itself into.
    public var procsFiles: [String] { Array(Set(folders.values)).sorted().map { $0 + "/cgroup.procs" } }

    /// The folder of the memory controller (every figure of ``sample()`` but pids).
    public var memoryFolder: String? { folders["memory"] }

    /// Creates `c10k-lab/NAME` with `limits`. Throws a ``LabError`` that says what to run
    /// instead when this process may not.
    ///
    /// - Parameter base: on v2, the folder to create it in: nil is the root of the unified
    ///   hierarchy for root, else this process's own cgroup (a delegated subtree).
    public init(name: String, limits: CgroupLimits, layout: CgroupLayout, base: String? = nil) throws {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw LabError("--name '\(name)' cannot name a cgroup: use letters, digits, - and _.")
        }
        self.name = name
        self.layout = layout
        self.limits = limits
        var notes: [String] = []
        var folders: [String: String] = [:]
        if layout.usesUnified {
            guard let unified = layout.unified else { throw LabError("no unified cgroup hierarchy is mounted") }
            let base = base ?? (getuid() == 0 ? unified : unified + Self.ownUnifiedPath())
            let wanted = ["memory", "pids"] + (limits.cpus == nil ? [] : ["cpuset"])
            let missing = wanted.filter { !layout.unifiedControllers.contains($0) }
            guard missing.isEmpty else {
                throw LabError(
                    "the cgroup v2 hierarchy offers no \(missing.joined(separator: ", ")) controller (\(unified)/cgroup.controllers): enable it in the kernel or boot with systemd.unified_cgroup_hierarchy=1"
                )
            }
            let folder = try Self.makeUnified(base: base, name: name, controllers: wanted)
            for controller in CgroupLayout.labControllers { folders[controller] = folder }
            if let memory = limits.memory {
                try Self.write(folder + "/memory.max", String(memory))
                if Self.exists(folder + "/memory.swap.max") || !Self.isCgroupFileSystem(folder) {
                    try Self.write(folder + "/memory.swap.max", "0")
                } else {
                    notes.append(Self.swapNote(file: "memory.swap.max"))
                }
            }
            if let cpus = limits.cpus {
                try Self.write(folder + "/cpuset.cpus", CPUAffinity.listDescription(cpus))
                try Self.write(folder + "/cpuset.mems", Self.read(folder + "/../cpuset.mems.effective") ?? "0")
            }
            try Self.write(folder + "/pids.max", limits.pids.map(String.init) ?? "max")
        } else {
            guard getuid() == 0 || Self.writable(layout.v1Controllers["memory"]) else {
                throw LabError(
                    "creating a cgroup v1 needs root: run sudo c10k_lab run …, or use Docker (docker compose --profile NAME up), which makes the same cgroup for you"
                )
            }
            for controller in ["memory", "pids"] + (limits.cpus == nil ? [] : ["cpuset"]) {
                guard let mount = layout.v1Controllers[controller] else {
                    throw LabError("no cgroup v1 hierarchy has the \(controller) controller: mount it, or use Docker")
                }
                folders[controller] = try Self.makeV1(mount: mount, name: name, controller: controller)
            }
            if let folder = folders["memory"] {
                // socket buffers are counted in v1 only once the tcp limit was written (-1: none)
                try? Self.write(folder + "/memory.kmem.tcp.limit_in_bytes", "-1")
                if let memory = limits.memory {
                    try Self.write(folder + "/memory.limit_in_bytes", String(memory))
                    // memory + swap no more than memory: no swap at all (set after the limit,
                    // which it may not be under)
                    if Self.exists(folder + "/memory.memsw.limit_in_bytes") {
                        try Self.write(folder + "/memory.memsw.limit_in_bytes", String(memory))
                    } else {
                        notes.append(Self.swapNote(file: "memory.memsw.limit_in_bytes"))
                    }
                }
            }
            if let folder = folders["cpuset"], let cpus = limits.cpus {
                try Self.write(folder + "/cpuset.cpus", CPUAffinity.listDescription(cpus))
                try Self.write(folder + "/cpuset.mems", Self.read(folder + "/../cpuset.mems") ?? "0")
            }
            if let folder = folders["pids"] {
                try Self.write(folder + "/pids.max", limits.pids.map(String.init) ?? "max")
            }
        }
        self.folders = folders
        self.notes = notes
    }

    /// What the files say now.
    public func sample() -> CgroupSample {
        CgroupSample.read(memoryFolder: memoryFolder, pidsFolder: folders["pids"], unified: layout.usesUnified)
    }

    /// The processes in it now.
    public func processes() -> [Int32] {
        Set(folders.values).flatMap { folder in
            (Self.read(folder + "/cgroup.procs") ?? "").split(separator: "\n").compactMap { Int32($0) }
        }
    }

    /// Deletes its folders, waiting up to `timeout` seconds for the kernel to let go of them
    /// (a cgroup stays busy for a moment after its last process exits). Throws when one
    /// still has processes.
    public func remove(timeout: Double = 5) throws {
        let deadline = SystemClock.now() + UInt64(timeout * 1e9)
        for folder in Set(folders.values).sorted() {
            while rmdir(folder) != 0 && errno != ENOENT {
                let error = errno
                guard error == EBUSY, SystemClock.now() < deadline else {
                    throw LabError(
                        "cannot remove the cgroup \(folder): \(SystemError("rmdir", errno: error)); processes left in it: \(processes()). Stop them (kill), then rmdir \(folder)"
                    )
                }
                usleep(20_000)
            }
        }
    }

    // MARK: Making the folders

    /// v2: `base/c10k-lab/NAME`, with the controllers enabled on the way down. A base that
    /// holds processes (a delegated scope with this process in it) cannot enable controllers
    /// for its children ("no internal processes"): this process moves into a leaf of its
    /// own first, `base/c10k-lab-launcher`.
    static func makeUnified(base: String, name: String, controllers: [String]) throws -> String {
        let enable = controllers.map { "+" + $0 }.joined(separator: " ")
        let parent = base + "/" + parentName
        try makeFolder(parent, advice: delegationAdvice(base))
        do {
            try write(base + "/cgroup.subtree_control", enable)
        } catch let error as LabError where error.errno == EBUSY {
            let leaf = base + "/c10k-lab-launcher"
            try makeFolder(leaf, advice: delegationAdvice(base))
            try write(leaf + "/cgroup.procs", "0")
            try write(base + "/cgroup.subtree_control", enable)
        }
        try write(parent + "/cgroup.subtree_control", enable)
        let folder = parent + "/" + name
        try makeFresh(folder, advice: delegationAdvice(base))
        return folder
    }

    /// v1: `MOUNT/c10k-lab/NAME` for one controller. A new cpuset cgroup starts with no CPU
    /// and no memory node, and cannot take a process until it has both: the parent copies
    /// them from the root.
    static func makeV1(mount: String, name: String, controller: String) throws -> String {
        let parent = mount + "/" + parentName
        let advice = "run as root (sudo), or use Docker"
        try makeFolder(parent, advice: advice)
        if controller == "cpuset" {
            for file in ["cpuset.cpus", "cpuset.mems"] where (read(parent + "/" + file) ?? "").isEmpty {
                try write(parent + "/" + file, read(mount + "/" + file) ?? "0")
            }
        }
        let folder = parent + "/" + name
        try makeFresh(folder, advice: advice)
        return folder
    }

    /// Makes `folder`; one left behind by a run that died (empty) is made again, one in use
    /// is an error.
    static func makeFresh(_ folder: String, advice: String) throws {
        if exists(folder) {
            let busy = (read(folder + "/cgroup.procs") ?? "").split(separator: "\n")
            guard busy.isEmpty else {
                throw LabError(
                    "the cgroup \(folder) is in use by \(busy.joined(separator: ", ")): another run has this name; give --name, or stop it (c10k_lab reset)"
                )
            }
            _ = rmdir(folder)
        }
        try makeFolder(folder, advice: advice)
    }

    static func makeFolder(_ folder: String, advice: String) throws {
        guard mkdir(folder, 0o755) == 0 || errno == EEXIST else {
            throw LabError(
                "cannot create the cgroup \(folder): \(SystemError("mkdir", errno: errno)); \(advice)", errno: errno)
        }
    }

    static func delegationAdvice(_ base: String) -> String {
        "run as root (sudo), or in a delegated subtree: systemd-run --user --scope -p Delegate=yes c10k_lab run … (this process may not write \(base))"
    }

    static func swapNote(file: String) -> String {
        let swap = ProcFiles.keyValues(ProcFiles.read("/proc/meminfo") ?? "")["SwapTotal"] ?? "0 kB"
        return swap.hasPrefix("0 ")
            ? "swap is not limited (no \(file)), but this machine has none: the limit is real"
            : "swap is NOT limited: the kernel has no \(file) (boot with swapaccount=1); the process may use \(swap) of swap beyond the limit"
    }

    // MARK: Files

    static func write(_ path: String, _ text: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw LabError("cannot write \(path): \(SystemError("open", errno: errno))", errno: errno)
        }
        defer { Glibc.close(descriptor) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            let error = errno
            throw LabError("cannot write '\(text)' to \(path): \(SystemError("write", errno: error))", errno: error)
        }
    }

    static func read(_ path: String) -> String? {
        ProcFiles.read(path)?.trimmingCharacters(in: " \n")
    }

    static func number(_ path: String) -> Int? {
        read(path).flatMap { Int($0) }
    }

    /// `key value` lines (memory.stat, memory.events, memory.oom_control).
    static func keyedNumbers(_ path: String) -> [String: Int] {
        ProcFiles.keyValues(ProcFiles.read(path) ?? "", separator: " ").compactMapValues { Int($0) }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func writable(_ path: String?) -> Bool { path.map { access($0, W_OK) == 0 } ?? false }

    /// Whether `folder` is a cgroup the kernel made: it fills a new cgroup with its control
    /// files at once (a fake tree in tests has none).
    static func isCgroupFileSystem(_ folder: String) -> Bool {
        exists(folder + "/cgroup.procs")
    }

    /// This process's path in the unified hierarchy (`0::/user.slice/…`).
    static func ownUnifiedPath() -> String {
        let lines = (ProcFiles.read("/proc/self/cgroup") ?? "").split(separator: "\n")
        let path = lines.first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) } ?? "/"
        return path == "/" ? "" : path
    }
}
