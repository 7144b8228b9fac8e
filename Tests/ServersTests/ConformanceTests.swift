import DumbProtocol
import DumbTestSupport
import Testing

/// Every rule of docs/protocol.md, checked over TCP against every server's built binary.
@Suite("docs/protocol.md, kept by every server")
struct ConformanceTests {
    @Test("the spec's test vectors", arguments: ServerUnderTest.all)
    func vectors(server: ServerUnderTest) throws {
        let process = try server.start()
        let client = try TestClient(port: process.port)
        let vectors: [(String, String)] = [
            ("PING", "PONG"),
            ("BURN 0", "RESULT 0"),
            ("BURN 1", "RESULT 10451216379200822465"),
            ("BURN 2", "RESULT 2922963487156816012"),
            ("BURN 10", "RESULT 16086693280373169734"),
            ("BURN 1000", "RESULT 18296984787417760110"),
            ("BURN 100000", "RESULT 17251090753121058079"),
            ("WAIT 0", "DONE"),
            ("WAIT 20", "DONE"),
        ]
        for (request, response) in vectors {
            try client.send(request + "\n")
            #expect(try client.readLine() == response, "\(request)")
        }
        try client.send("STREAM 0\n")
        #expect(try client.read(count: 6) == Array("\nDONE\n".utf8))
        try client.send("STREAM 30\n")
        #expect(try client.readLine() == "abcdefghijklmnopqrstuvwxyzabcd")
        #expect(try client.readLine() == "DONE")
    }

    @Test(
        "command names ignore case; runs of spaces separate, leading and trailing ones are ignored",
        arguments: ServerUnderTest.all)
    func caseAndSpaces(server: ServerUnderTest) throws {
        let process = try server.start()
        let client = try TestClient(port: process.port)
        for (request, response) in [
            ("ping", "PONG"), ("PiNg", "PONG"), ("burn 1", "RESULT 10451216379200822465"),
            ("   PING", "PONG"), ("PING    ", "PONG"), ("  bUrN     10   ", "RESULT 16086693280373169734"),
            ("wait 1", "DONE"), ("BURN 0010", "RESULT 16086693280373169734"),
        ] {
            try client.send(request + "\n")
            #expect(try client.readLine() == response, "\(request)")
        }
    }

    @Test("CRLF line ends are accepted; empty and blank lines get no response", arguments: ServerUnderTest.all)
    func lineEndsAndEmptyLines(server: ServerUnderTest) throws {
        let process = try server.start()
        let client = try TestClient(port: process.port)
        try client.send("PING\r\n\n\r\n     \n   \r\nBURN 2\r\n\nPING\n")
        #expect(try client.readLine() == "PONG")
        #expect(try client.readLine() == "RESULT 2922963487156816012")
        #expect(try client.readLine() == "PONG")
        // nothing else came: the blank lines were silent
        try client.send("PING\n")
        #expect(try client.readLine() == "PONG")
        #expect(client.unread.isEmpty)
    }

    @Test("every error gets one ERR line and the connection stays open", arguments: ServerUnderTest.all)
    func errors(server: ServerUnderTest) throws {
        let process = try server.start()
        let client = try TestClient(port: process.port)
        let unknown = ["FOO", "PINGS", "P ING", "STREAMS 1", "\u{1}", "PING\r\r", "ÄPING", "PING\tX", "-1"]
        let badArguments = [
            "PING 1", "PING PING", "WAIT", "WAIT x", "WAIT -1", "WAIT 600001", "WAIT 1.5", "WAIT 10 20",
            "WAIT +5", "WAIT 0x10", "BURN", "BURN 1000000001", "BURN -0", "BURN 99999999999999999999999999",
            "STREAM", "STREAM 1000000000001", "STREAM 1e3", "STREAM 1 2",
        ]
        for request in unknown + badArguments {
            try client.send(request + "\n")
            let line = try #require(try client.readLine(), "no answer to \(request.debugDescription)")
            #expect(line.hasPrefix("ERR "), "\(request.debugDescription) → \(line)")
        }
        for request in unknown {
            try client.send(request + "\n")
            #expect(try client.readLine() == "ERR unknown command", "\(request.debugDescription)")
        }
        for request in badArguments {
            try client.send(request + "\n")
            #expect(try client.readLine() == "ERR bad argument", "\(request.debugDescription)")
        }
        // the limits themselves are valid
        try client.send("WAIT 0\nBURN 0\nSTREAM 0\nPING\n")
        #expect(try client.readLine() == "DONE")
        #expect(try client.readLine() == "RESULT 0")
        #expect(try client.readLine() == "")
        #expect(try client.readLine() == "DONE")
        #expect(try client.readLine() == "PONG")
    }

