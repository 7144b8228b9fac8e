import ArgumentParser
import Dispatch
import DumbCommandLine
import DumbMetrics
import DumbServerKit
import DumbSystem
import Glibc
import Logging
import NIOCore
import NIOPosix

/// Stops accepting for a while when accept fails for want of descriptors or memory: the
/// connection stays in the backlog, and the listener readable. SwiftNIO's
/// AcceptBackoffHandler is meant for this, by delaying the server channel's next read(); but
/// with autoRead on (ServerBootstrap's default), NIO 2.101 issues no read() after a failed
/// accept, so the channel stays registered and its loop spins on the listener, logging each
/// failure. This handler turns autoRead off, which takes
/// the listener out of epoll, and on again after the back-off. Unlike the hand-written
/// servers, NIO keeps no reserve descriptor: the connections wait in the backlog meanwhile,
/// none is refused. Other accept errors are logged; connections are not affected.
final class AcceptBackoff: ChannelInboundHandler {
    typealias InboundIn = Channel
    typealias InboundOut = Channel
    private let refusals: AcceptRefusals
    private let logger: Logger
    private var backingOff = false

    init(refusals: AcceptRefusals, logger: Logger) {
        self.refusals = refusals
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let code = (error as? IOError)?.errnoCode, [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(code) else {
            logger.warning("accepting a connection failed: \(error)")
            return
        }
        refusals.backingOff(error)
        guard !backingOff, let options = context.channel.syncOptions else { return }
        backingOff = true
        try? options.setOption(.autoRead, value: false)
        let retry = TimeAmount.milliseconds(Int64(Accepted.backOffMilliseconds))
        context.eventLoop.assumeIsolated().scheduleTask(in: retry) { [self] in
            backingOff = false
            try? options.setOption(.autoRead, value: true)
        }
    }
}
