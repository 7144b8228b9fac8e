import DumbMetrics
import DumbServerKit
import DumbSystem

/// The listening socket's handler: accepts the connections waiting and registers a
/// ``ConnectionHandler`` for each.
final class Acceptor: EventHandler {
    let descriptor: Int32
    private unowned let reactor: Reactor
    private let burns: BurnDispatcher
    private let server: RunningServer
    private let metrics: WorkerMetrics
    private var token: Reactor.Token = 0

    init(server: RunningServer, reactor: Reactor, burns: BurnDispatcher, metrics: WorkerMetrics) {
        self.descriptor = server.listener.descriptor
        self.reactor = reactor
        self.burns = burns
        self.server = server
        self.metrics = metrics
    }

    func start() throws {
        token = try reactor.register(self, interest: .read)
    }

    func handleRead() {
        // a bounded batch per turn: a connection storm must not keep the others waiting
        for _ in 0..<64 {
            let accepted: Accepted
            do {
                accepted = try server.accept(from: server.listener)
            } catch {
                ServerStartup.exit(server, error)
            }
            switch accepted {
            case .connection(let connection):
                let handler = ConnectionHandler(
                    descriptor: connection, reactor: reactor, burns: burns, metrics: metrics, logger: server.logger)
                do {
                    try handler.start()
                } catch {
                    server.refuse(connection, because: error)  // the poller did not take it
                }
            case .nothingWaiting:
                return
            case .backOff(let until):
                // The listener stays readable, so the level-triggered poller would report it at
                // once, turn after turn: wait for nothing until then, on a reactor timer.
                try? reactor.setInterest(token, [])
                _ = reactor.schedule(at: until) { [self] in
                    try? reactor.setInterest(token, .read)
                }
                return
            }
        }
    }
}