    @Test(
        "a line of 4096 bytes is served; one byte more gets ERR line too long and a close",
        arguments: ServerUnderTest.all)
    func lineLengthLimit(server: ServerUnderTest) throws {
        let process = try server.start()
        let atLimit = try TestClient(port: process.port)
        let padded = "PING" + String(repeating: " ", count: 4092)
        try atLimit.send(padded + "\n")
        #expect(try atLimit.readLine() == "PONG")
        try atLimit.send(padded + "\r\n")  // the \r is not part of the line
        #expect(try atLimit.readLine() == "PONG")
        atLimit.shutdownWrite()  // (the iterative server serves the next client only then)
        #expect(try atLimit.waitForClose())

        let overLimit = try TestClient(port: process.port)
        try overLimit.send(padded + " \n")
        #expect(try overLimit.readLine() == "ERR line too long")
        #expect(try overLimit.waitForClose())

        // without any newline: the server must not wait for one
        let endless = try TestClient(port: process.port)
        try endless.send(String(repeating: "A", count: 5000))
        #expect(try endless.readLine() == "ERR line too long")
        #expect(try endless.waitForClose())

        let after = try TestClient(port: process.port)
        try after.send("PING\n")
        #expect(try after.readLine() == "PONG")
    }

    @Test("pipelined requests are answered in order", arguments: ServerUnderTest.all)
    func pipelining(server: ServerUnderTest) throws {
        let process = try server.start()
        let client = try TestClient(port: process.port)
        try client.send("PING\nWAIT 100\nBURN 10\nSTREAM 3\nFOO\nPING\nWAIT 0\n")
        for expected in [
            "PONG", "DONE", "RESULT 16086693280373169734", "abc", "DONE", "ERR unknown command", "PONG", "DONE",
        ] {
            #expect(try client.readLine() == expected)
        }
        var batch = ""
        for index in 0..<500 { batch += index % 2 == 0 ? "PING\n" : "BURN 1\n" }
        try client.send(batch)
        for index in 0..<500 {
            let line = try client.readLine()
            #expect(line == (index % 2 == 0 ? "PONG" : "RESULT 10451216379200822465"))
        }
    }

    @Test("requests split into fragments anywhere are reassembled", arguments: ServerUnderTest.all)
    func fragments(server: ServerUnderTest) throws {
        let process = try server.start()
        let client = try TestClient(port: process.port)
        let text = "PING\r\nBURN 1000\nwait 5\nSTREAM 4\n"
        for byte in text.utf8 {
            try client.send([byte])
            // the server may read each byte alone: give it the chance without sleeping
            _ = client.isReadable(within: 0.001)
        }
        for expected in ["PONG", "RESULT 18296984787417760110", "DONE", "abcd", "DONE"] {
            #expect(try client.readLine() == expected)
        }
    }

    @Test("WAIT then PING on one connection: DONE comes before PONG", arguments: ServerUnderTest.all)
    func oneConnectionIsSequential(server: ServerUnderTest) throws {
        let process = try server.start()
        let client = try TestClient(port: process.port)
        try client.send("WAIT 300\nPING\n")
        #expect(try client.readLine() == "DONE")
        #expect(try client.readLine() == "PONG")
    }

