import DumbServerKit
import DumbSystem

/// The accepting coroutine: takes each connection as it comes and starts a coroutine
/// (a child task) for it. The discarding task group frees a connection's task when it ends.
func acceptConnections(server: RunningServer, io: IOLoop) async {
    let listener = server.listener.descriptor
    // every coroutine's I/O goes through the one epoll I/O thread: it is the server's one
    // event loop, worker 0 of the dashboards
    let loop = server.metrics.worker(0)
    // The runtime needs descriptors too: libdispatch, which runs the coroutines, opens a
    // timerfd at the first Task.sleep and /proc files to watch its threads, and it stops the
    // process when it cannot. So sleep once now, while descriptors are plenty, and never let
    // connections take the last few: the one that would is refused (DescriptorHeadroom).
    try? await Task.sleep(for: .milliseconds(1))
    let headroom = DescriptorHeadroom()
    await withDiscardingTaskGroup { group in
        while true {
            do {
                switch try Socket.accept(listener, nonBlocking: true) {
                case .connection(let connection) where headroom.isTakenBy(connection):
                    Socket.close(connection)
                    server.refusals.refused(headroom)
                case .connection(let connection):
                    group.addTask {
                        await CoroutineConnection.serve(
                            connection, io: io, metrics: loop, logger: server.logger)
                    }
                case .wouldBlock:
                    try await io.readable(listener)
                case .rejected(let error):
                    server.refusals.refused(error)  // out of descriptors: closed at once
                case .exhausted(let error):
                    // out of descriptors with none to spare: the listener stays readable, so
                    // waiting for it would return at once; sleep a little instead
                    server.refusals.backingOff(error)
                    try await Task.sleep(for: .milliseconds(Socket.exhaustedRetryMilliseconds))
                }
            } catch {
                // e.g. out of kernel memory: say so, and try again a little later
                server.refusals.backingOff(error)
                try? await Task.sleep(for: .milliseconds(Socket.exhaustedRetryMilliseconds))
            }
        }
    }
}

/// The last descriptors below the open files limit, kept for the runtime. Descriptors are
/// numbered lowest free first, so a connection on number n means every lower number is in
/// use: fewer than ``count`` would be left for the runtime once it holds one of the last.
struct DescriptorHeadroom: Error, CustomStringConvertible {
    static let count = 8
    /// The soft limit at start: the server raised it then, and nothing lowers it after.
    let limit = OpenFileLimit.current().soft

    func isTakenBy(_ descriptor: Int32) -> Bool {
        Int(descriptor) >= limit - Self.count
    }

    var description: String {
        "the last \(Self.count) descriptors below the open files limit (\(limit)) are kept for the runtime (libdispatch)"
    }
}
