import DumbTestSupport
import Foundation
import Testing

/// The command line every server shares: --help, the environment, errors that say what to do.
@Suite("one command line for every server")
struct CommandLineTests {
    func run(_ binary: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        let process = try ServerProcess(binary, arguments: arguments, environment: environment)
        let status = process.waitForExit(timeout: 60)
        return (status ?? -1, process.log)
    }

    @Test("--help says what the server demonstrates and shows examples", arguments: ServerUnderTest.all)
    func help(server: ServerUnderTest) throws {
        let (status, output) = try run(server.binary, ["--help"])
        #expect(status == 0)
        for option in ["--host", "--port", "--metrics-port", "--backlog", "--log-level", "DUMB_PORT", "Examples:"] {
            #expect(output.contains(option), "--help lacks \(option)")
        }
    }

    @Test("options come from the environment; the command line wins", arguments: ServerUnderTest.all)
    func environment(server: ServerUnderTest) throws {
        let process = try ServerProcess.start(
            server.binary, arguments: ["--metrics-port", "0"],
            environment: ["DUMB_PORT": "0", "DUMB_LOG_LEVEL": "debug", "DUMB_BACKLOG": "77"])
        #expect(process.log.contains("backlog=77"))
        let client = try TestClient(port: process.port)
        try client.send("PING\n")
        #expect(try client.readLine() == "PONG")
    }

    @Test("bad values are refused with a message that says what to do", arguments: ServerUnderTest.all)
    func badValues(server: ServerUnderTest) throws {
        for (arguments, environment, message) in [
            (["--port", "70000"], [:], "is not a TCP port"),
            (["--port", "9000", "--metrics-port", "9000"], [:], "different ports"),
            (["--log-level", "loud"], [:], "is not a level"),
            (["--backlog", "0"], [:], "--backlog must be at least 1"),
            ([], ["DUMB_PORT": "eighty"], "DUMB_PORT=eighty is not a whole number"),
            (["--host", "no.such.host.invalid", "--port", "0", "--metrics-port", "0"], [:], "give an IP address"),
        ] as [([String], [String: String], String)] {
            let (status, output) = try run(server.binary, arguments, environment: environment)
            #expect(status != 0, "\(arguments) \(environment)")
            #expect(output.contains(message), "\(arguments) \(environment): \(output)")
        }
    }

    @Test("a port in use is reported with what to do", arguments: ServerUnderTest.all)
    func portInUse(server: ServerUnderTest) throws {
        let first = try server.start()
        let (status, output) = try run(server.binary, ["--port", String(first.port), "--metrics-port", "0"])
        #expect(status != 0)
        #expect(output.contains("Address already in use"))
        #expect(output.contains("--port"))
    }
}