    @Test(
        "half-close: every complete request is answered, the partial one dropped, then close",
        arguments: ServerUnderTest.all)
    func halfClose(server: ServerUnderTest) throws {
        let process = try server.start()
        let client = try TestClient(port: process.port)
        try client.send("PING\nWAIT 200\nSTREAM 5\nBURN 1\nPIN")
        client.shutdownWrite()
        for expected in ["PONG", "DONE", "abcde", "DONE", "RESULT 10451216379200822465"] {
            #expect(try client.readLine() == expected)
        }
        #expect(try client.waitForClose())
        #expect(client.unread.isEmpty)

        // nc -N: one request, then end of input
        let nc = try TestClient(port: process.port)
        try nc.send("PING\n")
        nc.shutdownWrite()
        #expect(try nc.readLine() == "PONG")
        #expect(try nc.waitForClose())
    }

    @Test(
        "a multi-megabyte STREAM is byte-exact, and the connection goes on after it",
        arguments: ServerUnderTest.all)
    func largeStream(server: ServerUnderTest) throws {
        let process = try server.start()
        let client = try TestClient(port: process.port)
        let size: UInt64 = 12_345_678
        try client.send("STREAM \(size)\nPING\n")
        #expect(try client.readStream(count: size) == .ok)
        #expect(try client.readLine() == "PONG")
    }

    /// A response the 300-client test expects: a line, or a STREAM's payload and trailer.
    enum Expected {
        case line(String)
        case stream(UInt64)
    }

    @Test(
        "300 simultaneous clients with mixed pipelined traffic are all answered correctly and in order",
        arguments: ServerUnderTest.concurrent)
    func manySimultaneousClients(server: ServerUnderTest) throws {
        let process = try server.start()
        var generator = SplitMix(seed: 300)
        var clients: [(client: TestClient, rest: [UInt8], expected: [Expected])] = []
        for _ in 0..<300 {
            var requests = ""
            var expected: [Expected] = []
            for _ in 0..<8 {
                switch generator.next() % 7 {
                case 0:
                    requests += "PING\n"
                    expected.append(.line("PONG"))
                case 1:
                    let iterations = generator.next() % 5_000
                    requests += "BURN \(iterations)\n"
                    expected.append(.line("RESULT \(Burn.result(iterations: iterations))"))
                case 2:
                    let count = generator.next() % 3_000
                    requests += "stream \(count)\r\n"
                    expected.append(.stream(count))
                case 3:
                    let milliseconds = generator.next() % 200
                    requests += "WAIT \(milliseconds)\n"
                    expected.append(.line("DONE"))
                case 4:
                    requests += "FROB 1\n"
                    expected.append(.line("ERR unknown command"))
                case 5:
                    requests +=
                        ["WAIT -1\n", "BURN x\n", "STREAM 1000000000001\n", "PING 2\n"][
                            Int(generator.next() % 4)]
                    expected.append(.line("ERR bad argument"))
                default:
                    requests += "\n"  // an empty line: no response
                }
            }
            // Each client sends its requests in two pieces cut anywhere, the second piece once
            // every client has connected and sent its first: 300 connections, all mid-request.
            let bytes = Array(requests.utf8)
            let cut = Int(generator.next() % UInt64(bytes.count))
            let client = try TestClient(port: process.port)
            try client.send(Array(bytes[..<cut]))
            clients.append((client, Array(bytes[cut...]), expected))
        }
        for (client, rest, _) in clients { try client.send(rest) }
        for (index, (client, _, expected)) in clients.enumerated() {
            responses: for response in expected {
                switch response {
                case .line(let line):
                    let received = try client.readLine()
                    #expect(received == line, "client \(index)")
                    if received != line { break responses }  // the rest would be out of step
                case .stream(let count):
                    #expect(try client.readStream(count: count) == .ok, "client \(index)")
                }
            }
        }
        for (client, _, _) in clients { #expect(client.unread.isEmpty) }
    }

    @Test("an idle connection stays open", arguments: ServerUnderTest.all)
    func idleConnection(server: ServerUnderTest) throws {
        let process = try server.start()
        let client = try TestClient(port: process.port)
        #expect(!client.isReadable(within: 0.5))  // no greeting, no close
        try client.send("PING\n")
        #expect(try client.readLine() == "PONG")
    }
}
