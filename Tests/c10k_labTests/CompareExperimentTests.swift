import DumbSystem
import DumbTestSupport
import Foundation
import Glibc
import Testing

@Suite("c10k_lab experiment compare", .enabled(if: labCgroupsWritable), .serialized)
struct CompareExperimentTests {
    @Test("two servers at two client counts: a row each, a table, the files and a plot per measure")
    func sideBySide() throws {
        let out = NSTemporaryDirectory() + "c10k-lab-compare-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try LabCommand(
            [
                "experiment", "compare", "--servers", "multithreaded,epoll", "--clients", "20,200", "--request", "PING",
                "--duration", "2s", "--memory", "256m", "--out", out,
            ], timeout: 300)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("run 4/4: dumb_epoll, 200 clients"), "a progress line per run")
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/compare.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let rows = try #require(json["rows"] as? [[String: Any]])
        #expect(rows.count == 4)
        for row in rows {
            #expect((row["throughput_rps"] as? Double ?? 0) > 0, "\(row)")
            #expect(row["errors"] as? Int == 0, "\(row)")
            #expect((row["rss_bytes"] as? Int ?? 0) > 0 && (row["cgroup_bytes"] as? Int ?? 0) > 0)
        }
        // a thread per connection: threads follow the clients; one epoll loop: they do not
        let threads = Dictionary(
            uniqueKeysWithValues: rows.map {
                ("\($0["server"] ?? "") \($0["clients"] ?? "")", $0["threads"] as? Int ?? 0)
            })
        #expect(threads["dumb_multithreaded 200"] ?? 0 >= 200)
        #expect(threads["dumb_epoll 200"] ?? 99 <= 3)
        #expect(run.output.contains("server") && run.output.contains("µs/req"), "the table")
        #expect(FileManager.default.fileExists(atPath: out + "/compare.csv"))
        if TestTools.has("gnuplot") {
            for measure in ["throughput", "latency-p99", "rss", "threads", "context-switches", "system-cpu"] {
                #expect(FileManager.default.fileExists(atPath: out + "/\(measure).svg"), "\(measure).svg")
            }
        }
        #expect(
            labCgroupsLeft(named: "compare-epoll").isEmpty && labCgroupsLeft(named: "compare-multithreaded").isEmpty)
    }
}
