import DumbSystem
import DumbTestSupport
import Foundation
import Glibc

/// The built `c10k_client`, run to its end: exit status, what it printed, its JSON summary.
struct ClientRun {
    let status: Int32
    let output: String
    let json: [String: Any]?

    /// Runs `c10k_client arguments` (with `--json` to a temporary file unless the arguments
    /// name one), waiting at most `timeout` seconds.
    init(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 120) throws {
        let path = NSTemporaryDirectory() + "c10k-client-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var arguments = arguments
        if !arguments.contains("--json") && environment["C10K_JSON"] == nil && !arguments.contains("--help") {
            arguments += ["--json", path]
        }
        let process = try ServerProcess("c10k_client", arguments: arguments, environment: environment)
        guard let status = process.waitForExit(timeout: timeout) else {
            throw TestFailure("c10k_client \(arguments) did not end within \(timeout) s:\n\(process.log)")
        }
        self.status = status
        self.output = process.log
        let file = environment["C10K_JSON"] ?? path
        self.json = (try? Data(contentsOf: URL(fileURLWithPath: file))).flatMap {
            try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
        }
    }

    func integer(_ key: String) -> Int? { json?[key] as? Int }

    var errors: [String: Int] { json?["errors"] as? [String: Int] ?? [:] }

    /// The error kinds with a count above zero.
    var errorKinds: Set<String> { Set(errors.filter { $0.value > 0 }.keys) }
}
