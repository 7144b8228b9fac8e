import DumbSystem
import DumbTestSupport
import Foundation
import Testing

/// What dumb_nio adds to the shared suites: bounded threads, its event loop count, a long BURN
/// that stalls nobody, and metrics that follow its requests.
@Suite("dumb_nio", .serialized)
struct DumbNIOTests {
    /// The names of the server's threads (`NIO-ELT-0-#0` for NIO's event loops).
    static func threadNames(_ process: ServerProcess) -> [String] {
        (ProcFiles.directoryEntries("/proc/\(process.pid)/task") ?? []).compactMap { thread in
            ProcFiles.read("/proc/\(process.pid)/task/\(thread)/comm")?.trimmingCharacters(in: "\n")
        }
    }

    static func eventLoopThreads(_ process: ServerProcess) -> Int {
        threadNames(process).filter { $0.hasPrefix("NIO-ELT") }.count
    }

    @Test("under 400 connections, with WAITs and BURNs in flight, it stays under 50 threads")
    func threadsStayBounded() throws {
        let process = try ServerProcess.start("dumb_nio")
        let clients = try ThreadingTests.openConnections(ThreadingTests.connections, to: process, answered: true)
        for (index, client) in clients.prefix(20).enumerated() {
            // (BURNs over 10,000 iterations go to the pool; this one takes a fraction of a second in a debug build)
            try client.send(index % 2 == 0 ? "WAIT 3000\n" : "BURN 500000\n")
        }
        let threads = process.threadCount
        #expect(threads < 50, "\(threads) threads: \(Self.threadNames(process))")
        for client in clients.prefix(20) { #expect(try client.readLine(timeout: 120) != nil) }
        #expect(process.threadCount < 50)
    }

    @Test("one event loop per CPU it may run on; --threads and DUMB_THREADS choose")
    func eventLoopCount() throws {
        // (the event loops start right after the "listening on" line: wait for the log line after them)
        for (arguments, environment, loops) in [
            ([], [:], CPUAffinity.allowedCPUCount()),
            (["--threads", "3"], [:], 3),
            ([], ["DUMB_THREADS": "1"], 1),
        ] as [([String], [String: String], Int)] {
            let process = try ServerProcess.start("dumb_nio", arguments: arguments, environment: environment)
            #expect(eventually { process.log.contains("\(loops) event loops") }, "\(process.log)")
            #expect(
                Self.eventLoopThreads(process) == loops, "\(arguments) \(environment): \(Self.threadNames(process))")
        }
        let refused = try ServerProcess("dumb_nio", arguments: ["--threads", "0"])
        #expect(refused.waitForExit(timeout: 60) != 0)
        #expect(refused.log.contains("--threads 0 is out of range"))
    }

    @Test("a long BURN runs off the event loop: a PING on the same single loop is answered meanwhile")
    func burnDoesNotStallTheLoop() throws {
        let process = try ServerProcess.start("dumb_nio", arguments: ["--threads", "1"])
        let burning = try TestClient(port: process.port)
        try burning.send("BURN 1000000000\n")
        let other = try TestClient(port: process.port)
        for _ in 0..<3 {
            try other.send("PING\n")
            #expect(try other.readLine() == "PONG")
        }
        #expect(!burning.isReadable(within: 0), "the BURN ended before the PINGs were answered")
        burning.reset()  // the BURN is abandoned: the pool stops it
        try other.send("BURN 1000\n")
        #expect(try other.readLine() == "RESULT 18296984787417760110")
    }

    @Test("the listen backlog is the one asked for, not NIO's default of 128", .enabled(if: hasSS))
    func backlog() throws {
        let process = try ServerProcess.start("dumb_nio", arguments: ["--backlog", "1000"])
        // for a listening socket, ss shows the backlog as Send-Q. NIO listens again with its
        // own backlog after the server announced its port, and the server then restores its
        // own: wait for that rather than catch the moment between.
        var output = ""
        var fields: [Substring] = []
        _ = eventually(timeout: 30) {
            output = (try? runShell("ss -ltnH 'sport = :\(process.port)'").output) ?? ""
            fields = output.split(whereSeparator: \.isWhitespace)
            return fields.count >= 3 && fields[2] == "1000"
        }
        #expect(fields.count >= 3 && fields[2] == "1000", "ss: \(output)")
    }

    static let hasSS =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/ss")
        || FileManager.default.isExecutableFile(atPath: "/bin/ss")

    @Test("requests and connections are counted, in total and per event loop")
    func metrics() throws {
        let process = try ServerProcess.startWithMetrics("dumb_nio", arguments: ["--threads", "1"])
        let client = try TestClient(port: process.port)
        try client.send("PING\nPING\nBURN 1\nSTREAM 100000\nFOO\nWAIT 1\n")
        for expected in ["PONG", "PONG", "RESULT 10451216379200822465"] { #expect(try client.readLine() == expected) }
        #expect(try client.readStream(count: 100_000) == .ok)
        #expect(try client.readLine() == "ERR unknown command")
        #expect(try client.readLine() == "DONE")
        let expected = [
            #"dumb_requests_total{command="PING"} 2"#,
            #"dumb_requests_total{command="BURN"} 1"#,
            #"dumb_requests_total{command="STREAM"} 1"#,
            #"dumb_requests_total{command="ERR"} 1"#,
            #"dumb_requests_total{command="WAIT"} 1"#,
            #"dumb_worker_requests_total{worker="0"} 6"#,
            #"dumb_worker_connections_active{worker="0"} 1"#,
            "dumb_connections_active 1",
            "dumb_bytes_received_total 42",
            "dumb_bytes_sent_total 100069",  // 2 PONG, a RESULT, 100000 + 6 bytes, an ERR, a DONE
        ]
        // a request is counted once its last byte reached the kernel, which may be just after
        // the client read it
        var text = ""
        #expect(
            eventually {
                text = (try? process.scrapeMetrics().text) ?? ""
                return expected.allSatisfy(text.contains)
            }, "\(text)")
        #expect(text.contains(#"server="nio""#))
    }
}
