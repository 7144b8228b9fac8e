// c10k_client: the lab's load generator. One process, one thread, one epoll loop holds
// thousands of non-blocking connections, checks every answer, and measures latency the way
// wrk2 does (open loop: from when a request was due, not from when it could be sent).
import ArgumentParser
import DumbCommandLine
import DumbMetrics
import DumbProtocol
import DumbSystem
import Glibc
import LoadGenerator

struct C10kClient: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "c10k_client",
        abstract: "Opens CLIENTS connections to a DUMB server, keeps them busy, checks every answer, measures latency.",
        discussion: """
            One process on one thread: an epoll loop over non-blocking sockets holds 10,000 \
            connections and more (it raises RLIMIT_NOFILE as far as the hard limit allows, \
            and says which limit stopped it when the target is not reached). Every answer is \
            checked: RESULT against its own BURN, every STREAM byte, PONG, DONE; a wrong one \
            is an error of its own kind.

            Closed loop (the default): each connection sends its next request when the answer \
            to the last one came (plus --think-time). Open loop (--rate): requests are due at \
            a fixed total rate whatever the server does, and latency counts from when each \
            was due, so a stalling server cannot hide its stall (coordinated omission).

            Progress goes to stderr (one status line a second), the summary to stdout, the \
            JSON summary to --json (keys in docs/c10k_client.md). Ctrl-C ends the run with \
            the summary.

            Examples:
              c10k_client 2000                               # 2000 clients, BURN 1000, until Ctrl-C
              taskset -c 1 c10k_client 10000 --duration 15s --json run.json
              c10k_client 100 --mix "PING=70,BURN 1000=20,STREAM 4096=10" --metrics-port 8092
              c10k_client 1000 --rate 20000 --duration 30s  # open loop, 20,000 requests/s in all
              c10k_client 500 --request "WAIT 100" --think-time 50ms
              c10k_client 5000 --request PING --duration 5s --hold 60s   # then 60 s idle
              c10k_client 1000 --port 6379 --request PING --expect +PONG   # redis-server
              C10K_CLIENTS=5000 C10K_PORT=9000 c10k_client  # options from the environment

            Exit status:
              0   every connection was open at once, answers came, and nothing went wrong
              1   errors happened (the summary counts them by kind), or fewer connections
                  than asked for were open at once, or no answer came at all
              2   it could not run: the host does not resolve, the metrics port is taken, \
            the JSON file cannot be written
              64  the command line is wrong (the message says how)
            """)

    @Argument(help: "Connections to open and keep busy. (env: C10K_CLIENTS)")
    var clients: Int = EnvironmentDefault.integer("C10K_CLIENTS") ?? 1000

    @Option(help: "Server address. (env: C10K_HOST)")
    var host: String = EnvironmentDefault.string("C10K_HOST") ?? "127.0.0.1"

    @Option(help: "Server port. (env: C10K_PORT)")
    var port: Int = EnvironmentDefault.integer("C10K_PORT") ?? 8090

    @Option(
        help: "The request every client sends (default: \"BURN 1000\"; \"PING\" with --expect). (env: C10K_REQUEST)")
    var request: String?

    @Option(
        help: ArgumentHelp(
            "Requests mixed by weight, e.g. \"PING=70,BURN 1000=20,STREAM 4096=10\"; instead of --request. (env: C10K_MIX)",
            valueName: "mix"))
    var mix: String?

    @Option(
        name: .customLong("expect"),
        help: ArgumentHelp(
            "Drive a server that is not DUMB: every answer is one line that must start with this (redis-server: +PONG). (env: C10K_EXPECT)",
            valueName: "prefix"))
    var expectOption: String?

    @Option(
        name: .customLong("duration"),
        help: ArgumentHelp(
            "How long to run: 15s, 2m, 500ms (default: until Ctrl-C or SIGTERM). (env: C10K_DURATION)",
            valueName: "duration"))
    var durationOption: String?

    @Option(
        name: .customLong("hold"),
        help: ArgumentHelp(
            "After --duration, keep every connection open and idle this long, sending nothing: what idle clients cost (c10k_lab's memory experiment). (env: C10K_HOLD)",
            valueName: "duration"))
    var holdOption: String?

    @Option(
        name: .customLong("connect-rate"),
        help: ArgumentHelp(
            "New connections per second: the ramp, and reconnects. (env: C10K_CONNECT_RATE)", valueName: "n"))
    var connectRate: Int = EnvironmentDefault.integer("C10K_CONNECT_RATE") ?? 5000

    @Option(
        name: .customLong("think-time"),
        help: ArgumentHelp(
            "Closed loop: pause between an answer and the connection's next request. (env: C10K_THINK_TIME)",
            valueName: "duration"))
    var thinkTime: String = EnvironmentDefault.string("C10K_THINK_TIME") ?? "0"

    @Option(
        name: .customLong("rate"),
        help: ArgumentHelp(
            "Open loop: requests per second, all connections together; latency counts from when each was due. (env: C10K_RATE)",
            valueName: "n"))
    var rateOption: Double?

    @Option(
        help: ArgumentHelp(
            "How long a connect or an answer may take before it counts as a timeout. (env: C10K_TIMEOUT)",
            valueName: "duration"))
    var timeout: String = EnvironmentDefault.string("C10K_TIMEOUT") ?? "10s"

    @Option(
        name: .customLong("json"),
        help: ArgumentHelp("Write the JSON summary to this file. (env: C10K_JSON)", valueName: "path"))
    var jsonOption: String?

    @Option(
        name: .customLong("metrics-port"),
        help: "Serve GET /metrics (Prometheus) on this port; 0 turns it off. (env: C10K_METRICS_PORT)")
    var metricsPort: Int = EnvironmentDefault.integer("C10K_METRICS_PORT") ?? 0

    @Option(
        name: .customLong("metrics-host"),
        help: "Address of the metrics endpoint; 0.0.0.0 for every interface. (env: C10K_METRICS_HOST)")
    var metricsHost: String = EnvironmentDefault.string("C10K_METRICS_HOST") ?? "127.0.0.1"

    @Flag(help: "No status lines, only notes and the summary.")
    var quiet = false

    // Options without a default take theirs from the environment, if set there.
    var expect: String? { expectOption ?? EnvironmentDefault.string("C10K_EXPECT") }
    var duration: String? { durationOption ?? EnvironmentDefault.string("C10K_DURATION") }
    var hold: String? { holdOption ?? EnvironmentDefault.string("C10K_HOLD") }
    var rate: Double? { rateOption ?? EnvironmentDefault.string("C10K_RATE").flatMap(Double.init) }
    var json: String? { jsonOption ?? EnvironmentDefault.string("C10K_JSON") }

    func validate() throws {
        try EnvironmentDefault.checkIntegers(["C10K_CLIENTS", "C10K_PORT", "C10K_METRICS_PORT", "C10K_CONNECT_RATE"])
        if let text = EnvironmentDefault.string("C10K_RATE"), Double(text) == nil {
            throw ValidationError("C10K_RATE=\(text) is not a number: fix or unset it.")
        }
        guard (1...1_000_000).contains(clients) else {
            throw ValidationError("CLIENTS must be 1 to 1000000 (got \(clients)), e.g. c10k_client 2000.")
        }
        guard (1...65535).contains(port) else {
            throw ValidationError("--port \(port) is not a TCP port: give 1 to 65535 (8090 is the lab's).")
        }
        guard (0...65535).contains(metricsPort) else {
            throw ValidationError("--metrics-port \(metricsPort) is not a TCP port: give 0 (off) to 65535.")
        }
        guard connectRate > 0 else {
            throw ValidationError("--connect-rate must be a positive number of connections per second, e.g. 5000.")
        }
        if let rate {
            guard rate > 0, rate.isFinite else {
                throw ValidationError("--rate must be a positive number of requests per second, e.g. 20000.")
            }
            guard (DurationText.parse(thinkTime) ?? 0) == 0 else {
                throw ValidationError(
                    "--think-time is for the closed loop and --rate makes it open: give one of them.")
            }
        }
        if let duration = try parseDuration("--duration", "C10K_DURATION", duration), duration == 0 {
            throw ValidationError("--duration must be longer than 0, e.g. 15s (leave it out to run until Ctrl-C).")
        }
        _ = try parseDuration("--think-time", "C10K_THINK_TIME", thinkTime)
        if try parseDuration("--hold", "C10K_HOLD", hold) != nil, duration == nil {
            throw ValidationError(
                "--hold begins when --duration ends: give --duration too, e.g. --duration 5s --hold 60s.")
        }
        guard let timeout = try parseDuration("--timeout", "C10K_TIMEOUT", timeout), timeout > 0 else {
            throw ValidationError("--timeout must be longer than 0, e.g. 10s.")
        }
        for entry in try requestMix().entries {
            if case .wait(let milliseconds)? = entry.request, milliseconds * 1_000_000 >= timeout {
                throw ValidationError(
                    "'\(entry.line)' takes at least \(milliseconds) ms, not less than --timeout \(DurationText.describe(timeout)): raise --timeout."
                )
            }
        }
    }

    /// A duration option: nanoseconds, nil when not given.
    func parseDuration(_ option: String, _ variable: String, _ text: String?) throws -> UInt64? {
        guard let text else { return nil }
        guard let nanoseconds = DurationText.parse(text) else {
            throw ValidationError(
                "\(option) '\(text)' (or \(variable)) is not a duration: write 15s, 500ms, 2m or a number of seconds.")
        }
        return nanoseconds
    }

    /// --request or --mix, from the command line first, then from the environment.
    func requestMix() throws -> RequestMix {
        do {
            switch (request, mix) {
            case (.some, .some):
                throw ValidationError("give --request or --mix, not both.")
            case (.some(let request), nil):
                return try RequestMix.single(request, expect: expect)
            case (nil, .some(let mix)):
                return try RequestMix.parse(mix, expect: expect)
            case (nil, nil):
                switch (EnvironmentDefault.string("C10K_REQUEST"), EnvironmentDefault.string("C10K_MIX")) {
                case (.some, .some):
                    throw ValidationError("C10K_REQUEST and C10K_MIX are both set: unset one of them.")
                case (.some(let request), nil):
                    return try RequestMix.single(request, expect: expect)
                case (nil, .some(let mix)):
                    return try RequestMix.parse(mix, expect: expect)
                case (nil, nil):
                    return try RequestMix.single(expect == nil ? "BURN 1000" : "PING", expect: expect)
                }
            }
        } catch let error as UsageError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let mix = try requestMix()
        let timeout = try parseDuration("--timeout", "C10K_TIMEOUT", timeout) ?? 10_000_000_000
        let printer = StatusPrinter(quiet: quiet)
        let address: SocketAddress
        do {
            address = try SocketAddress(host: host, port: port)
        } catch {
            printer.note("\(error)")
            throw ExitCode(2)
        }
        let jsonFile = try json.map { path in
            let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                printer.note(
                    "cannot write the JSON summary to \(path): \(SystemError("open", errno: errno)); give a path in a writable folder."
                )
                throw ExitCode(2)
            }
            return descriptor
        }
        try StopSignal.install(.notify)

        var metrics: ClientMetrics?
        if metricsPort != 0 {
            let clientMetrics = ClientMetrics(initial: .loadRun())
            do {
                let endpoint = try MetricsEndpoint(
                    host: metricsHost, port: metricsPort, exporter: clientMetrics.exporter)
                try endpoint.start()
                printer.note("metrics on http://\(metricsHost):\(endpoint.listener.port)/metrics")
            } catch {
                printer.note(
                    "cannot serve metrics on \(metricsHost):\(metricsPort): \(error). Choose another --metrics-port (ss -ltnp shows who holds it), or 0 for none."
                )
                throw ExitCode(2)
            }
            metrics = clientMetrics
        }

        var configuration = LoadConfiguration(
            address: address, clients: clients, mix: mix,
            pacing: rate.map { .openLoop(requestsPerSecond: $0) }
                ?? .closedLoop(thinkTime: DurationText.parse(thinkTime) ?? 0),
            duration: try parseDuration("--duration", "C10K_DURATION", duration),
            connectRate: Double(connectRate),
            timeout: timeout)
        configuration.hold = try parseDuration("--hold", "C10K_HOLD", hold)
        let run = try LoadRun(configuration, progress: printer, metrics: metrics)
        let length = configuration.duration.map { "for \(DurationText.describe($0))" } ?? "until Ctrl-C"
        printer.note(
            "\(clients) clients → \(address), \(configuration.mix.description), \(length); connect rate \(connectRate)/s, timeout \(DurationText.describe(timeout)); open files limit \(run.limits.openFiles.soft)"
        )
        let summary = try run.run()
        printer.finish()
        print(summary.text, terminator: "")
        if let jsonFile, let path = json {
            var text = summary.json
            let written = text.withUTF8 { Glibc.write(jsonFile, $0.baseAddress, $0.count) }
            let status = close(jsonFile)
            guard written == text.utf8.count, status == 0 else {
                printer.note("cannot write the JSON summary to \(path): \(SystemError("write", errno: errno))")
                throw ExitCode(2)
            }
        }
        if !summary.succeeded { throw ExitCode(1) }
    }
}

C10kClient.main()
