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
