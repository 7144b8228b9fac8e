import ArgumentParser
import DumbMetrics
import DumbProtocol
import DumbSystem
import Glibc
import Logging

/// The start-up every server shares, in the order that keeps privileges away from requests:
/// log what the process may do, bind every socket, drop every capability and set
/// no_new_privs, and only then start threads and serve.
public enum ServerStartup {
    /// - Parameters:
    ///   - name: the binary (`dumb_epoll`), for logs.
    ///   - serverLabel: the `server` label of the metrics (`epoll`).
    ///   - model: what the server demonstrates, one short phrase.
    ///   - listenerCount: how many listening sockets (more than one needs `reusePort`).
    ///   - style: blocking or event loops: decides the listeners' mode and how SIGINT and
    ///     SIGTERM stop the server (see ``ServingStyle``).
    public static func start(
        name: String,
        serverLabel: String,
        model: String,
        options: ServerOptions,
        listenerCount: Int = 1,
        reusePort: Bool = false,
        style: ServingStyle = .blocking
    ) throws -> RunningServer {
        let logger = ServerLogger.make(name, level: options.level)
        logger.info("starting", metadata: ["model": "\(model)", "pid": "\(getpid())"])
        logger.info("capabilities at start: \(Capabilities.current())")
        let openFiles = OpenFileLimit.raiseToHardLimit()
        logger.info(
            "open files limit: \(openFiles); may run on CPUs \(CPUAffinity.listDescription(CPUAffinity.allowedCPUs()))")

        let stopDescriptor: Int32
        switch style {
        case .blocking:
            stopDescriptor = try StopSignal.install(
                .exitAtOnce(message: "\(name): received a stop signal: exiting, the kernel closes every connection\n"))
        case .eventLoop:
            stopDescriptor = try StopSignal.install(.notify)
        }
        DescriptorReserve.prepare()  // opens the reserve descriptor now, while descriptors are plenty
        var listeners: [Listener] = []
        var endpoint: MetricsEndpoint?
        let metrics = ServerMetrics(serverLabel: serverLabel, model: model)
        do {
            var port = options.port
            if reusePort && port != 0 {
                // SO_REUSEPORT lets any process of this user bind the port as well, and the kernel
                // would split the connections between the two: a plain bind first makes sure that
                // no other process serves it already.
                Socket.close(try Socket.listen(host: options.host, port: port, backlog: 1).descriptor)
            }
            for _ in 0..<max(1, listenerCount) {
                let listener = try Socket.listen(
                    host: options.host, port: port, backlog: options.backlog,
                    reusePort: reusePort, nonBlocking: style == .eventLoop)
                port = listener.port  // with port 0, the next listeners share the chosen one
                listeners.append(listener)
            }
            if options.metricsPort != 0 {
                endpoint = try MetricsEndpoint(
                    host: options.host, port: options.metricsPort, exporter: metrics.exporter)
            }
        } catch let error as SystemError where error.errno == EADDRINUSE {
            throw StartupError(
                "\(error). Another process holds the port: stop it (ss -ltnp shows it) or choose others with --port / --metrics-port."
            )
        } catch let error as SystemError where error.errno == EACCES {
            throw StartupError("\(error). Ports below 1024 need CAP_NET_BIND_SERVICE: use a higher --port.")
        }

        try Capabilities.dropAll()
        logger.info(
            "dropped all capabilities before serving: now \(Capabilities.current()), no_new_privs \(Capabilities.noNewPrivileges ? "set" : "NOT set")"
        )
        if let endpoint {
            try endpoint.start()
            logger.info("metrics on http://\(options.host):\(endpoint.listener.port)/metrics")
        }
        let ports = Set(listeners.map(\.port)).map(String.init).joined(separator: ",")
        logger.notice(
            "\(name) listening on \(options.host):\(ports)",
            metadata: ["listeners": "\(listeners.count)", "backlog": "\(options.backlog)"])
        return RunningServer(
            logger: logger, metrics: metrics, listeners: listeners, stopDescriptor: stopDescriptor,
            refusals: AcceptRefusals(metrics: metrics, logger: logger))
    }

    /// Logs the stop and ends the process with status 0: the kernel closes every socket.
    public static func exit(_ server: RunningServer, _ stop: StopRequested) -> Never {
        server.logger.notice("received signal \(stop.signal): closing the listener and every connection")
        for listener in server.listeners { Socket.close(listener.descriptor) }
        Glibc.exit(0)
    }
}
