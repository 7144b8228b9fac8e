import DumbMetrics
import DumbSystem
import Foundation

/// A memory cgroup made for one test (cgroup v1 or v2), so a server runs under a limit as it
/// would in a container. Needs root and a writable cgroup file system.
public final class TestCgroup: Sendable {
    public let path: String

    /// Creates a child of the test process's own memory cgroup with `memoryLimit` bytes.
    public init(memoryLimit: Int) throws {
        let name = "c10k-lab-test-\(UUID().uuidString.prefix(8))"
        let own = Cgroup.current()
        guard let parent = own.memoryDirectory else {
            throw TestFailure("no memory cgroup found under /sys/fs/cgroup: cannot run a server under a limit")
        }
        path = parent + "/" + name
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            let file = own.version == "v2" ? "/memory.max" : "/memory.limit_in_bytes"
            try String(memoryLimit).write(toFile: path + file, atomically: false, encoding: .utf8)
        } catch {
            throw TestFailure(
                "cannot create the memory cgroup \(path) (\(own.version)): \(error); run the tests as root on a writable cgroup file system"
            )
        }
    }

    /// The launcher (see ``ServerProcess``) that moves the process into this cgroup, then
    /// runs the binary.
    public var launcher: [String] {
        ["/bin/sh", "-c", "echo $$ > '\(path)/cgroup.procs' && exec \"$0\" \"$@\""]
    }

    /// Removes the cgroup once its processes are gone.
    public func remove() {
        for _ in 0..<200 {
            if rmdir(path) == 0 || errno == ENOENT { return }
            usleep(50_000)
        }
    }
}
