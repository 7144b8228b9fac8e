import DumbSystem
import DumbTestSupport
import Glibc
import Testing

/// The chat protocol of docs/protocol.md, over TCP, against both chat servers.
@Suite("the chat servers")
struct ChatTests {
    @Test("a greeting, then joined and left notices", arguments: ServerUnderTest.chat)
    func greetingJoinedAndLeft(server: ServerUnderTest) throws {
        let process = try server.start()
        let first = try ChatClient(process)
        #expect(first.id == 1)
        let second = try ChatClient(process)
        #expect(second.id == 2)
        #expect(try first.readLine() == "client-2 joined")
        let third = try ChatClient(process)
        #expect(third.id == 3)
        #expect(try first.readLine() == "client-3 joined")
        #expect(try second.readLine() == "client-3 joined")
        second.connection.shutdownWrite()  // `nc -N` at end of input: it leaves
        #expect(try second.connection.waitForClose())
        #expect(try first.readLine() == "client-2 left")
        #expect(try third.readLine() == "client-2 left")
        third.connection.reset()  // a client that vanishes leaves too
        #expect(try first.readLine() == "client-3 left")
        #expect(process.isRunning)
    }

    @Test(
        "every line goes to every other client, in order (several senders, pipelined, fragmented, CRLF)",
        arguments: ServerUnderTest.chat)
    func relaysEveryLineInOrder(server: ServerUnderTest) throws {
        let process = try server.start()
        var clients: [ChatClient] = []
        for _ in 0..<4 { clients.append(try ChatClient(process)) }
        for (index, client) in clients.enumerated() {
            for later in clients[(index + 1)...] { #expect(try client.readLine() == "\(later.name) joined") }
        }
        let senders = clients.prefix(3)
        let linesPerRound = 100
        var generator = SplitMix(seed: 7)
        var nextExpected: [Int: [Int: Int]] = [:]  // receiver → sender → next line number
        for round in 0..<20 {
            for sender in senders {
                var bytes: [UInt8] = []
                for number in (round * linesPerRound)..<((round + 1) * linesPerRound) {
                    let end = number % 3 == 0 ? "\r\n" : "\n"
                    bytes += Array("line \(number) from \(sender.name)\(end)".utf8)
                }
                // pipelined, in pieces cut anywhere (within lines, between \r and \n)
                var offset = 0
                while offset < bytes.count {
                    let end = min(bytes.count, offset + 1 + Int(generator.next() % 300))
                    try sender.connection.send(Array(bytes[offset..<end]))
                    offset = end
                }
            }
            for receiver in clients {
                let expectedCount = senders.filter { $0.id != receiver.id }.count * linesPerRound
                for _ in 0..<expectedCount {
                    let line = try receiver.readLine() ?? "(nothing)"
                    let parts = line.split(separator: " ")
                    guard parts.count == 5, parts[0].hasSuffix(":"), parts[1] == "line",
                        let number = Int(parts[2]), parts[3] == "from", parts[4] == parts[0].dropLast()
                    else {
                        Issue.record("\(receiver.name) got '\(line)'")
                        return
                    }
                    let sender = Int(parts[0].dropFirst("client-".count).dropLast())!
                    #expect(sender != receiver.id, "\(receiver.name) got its own line back")
                    let expected = nextExpected[receiver.id, default: [:]][sender, default: 0]
                    #expect(
                        number == expected, "\(receiver.name) got line \(number) of client-\(sender) for \(expected)")
                    nextExpected[receiver.id, default: [:]][sender] = number + 1
                }
            }
        }
        for receiver in clients {
            for sender in senders where sender.id != receiver.id {
                #expect(nextExpected[receiver.id]?[sender.id] == 20 * linesPerRound)
            }
        }
        #expect(clients.allSatisfy { $0.connection.unread.isEmpty }, "more lines than were sent")
    }

