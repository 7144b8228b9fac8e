import DumbSystem
import DumbTestSupport
import Glibc
import Testing

/// A chat client of the tests: a connection and the number the server gave it.
struct ChatClient {
    let connection: TestClient
    let id: Int
    var name: String { "client-\(id)" }

    init(connection: TestClient, id: Int) {
        self.connection = connection
        self.id = id
    }

    /// Connects and reads the greeting.
    init(_ process: ServerProcess, readBufferSize: Int = 64 * 1024) throws {
        connection = try TestClient(port: process.port, readBufferSize: readBufferSize)
        let greeting = try connection.readLine() ?? "(nothing)"
        guard greeting.hasPrefix("WELCOME client-"), let id = Int(greeting.dropFirst("WELCOME client-".count)) else {
            throw TestFailure("expected a greeting, got '\(greeting)'")
        }
        self.id = id
    }

    func send(_ text: String) throws { try connection.send(text) }

    func readLine() throws -> String? { try connection.readLine() }

    /// Reads lines until `line`; returns those before it. Fails if it does not come.
    @discardableResult
    func read(until line: String, timeout: Double = 60) throws -> [String] {
        var before: [String] = []
        while let next = try connection.readLine(timeout: timeout) {
            if next == line { return before }
            before.append(next)
        }
        throw TestFailure("\(name) did not receive '\(line)'; got \(before.suffix(5)) then nothing")
    }
}
