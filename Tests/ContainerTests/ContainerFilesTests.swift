import DumbTestSupport
import Foundation
import Testing

/// compose.yaml, the Dockerfile and the cgroups/ presets, checked with the tools a user
/// has: `docker compose config`, hadolint, compose-lint and shellcheck. The end-to-end run on
/// a real engine is scripts/container-e2e.sh (run by .ci/run).
@Suite("compose.yaml, Dockerfile, cgroups/")
struct ContainerFilesTests {
    static let root = TestTools.repositoryRoot.path
    static let servers = [
        "iterative", "select-chat", "epoll-chat", "multithreaded", "epoll", "epoll-workers", "reactor", "coro", "nio",
    ]

    static let hasCompose = TestTools.has("docker") && (try? runShell("docker compose version"))?.status == 0

    /// `docker compose … config` as JSON.
    static func config(_ files: [String] = ["compose.yaml"]) throws -> [String: Any] {
        let flags = files.map { "-f '\($0)'" }.joined(separator: " ")
        let result = try runShell("cd '\(root)' && docker compose \(flags) --profile '*' config --format json 2>&1")
        guard result.status == 0, let start = result.output.firstIndex(of: "{") else {
            throw TestFailure("docker compose config failed:\n\(result.output)")
        }
        let data = Data(result.output[start...].utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func services(_ config: [String: Any]) -> [String: [String: Any]] {
        config["services"] as? [String: [String: Any]] ?? [:]
    }

    @Test("every server service has its profile, a cpuset and a real memory limit", .enabled(if: hasCompose))
    func serverServices() throws {
        let services = Self.services(try Self.config())
        for name in Self.servers {
            let service = try #require(services[name], "no service \(name)")
            #expect(service["profiles"] as? [String] == [name], "\(name): profile")
            #expect(!(service["cpuset"] as? String ?? "").isEmpty, "\(name): cpuset")
            let memory = service["mem_limit"].map { "\($0)" }
            #expect(memory != nil, "\(name): mem_limit")
            #expect(service["memswap_limit"].map { "\($0)" } == memory, "\(name): memswap_limit must equal mem_limit")
            #expect(service["network_mode"] as? String == "host", "\(name): host networking")
            #expect(service["cap_drop"] as? [String] == ["ALL"], "\(name): cap_drop")
            #expect(service["read_only"] as? Bool == true, "\(name): read-only root")
            #expect((service["security_opt"] as? [String])?.contains("no-new-privileges:true") == true, "\(name)")
            #expect(service["init"] as? Bool == true, "\(name): init")
            #expect(service["restart"] as? String == "no", "\(name): an OOM kill must stay visible")
            #expect(service["healthcheck"] != nil, "\(name): healthcheck")
            #expect(service["ulimits"] != nil, "\(name): ulimits")
            #expect(service["user"] as? String == "10001:10001", "\(name): non-root")
        }
        #expect(services["client"]?["profiles"] as? [String] == ["client"])
        for name in ["prometheus", "node-exporter", "grafana"] {
            #expect(services[name]?["profiles"] == nil, "\(name) starts with `docker compose up -d`")
        }
    }

    @Test("every public image is pinned to a version", .enabled(if: hasCompose))
    func imagesArePinned() throws {
        for (name, service) in Self.services(try Self.config()) where service["build"] == nil {
            let image = try #require(service["image"] as? String, "\(name)")
            let tag = image.split(separator: ":").last.map(String.init) ?? ""
            #expect(
                image.contains(":") && tag != "latest" && tag.first?.isNumber == true || tag.hasPrefix("v"), "\(image)")
        }
        let dockerfile = try String(contentsOfFile: Self.root + "/Dockerfile", encoding: .utf8)
        for line in dockerfile.split(separator: "\n") where line.hasPrefix("FROM ") {
            #expect(line.contains("swift:6.3-bookworm") || line.contains("debian:bookworm-slim"), "\(line)")
        }
    }

    @Test("the cgroups/ presets apply to every server", .enabled(if: hasCompose))
    func presets() throws {
        let folder = Self.root + "/cgroups"
        let presets = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }
        #expect(presets.contains("memory-64m.yaml"))
        for preset in presets {
            let services = Self.services(try Self.config(["compose.yaml", "cgroups/" + preset]))
            for name in Self.servers {
                let service = try #require(services[name])
                if preset.hasPrefix("memory-") {
                    #expect(service["mem_limit"].map { "\($0)" } == service["memswap_limit"].map { "\($0)" })
                }
            }
        }
        let sixtyFour = Self.services(try Self.config(["compose.yaml", "cgroups/memory-64m.yaml"]))
        #expect(sixtyFour["multithreaded"]?["mem_limit"].map { "\($0)" } == "67108864")
    }

    @Test("hadolint reports nothing", .enabled(if: TestTools.has("hadolint")))
    func hadolint() throws {
        let result = try runShell("cd '\(Self.root)' && hadolint Dockerfile")
        #expect(result.status == 0 && result.output.isEmpty, "\(result.output)")
    }

    @Test("compose-lint reports no error", .enabled(if: TestTools.has("compose-lint")))
    func composeLint() throws {
        let result = try runShell("cd '\(Self.root)' && compose-lint --skip-suppressed compose.yaml")
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("shellcheck accepts every script", .enabled(if: TestTools.has("shellcheck")))
    func shellcheck() throws {
        let result = try runShell("cd '\(Self.root)' && shellcheck scripts/*.sh .ci/run")
        #expect(result.status == 0, "\(result.output)")
    }
}
