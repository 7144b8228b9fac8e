import DumbTestSupport
import Foundation
import Testing

/// Grafana cannot be installed here: its files are checked statically (this suite), and
/// every query is run against a real Prometheus (PrometheusIntegrationTests).
@Suite("grafana/ and prometheus/ files")
struct DashboardFilesTests {
    static let root = TestTools.repositoryRoot

    static func dashboards() throws -> [(name: String, json: [String: Any])] {
        let folder = root.appendingPathComponent("grafana/dashboards")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
            .sorted().map { name in
                let data = try Data(contentsOf: folder.appendingPathComponent(name))
                let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(name)")
                return (name, json)
            }
    }

    /// Every panel, rows' nested panels included.
    static func panels(_ dashboard: [String: Any]) -> [[String: Any]] {
        let top = dashboard["panels"] as? [[String: Any]] ?? []
        return top + top.flatMap { $0["panels"] as? [[String: Any]] ?? [] }
    }

    /// Every PromQL expression of a dashboard.
    static func expressions(_ dashboard: [String: Any]) -> [String] {
        panels(dashboard).flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
    }

    static var datasourceUID: String {
        let text =
            (try? String(
                contentsOf: root.appendingPathComponent("grafana/provisioning/datasources/prometheus.yml"),
                encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("uid:") }
        return line.map { $0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces) } ?? ""
    }

    @Test func theThreeDashboardsExistWithTheirTitles() throws {
        let titles = Set(try Self.dashboards().compactMap { $0.json["title"] as? String })
        #expect(titles == ["DUMB overview", "DUMB epoll workers", "Host"])
    }

    @Test func uidsAndPanelIDsAreUnique() throws {
        let dashboards = try Self.dashboards()
        let uids = dashboards.compactMap { $0.json["uid"] as? String }
        #expect(uids.count == dashboards.count)
        #expect(Set(uids).count == uids.count)
        for (name, json) in dashboards {
            let ids = Self.panels(json).compactMap { $0["id"] as? Int }
            #expect(ids.count == Self.panels(json).count, "\(name): a panel without an id")
            #expect(Set(ids).count == ids.count, "\(name): duplicate panel ids")
        }
    }

    @Test func everyQueryUsesTheProvisionedDatasource() throws {
        let uid = Self.datasourceUID
        #expect(uid == "c10k-prometheus")
        for (name, json) in try Self.dashboards() {
            for panel in Self.panels(json) where panel["type"] as? String != "row" {
                let title = panel["title"] as? String ?? "?"
                #expect((panel["datasource"] as? [String: Any])?["uid"] as? String == uid, "\(name): \(title)")
                let targets = panel["targets"] as? [[String: Any]] ?? []
                #expect(!targets.isEmpty, "\(name): \(title) has no query")
                for target in targets {
                    #expect((target["datasource"] as? [String: Any])?["uid"] as? String == uid, "\(name): \(title)")
                    #expect(!(target["expr"] as? String ?? "").isEmpty, "\(name): \(title)")
                }
                #expect(!(panel["description"] as? String ?? "").isEmpty, "\(name): \(title) has no description")
                #expect(panel["gridPos"] is [String: Any], "\(name): \(title) has no position")
            }
        }
    }

    @Test("each observation of the walkthrough has its panel, titled so a learner finds it")
    func walkthroughObservations() throws {
        let overview = try #require(try Self.dashboards().first { $0.json["uid"] as? String == "dumb-overview" })
        let titles = Self.panels(overview.json).compactMap { $0["title"] as? String }.joined(separator: "\n")
        for phrase in [
            "Number of threads = number of clients", "mostly %sys", "HUGE amount of memory", "Context switches",
            "not able to connect", "time out", "latency", "OOM kills",
        ] {
            #expect(titles.localizedCaseInsensitiveContains(phrase), "no panel title says \(phrase)")
        }
    }

    @Test(
        "promtool accepts the configuration and the rules",
        .enabled(if: TestTools.hasPromtool, Comment(rawValue: TestTools.promtoolMissing)))
    func promtool() throws {
        let prometheus = Self.root.appendingPathComponent("prometheus").path
        let config = try runShell("cd '\(prometheus)' && promtool check config prometheus.yml")
        #expect(config.status == 0, "\(config.output)")
        let rules = try runShell("cd '\(prometheus)' && promtool check rules rules/*.yml")
        #expect(rules.status == 0, "\(rules.output)")
    }
}