    @Test("a line is relayed only once its newline arrives", arguments: ServerUnderTest.chat)
    func fragmentedLine(server: ServerUnderTest) throws {
        let process = try server.start()
        let sender = try ChatClient(process)
        let receiver = try ChatClient(process)
        #expect(try sender.readLine() == "client-2 joined")
        try sender.send("hel")
        try sender.send("lo wor")
        #expect(
            !receiver.connection.isReadable(within: 0.3), "a partial line was relayed: \(receiver.connection.unread)")
        try sender.send("ld\r")
        try sender.send("\n")
        #expect(try receiver.readLine() == "client-1: hello world")
    }

    @Test(
        "a client that never reads is cut off, and the others keep receiving everything",
        arguments: ServerUnderTest.chat)
    func slowConsumer(server: ServerUnderTest) throws {
        let process = try server.start()
        let slow = try ChatClient(process)  // never reads (a small receive buffer would make the final drain slow)
        let sender = try ChatClient(process)
        let reader = try ChatClient(process)
        #expect(try sender.readLine() == "\(reader.name) joined")
        let padding = String(repeating: "x", count: 1000)
        var number = 0
        var cutOff = false
        // at most 64 MiB; the slow client's buffers (its --client-buffer and the kernel's) are far smaller
        while !cutOff && number < 65_536 {
            try sender.send((number..<(number + 64)).map { "\($0) \(padding)\n" }.joined())
            for expected in number..<(number + 64) {
                var line = try reader.readLine() ?? "(nothing)"
                if line == "\(slow.name) left" {
                    cutOff = true
                    line = try reader.readLine() ?? "(nothing)"
                }
                guard line == "\(sender.name): \(expected) \(padding)" else {
                    Issue.record("the reader got '\(line.prefix(40))…' for line \(expected)")
                    return
                }
            }
            number += 64
        }
        #expect(cutOff, "the client that never reads was not cut off after \(number) lines")
        #expect(try slow.connection.waitForClose(), "its connection is closed")
        try sender.send("still here\n")
        #expect(try reader.read(until: "\(sender.name): still here").allSatisfy { $0 == "\(slow.name) left" })
        #expect(try sender.readLine() == "\(slow.name) left")
    }

    @Test("a line too long gets ERR and a close; 4096 bytes is fine", arguments: ServerUnderTest.chat)
    func lineTooLong(server: ServerUnderTest) throws {
        let process = try server.start()
        let talker = try ChatClient(process)
        let listener = try ChatClient(process)
        #expect(try talker.readLine() == "client-2 joined")
        let longest = String(repeating: "y", count: 4096)
        try talker.send("short\n\(longest)\r\n")
        #expect(try listener.readLine() == "client-1: short")
        #expect(try listener.readLine() == "client-1: \(longest)")
        try talker.send(String(repeating: "x", count: 5000))  // no newline: too long already
        #expect(try talker.readLine() == "ERR line too long")
        #expect(try talker.connection.waitForClose())
        #expect(try listener.readLine() == "client-1 left")
        let next = try ChatClient(process)
        #expect(next.id == 3)
        #expect(try listener.readLine() == "client-3 joined")
    }

    @Test("--help says what the server demonstrates and shows examples", arguments: ServerUnderTest.chat)
    func help(server: ServerUnderTest) throws {
        let process = try ServerProcess(server.binary, arguments: ["--help"])
        #expect(process.waitForExit(timeout: 60) == 0)
        let output = process.log
        for text in [
            "--port", "--metrics-port", "--client-buffer", "DUMB_CLIENT_BUFFER", "Examples:", "nc localhost 8090",
        ] {
            #expect(output.contains(text), "--help lacks \(text)")
        }
        if server.binary == "select_chat" { #expect(output.contains("FD_SETSIZE (1024)")) }
    }

    @Test("a bad --client-buffer is refused with what to do", arguments: ServerUnderTest.chat)
    func badClientBuffer(server: ServerUnderTest) throws {
        for (arguments, environment) in [(["--client-buffer", "1k"], [:]), ([], ["DUMB_CLIENT_BUFFER": "lots"])]
            as [([String], [String: String])]
        {
            let process = try ServerProcess(server.binary, arguments: arguments, environment: environment)
            #expect(process.waitForExit(timeout: 60) != 0)
            #expect(process.log.contains("8k") || process.log.contains("is not a size"), "\(process.log)")
        }
    }

    @Test("SIGTERM and SIGINT stop it with status 0", arguments: ServerUnderTest.chat)
    func stops(server: ServerUnderTest) throws {
        for signal in [SIGTERM, SIGINT] {
            let process = try server.start()
            let client = try ChatClient(process)
            kill(process.pid, signal)
            #expect(process.waitForExit(timeout: 30) == 0, "\(process.log)")
            #expect(try client.connection.waitForClose())
        }
    }

    @Test("no thread holds a capability, the metrics thread included", arguments: ServerUnderTest.chat)
    func capabilitiesDropped(server: ServerUnderTest) throws {
        let process = try server.startWithMetrics()
        let clients = try (0..<3).map { _ in try ChatClient(process) }
        #expect(process.log.contains("dropped all capabilities"))
        #expect(process.threadCount == 2, "the loop and the metrics endpoint")
        let effective = ProcessStatus.perThread("CapEff", pid: process.pid)
        #expect(effective.count == 2)
        #expect(effective.allSatisfy { $0 == "0000000000000000" }, "CapEff: \(effective)")
        #expect(ProcessStatus.perThread("CapPrm", pid: process.pid).allSatisfy { $0 == "0000000000000000" })
        #expect(ProcessStatus.perThread("NoNewPrivs", pid: process.pid).allSatisfy { $0 == "1" })
        _ = clients
    }

}
