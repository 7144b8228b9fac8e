// epoll_chat: the same chat room on one thread with epoll, Linux's event multiplexer. The
// kernel keeps the set of watched sockets between calls and returns the ready ones only, so a
// turn costs what is ready, not what is connected, and there is no descriptor limit but the
// process's. Diff this file with select_chat's: the rest is the same.
import ArgumentParser
import DumbProtocol
import DumbServerKit
import DumbSystem
import Glibc

struct EpollChat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "epoll_chat",
        abstract: "A chat room on one thread, with epoll.",
        discussion: """
            Every line a client sends goes to every other client as "client-N: <line>". One \
            thread serves them all: epoll says which sockets are ready, and the server reads \
            and writes those, never blocking. A client that does not read is disconnected once \
            --client-buffer of its messages wait, so it never holds up the others.

            Compare with select_chat: epoll keeps the watched sockets in the kernel, so the \
            server tells it only what changes, and each turn returns the ready sockets alone. \
            There is no FD_SETSIZE: it serves as many clients as the open files limit allows \
            (raised to the hard limit at start; the log says how many).

            Examples:
              epoll_chat                             # 127.0.0.1:8090, metrics on :8091
              nc localhost 8090                      # in two or more terminals, then type
              epoll_chat --client-buffer 16k         # cut off clients that do not read sooner
            """)

    @OptionGroup var options: ServerOptions
    @OptionGroup var chat: ChatOptions

    func run() throws {
        let server = try ServerStartup.start(
            name: "epoll_chat", serverLabel: "epoll_chat", model: "chat on epoll, one thread",
            options: options, style: .eventLoop)
        let (listener, stop) = (server.listener.descriptor, server.stopDescriptor)
        let turns = server.metrics.makeEventLoopIterationHistogram()
        var room = ChatRoom(outboxLimit: chat.clientBufferBytes)
        server.logger.notice("each client's outgoing buffer holds \(chat.clientBufferBytes) bytes (--client-buffer)")
        var sockets = ChatSockets(metrics: server.metrics, logger: server.logger)
        // epoll remembers what it watches: the listener and the stop signal, once.
        let epoll = try Epoll(capacity: 1024)
        try epoll.add(listener, .input, token: UInt64(listener))
        try epoll.add(stop, .input, token: UInt64(stop))
        var watching: [Int32: Epoll.Events] = [:]
        /// While set, the listener is not watched: see acceptClients.
        var acceptResumes: UInt64?

        /// The listener is readable: take the waiting connections, a few per turn, so that a
        /// flood of connections cannot starve the clients already in.
        func acceptClients() throws(StopRequested) {
            for _ in 0..<64 {
                switch try server.accept(from: server.listener) {
                case .connection(let descriptor):
                    // Told once, watched from now on: no limit on the descriptor's number.
                    do {
                        try epoll.add(descriptor, .input, token: UInt64(descriptor))
                    } catch {
                        server.refuse(descriptor, because: error)
                        continue
                    }
                    watching[descriptor] = .input
                    sockets.join(descriptor, &room)
                case .nothingWaiting:
                    return
                case .backOff(let until):
                    // The listener stays readable, so level-triggered epoll would return it at
                    // once, turn after turn: stop watching it until then.
                    try? epoll.modify(listener, [], token: UInt64(listener))
                    acceptResumes = until
                    return
                }
            }
        }

        /// Tells epoll what a client waits for now, when that changed: readable while it is in the
        /// room, writable while messages wait for it.
        func watch(_ descriptor: Int32) {
            guard let member = room.member(descriptor) else { return }
            var wanted: Epoll.Events = member.isReading ? .input : []
            if member.hasOutput { wanted.insert(.output) }
            guard wanted != watching[descriptor] else { return }
            do {
                try epoll.modify(descriptor, wanted, token: UInt64(descriptor))
                watching[descriptor] = wanted
            } catch {
                room.failed(descriptor, send: sockets.send)
            }
        }

        /// Writes what this turn queued at once (most sockets take it all: only those that
        /// would block wait for writability), then closes the sockets of those who left.
        func finishTurn() {
            while let descriptor = room.nextQueued() {
                room.flush(descriptor, send: sockets.send)
                watch(descriptor)
            }
            // closing a socket also removes it from the epoll set
            sockets.closeDepartures(&room) { watching[$0] = nil }
        }

        do {
            while true {
                // No sets to build: wait until a watched socket is ready, and get the ready ones only
                // (level-triggered: a socket left readable or writable is returned again next turn);
                // while accepting backs off, no longer than until the listener is watched again.
                let ready = try epoll.wait(timeoutNanoseconds: acceptResumes.map { $0 - min($0, SystemClock.now()) })
                if let resume = acceptResumes, SystemClock.now() >= resume {
                    acceptResumes = nil
                    try epoll.modify(listener, .input, token: UInt64(listener))
                }
                let turnStarted = SystemClock.now()
                for (token, events) in ready {
                    let descriptor = Int32(truncatingIfNeeded: token)
                    if descriptor == stop { ServerStartup.exit(server, StopSignal.pending!) }
                    if descriptor == listener {
                        try acceptClients()
                        continue
                    }
                    // a hang-up or an error is found out by reading: end of input, or the error
                    if !events.isDisjoint(with: [.input, .hangUp, .error]) { sockets.read(descriptor, into: &room) }
                    if events.contains(.output) {
                        room.flush(descriptor, send: sockets.send)
                        watch(descriptor)
                    }
                }
                finishTurn()
                turns.record(.nanoseconds(Int64(SystemClock.now() - turnStarted)))
            }
        } catch let stopped as StopRequested {
            ServerStartup.exit(server, stopped)
        }
    }
}

EpollChat.main()
