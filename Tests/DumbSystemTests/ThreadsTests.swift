import DumbSystem
import Glibc
import Testing

@Suite struct ThreadsTests {
    @Test func threadsRunTheirBody() throws {
        let done = try Socket.listen(host: "127.0.0.1", port: 0, backlog: 1)
        defer { Socket.close(done.descriptor) }
        let port = done.port
        try Threads.start(stackSize: 64 * 1024) {
            _ = try? Socket.connect(host: "127.0.0.1", port: port)
        }
        guard case .connection(let descriptor) = try Socket.accept(done.descriptor) else {
            Issue.record("the thread did not run")
            return
        }
        Socket.close(descriptor)
    }
}
