import DumbSystem
import DumbTestSupport
import Foundation
import Glibc
import Testing

/// `c10k_client` run as a learner runs it, against every server of the lab.
@Suite("c10k_client against the lab's servers")
struct AgainstServersTests {
    @Test("a mix of every request, checked, without an error", arguments: ServerUnderTest.all)
    func mixedLoad(server: ServerUnderTest) throws {
        let process = try server.start()
        // the iterative server serves one connection at a time: the others would wait forever
        let clients = server.concurrency == .iterative ? 1 : 50
        let run = try ClientRun([
            "\(clients)", "--port", "\(process.port)", "--duration", "2s",
            "--mix", "PING=40,BURN 1000=30,STREAM 5000=20,WAIT 1=10",
        ])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.integer("clients_requested") == clients)
        #expect(run.integer("clients_connected") == clients)
        #expect((run.integer("requests") ?? 0) > 0)
        #expect(run.errorKinds.isEmpty, "\(run.errors)")
        #expect(run.output.contains("errors       none"))
    }

    @Test("open loop at a fixed rate", arguments: ServerUnderTest.concurrent)
    func openLoop(server: ServerUnderTest) throws {
        let process = try server.start()
        let run = try ClientRun([
            "20", "--port", "\(process.port)", "--duration", "2s", "--rate", "200", "--request", "PING",
        ])
        #expect(run.status == 0, "\(run.output)")
        // 200 requests/s for 2 s: about 400, whatever the server's speed
        #expect((300...420).contains(run.integer("requests") ?? 0), "\(run.output)")
        #expect(run.output.contains("open loop at 200 req/s"))
    }

    @Test("SIGINT ends the run with the summary", arguments: ServerUnderTest.concurrent)
    func interrupt(server: ServerUnderTest) throws {
        let process = try server.start()
        let client = try ServerProcess("c10k_client", arguments: ["10", "--port", "\(process.port)"])
        #expect(eventually(timeout: 60) { client.log.contains("req/s | p50") }, "\(client.log)")
        kill(client.pid, SIGINT)
        #expect(client.waitForExit(timeout: 30) == 0, "\(client.log)")
        #expect(client.log.contains("correct answers"))
        #expect(client.log.contains("errors       none"))
    }

    @Test("fewer descriptors than clients: it holds what it can and says which limit stopped it")
    func descriptorLimit() throws {
        let process = try ServerUnderTest.concurrent[0].start()
        let binary = try BinaryLocator.path(of: "c10k_client")
        let (status, output) = try runShell(
            "ulimit -n 64 && exec '\(binary)' 100 --port \(process.port) --duration 2s --request PING")
        #expect(status == 1, "\(output)")
        #expect(output.contains("RLIMIT_NOFILE is 64"), "\(output)")
        #expect(output.contains("of 100 connections were open at once. Limited by: file descriptors"), "\(output)")
    }
}

/// A server that gets one thing wrong: the client must catch it and count it by kind.
@Suite("c10k_client catches wrong servers")
struct WrongServerTests {
    @Test(
        "each fault is an error of its own kind",
        arguments: [
            (
                WrongServer.Fault.wrongResult, "BURN 1000", "wrong_answer",
                "expected RESULT 18296984787417760110, got RESULT 12345"
            ),
            (.shortStream, "STREAM 4096", "closed_early", ""),
            (.wrongStreamByte, "STREAM 4096", "wrong_answer", "payload byte 100 is '#', expected 'w'"),
            (.closesEarly, "PING", "closed_early", ""),
            (.silent, "PING", "timeout", "no answer within 500ms"),
        ])
    func fault(fault: WrongServer.Fault, request: String, kind: String, message: String) throws {
        let server = try WrongServer(fault)
        let run = try ClientRun([
            "4", "--port", "\(server.port)", "--duration", "1500ms", "--timeout", "500ms", "--request", request,
        ])
        #expect(run.status == 1, "\(fault): \(run.output)")
        #expect(run.errorKinds == [kind], "\(fault): \(run.errors)")
        #expect(run.integer("requests") == 0)
        #expect(message.isEmpty || run.output.contains(message), "\(fault): \(run.output)")
    }

    @Test("a mix catches the one wrong answer among right ones")
    func wrongAmongRight() throws {
        let server = try WrongServer(.wrongResult)
        let run = try ClientRun(["4", "--port", "\(server.port)", "--duration", "1s", "--mix", "PING=9,BURN 10=1"])
        #expect(run.status == 1)
        #expect((run.integer("requests") ?? 0) > 0, "the PINGs were answered")
        #expect((run.errors["wrong_answer"] ?? 0) > 0)
        #expect(run.output.contains("to BURN 10: expected RESULT 16086693280373169734, got RESULT 12345"))
    }

    @Test("a server that closes right after an answer: the answer counts, the close is seen at once")
    func closesAfterAnswering() throws {
        let server = try WrongServer(.answersThenCloses)
        let run = try ClientRun([
            "4", "--port", "\(server.port)", "--duration", "1500ms", "--timeout", "500ms", "--request", "PING",
        ])
        #expect(run.status == 1)
        #expect((run.integer("requests") ?? 0) > 0)
        #expect(!run.errorKinds.isEmpty && run.errorKinds.isSubset(of: ["closed_early", "reset"]), "\(run.errors)")
    }

    @Test("nothing listens: refused, with what to do")
    func refused() throws {
        let run = try ClientRun(["5", "--port", "\(try freeLoopbackPort())", "--duration", "1s"])
        #expect(run.status == 1)
        #expect((run.errors["refused"] ?? 0) >= 5)
        #expect(run.integer("clients_connected") == 0)
        #expect(run.output.contains("nothing listens on 127.0.0.1:"))
        #expect(run.output.contains("Limited by: the server refused"))
    }
}

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

@Suite("c10k_client's metrics endpoint")
struct ClientMetricsEndpointTests {
    @Test func scrapedWhileItRuns() throws {
        let server = try ServerUnderTest.concurrent[0].start()
        let metricsPort = try freeLoopbackPort()
        let client = try ServerProcess(
            "c10k_client",
            arguments: ["10", "--port", "\(server.port)", "--metrics-port", "\(metricsPort)", "--duration", "30s"])
        defer { kill(client.pid, SIGINT) }
        var text = ""
        let answered = eventually(timeout: 60) {
            guard let scrape = try? ScrapedMetrics.scrape(port: metricsPort) else { return false }
            text = scrape.text
            return text.contains("c10k_client_connections_active 10\n")
                && !text.contains("c10k_client_requests_total{outcome=\"ok\"} 0\n")
        }
        #expect(answered, "\(text)\n\(client.log)")
        for name in [
            "c10k_client_requests_total{outcome=\"ok\"}", "c10k_client_requests_total{outcome=\"timeout\"} 0",
            "c10k_client_request_duration_seconds_bucket{le=\"+Inf\"}", "c10k_client_request_duration_seconds_sum",
            "c10k_client_connect_errors_total{reason=\"refused\"} 0", "process_open_fds", "process_cpu_seconds_total",
        ] {
            #expect(text.contains(name), "missing: \(name)")
        }
        if TestTools.hasPromtool {
            let problems = try TestTools.promtoolProblems(text)
            #expect(problems.isEmpty, "\(problems)")
        }
    }
}

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
