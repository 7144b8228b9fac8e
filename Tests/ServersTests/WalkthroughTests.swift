import DumbTestSupport
import Foundation
import Testing

/// The walkthrough's own shell commands (nc, pv, timeout), run as written against each
/// server, on the port the test's server got instead of 8090.
@Suite("the walkthrough's nc commands")
struct WalkthroughTests {
    /// Runs a bash script with 8090 replaced by `port` (and 8091 by the metrics port); returns
    /// its output.
    func bash(_ script: String, _ process: ServerProcess) throws -> String {
        let metrics = process.metricsPort.map(String.init) ?? "8091"
        let script = Self.waitForBytes + script
        return try runShell(
            script.replacingOccurrences(of: "8090", with: String(process.port)).replacingOccurrences(
                of: "8091", with: metrics)
        ).output
    }

    /// Where the walkthrough sleeps "until the first client is being served", the tests wait
    /// for the event itself: the server's metrics say it has read that many bytes.
    static let waitForBytes = """
        wait_for_bytes() {
            timeout 60 bash -c "until curl -s 127.0.0.1:8091/metrics | grep -Eq '^dumb_bytes_received_total ([$1-9]|[0-9]{2,})'; do sleep 0.02; done" ||
                echo "[!] the server never read the first client's request"
        }

        """

    static let tools: Bool = ["nc", "pv", "timeout", "curl"].allSatisfy(TestTools.has)

    @Test("echo PING | nc answers PONG", .enabled(if: tools), arguments: ServerUnderTest.all)
    func ping(server: ServerUnderTest) throws {
        let process = try server.startWithMetrics()
        let output = try bash(#"echo "PING" | nc -vN 127.0.0.1 8090"#, process)
        #expect(output.contains("PONG"), "\(output)")
    }

    @Test(
        "a long WAIT delays the next client's PING only on the iterative server", .enabled(if: tools),
        arguments: ServerUnderTest.all)
    func longWait(server: ServerUnderTest) throws {
        let process = try server.startWithMetrics()
        let script = """
            echo "WAIT 5000" | nc -vN 127.0.0.1 8090 &
            PID_WAIT=$!
            wait_for_bytes 9
            start=$(date +%s%N)
            echo "PING" | nc -vN 127.0.0.1 8090
            echo "elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))"
            wait $PID_WAIT
            """
        let output = try bash(script, process)
        let elapsed = Int(output.components(separatedBy: "elapsed_ms=").last!.prefix(while: \.isNumber)) ?? -1
        #expect(output.contains("PONG") && output.contains("DONE"), "\(output)")
        switch server.concurrency {
        case .iterative:
            #expect(elapsed >= 3500, "the PING was answered after \(elapsed) ms, not after the WAIT")
        case .concurrent:
            // answered long before the WAIT's 5 s end
            #expect(output.range(of: "PONG")!.lowerBound < output.range(of: "DONE")!.lowerBound, "\(output)")
        }
    }

    @Test("a slow reader paralyzes only the iterative server", .enabled(if: tools), arguments: ServerUnderTest.all)
    func slowReader(server: ServerUnderTest) throws {
        let process = try server.startWithMetrics()
        let script = """
            echo "STREAM 100000000" | nc -vN 127.0.0.1 8090 | pv -q -L 10 > /dev/null &
            PID_SLOW=$!
            wait_for_bytes 9
            echo "PING" | timeout 5 nc -vN 127.0.0.1 8090
            if [ $? -eq 124 ]; then
            echo "[!] TIMEOUT: Client 2 gave up. The server is completely paralyzed."
            fi
            kill $PID_SLOW 2>/dev/null
            wait $PID_SLOW 2>/dev/null
            pkill -f "nc -vN 127.0.0.1 8090" 2>/dev/null
            true
            """
        let output = try bash(script, process)
        switch server.concurrency {
        case .iterative: #expect(output.contains("TIMEOUT: Client 2 gave up"), "\(output)")
        case .concurrent: #expect(output.contains("PONG") && !output.contains("TIMEOUT"), "\(output)")
        }
    }

    @Test("a slow sender blocks only the iterative server", .enabled(if: tools), arguments: ServerUnderTest.all)
    func slowSender(server: ServerUnderTest) throws {
        let process = try server.startWithMetrics()
        // The walkthrough's script, timed: its 5 s timeout and the sender's 6 s are too close
        // to tell on a loaded machine, the time the PING waited is not.
        let script = """
            (
            echo -n "P"; sleep 2;
            echo -n "I"; sleep 2;
            echo -n "N"; sleep 2;
            echo "G"
            ) | nc -vN 127.0.0.1 8090 &
            PID_SLOWLORIS=$!
            wait_for_bytes 1
            start=$(date +%s%N)
            echo "PING" | timeout 5 nc -vN 127.0.0.1 8090
            if [ $? -eq 124 ]; then
            echo "[!] TIMEOUT: Client 2 blocked by a slow sender!"
            fi
            echo "elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))"
            wait $PID_SLOWLORIS 2>/dev/null
            """
        let output = try bash(script, process)
        let elapsed = Int(output.components(separatedBy: "elapsed_ms=").last!.prefix(while: \.isNumber)) ?? -1
        switch server.concurrency {
        case .iterative:
            #expect(
                output.contains("TIMEOUT: Client 2 blocked by a slow sender!") || elapsed >= 3500,
                "the PING was answered after \(elapsed) ms, during the slow send: \(output)")
        case .concurrent:
            #expect(!output.contains("TIMEOUT"), "\(output)")
        }
        #expect(output.contains("PONG"), "the slow sender's own PING is answered: \(output)")
    }
}
