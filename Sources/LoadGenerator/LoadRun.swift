import DequeModule
import DumbCommandLine
import DumbMetrics
import DumbProtocol
import DumbSystem
import Glibc
import Histogram

/// One load run: thousands of non-blocking connections driven by one epoll loop on the
/// calling thread. Every answer is checked with a ``ResponseVerifier``; each correct one
/// costs a read, one histogram record and (unless the pacing says later) the write of the
/// next request: no allocation, no lock.
public final class LoadRun {
    public let configuration: LoadConfiguration
    public let limits: ConnectionLimits
    private let progress: (any LoadProgress)?
    private let metrics: ClientMetrics?

    private let clients: UnsafeMutableBufferPointer<ClientSlot>
    /// Connections this run may open at once (the descriptor limit may allow fewer than asked).
    private let target: Int
    private let epoll: Epoll
    private let scratch: UnsafeMutableRawBufferPointer
    private let requestBytes: [UnsafeRawBufferPointer]
    private let verifiers: [ResponseVerifier]
    /// Sockets are watched edge-triggered: epoll reports new bytes once, and does not poll
    /// every socket it reported again at the next wait (level-triggered does). With
    /// `peerClosed`, an event that brings the last bytes also says the end follows.
    private static let readable: Epoll.Events = [.input, .peerClosed, .edgeTriggered]
    private static let closing: Epoll.Events = [.peerClosed, .hangUp, .error]
    private var picker: RequestMix.Picker
    private var scheduler: SendScheduler
    private var deadlines = DeadlineQueue()
    private var connectPacer: ConnectPacer
    /// Clients to connect now, and clients to connect again after a failed connect.
    private var connectNow = Deque<Int32>()
    private var connectLater = Deque<(notBefore: UInt64, slot: Int32)>()

    /// Every correct answer's latency: its counts are the answers counted.
    private var latency = LatencyRecorder()
    private var connectLatency = LatencyRecorder.makeHistogram()
    private var errors = ErrorCounts()
    private var requestOutcomes = [UInt64](repeating: 0, count: ErrorKind.allCases.count)
    private var connected = 0
    private var mostConnected = 0
    private var firstWrongAnswer: String?
    private var noted: Set<Int> = []

    private var start: UInt64 = 0
    /// When the load ended and `--hold` began; nil while the load runs.
    private var loadEnd: UInt64?
    private var nextStatus: UInt64 = 0
    private var lastStatusAt: UInt64 = 0
    private var rampAnnounced = false
    private var scheduleStarted = false
    private var shortfallAnnounced = false
    private var connecting = 0
    /// Answers with bytes left in the socket after a turn's reads (a long STREAM): read on
    /// at the next turn, since edge-triggered epoll will not report them again.
    private var unfinishedReads: [(slot: Int32, generation: UInt32)] = []

    private static let stopToken = UInt64.max

