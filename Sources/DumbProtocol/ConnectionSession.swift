import DequeModule

/// The protocol side of one connection, the same for every server: it turns received bytes
/// into responses and says what the server must do next. It does no I/O and keeps no timer;
/// how the server reads, writes, waits and burns is the server's lesson.
///
/// A server drives it with ``nextStep()`` and does what the step says:
///
/// - ``Step/read``: read from the socket, hand the bytes to ``received(_:)`` (or call
///   ``receivedEndOfInput()`` on end of file), then ask again;
/// - ``Step/write``: write from ``output`` and ``wrote(_:)`` what the kernel took;
/// - ``Step/wait(milliseconds:)``: call ``waitFinished()`` that much later;
/// - ``Step/burn(iterations:)``: compute ``Burn`` and call ``burnFinished(result:)``;
/// - ``Step/close``: close the connection.
///
/// Memory stays bounded whatever the peer does: lines are capped by the framer, and the
/// session asks for input only when its output is below ``outputHighWater`` and no complete
/// line is waiting, so a client that pipelines without reading stalls only itself.
public struct ConnectionSession: Sendable {
    public static let defaultOutputHighWater = 64 * 1024

    public enum Step: Equatable, Sendable {
        case read
        case write
        case wait(milliseconds: UInt64)
        case burn(iterations: UInt64)
        case close
    }

    /// Bytes to send, oldest first.
    public private(set) var output = ByteQueue()
    /// Above this many bytes of output, the session serves nothing more until it drains.
    public let outputHighWater: Int

    private var framer: LineFramer
    private var stream: StreamPayload?
    private var streamStartedAt: UInt64 = 0
    private var awaiting: (command: Command, startedAt: UInt64)?
    /// A WAIT or BURN parsed while earlier answers were still unsent: it starts once they are.
    private var deferred: (request: Request, startedAt: UInt64)?
    private var inputEnded = false
    private var closeAfterOutput = false
    private let observer: (any SessionObserver)?

    /// Requests whose responses are in `output`, with the output offset where each ends.
    private var unfinished = Deque<(end: UInt64, command: Command, startedAt: UInt64)>()
    private var writtenTotal: UInt64 = 0

    public init(
        observer: (any SessionObserver)? = nil,
        maxLineLength: Int = LineFramer.defaultMaxLineLength,
        outputHighWater: Int = ConnectionSession.defaultOutputHighWater
    ) {
        self.observer = observer
        self.framer = LineFramer(maxLineLength: maxLineLength)
        self.outputHighWater = outputHighWater
    }

    /// Whether a WAIT or BURN is under way: call its `…Finished` before ``nextStep()``.
    public var isAwaiting: Bool { awaiting != nil }

    /// Bytes read from the socket.
    public mutating func received(_ bytes: UnsafeRawBufferPointer) {
        observer?.bytesReceived(bytes.count)
        framer.append(bytes)
    }

    /// The peer shut down its side (read returned 0): the complete requests received are
    /// still answered, then the session closes.
    public mutating func receivedEndOfInput() {
        inputEnded = true
        framer.finishInput()
    }

    /// What the server must do next.
    public mutating func nextStep() -> Step {
        precondition(awaiting == nil, "nextStep() while a WAIT or BURN is under way")
        while true {
            if stream != nil {
                fillStream()
                if stream != nil { return .write }  // the output is full: drain it first
            }
            if output.count >= outputHighWater { return .write }
            if closeAfterOutput { return output.isEmpty ? .close : .write }
            if let (request, startedAt) = deferred {
                if !output.isEmpty { return .write }
                deferred = nil
                return start(request, startedAt: startedAt)
            }
            guard let event = framer.nextLine() else {
                if !output.isEmpty { return .write }
                return inputEnded ? .close : .read
            }
            switch event {
            case .lineTooLong:
                answer(RequestError.lineTooLong.responseLine, .error, startedAt: now())
                closeAfterOutput = true
            case .line(let line):
                let parsed = RequestParser.parse(line)
                if parsed == .empty { continue }
                let startedAt = now()
                switch parsed {
                case .empty:
                    continue
                case .error(let error):
                    answer(error.responseLine, .error, startedAt: startedAt)
                case .request(.ping):
                    answer("PONG\n", .ping, startedAt: startedAt)
                case .request(.stream(let byteCount)):
                    stream = StreamPayload(byteCount: byteCount)
                    streamStartedAt = startedAt
                case .request(let request):  // a WAIT or a BURN
                    // the answers before it go out first: a PING pipelined before a long BURN
                    // is not held back until the BURN ends
                    if !output.isEmpty {
                        deferred = (request, startedAt)
                        return .write
                    }
                    return start(request, startedAt: startedAt)
                }
            }
        }
    }

    /// Starts a WAIT or a BURN: the server does it and calls its `…Finished`.
    private mutating func start(_ request: Request, startedAt: UInt64) -> Step {
        awaiting = (request.command, startedAt)
        switch request {
        case .wait(let milliseconds): return .wait(milliseconds: milliseconds)
        case .burn(let iterations): return .burn(iterations: iterations)
        case .ping, .stream: preconditionFailure("only a WAIT or a BURN is awaited")
        }
    }

    /// The WAIT returned by ``nextStep()`` has elapsed.
    public mutating func waitFinished() {
        guard let (command, startedAt) = awaiting, command == .wait else {
            preconditionFailure("waitFinished() without a WAIT under way")
        }
        awaiting = nil
        answer("DONE\n", .wait, startedAt: startedAt)
    }

    /// The BURN returned by ``nextStep()`` computed `result`.
    public mutating func burnFinished(result: UInt64) {
        guard let (command, startedAt) = awaiting, command == .burn else {
            preconditionFailure("burnFinished(result:) without a BURN under way")
        }
        awaiting = nil
        output.append("RESULT ")
        output.append(decimal: result)
        answer("\n", .burn, startedAt: startedAt)
    }

    /// The kernel took the first `count` bytes of ``output``.
    public mutating func wrote(_ count: Int) {
        guard count > 0 else { return }
        output.consume(count)
        writtenTotal += UInt64(count)
        guard let observer else { return }
        observer.bytesSent(count)
        if let first = unfinished.first, first.end <= writtenTotal {
            let finishedAt = observer.now()
            while let request = unfinished.first, request.end <= writtenTotal {
                unfinished.removeFirst()
                observer.requestCompleted(request.command, startedAt: request.startedAt, finishedAt: finishedAt)
            }
        }
    }

    private func now() -> UInt64 { observer?.now() ?? 0 }

    /// Appends the last bytes of a response and notes where it ends.
    private mutating func answer(_ text: StaticString, _ command: Command, startedAt: UInt64) {
        output.append(text)
        finish(command, startedAt: startedAt)
    }

    private mutating func finish(_ command: Command, startedAt: UInt64) {
        if observer != nil { unfinished.append((writtenTotal + UInt64(output.count), command, startedAt)) }
    }

    private mutating func fillStream() {
        guard var payload = stream else { return }
        stream = nil  // keeps the payload uniquely referenced while it fills the queue
        let room = outputHighWater - output.count
        if room > 0 { payload.fill(&output, maxBytes: room) }
        if payload.isFinished {
            finish(.stream, startedAt: streamStartedAt)
        } else {
            stream = payload
        }
    }
}
