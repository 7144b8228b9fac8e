import DumbSystem
import DumbTestSupport
import Glibc
import Testing

/// 1,100 connections: past select()'s FD_SETSIZE, nothing special for epoll. One at a time,
/// since each takes 2,200 descriptors (the test process raises its own limit).
@Suite("the chat servers under 1,100 connections", .serialized)
struct ChatFloodTests {
    static let connections = 1100

    /// Opens the connections at once (a flood), then reads each one's first line.
    func flood(_ process: ServerProcess) throws -> (welcomed: [ChatClient], refused: [(TestClient, String)]) {
        let limit = OpenFileLimit.raiseToHardLimit()
        guard limit >= 2 * Self.connections + 100 else {
            throw TestFailure("the open files limit is \(limit): raise the hard limit (ulimit -Hn) above 2300")
        }
        let connections = try (0..<Self.connections).map { _ in
            try TestClient(port: process.port, readBufferSize: 4096)
        }
        var welcomed: [ChatClient] = []
        var refused: [(TestClient, String)] = []
        for connection in connections {
            let first = try connection.readLine() ?? "(nothing)"
            if let id = Int(first.dropFirst("WELCOME client-".count)), first.hasPrefix("WELCOME client-") {
                welcomed.append(ChatClient(connection: connection, id: id))
            } else {
                refused.append((connection, first))
            }
        }
        return (welcomed, refused)
    }

    @Test("select_chat refuses past FD_SETSIZE with a line, and keeps serving")
    func selectChatSurvives() throws {
        let process = try ServerProcess.startWithMetrics("select_chat")
        let (welcomed, refused) = try flood(process)
        // 1024 descriptors, the server's own included (at least stdin, stdout, stderr, the
        // listener, the stop signal's eventfd; a test runner's inherited ones too): the first
        // connection past them is descriptor 1024, refused
        #expect(welcomed.count > 900 && welcomed.count <= 1024 - 5, "\(welcomed.count) welcomed")
        #expect(process.log.contains("refused descriptor 1024:"))
        #expect(welcomed.count + refused.count == Self.connections)
        for (connection, line) in refused {
            #expect(line.hasPrefix("ERR server full") && line.contains("FD_SETSIZE (1024)"), "\(line)")
            #expect(try connection.waitForClose())
        }
        #expect(process.isRunning)
        let scrape = try process.scrapeMetrics()
        #expect(scrape["dumb_connections_rejected_total"] == Double(refused.count))
        #expect(scrape["dumb_connections_active"] == Double(welcomed.count))

        // it still relays, to the first client and the last
        let (first, last) = (welcomed.first!, welcomed.last!)
        try last.send("still chatting\n")
        #expect(try first.read(until: "\(last.name): still chatting").allSatisfy { $0.hasSuffix(" joined") })
        // and once clients leave, there is room again
        for leaving in welcomed[1..<4] { leaving.connection.shutdownWrite() }
        try first.read(until: "\(welcomed[3].name) left")
        let newcomer = try ChatClient(process, readBufferSize: 4096)
        #expect(try first.readLine() == "\(newcomer.name) joined")
    }

    @Test("epoll_chat serves all 1,100")
    func epollChatServesAll() throws {
        let process = try ServerProcess.start("epoll_chat")
        let (welcomed, refused) = try flood(process)
        #expect(welcomed.count == Self.connections)
        #expect(refused.isEmpty, "\(refused.first?.1 ?? "")")
        let (first, last) = (welcomed.first!, welcomed.last!)
        try last.send("hello, all 1100\n")
        #expect(try first.read(until: "\(last.name): hello, all 1100").allSatisfy { $0.hasSuffix(" joined") })
        try first.send("hi back\n")
        #expect(try last.read(until: "\(first.name): hi back").isEmpty)
    }
}
