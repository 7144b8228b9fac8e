import DumbSystem
import Foundation
import Glibc

/// Where c10k_lab keeps a learner's progress, guesses, the labs' results and what a lab
/// started: the XDG state folder (`$XDG_STATE_HOME/c10k-lab`, by default
/// `~/.local/state/c10k-lab`).
public struct LabState: Sendable {
    /// One step that passed: when, and what it measured.
    public struct StepRecord: Codable, Sendable, Equatable {
        public var passedAt: String
        public var text: String
        public var measured: Double?
        public var unit: String?
    }

    /// A guess made before the run.
    public struct Guess: Codable, Sendable, Equatable {
        public var value: Double
        public var madeAt: String

        public init(value: Double, madeAt: String) {
            self.value = value
            self.madeAt = madeAt
        }
    }

    public struct LabProgress: Codable, Sendable, Equatable {
        public var steps: [String: StepRecord] = [:]
        public var guess: Guess?
    }

    /// A process a lab started (a server, clients, redis-server), for `reset`.
    public struct Started: Codable, Sendable, Equatable {
        public var pid: Int32
        public var role: String
        public var command: [String]
    }

    public let folder: String

    public init(folder: String? = nil) {
        if let folder {
            self.folder = folder
        } else if let state = getenv("XDG_STATE_HOME").map({ String(cString: $0) }), state.hasPrefix("/") {
            self.folder = state + "/c10k-lab"
        } else {
            let home = getenv("HOME").map { String(cString: $0) } ?? "/tmp"
            self.folder = home + "/.local/state/c10k-lab"
        }
    }

    /// The lab's own folder: its experiments' results and its logs.
    public func workspace(_ lab: Lab) throws -> String {
        let path = folder + "/" + lab.folder
        try ResultFiles.makeFolder(path)
        return path
    }

    var progressFile: String { folder + "/progress.json" }

    public func progress(_ lab: Lab) -> LabProgress {
        all()[lab.id] ?? LabProgress()
    }

    func all() -> [String: LabProgress] {
        (try? JSONText.decode([String: LabProgress].self, from: ProcFiles.read(progressFile) ?? "")) ?? [:]
    }

    public func update(_ lab: Lab, _ change: (inout LabProgress) -> Void) throws {
        try ResultFiles.makeFolder(folder)
        var everything = all()
        var mine = everything[lab.id] ?? LabProgress()
        change(&mine)
        everything[lab.id] = mine
        try ResultFiles.write(progressFile, JSONText.encode(everything))
    }

    public func forget(_ lab: Lab) throws {
        try update(lab) { $0.steps = [:] }
    }

    // MARK: What a lab started

    func startedFile(_ lab: Lab) -> String { folder + "/" + lab.folder + "/started.json" }

    public func started(_ lab: Lab) -> [Started] {
        (try? JSONText.decode([Started].self, from: ProcFiles.read(startedFile(lab)) ?? "")) ?? []
    }

    func record(_ lab: Lab, _ process: Started) throws {
        _ = try workspace(lab)
        try ResultFiles.write(
            startedFile(lab), JSONText.encode(started(lab).filter { kill($0.pid, 0) == 0 } + [process]))
    }

    func clearStarted(_ lab: Lab, roles: Set<String>? = nil) throws {
        let left = roles.map { roles in started(lab).filter { !roles.contains($0.role) } } ?? []
        _ = try workspace(lab)
        try ResultFiles.write(startedFile(lab), JSONText.encode(left))
    }

    public static func now() -> String { ISO8601DateFormatter().string(from: Date()) }
}
