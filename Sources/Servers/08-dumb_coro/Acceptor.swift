import DumbServerKit
import DumbSystem

/// The accepting coroutine: takes each connection as it comes and starts a coroutine
/// (a child task) for it. The discarding task group frees a connection's task when it ends.
func acceptConnections(server: RunningServer, io: IOLoop) async {
    let listener = server.listener.descriptor
    // every coroutine's I/O goes through the one epoll I/O thread: it is the server's one
    // event loop, worker 0 of the dashboards
    let loop = server.metrics.worker(0)
    await withDiscardingTaskGroup { group in
        while true {
            do {
                switch try Socket.accept(listener, nonBlocking: true) {
                case .connection(let connection):
                    group.addTask {
                        await CoroutineConnection.serve(
                            connection, io: io, metrics: loop, logger: server.logger)
                    }
                case .wouldBlock:
                    try await io.readable(listener)
                case .rejected(let error):
                    server.metrics.connectionRejected()
                    server.logger.warning("refused a connection: \(error)")
                }
            } catch {
                // e.g. out of kernel memory: say so, and try again a little later
                server.logger.error("accept failed: \(error)")
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
