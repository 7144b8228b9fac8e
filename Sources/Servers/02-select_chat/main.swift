// select_chat: a chat room served by one thread with select(), the oldest event multiplexer.
// Every turn hands the kernel the set of every socket to watch and scans every one for the
// ready few, and an fd_set holds descriptors below FD_SETSIZE (1024) only: both are select()'s
// lesson. Diff this file with epoll_chat's: the rest is the same.
import ArgumentParser
import DumbProtocol
import DumbServerKit
import DumbSystem
import Glibc

struct SelectChat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "select_chat",
        abstract: "A chat room on one thread, with select().",
        discussion: """
            Every line a client sends goes to every other client as "client-N: <line>". One \
            thread serves them all: select() says which sockets are ready, and the server reads \
            and writes those, never blocking. A client that does not read is disconnected once \
            --client-buffer of its messages wait, so it never holds up the others.

            select()'s limit is the lesson: an fd_set is a bitmap of FD_SETSIZE (1024) \
            descriptors, the server's own included, whatever `ulimit -n` allows. The connection \
            that would go past it gets one line saying so and is closed (counted in \
            dumb_connections_rejected_total); everyone else goes on chatting. And every turn \
            hands select() every socket and scans them all, ready or not. epoll_chat has \
            neither limit.

            Examples:
              select_chat                            # 127.0.0.1:8090, metrics on :8091
              nc localhost 8090                      # in two or more terminals, then type
              select_chat --client-buffer 16k        # cut off clients that do not read sooner
            """)

    @OptionGroup var options: ServerOptions
    @OptionGroup var chat: ChatOptions

    func run() throws {
        let server = try ServerStartup.start(
            name: "select_chat", serverLabel: "select_chat", model: "chat on select(), one thread",
            options: options, style: .eventLoop)
        let (listener, stop) = (server.listener.descriptor, server.stopDescriptor)
        let turns = server.metrics.makeEventLoopIterationHistogram()
        var room = ChatRoom(outboxLimit: chat.clientBufferBytes)
        server.logger.notice("each client's outgoing buffer holds \(chat.clientBufferBytes) bytes (--client-buffer)")
        var sockets = ChatSockets(metrics: server.metrics, logger: server.logger)
        let serverFull = ChatMessages.serverFull(descriptorLimit: DescriptorSet.capacity)
        /// While set, the listener is not watched: see acceptClients.
        var acceptResumes: UInt64?

        /// The listener is readable: take the waiting connections, a few per turn, so that a
        /// flood of connections cannot starve the clients already in.
        func acceptClients() throws(StopRequested) {
            for _ in 0..<64 {
                switch try server.accept(from: server.listener) {
                case .connection(let descriptor):
                    // The lesson: select() cannot watch a descriptor at or past FD_SETSIZE (FD_SET
                    // would write past the bitmap). Say why, close it, and serve the others.
                    guard descriptor < DescriptorSet.capacity else {
                        _ = serverFull.withUnsafeBytes { sockets.send(descriptor, $0) }
                        server.refuse(descriptor, because: PastFDSetSize(descriptor: descriptor))
                        continue
                    }
                    sockets.join(descriptor, &room)
                case .nothingWaiting:
                    return
                case .backOff(let until):
                    // The listener stays readable, so select() would return at once, turn after
                    // turn: leave it out of the set until then.
                    acceptResumes = until
                    return
                }
            }
        }

        /// Writes what this turn queued at once (most sockets take it all: only those that
        /// would block wait for writability), then closes the sockets of those who left.
        func finishTurn() {
            while let descriptor = room.nextQueued() {
                room.flush(descriptor, send: sockets.send)
            }
            sockets.closeDepartures(&room)
        }

        var readable = DescriptorSet()
        var writable = DescriptorSet()
        do {
            while true {
                // select() keeps nothing between calls: every turn, build the sets of every socket
                // to watch (readable: all in the room; writable: those with messages waiting)...
                readable.removeAll()
                writable.removeAll()
                if let resume = acceptResumes, SystemClock.now() >= resume { acceptResumes = nil }
                if acceptResumes == nil { readable.insert(listener) }
                readable.insert(stop)
                var highest = max(listener, stop)
                room.forEachMember { descriptor, member in
                    if member.isReading { readable.insert(descriptor) }
                    if member.hasOutput { writable.insert(descriptor) }
                    highest = max(highest, descriptor)
                }
                // ...and wait until one is ready (backing off: at most until the listener's turn
                // comes again). select() overwrites the sets with the ready ones.
                let left = acceptResumes.map { $0 - min($0, SystemClock.now()) } ?? 0
                var backOffLeft = timeval(tv_sec: Int(left / 1_000_000_000), tv_usec: Int(left % 1_000_000_000 / 1000))
                try blockingSystemCall("select") {
                    acceptResumes == nil
                        ? select(highest + 1, &readable.raw, &writable.raw, nil, nil)
                        : select(highest + 1, &readable.raw, &writable.raw, nil, &backOffLeft)
                }
                let turnStarted = SystemClock.now()
                if readable.contains(stop) { ServerStartup.exit(server, StopSignal.pending!) }
                if readable.contains(listener) { try acceptClients() }
                // It says how many are ready, not which: scan every descriptor watched.
                for descriptor in 0...highest where descriptor != listener && descriptor != stop {
                    if readable.contains(descriptor) { sockets.read(descriptor, into: &room) }
                    if writable.contains(descriptor) { room.flush(descriptor, send: sockets.send) }
                }
                finishTurn()
                turns.record(.nanoseconds(Int64(SystemClock.now() - turnStarted)))
            }
        } catch let stopped as StopRequested {
            ServerStartup.exit(server, stopped)
        }
    }
}

SelectChat.main()
