import DumbSystem
import Foundation
import Glibc

/// The machine and build a result came from, written into every result file: a number means
/// little without the kernel, the cgroup version, the CPU, the limits and the build.
public struct Fingerprint: Codable, Sendable, Equatable {
    public var kernel: String
    public var cgroupVersion: String
    public var cpuModel: String
    public var cpus: Int
    public var memoryTotalBytes: Int
    /// The cpuset the server ran on, and the client's.
    public var serverCpus: String
    public var clientCpus: String
    public var memoryLimitBytes: Int?
    public var openFiles: Int
    public var server: String
    /// The build: the git commit of the sources (`git describe`), and the Swift compiler.
    public var build: String
    public var swift: String
    public var date: String

    public static func here(
        server: String, serverCPUs: [Int], clientCPUs: [Int], memoryLimit: Int?, openFiles: Int
    ) -> Fingerprint {
        var uts = utsname()
        uname(&uts)
        let kernel = withUnsafeBytes(of: uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let cpuinfo = ProcFiles.read("/proc/cpuinfo") ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: " ") } ?? "" }
            ?? "unknown"
        let memory = ProcFiles.keyValues(ProcFiles.read("/proc/meminfo") ?? "")["MemTotal"]?.split(separator: " ").first
        let formatter = ISO8601DateFormatter()
        return Fingerprint(
            kernel: kernel, cgroupVersion: CgroupLayout.detect()?.version.rawValue ?? "none", cpuModel: model,
            cpus: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), memoryTotalBytes: (memory.flatMap { Int($0) } ?? 0) * 1024,
            serverCpus: CPUAffinity.listDescription(serverCPUs), clientCpus: CPUAffinity.listDescription(clientCPUs),
            memoryLimitBytes: memoryLimit, openFiles: openFiles, server: server, build: buildDescription(),
            swift: Shell.output(["swift", "--version"], timeout: 20) ?? "unknown", date: formatter.string(from: Date()))
    }

    /// The sources' commit, from the repository c10k_lab was built in (its binary lives in
    /// its `.build`), and whether they had changes; `unknown` outside a checkout.
    static func buildDescription() -> String {
        var folder = ServerCatalog.binaryFolder
        while folder.count > 1 {
            if access(folder + "/.git", F_OK) == 0 {
                return Shell.output(["git", "-C", folder, "describe", "--always", "--dirty"], timeout: 10) ?? "unknown"
            }
            folder = String(folder[..<(folder.lastIndex(of: "/") ?? folder.startIndex)])
        }
        return "unknown (not built in a git checkout)"
    }
}
