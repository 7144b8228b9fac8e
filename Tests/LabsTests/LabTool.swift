import DumbTestSupport
import Foundation
import Glibc

/// The lab tool as a learner runs it: the release build (the labs' figures are graded
/// against a release build's; `make test` builds it first), with a state folder of the
/// tests' own.
enum LabTool {
    /// The folder of the release binaries: `C10K_LAB_BIN_DIR`, or the repository's `.build/release`.
    static let folder: String? = {
        if let folder = ProcessInfo.processInfo.environment["C10K_LAB_BIN_DIR"], !folder.isEmpty { return folder }
        let release = TestTools.repositoryRoot.appendingPathComponent(".build/release").path
        return FileManager.default.isExecutableFile(atPath: release + "/c10k_lab") ? release : nil
    }()

    /// Whether the labs can be run here: a release build, and cgroups this process may make
    /// (the labs with memory limits need them; doctor says so).
    static let available: Bool = {
        guard folder != nil, let doctor = try? run(["doctor", "--json"], timeout: 60),
            let json = try? JSONSerialization.jsonObject(with: Data(doctor.output.utf8)) as? [String: Any],
            let labs = json["labs"] as? [[String: Any]]
        else { return false }
        return labs.allSatisfy { $0["can_run"] as? Bool == true }
    }()

    /// A state folder of the tests' own: a learner's progress is not touched.
    static let state = NSTemporaryDirectory() + "c10k-lab-tests-state-\(getpid())"

    /// Runs `c10k_lab arguments` to its end, from the repository's root.
    static func run(_ arguments: [String], timeout: Double = 600) throws -> (status: Int32, output: String) {
        guard let folder else { throw TestFailure("no release build: make c10k_lab (or set C10K_LAB_BIN_DIR)") }
        let command = ([folder + "/c10k_lab"] + arguments).map { "'\($0)'" }.joined(separator: " ")
        return try runShell(
            "cd '\(TestTools.repositoryRoot.path)' && XDG_STATE_HOME='\(state)' \(command) 2>&1", timeout: timeout)
    }

    /// A bash script run from the repository's root, the release binaries first on PATH, as
    /// a lab's commands are (`./c10k_lab` is a link into `.build/release`).
    static func shell(_ script: String, timeout: Double = 60) throws -> (status: Int32, output: String) {
        guard let folder else { throw TestFailure("no release build") }
        return try runShell(
            "cd '\(TestTools.repositoryRoot.path)' && export XDG_STATE_HOME='\(state)' PATH='\(folder)':\"$PATH\" && set -e\n\(script)",
            timeout: timeout)
    }
}
