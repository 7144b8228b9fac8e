import DumbSystem
import Foundation

/// The cgroup file systems of a machine, from its mount table: v2 (one unified hierarchy),
/// v1 (one hierarchy per controller), or hybrid (v1 controllers, and a unified hierarchy
/// beside them with no controller of its own, as systemd mounts it on older distributions).
public struct CgroupLayout: Sendable, Equatable {
    public enum Version: String, Sendable, Codable {
        case v1, v2, hybrid
    }

    /// The controllers the lab uses.
    public static let labControllers = ["memory", "cpuset", "cpu", "pids"]

    public let version: Version
    /// The unified hierarchy's mount point (v2, hybrid).
    public let unified: String?
    /// The controllers the unified hierarchy offers (its `cgroup.controllers`).
    public let unifiedControllers: [String]
    /// Each v1 controller's mount point (`memory` → `/sys/fs/cgroup/memory`).
    public let v1Controllers: [String: String]

    public init(version: Version, unified: String?, unifiedControllers: [String], v1Controllers: [String: String]) {
        self.version = version
        self.unified = unified
        self.unifiedControllers = unifiedControllers
        self.v1Controllers = v1Controllers
    }

    /// The layout of this machine (`/proc/self/mounts`); `read` reads a control file (tests
    /// pass a fake tree's).
    public static func detect(
        mounts: String? = nil, read: (String) -> String? = { ProcFiles.read($0) }
    ) -> CgroupLayout? {
        var unified: String?
        var v1: [String: String] = [:]
        for line in (mounts ?? read("/proc/self/mounts") ?? "").split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 4 else { continue }
            let (point, type) = (unescape(String(fields[1])), fields[2])
            if type == "cgroup2" {
                unified = point
            } else if type == "cgroup" {
                for option in fields[3].split(separator: ",") where !option.hasPrefix("name=") {
                    let option = String(option)
                    if !["rw", "ro", "relatime", "noatime", "nosuid", "nodev", "noexec"].contains(option) {
                        v1[option] = point
                    }
                }
            }
        }
        let unifiedControllers =
            unified.flatMap { read($0 + "/cgroup.controllers") }?.split(whereSeparator: { $0 == " " || $0 == "\n" })
            .map(String.init) ?? []
        switch (unified, v1.isEmpty) {
        case (nil, true): return nil
        case (nil, false): return CgroupLayout(version: .v1, unified: nil, unifiedControllers: [], v1Controllers: v1)
        case (.some, true):
            return CgroupLayout(
                version: .v2, unified: unified, unifiedControllers: unifiedControllers, v1Controllers: [:])
        case (.some, false):
            return CgroupLayout(
                version: .hybrid, unified: unified, unifiedControllers: unifiedControllers, v1Controllers: v1)
        }
    }

    /// Whether the lab's cgroups are made in the unified hierarchy (v2) or in v1's.
    public var usesUnified: Bool { version == .v2 }

    /// Where `controller` is managed: its v1 mount point, or the unified hierarchy.
    public func mountPoint(of controller: String) -> String? {
        usesUnified ? (unifiedControllers.contains(controller) ? unified : nil) : v1Controllers[controller]
    }

    /// The kernel writes spaces in mount points as `\040`.
    private static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\040", with: " ")
    }
}
