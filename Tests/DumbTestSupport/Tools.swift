import DumbSystem
import Foundation

/// What the tests find on the machine and in the repository.
public enum TestTools {
    /// The repository's root folder.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Whether `tool` is an executable on the PATH.
    public static func has(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
    }

    /// Whether promtool (Debian's `prometheus` package) is on the PATH. The checks that need
    /// it are their own tests, shown as skipped without it, with ``promtoolMissing`` as why (a
    /// String: this target is built by `swift build`, where Testing may be missing, as in the image).
    public static let hasPromtool = has("promtool")
    public static let promtoolMissing =
        "promtool is not on the PATH: install Debian's prometheus package (.ci/run does) to run this check"

    /// promtool's verdict on a Prometheus exposition text: its output, empty when clean.
    public static func promtoolProblems(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "c10k-lab-metrics-\(UUID().uuidString).txt"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try runShell("promtool check metrics < '\(path)'")
        return result.status == 0 && result.output.isEmpty ? "" : result.output
    }
}

/// A loopback port that was free a moment ago (bound by the kernel's choice, then closed):
/// nothing listens on it, so connects are refused, until another process takes it. A
/// server started on it may find it taken: ``ServerProcess/startWithMetrics`` tries again.
public func freeLoopbackPort() throws -> Int {
    let listener = try Socket.listen(host: "127.0.0.1", port: 0, backlog: 1)
    Socket.close(listener.descriptor)
    return listener.port
}
