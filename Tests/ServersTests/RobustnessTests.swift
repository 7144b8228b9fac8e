import DumbSystem
import DumbTestSupport
import Glibc
import Testing

/// No input of any kind crashes a server, stalls the other clients, or grows its memory
/// without bound.
@Suite("bad input costs nothing else")
struct RobustnessTests {
    @Test("random bytes get ERR lines, never a crash", arguments: ServerUnderTest.all)
    func garbage(server: ServerUnderTest) throws {
        let process = try server.start()
        var generator = SplitMix(seed: 42)
        for round in 0..<20 {
            let client = try TestClient(port: process.port)
            var bytes = (0..<(64 + round * 97)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            bytes.append(UInt8(ascii: "\n"))
            try client.send(bytes)
            client.shutdownWrite()
            #expect(try client.waitForClose(timeout: 60), "round \(round): the connection did not end")
            for line in client.unread.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                #expect(line.hasPrefix("ERR ") || line == "PONG" || line.hasPrefix("RESULT ") || line == "DONE")
            }
        }
        #expect(process.isRunning)
        let client = try TestClient(port: process.port)
        try client.send("PING\n")
        #expect(try client.readLine() == "PONG")
    }

    @Test(
        "a client that pipelines without reading stalls only itself, in bounded memory",
        arguments: ServerUnderTest.all)
    func pipelineFlood(server: ServerUnderTest) throws {
        let process = try server.startWithMetrics()
        let flooder = try TestClient(port: process.port)
        flooder.setReceiveBuffer(4096)
        let residentBefore = process.residentBytes
        let chunk = Array(String(repeating: "PING\n", count: 13_000).utf8)  // 64 KiB
        var sent = 0
        var blockedRounds = 0
        // send until the socket takes nothing more for a while (at most 512 MiB)
        while sent < 512 << 20 && blockedRounds < 50 {
            let count = try flooder.sendWithoutBlocking(chunk)
            sent += count
            if count == 0 {
                blockedRounds += 1
                _ = flooder.isReadable(within: 0.01)
            } else {
                blockedRounds = 0
            }
        }
        // What the server itself read, once it stopped reading: a server that buffers without
        // bound, however slowly it reads, shows here as bytes read, whatever the pause above.
        var received = try #require(try process.scrapeMetrics()["dumb_bytes_received_total"])
        var steadySince = (Double(SystemClock.now()) / 1e9)
        let settled = eventually(timeout: 120) {
            guard let now = try? process.scrapeMetrics()["dumb_bytes_received_total"] else { return false }
            if now != received { (received, steadySince) = (now, (Double(SystemClock.now()) / 1e9)) }
            return (Double(SystemClock.now()) / 1e9) - steadySince >= 2
        }
        #expect(settled, "the server never stopped reading the flood: \(received) bytes read so far")
        // its output buffer (64 KiB of PONGs), one read, the framer's line: far below 8 MiB
        #expect(
            received < Double(8 << 20), "the server read \(Int(received)) of the \(sent) bytes sent without answering")
        #expect(Double(sent) > received, "the kernel's buffers hold the rest")
        #expect(process.residentBytes < residentBefore + 32 << 20, "RSS grew by more than 32 MiB")
        if server.concurrency == .concurrent {
            let other = try TestClient(port: process.port)
            try other.send("PING\n")
            #expect(try other.readLine() == "PONG")
        }
        flooder.reset()
        let after = try TestClient(port: process.port)
        try after.send("PING\n")
        #expect(try after.readLine() == "PONG")
    }

    @Test("clients that vanish mid-request leave the server serving", arguments: ServerUnderTest.all)
    func abruptClients(server: ServerUnderTest) throws {
        let process = try server.start()
        for request in ["STREAM 100000000\n", "WAIT 100\n", "BURN 1000\n", "PING\nPING\nPING\n", "PIN"] {
            let client = try TestClient(port: process.port)
            try client.send(request)
            client.reset()
        }
        let client = try TestClient(port: process.port)
        try client.send("PING\n")
        #expect(try client.readLine() == "PONG")
        #expect(process.isRunning)
    }

    @Test("SIGTERM: the server stops and exits 0", arguments: ServerUnderTest.all)
    func terminate(server: ServerUnderTest) throws {
        let process = try server.start()
        let busy = try TestClient(port: process.port)
        try busy.send("WAIT 60000\n")
        let idle = try TestClient(port: process.port)
        try idle.send("PING\n")
        if server.concurrency == .concurrent { #expect(try idle.readLine() == "PONG") }
        #expect(process.terminate(timeout: 30) == 0, "\(process.log)")
        #expect(try busy.waitForClose())
        #expect(throws: (any Error).self) { try TestClient(port: process.port) }
    }

    @Test("SIGINT (Ctrl-C) stops it too", arguments: ServerUnderTest.all)
    func interrupt(server: ServerUnderTest) throws {
        let process = try server.start()
        kill(process.pid, SIGINT)
        #expect(process.waitForExit(timeout: 30) == 0)
    }
}

/// A tiny deterministic generator, so a failing input can be reproduced.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
