import DumbSystem
import DumbTestSupport
import Foundation
import Glibc
import Testing

/// The command line: --help, the environment, errors that say what to do.
@Suite("c10k_client's command line")
struct ClientCommandLineTests {
    @Test func helpHasExamplesAndTheExitStatus() throws {
        let run = try ClientRun(["--help"])
        #expect(run.status == 0)
        for text in [
            "Examples:", "Exit status:", "--request", "--mix", "--rate", "--think-time", "--connect-rate", "--timeout",
            "--json", "--metrics-port", "--expect", "--duration", "C10K_PORT", "+PONG",
        ] {
            #expect(run.output.contains(text), "--help lacks \(text)")
        }
    }

    @Test func optionsFromTheEnvironment() throws {
        let server = try ServerUnderTest.concurrent[0].start()
        let path = NSTemporaryDirectory() + "c10k-env-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try ClientRun(
            [],
            environment: [
                "C10K_CLIENTS": "3", "C10K_PORT": "\(server.port)", "C10K_REQUEST": "PING", "C10K_DURATION": "1s",
                "C10K_JSON": path,
            ])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.integer("clients_requested") == 3)
        #expect(run.output.contains("\"PING\""))
    }

    /// Every variable set to a value the run would show, and every option given otherwise:
    /// the run follows the options (the server it reaches, the count, the request, the loop,
    /// the endpoint, where the summary goes).
    @Test func theCommandLineWinsOverEveryVariable() throws {
        let server = try ServerUnderTest.concurrent[0].start()
        let (fromEnvironment, fromOption) = (
            NSTemporaryDirectory() + "c10k-env-\(UUID().uuidString).json",
            NSTemporaryDirectory() + "c10k-option-\(UUID().uuidString).json"
        )
        defer { for path in [fromEnvironment, fromOption] { try? FileManager.default.removeItem(atPath: path) } }
        let metricsPort = try freeLoopbackPort()
        let environment = [
            "C10K_CLIENTS": "7", "C10K_HOST": "127.0.0.2", "C10K_PORT": String(try freeLoopbackPort()),
            "C10K_REQUEST": "BURN 10", "C10K_DURATION": "60s", "C10K_JSON": fromEnvironment, "C10K_RATE": "50",
            "C10K_METRICS_PORT": String(try freeLoopbackPort()), "C10K_TIMEOUT": "1ms",
        ]
        let process = try ServerProcess(
            "c10k_client",
            arguments: [
                "3", "--host", "127.0.0.1", "--port", "\(server.port)", "--request", "PING", "--duration", "2s",
                "--json", fromOption, "--metrics-port", "\(metricsPort)", "--timeout", "10s", "--rate", "100",
            ], environment: environment)
        #expect(process.waitForExit(timeout: 120) == 0, "\(process.log)")
        let log = process.log
        #expect(log.contains("3 clients → 127.0.0.1:\(server.port), open loop at 100 req/s, \"PING\""), "\(log)")
        #expect(log.contains("metrics on http://127.0.0.1:\(metricsPort)/metrics"), "\(log)")
        #expect(!FileManager.default.fileExists(atPath: fromEnvironment), "C10K_JSON won over --json")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fromOption)))
        let json = try #require(summary as? [String: Any])
        #expect(json["clients_requested"] as? Int == 3)
        #expect((json["requests"] as? Int ?? 0) > 0, "--timeout 10s lost to C10K_TIMEOUT=1ms")
        #expect((json["errors"] as? [String: Int])?.values.reduce(0, +) == 0, "\(json)")
        #expect((json["duration_s"] as? Double ?? 99) < 30, "--duration 2s lost to C10K_DURATION=60s")
    }

    @Test func optionsFromTheEnvironmentReachTheRun() throws {
        let server = try ServerUnderTest.concurrent[0].start()
        let metricsPort = try freeLoopbackPort()
        let path = NSTemporaryDirectory() + "c10k-env-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try ClientRun(
            [],
            environment: [
                "C10K_CLIENTS": "4", "C10K_HOST": "127.0.0.1", "C10K_PORT": "\(server.port)",
                "C10K_MIX": "PING=1,BURN 10=1",
                "C10K_DURATION": "2s", "C10K_JSON": path, "C10K_RATE": "200", "C10K_METRICS_PORT": "\(metricsPort)",
                "C10K_CONNECT_RATE": "100", "C10K_TIMEOUT": "10s",
            ])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.integer("clients_requested") == 4)
        #expect(run.output.contains("open loop at 200 req/s"), "\(run.output)")
        #expect(run.output.contains("metrics on http://127.0.0.1:\(metricsPort)/metrics"), "\(run.output)")
        #expect(run.output.contains("BURN 10"), "\(run.output)")
    }

    @Test func mistakesAreExplained() throws {
        let port = try freeLoopbackPort()
        for (arguments, environment, status, message) in [
            (["--request", "FOO"], [:], 64, "is not a DUMB request"),
            (["--mix", "PING"], [:], 64, "has no weight"),
            (["--request", "PING", "--mix", "PING=1"], [:], 64, "not both"),
            (["--rate", "100", "--think-time", "1s"], [:], 64, "give one of them"),
            (["--duration", "soon"], [:], 64, "is not a duration"),
            (["--duration", "0"], [:], 64, "--duration must be longer than 0"),
            (["--request", "WAIT 20000"], [:], 64, "raise --timeout"),
            (["0"], [:], 64, "CLIENTS must be 1 to"),
            (["--port", "70000"], [:], 64, "is not a TCP port"),
            ([], ["C10K_PORT": "eighty"], 64, "C10K_PORT=eighty is not a whole number"),
            (["--host", "no.such.host.invalid"], [:], 2, "give an IP address"),
            (["--port", "\(port)", "--json", "/no/such/folder/run.json"], [:], 2, "cannot write the JSON summary"),
        ] as [([String], [String: String], Int32, String)] {
            let run = try ClientRun(arguments, environment: environment)
            #expect(run.status == status, "\(arguments) \(environment): \(run.output)")
            #expect(run.output.contains(message), "\(arguments) \(environment): \(run.output)")
        }
    }
}
