import DumbServerKit
import DumbSystem

/// The stop signal's eventfd: SIGINT or SIGTERM ends the process from the reactor thread.
final class StopHandler: EventHandler {
    let descriptor: Int32
    private let server: RunningServer

    init(server: RunningServer) {
        self.descriptor = server.stopDescriptor
        self.server = server
    }

    func handleRead() {
        if let stop = StopSignal.pending { ServerStartup.exit(server, stop) }
    }
}
