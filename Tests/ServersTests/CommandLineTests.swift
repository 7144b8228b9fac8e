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

    /// Starts `binary` as given and waits for its "listening on" line.
    func started(_ binary: String, _ arguments: [String], _ environment: [String: String]) throws -> ServerProcess {
        let process = try ServerProcess(binary, arguments: arguments, environment: environment)
        guard eventually(timeout: 60, { process.log.contains(" listening on ") || !process.isRunning }),
            process.isRunning
        else { throw TestFailure("\(binary) did not start: \(process.log)") }
        return process
    }

    /// Every option all servers share, from its variable alone, then with the command line
    /// giving another value: each setting is seen where it acts (the address it listens on,
    /// the metrics endpoint's, the backlog it logs, the lines its log level lets through).
    @Test(
        "every shared option comes from its variable, and the command line wins",
        arguments: ServerUnderTest.all + ServerUnderTest.chat)
    func environment(server: ServerUnderTest) throws {
        // 127.0.0.2 is loopback too: a listener there is not one on 127.0.0.1
        let environment = [
            "DUMB_HOST": "127.0.0.2", "DUMB_PORT": String(try freeLoopbackPort()),
            "DUMB_METRICS_PORT": String(try freeLoopbackPort()), "DUMB_BACKLOG": "77", "DUMB_LOG_LEVEL": "notice",
            "DUMB_CLIENT_BUFFER": "16k",
        ]
        let fromEnvironment = try started(server.binary, server.arguments, environment)
        let log = fromEnvironment.log
        #expect(log.contains("listening on 127.0.0.2:\(environment["DUMB_PORT"]!)"), "\(log)")
        #expect(log.contains("backlog=77"), "\(log)")
        #expect(!log.contains(" info "), "DUMB_LOG_LEVEL=notice lets info lines through: \(log)")
        if server.isChat { #expect(log.contains("buffer holds 16384 bytes"), "\(log)") }
        let client = try TestClient(port: Int(environment["DUMB_PORT"]!)!, host: "127.0.0.2")
        if server.isChat {
            #expect(try client.readLine()?.hasPrefix("WELCOME") == true)
        } else {
            try client.send("PING\n")
            #expect(try client.readLine() == "PONG")
        }
        _ = try ScrapedMetrics.scrape(port: Int(environment["DUMB_METRICS_PORT"]!)!, host: "127.0.0.2")
        fromEnvironment.stop()

        let (port, metricsPort) = (try freeLoopbackPort(), try freeLoopbackPort())
        let fromCommandLine = try started(
            server.binary,
            server.arguments + [
                "--host", "127.0.0.1", "--port", "\(port)", "--metrics-port", "\(metricsPort)", "--backlog", "55",
                "--log-level", "info",
            ] + (server.isChat ? ["--client-buffer", "32k"] : []), environment)
        let both = fromCommandLine.log
        #expect(both.contains("listening on 127.0.0.1:\(port)"), "\(both)")
        #expect(both.contains("backlog=55"), "\(both)")
        #expect(both.contains(" info "), "--log-level info did not win over DUMB_LOG_LEVEL=notice: \(both)")
        if server.isChat { #expect(both.contains("buffer holds 32768 bytes"), "\(both)") }
        _ = try TestClient(port: port)
        _ = try ScrapedMetrics.scrape(port: metricsPort)
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
