import DumbTestSupport
import Testing

/// The walkthrough's three stalls: a long WAIT, a slow reader of a huge STREAM, a slow
/// sender. dumb_iterative must block in each; every other server must stay responsive.
///
/// No test measures a latency: a responsive server must answer the second client while the
/// first is still stalled (an order of events), and the iterative one must not answer it
/// until the first is done.
@Suite("the walkthrough's three stalls")
struct StallTests {
    @Test("a long WAIT", arguments: ServerUnderTest.all)
    func longWait(server: ServerUnderTest) throws {
        let process = try server.start()
        let waiting = try TestClient(port: process.port)
        switch server.concurrency {
        case .concurrent:
            try waiting.send("WAIT 20000\n")
            let other = try TestClient(port: process.port)
            try other.send("PING\n")
            #expect(try other.readLine() == "PONG")
            #expect(!waiting.isReadable(within: 0), "the WAIT ended before the other client's PONG")
        case .iterative:
            try waiting.send("WAIT 1500\n")
            let other = try TestClient(port: process.port)
            try other.send("PING\n")
            // the PING waits in the backlog while the WAIT runs, and while its client stays
            #expect(!other.isReadable(within: 0.5), "the iterative server answered during a WAIT")
            #expect(try waiting.readLine() == "DONE")
            #expect(!other.isReadable(within: 0.2), "the iterative server served two clients at once")
            waiting.shutdownWrite()
            #expect(try other.readLine() == "PONG")
        }
    }

    @Test("a slow reader of a huge STREAM", arguments: ServerUnderTest.all)
    func slowReader(server: ServerUnderTest) throws {
        let process = try server.start()
        let reader = try TestClient(port: process.port)
        reader.setReceiveBuffer(4096)
        try reader.send("STREAM 100000000000\n")
        // the stream has started and fills the socket buffers
        #expect(try reader.read(count: 26, timeout: 30) == Array("abcdefghijklmnopqrstuvwxyz".utf8))
        let residentBefore = process.residentBytes
        let other = try TestClient(port: process.port)
        try other.send("PING\n")
        switch server.concurrency {
        case .concurrent:
            #expect(try other.readLine() == "PONG")
        case .iterative:
            #expect(!other.isReadable(within: 1.5), "the iterative server answered during a stalled STREAM")
            reader.reset()  // the reader gives up; the server moves on
            #expect(try other.readLine() == "PONG")
        }
        // a reader that does not read costs a bounded buffer, not the payload
        #expect(process.residentBytes < residentBefore + 32 << 20, "RSS grew by more than 32 MiB")
    }

    @Test("a slow sender", arguments: ServerUnderTest.all)
    func slowSender(server: ServerUnderTest) throws {
        let process = try server.start()
        let sender = try TestClient(port: process.port)
        try sender.send("P")
        try sender.send("I")
        let other = try TestClient(port: process.port)
        try other.send("PING\n")
        switch server.concurrency {
        case .concurrent:
            #expect(try other.readLine() == "PONG")
            try sender.send("NG\n")
            #expect(try sender.readLine() == "PONG")
        case .iterative:
            #expect(!other.isReadable(within: 1.5), "the iterative server answered during a slow send")
            try sender.send("NG\n")
            #expect(try sender.readLine() == "PONG")
            sender.shutdownWrite()
            #expect(try other.readLine() == "PONG")
        }
    }
}
