import DumbSystem
import DumbTestSupport
import Foundation
import Glibc
import Testing

/// `--expect`: a production server in the same harness. redis-server from Debian's package
/// (`.ci/run` installs it), on a free loopback port, never the system's service.
@Suite(
    "c10k_client drives redis-server",
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server")))
struct RedisTests {
    final class Redis {
        let process: ChildProcess
        let port: Int
        let logPath = NSTemporaryDirectory() + "c10k-redis-\(UUID().uuidString).log"

        init() throws {
            port = try freeLoopbackPort()
            process = try ChildProcess(
                "/usr/bin/redis-server",
                arguments: ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                environment: [:], outputPath: logPath)
            let ready = eventually(timeout: 30) {
                guard let client = try? TestClient(port: port) else { return false }
                try? client.send("PING\r\n")
                return (try? client.readLine(timeout: 5)) == "+PONG\r"
            }
            guard ready else { throw TestFailure("redis-server did not answer on port \(port):\n\(process.output)") }
        }

        deinit {
            kill(process.pid, SIGTERM)
            _ = process.waitForExit(timeout: 10)
            try? FileManager.default.removeItem(atPath: logPath)
        }
    }

    @Test func pingExpectingPong() throws {
        let redis = try Redis()
        let run = try ClientRun([
            "50", "--port", "\(redis.port)", "--request", "PING", "--expect", "+PONG", "--duration", "1s",
        ])
        #expect(run.status == 0, "\(run.output)")
        #expect((run.integer("requests") ?? 0) > 0)
        #expect(run.errorKinds.isEmpty)
    }

    @Test func anUnexpectedAnswerIsWrong() throws {
        let redis = try Redis()
        let run = try ClientRun([
            "2", "--port", "\(redis.port)", "--request", "PING", "--expect", "+PANG", "--duration", "1s",
        ])
        #expect(run.status == 1)
        #expect(run.errorKinds == ["wrong_answer"])
        #expect(run.output.contains("expected a line beginning with '+PANG', got '+PONG\\r\\n'"))
    }
}