    /// Prepares a run: raises the descriptor limit, computes every expected answer (BURN
    /// results included), allocates every buffer it will use.
    public init(
        _ configuration: LoadConfiguration, progress: (any LoadProgress)? = nil, metrics: ClientMetrics? = nil
    ) throws {
        self.configuration = configuration
        self.progress = progress
        self.metrics = metrics
        limits = ConnectionLimits.raise()
        target = min(configuration.clients, limits.connectionsAllowedByDescriptors)
        epoll = try Epoll(capacity: 1024)
        scratch = .allocate(byteCount: 256 * 1024, alignment: 16)
        requestBytes = configuration.mix.entries.map { entry in
            let line = Array((entry.line + "\n").utf8)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: line.count, alignment: 1)
            buffer.copyBytes(from: line)
            return UnsafeRawBufferPointer(buffer)
        }
        verifiers = configuration.mix.expectedAnswers().map { ResponseVerifier(expecting: $0) }
        picker = RequestMix.Picker(configuration.mix, seed: SystemClock.now())
        connectPacer = ConnectPacer(rate: configuration.connectRate, start: 0)
        clients = .allocate(capacity: max(1, configuration.clients))
        clients.initialize(repeating: ClientSlot(verifier: verifiers[0]))
        scheduler = SendScheduler(pacing: configuration.pacing, start: 0)
    }

    deinit {
        for index in clients.indices where clients[index].descriptor >= 0 {
            Socket.close(clients[index].descriptor)
        }
        clients.deinitialize().deallocate()
        scratch.deallocate()
        for bytes in requestBytes { bytes.deallocate() }
    }

    /// Runs until the duration is over or SIGINT/SIGTERM arrives (``StopSignal`` must have
    /// been installed with `.notify` for the latter), then returns the summary.
    public func run() throws -> LoadSummary {
        if let warning = limits.descriptorWarning(clients: configuration.clients) { progress?.note(warning) }
        if let warning = limits.portWarning(clients: configuration.clients) { progress?.note(warning) }
        let stop = StopSignal.wakeDescriptor
        if stop >= 0 { try epoll.add(stop, .input, token: Self.stopToken) }

        start = SystemClock.now()
        connectPacer = ConnectPacer(rate: configuration.connectRate, start: start)
        nextStatus = start + configuration.statusInterval
        lastStatusAt = start
        for slot in 0..<target { connectNow.append(Int32(slot)) }
        var stopAt = configuration.duration.map { start + $0 }

        var end = start
        running: while true {
            let now = SystemClock.now()
            if let deadline = stopAt, now >= deadline {
                guard loadEnd == nil, let hold = configuration.hold else { break }
                // --hold: the load is over; the connections stay, idle, until the hold is
                loadEnd = now
                stopAt = now + hold
                progress?.note(
                    "load done: holding \(connected) connections idle for \(DurationText.describe(hold)) (--hold)")
            }
            if loadEnd == nil { end = now }
            expireDeadlines(now)
            readUnfinished()
            startConnects(now)  // holding too: connections not open yet are opened, and sent nothing
            if loadEnd == nil { sendDueRequests(now) }
            if now >= nextStatus { reportStatus(now) }

            let wake = unfinishedReads.isEmpty ? nextWake(now, stopAt: stopAt) : now
            let events: ArraySlice<(token: UInt64, events: Epoll.Events)>
            do {
                events = try epoll.wait(timeoutNanoseconds: wake <= now ? 0 : wake - now)
            } catch is StopRequested {
                if loadEnd == nil { end = SystemClock.now() }
                break running
            }
            for (token, ready) in events {
                if token == Self.stopToken {
                    if loadEnd == nil { end = SystemClock.now() }
                    break running
                }
                handle(Int(token), ready)
            }
        }
        return finish(end)
    }

    // MARK: Connections

    private func startConnects(_ now: UInt64) {
        while !connectNow.isEmpty || connectLater.first.map({ $0.notBefore <= now }) == true,
            connectPacer.take(now: now)
        {
            if let slot = connectNow.popFirst() {
                connect(Int(slot), now)
            } else if let later = connectLater.popFirst() {
                connect(Int(later.slot), now)
            }
        }
    }

    private func connect(_ slot: Int, _ now: UInt64) {
        let descriptor: Int32
        let established: Bool
        do {
            (descriptor, established) = try Socket.connect(to: configuration.address, nonBlocking: true)
        } catch let error as SystemError {
            connectFailed(slot, ErrorKind.connectFailure(errno: error.errno), now, detail: error.description)
            return
        } catch {
            connectFailed(slot, .connectFailed, now, detail: "\(error)")
            return
        }
        try? Socket.setNoDelay(descriptor)
        clients[slot].descriptor = descriptor
        clients[slot].started = now
        clients[slot].generation &+= 1
        do {
            if established {
                try epoll.add(descriptor, Self.readable, token: UInt64(slot))
                connectionEstablished(slot, now)
            } else {
                try epoll.add(descriptor, [.output, .edgeTriggered], token: UInt64(slot))
                clients[slot].state = .connecting
                connecting += 1
                deadlines.add(deadline: now + configuration.timeout, slot: slot, generation: clients[slot].generation)
            }
        } catch {
            // epoll_ctl failed (out of memory, or max_user_watches)
            Socket.close(descriptor)
            clients[slot].descriptor = -1
            connectFailed(slot, .connectFailed, now, detail: "\(error)")
        }
    }

    /// A connect in progress became writable: it is established or it failed.
    private func finishConnect(_ slot: Int, _ now: UInt64) {
        connecting -= 1
        let descriptor = clients[slot].descriptor
        let error = Socket.pendingError(descriptor)
        if error != 0 {
            Socket.close(descriptor)
            clients[slot].descriptor = -1
            clients[slot].state = .disconnected
            connectFailed(
                slot, ErrorKind.connectFailure(errno: error), now,
                detail: SystemError("connect(\(configuration.address))", errno: error).description)
            return
        }
        clients[slot].state = .disconnected
        do {
            try epoll.modify(descriptor, Self.readable, token: UInt64(slot))
        } catch {
            drop(slot, .connectFailed, now)
            return
        }
        connectionEstablished(slot, now)
    }

    private func connectionEstablished(_ slot: Int, _ now: UInt64) {
        if !scheduleStarted {
            // The open loop's clock starts with the first connection: requests cannot be due
            // before anything can carry them.
            scheduleStarted = true
            scheduler = SendScheduler(pacing: configuration.pacing, start: now)
        }
        connectLatency.record(now - clients[slot].started)
        connected += 1
        if connected > mostConnected {
            mostConnected = connected
            if mostConnected == target && !rampAnnounced {
                rampAnnounced = true
                let seconds = LoadSummary.number(Double(now - start) / 1e9, decimals: 2)
                progress?.note("all \(target) connections open after \(seconds) s")
            }
        }
        becomeIdle(slot, now)
    }

    private func connectFailed(_ slot: Int, _ kind: ErrorKind, _ now: UInt64, detail: String) {
        count(kind)
        clients[slot].state = .disconnected
        clients[slot].generation &+= 1
        connectLater.append((now + configuration.retryDelay, Int32(slot)))
        noteOnce(kind, "connect failed: \(detail)\(kind.advice(connectingTo: configuration.address)); retrying")
    }

    /// Closes a connection after an error and queues its client to connect again.
    private func drop(_ slot: Int, _ kind: ErrorKind, _ now: UInt64) {
        count(kind)
        let client = clients[slot]
        if client.descriptor >= 0 { Socket.close(client.descriptor) }
        if client.state == .idle || client.state == .awaiting { connected -= 1 }
        if client.state == .connecting { connecting -= 1 }
        clients[slot].descriptor = -1
        clients[slot].state = .disconnected
        clients[slot].generation &+= 1
        if kind.isConnectError {
            connectLater.append((now + configuration.retryDelay, Int32(slot)))
        } else {
            connectNow.append(Int32(slot))
        }
    }

    private func count(_ kind: ErrorKind) {
        errors[kind] += 1
    }

    // MARK: Requests

    /// The connection is free: send now, or when the pacing says.
    @inline(__always)
    private func becomeIdle(_ slot: Int, _ now: UInt64) {
        clients[slot].state = .idle
        clients[slot].generation &+= 1
        guard loadEnd == nil else { return }  // holding: nothing more is sent
        let token = UInt64(slot) | UInt64(clients[slot].generation) << 32
        if let due = scheduler.release(token, now: now) {
            send(slot, due: due, now)
        }
    }

    private func sendDueRequests(_ now: UInt64) {
        while let (token, due) = scheduler.next(now: now, isValid: isIdle) {
            send(Int(token & 0xFFFF_FFFF), due: due, now)
        }
    }

    private func isIdle(_ token: UInt64) -> Bool {
        let client = clients[Int(token & 0xFFFF_FFFF)]
        return client.state == .idle && client.generation == UInt32(token >> 32)
    }

    @inline(__always)
    private func send(_ slot: Int, due: UInt64, _ now: UInt64) {
        let entry = picker.next()
        clients[slot].entry = entry
        clients[slot].verifier = verifiers[entry]
        clients[slot].started = due
        clients[slot].state = .awaiting
        clients[slot].generation &+= 1
        clients[slot].unsent = requestBytes[entry].count
        deadlines.add(deadline: now + configuration.timeout, slot: slot, generation: clients[slot].generation)
        writeRequest(slot, now)
    }

    /// Writes what is left of the request; waits for the socket to be writable if the
    /// kernel took only part of it.
    private func writeRequest(_ slot: Int, _ now: UInt64) {
        let bytes = requestBytes[clients[slot].entry]
        let offset = bytes.count - clients[slot].unsent
        let descriptor = clients[slot].descriptor
        do {
            switch try Socket.write(descriptor, UnsafeRawBufferPointer(rebasing: bytes[offset...])) {
            case .done(let count):
                clients[slot].unsent -= count
            case .wouldBlock:
                break
            }
            if clients[slot].unsent > 0 {
                try epoll.modify(descriptor, [.input, .output, .edgeTriggered], token: UInt64(slot))
            } else if offset > 0 {
                try epoll.modify(descriptor, Self.readable, token: UInt64(slot))
            }
        } catch {
            failRequest(slot, .reset, now)
        }
    }

    private func handle(_ slot: Int, _ events: Epoll.Events) {
        switch clients[slot].state {
        case .connecting:
            finishConnect(slot, SystemClock.now())
        case .awaiting:
            if events.contains(.output) && clients[slot].unsent > 0 {
                writeRequest(slot, SystemClock.now())
                guard clients[slot].state == .awaiting else { return }
            }
            if !events.isDisjoint(with: [.input, .peerClosed, .error, .hangUp]) {
                readAnswer(slot, closing: !events.isDisjoint(with: Self.closing))
            }
        case .idle:
            readUnasked(slot)
        case .disconnected:
            break  // closed earlier in this batch
        }
    }

    private func readUnfinished() {
        guard !unfinishedReads.isEmpty else { return }
        let reads = unfinishedReads
        unfinishedReads.removeAll(keepingCapacity: true)
        for (slot, generation) in reads {
            let slot = Int(slot)
            if clients[slot].state == .awaiting && clients[slot].generation == generation {
                readAnswer(slot, closing: true)
            }
        }
    }

    /// Reads the answer as far as it came, and checks it. A read that does not fill the
    /// buffer emptied the socket, and epoll reports the next bytes when they come, unless
    /// the peer is `closing`: then it reads on to the end, which epoll reports only once.
    private func readAnswer(_ slot: Int, closing: Bool) {
        let descriptor = clients[slot].descriptor
        // A long STREAM is read in several chunks per turn (then the others get theirs);
        // a PING answer takes one read.
        for _ in 0..<16 {
            let count: Int
            do {
                switch try Socket.read(descriptor, into: scratch) {
                case .wouldBlock: return
                case .done(let read): count = read
                }
            } catch {
                failRequest(slot, .reset, SystemClock.now())
                return
            }
            if count == 0 {
                failRequest(slot, .closedEarly, SystemClock.now())
                return
            }
            switch clients[slot].verifier.consume(UnsafeRawBufferPointer(rebasing: scratch[0..<count])) {
            case .incomplete:
                if count < scratch.count && !closing { return }
            case .complete(let consumed):
                let now = SystemClock.now()
                if consumed < count {
                    wrongAnswer(
                        slot,
                        "bytes after the answer to \(configuration.mix.entries[clients[slot].entry].line): \(ResponseVerifier.printable([], scratch[consumed..<count]))",
                        now)
                    return
                }
                answerCorrect(slot, now)
                guard closing else { return }
                // the server closed after answering: the next request (or the idle
                // connection) meets the end
                if clients[slot].state != .awaiting {
                    readUnasked(slot)
                    return
                }
            case .wrong(let reason):
                wrongAnswer(
                    slot, "to \(configuration.mix.entries[clients[slot].entry].line): \(reason)", SystemClock.now())
                return
            }
        }
        unfinishedReads.append((Int32(slot), clients[slot].generation))
    }

    @inline(__always)
    private func answerCorrect(_ slot: Int, _ now: UInt64) {
        latency.record(now &- clients[slot].started)
        becomeIdle(slot, now)
    }

    /// Bytes (or the end) arrived on a connection with nothing asked.
    private func readUnasked(_ slot: Int) {
        let now = SystemClock.now()
        do {
            switch try Socket.read(clients[slot].descriptor, into: scratch) {
            case .wouldBlock: return
            case .done(0): drop(slot, .closedEarly, now)
            case .done(let count):
                wrongAnswer(slot, "bytes nobody asked for: \(ResponseVerifier.printable([], scratch[0..<count]))", now)
            }
        } catch {
            drop(slot, .reset, now)
        }
    }

    private func wrongAnswer(_ slot: Int, _ reason: String, _ now: UInt64) {
        if firstWrongAnswer == nil {
            firstWrongAnswer = reason
            progress?.note("wrong answer \(reason)")
        }
        failRequest(slot, .wrongAnswer, now)
    }

    /// The request failed: the connection cannot be trusted any more, so it is closed and
    /// its client connects again.
    private func failRequest(_ slot: Int, _ kind: ErrorKind, _ now: UInt64) {
        if clients[slot].state == .awaiting { requestOutcomes[kind.rawValue] += 1 }
        drop(slot, kind, now)
    }

    /// Times out the connects and requests whose deadline passed. Deadlines of answers that
    /// came are dropped from the front as well, so the queue holds about one entry per
    /// outstanding request, not one per request of the last --timeout.
    private func expireDeadlines(_ now: UInt64) {
        while let slot = deadlines.popExpired(now: now, isCurrent: { clients[$0].generation == $1 }) {
            switch clients[slot].state {
            case .connecting:
                drop(slot, .connectTimeout, now)
                noteOnce(
                    .connectTimeout,
                    "a connect to \(configuration.address) took over \(DurationText.describe(configuration.timeout)): the server does not accept fast enough; retrying"
                )
            case .awaiting:
                failRequest(slot, .timeout, now)
                noteOnce(
                    .timeout,
                    "no answer within \(DurationText.describe(configuration.timeout)) (--timeout); the connection is closed and opened again"
                )
            case .idle, .disconnected:
                break
            }
        }
    }

    private func nextWake(_ now: UInt64, stopAt: UInt64?) -> UInt64 {
        var wake = nextStatus
        if let stopAt { wake = min(wake, stopAt) }
        if let deadline = deadlines.earliest { wake = min(wake, deadline) }
        if let due = scheduler.nextDue { wake = min(wake, due) }
        if !connectNow.isEmpty || connectLater.first.map({ $0.notBefore <= now }) == true {
            wake = min(wake, connectPacer.nextAllowed(now: now))
        } else if let later = connectLater.first {
            wake = min(wake, later.notBefore)
        }
        return wake
    }

    // MARK: Reporting

    private func reportStatus(_ now: UInt64) {
        let interval = latency.closeInterval()
        let seconds = Double(now - lastStatusAt) / 1e9
        let report = StatusReport(
            elapsedSeconds: Double(now - start) / 1e9,
            connected: connected,
            clients: configuration.clients,
            requestsPerSecond: seconds > 0 ? Double(interval?.count ?? 0) / seconds : 0,
            p50: interval.map { Double($0.p50) / 1e6 },
            p99: interval.map { Double($0.p99) / 1e6 },
            errors: errors,
            backlog: scheduleStarted ? scheduler.backlog(now: now) : 0)
        lastStatusAt = now
        while nextStatus <= now { nextStatus += configuration.statusInterval }
        progress?.status(report)
        announceShortfall(now)
        publishMetrics()
    }

    /// Says once, while the run goes on, that the ramp is well behind what --connect-rate
    /// asked for, and why.
    private func announceShortfall(_ now: UInt64) {
        guard !rampAnnounced, !shortfallAnnounced else { return }
        let rampSeconds = Double(target) / configuration.connectRate
        let elapsed = Double(now - start) / 1e9
        guard elapsed >= rampSeconds * 2 + 2,
            let reasons = limits.shortfall(
                requested: configuration.clients, connected: mostConnected, errors: errors, pending: connecting)
        else { return }
        shortfallAnnounced = true
        progress?.note(
            "after \(LoadSummary.number(elapsed, decimals: 1)) s (the ramp should take \(LoadSummary.number(rampSeconds, decimals: 1)) s): \(reasons)"
        )
    }

    private func publishMetrics() {
        guard let metrics else { return }
        metrics.publish(metricsSnapshot())
    }

    /// The figures for `/metrics` (closed intervals: at most a status interval old).
    func metricsSnapshot() -> ClientMetrics.Snapshot {
        .loadRun(
            connected: connected, answered: latency.total.totalCount, requestOutcomes: requestOutcomes,
            errors: errors, latency: latency)
    }

    private func finish(_ end: UInt64) -> LoadSummary {
        latency.closeInterval()
        publishMetrics()
        var summary = LoadSummary(
            clientsRequested: configuration.clients,
            clientsConnected: mostConnected,
            requests: latency.total.totalCount,
            durationSeconds: Double(end - start) / 1e9,
            latency: latency.summary,
            connect: LatencySummary(connectLatency),
            errors: errors)
        summary.target = configuration.address.description
        summary.pacing = configuration.pacing
        summary.requestDescription = configuration.mix.description
        summary.unsentDueRequests = scheduleStarted ? scheduler.backlog(now: end) : 0
        summary.firstWrongAnswer = firstWrongAnswer
        if let loadEnd { summary.heldSeconds = Double(SystemClock.now() - loadEnd) / 1e9 }
        summary.shortfall = limits.shortfall(
            requested: configuration.clients, connected: mostConnected, errors: errors, pending: connecting)
        return summary
    }

    private func noteOnce(_ kind: ErrorKind, _ text: @autoclosure () -> String) {
        guard !noted.contains(kind.rawValue) else { return }
        noted.insert(kind.rawValue)
        progress?.note(text())
    }

}
