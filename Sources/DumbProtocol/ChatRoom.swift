import DequeModule

/// The chat of `select_chat` and `epoll_chat`, without the I/O: who is in the room, each
/// member's half-received line (a ``LineFramer``) and the messages waiting to be written to
/// it (its outbox, a bounded ``ByteQueue``). A server hands the room what it reads and
/// writes out what the room queues; how it learns which sockets are ready — select() or
/// epoll — is its lesson.
///
/// Members are kept by socket descriptor. Every call that may queue a message takes `send`,
/// the server's non-blocking write: when a message does not fit a member's outbox, the room
/// first lets the kernel take what it can; a member whose outbox is still full is not
/// reading its messages, and is cut off (the others are told it left) instead of holding
/// anyone up. Memory stays bounded: a line is at most `maxLineLength`, an outbox at most
/// `outboxLimit` (plus one error line).
///
/// After handling one turn's ready sockets, a server writes out what was queued
/// (``nextQueued()``, ``flush(_:send:)``) and closes the sockets of those who are gone
/// (``nextDeparture()``).
public struct ChatRoom: Sendable {
    /// The server's non-blocking write: how many of `bytes` the kernel took (0 when the
    /// socket's send buffer is full), or nil when the socket failed.
    public typealias Send = (_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int?

    public static let defaultOutboxLimit = 64 * 1024
    /// The smallest outbox that holds any single message (a relayed line of the longest length).
    public static let minimumOutboxLimit = 8 * 1024

    public struct Member: Sendable {
        /// Its number: the `7` of `client-7`.
        public let id: Int
        /// Why it left, once it did: it gets no more messages, and its socket is closed as
        /// soon as what was queued for it is written.
        public internal(set) var leaving: Departure.Reason?
        var framer: LineFramer
        var outbox = ByteQueue()
        var isQueued = false

        /// Still in the room: the server reads from it.
        public var isReading: Bool { leaving == nil }
        /// Messages wait to be written to it: the server wants to know when it is writable.
        public var hasOutput: Bool { !outbox.isEmpty }
    }

    /// A member gone for good: the server closes its socket.
    public struct Departure: Equatable, Sendable {
        public enum Reason: Equatable, Sendable {
            /// It shut down its side (end of input) and got what was queued for it.
            case left
            /// It sent a line longer than the limit and got `ERR line too long`.
            case lineTooLong
            /// Its outbox overflowed: it did not read its messages.
            case tooSlow
            /// Its socket failed (reset, broken pipe).
            case failed
        }

        public let descriptor: Int32
        public let id: Int
        public let reason: Reason

        public init(descriptor: Int32, id: Int, reason: Reason) {
            self.descriptor = descriptor
            self.id = id
            self.reason = reason
        }
    }

    public let outboxLimit: Int
    public let maxLineLength: Int
    /// Members in the room (those that left but still have output waiting are not counted).
    public private(set) var count = 0

    private var members: [Member?] = []  // indexed by descriptor
    private var nextID = 1
    private var queued = Deque<Int32>()
    private var departures = Deque<Departure>()
    private var unannounced = Deque<Int>()

    public init(outboxLimit: Int = defaultOutboxLimit, maxLineLength: Int = LineFramer.defaultMaxLineLength) {
        precondition(outboxLimit >= maxLineLength + 64, "an outbox must hold the longest relayed line")
        self.outboxLimit = outboxLimit
        self.maxLineLength = maxLineLength
    }

    /// The member on `descriptor`, if any.
    public func member(_ descriptor: Int32) -> Member? {
        descriptor >= 0 && Int(descriptor) < members.count ? members[Int(descriptor)] : nil
    }

    /// Every member with its descriptor, lowest descriptor first.
    public func forEachMember(_ body: (_ descriptor: Int32, _ member: Member) throws -> Void) rethrows {
        for index in members.indices {
            if let member = members[index] { try body(Int32(index), member) }
        }
    }

    /// A new client on `descriptor`: greets it, tells the others, and returns its number.
    @discardableResult
    public mutating func join(_ descriptor: Int32, send: Send) -> Int {
        precondition(descriptor >= 0 && member(descriptor) == nil, "descriptor \(descriptor) cannot join")
        let index = Int(descriptor)
        if index >= members.count {
            members.append(contentsOf: repeatElement(nil, count: index + 1 - members.count))
        }
        let id = nextID
        nextID += 1
        members[index] = Member(id: id, framer: LineFramer(maxLineLength: maxLineLength))
        count += 1
        ChatMessages.welcome(id).withUnsafeBytes { deliver($0, to: index, send: send) }
        broadcast(ChatMessages.joined(id), except: index, send: send)
        announceDepartures(send)
        return id
    }

    /// Bytes read from `descriptor`: each complete line is relayed, in order, to every
    /// other member.
    public mutating func received(_ bytes: UnsafeRawBufferPointer, from descriptor: Int32, send: Send) {
        // only the number is copied out: a copy of the member would make the framer copy its buffer
        guard let id = member(descriptor)?.id, member(descriptor)!.isReading else { return }
        let index = Int(descriptor)
        members[index]!.framer.append(bytes)
        while members[index]?.isReading == true, let event = members[index]!.framer.nextLine() {
            switch event {
            case .line(let line):
                broadcast(ChatMessages.relay(from: id, line), except: index, send: send)
            case .lineTooLong:
                // past the limit by this one line at most
                members[index]!.outbox.append(contentsOf: ChatMessages.lineTooLong)
                queue(index)
                leave(index, reason: .lineTooLong)
            }
        }
        announceDepartures(send)
    }

    /// The peer of `descriptor` shut down its side (read returned 0): the member leaves, and
    /// its socket is closed once what was queued for it is written. For a member that had
    /// left already, the socket is closed at once.
    public mutating func endOfInput(_ descriptor: Int32, send: Send) {
        guard let member = member(descriptor) else { return }
        if member.isReading {
            leave(Int(descriptor), reason: .left)
        } else {
            remove(Int(descriptor), reason: .failed)
        }
        announceDepartures(send)
    }

    /// The socket of `descriptor` failed: the member is gone at once.
    public mutating func failed(_ descriptor: Int32, send: Send) {
        guard member(descriptor) != nil else { return }
        remove(Int(descriptor), reason: .failed)
        announceDepartures(send)
    }

    /// Writes what the kernel takes of the outbox of `descriptor`. A member that left is gone
    /// (``nextDeparture()``) once its outbox is empty.
    public mutating func flush(_ descriptor: Int32, send: Send) {
        guard member(descriptor) != nil else { return }
        write(Int(descriptor), send: send)
        announceDepartures(send)
    }

    /// The next member that got messages (or left) since it was last returned: write to it
    /// at once, most sockets take it all.
    public mutating func nextQueued() -> Int32? {
        while let descriptor = queued.popFirst() {
            if members[Int(descriptor)] != nil {
                members[Int(descriptor)]!.isQueued = false
                return descriptor
            }
        }
        return nil
    }

    /// The next member gone for good: close its socket.
    public mutating func nextDeparture() -> Departure? {
        departures.popFirst()
    }

    private mutating func broadcast(_ message: [UInt8], except sender: Int, send: Send) {
        message.withUnsafeBytes { bytes in
            for index in members.indices where index != sender && members[index]?.isReading == true {
                deliver(bytes, to: index, send: send)
            }
        }
    }

    private mutating func deliver(_ message: UnsafeRawBufferPointer, to index: Int, send: Send) {
        if members[index]!.outbox.count + message.count > outboxLimit {
            write(index, send: send)  // let the kernel take what it can before deciding
            guard members[index] != nil else { return }
            if members[index]!.outbox.count + message.count > outboxLimit {
                remove(index, reason: .tooSlow)  // it does not read: cut it off, nobody waits for it
                return
            }
        }
        members[index]!.outbox.append(message)
        queue(index)
    }

    private mutating func write(_ index: Int, send: Send) {
        while members[index]!.hasOutput {
            let sent = members[index]!.outbox.withReadableBytes { send(Int32(index), $0) }
            guard let sent else {
                remove(index, reason: .failed)
                return
            }
            if sent == 0 { return }  // the send buffer is full: the server waits until it is writable
            members[index]!.outbox.consume(sent)
        }
        if let reason = members[index]!.leaving { remove(index, reason: reason) }
    }

    private mutating func queue(_ index: Int) {
        guard !members[index]!.isQueued else { return }
        members[index]!.isQueued = true
        queued.append(Int32(index))
    }

    private mutating func leave(_ index: Int, reason: Departure.Reason) {
        guard let member = members[index], member.isReading else { return }
        members[index]!.leaving = reason
        count -= 1
        unannounced.append(member.id)
        if members[index]!.hasOutput {
            queue(index)
        } else {
            remove(index, reason: reason)
        }
    }

    private mutating func remove(_ index: Int, reason: Departure.Reason) {
        guard let member = members[index] else { return }
        members[index] = nil
        if member.isReading {
            count -= 1
            unannounced.append(member.id)
        }
        // a member that was leaving but whose socket failed did not get what was queued for it
        let why = reason == .failed ? .failed : member.leaving ?? reason
        departures.append(Departure(descriptor: Int32(index), id: member.id, reason: why))
    }

    /// Tells the others who left; that may cut off more members, who are announced in turn.
    private mutating func announceDepartures(_ send: Send) {
        while let id = unannounced.popFirst() {
            broadcast(ChatMessages.left(id), except: -1, send: send)
        }
    }
}
