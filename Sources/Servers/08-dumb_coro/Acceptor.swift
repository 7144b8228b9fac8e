import DumbServerKit
import DumbSystem

/// The accepting coroutine: takes each connection as it comes and starts a coroutine
/// (a child task) for it. The discarding task group frees a connection's task when it ends.
enum Acceptor {
    static func run(server: RunningServer, io: IOLoop) async {
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
                let accepted: Accepted
                do throws(StopRequested) {
                    accepted = try server.accept(from: server.listener)
                } catch {
                    ServerStartup.exit(server, error)
                }
                switch accepted {
                case .connection(let connection) where headroom.isTakenBy(connection):
                    server.refuse(connection, because: headroom)
                case .connection(let connection):
                    group.addTask {
                        await CoroutineConnection.serve(connection, io: io, metrics: loop, logger: server.logger)
                    }
                case .nothingWaiting:
                    do {
                        try await io.readable(listener)  // parks this coroutine until a client connects
                    } catch {
                        // the kernel has no memory for the watch: try again a little later
                        server.refusals.backingOff(error)
                        try? await Task.sleep(for: .milliseconds(Accepted.backOffMilliseconds))
                    }
                case .backOff(let until):
                    // the listener stays readable, so waiting for it would return at once
                    let now = SystemClock.now()
                    try? await Task.sleep(for: .nanoseconds(Int64(clamping: until - min(until, now))))
                }
            }
        }
    }
}
