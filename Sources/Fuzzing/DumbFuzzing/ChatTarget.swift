import DumbProtocol

/// The chat room under a random sequence of joins, reads cut anywhere, half-closes, failed
/// sockets and kernels that take only part of a write, with small limits so that members
/// are cut off for not reading. Every member's received bytes are checked against a model
/// kept beside the room: its greeting first; each other client's messages in the order that
/// client sent them, a contiguous run starting at the first line after the member joined;
/// nothing about a client after it left; and for a member that read everything, nothing
/// missing. Descriptors are reused, as the kernel reuses them.
public enum ChatTarget {
    static let maxLineLength = 64
    static let outboxLimit = maxLineLength + 192

    /// One client as the model sees it.
    struct Client {
        let id: Int
        let joinedAt: Int  // the operation's number
        var pending: [UInt8] = []
        /// Complete lines it sent, with the operation that completed each.
        var lines: [(line: [UInt8], at: Int)] = []
        var received: [UInt8] = []
        /// When it stopped reading (its own half-close or line too long), or was cut off.
        var stoppedAt: Int?
        var cutOff = false  // too slow or failed: what it got may end anywhere
        var departed = false
        var window = Int.max
    }

    public static func run(_ data: UnsafeRawBufferPointer) throws(FuzzFailure) {
        var input = FuzzInput(data)
        let bytes = input.payload
        var room = ChatRoom(outboxLimit: outboxLimit, maxLineLength: maxLineLength)
        // by id (the room numbers them from 1; 0 stands for the one being greeted), and the id
        // on each open descriptor: arrays, as dictionaries would cost most of each run
        var clients = [Client(id: 0, joinedAt: 0)]
        var onDescriptor = [Int?](repeating: nil, count: 8)
        var openCount = 0
        var failure: FuzzFailure?
        var operation = 0
        var cursor = 0

        // the kernel: takes what the descriptor's window allows, or fails the socket
        func send(_ descriptor: Int32, _ message: UnsafeRawBufferPointer) -> Int? {
            guard let id = onDescriptor[Int(descriptor)] else {
                failure = failure ?? FuzzFailure("the room wrote to descriptor \(descriptor), which is closed")
                return nil
            }
            if clients[id].window < 0 { return nil }
            let taken = min(clients[id].window, message.count)
            if clients[id].window != .max { clients[id].window -= taken }
            clients[id].received += message.prefix(taken)
            return taken
        }
        func serve() {
            while let descriptor = room.nextQueued() { room.flush(descriptor, send: send) }
            while let departure = room.nextDeparture() {
                guard let id = onDescriptor[Int(departure.descriptor)], id == departure.id else {
                    failure = failure ?? FuzzFailure("departure of \(departure) for a descriptor not open")
                    continue
                }
                onDescriptor[Int(departure.descriptor)] = nil
                openCount -= 1
                clients[id].departed = true
                if clients[id].stoppedAt == nil { clients[id].stoppedAt = operation }
                if departure.reason == .tooSlow || departure.reason == .failed { clients[id].cutOff = true }
            }
        }
        // a server reads only from members still reading; it may find any socket failed
        func pickDescriptor(reading: Bool = false) -> Int32? {
            var open: [Int32] = []
            for descriptor in onDescriptor.indices where onDescriptor[descriptor] != nil {
                if !reading || room.member(Int32(descriptor))?.isReading == true { open.append(Int32(descriptor)) }
            }
            return open.isEmpty ? nil : open[Int(input.next() % UInt64(open.count))]
        }

        while cursor < bytes.count && operation < 100 {
            operation += 1
            let code = bytes[cursor]
            cursor += 1
            switch code % 8 {
            case 0, 1:
                guard openCount < 6 else { continue }
                let descriptor = onDescriptor.firstIndex { $0 == nil }!
                onDescriptor[descriptor] = 0  // open before the room greets it
                openCount += 1
                var window = Int.max
                if input.next() % 4 == 0 { window = Int(input.next() % 300) }
                clients[0] = Client(id: 0, joinedAt: operation, window: window)
                let id = room.join(Int32(descriptor), send: send)
                guard id == clients.count else {
                    throw FuzzFailure("the room numbered a client \(id) after \(clients.count - 1)")
                }
                clients.append(
                    Client(id: id, joinedAt: operation, received: clients[0].received, window: clients[0].window))
                onDescriptor[descriptor] = id
            case 2, 3, 4:
                guard let descriptor = pickDescriptor(reading: true), let id = onDescriptor[Int(descriptor)] else {
                    continue
                }
                let count = min(bytes.count - cursor, input.size(upTo: 80))
                let chunk = Array(bytes[cursor..<(cursor + count)])
                cursor += count
                model(&clients[id], received: chunk, at: operation)
                chunk.withUnsafeBytes { room.received($0, from: descriptor, send: send) }
            case 5:
                guard let descriptor = pickDescriptor(reading: true), let id = onDescriptor[Int(descriptor)] else {
                    continue
                }
                if clients[id].stoppedAt == nil { clients[id].stoppedAt = operation }
                room.endOfInput(descriptor, send: send)
            case 6:
                guard let descriptor = pickDescriptor(), let id = onDescriptor[Int(descriptor)] else { continue }
                if clients[id].stoppedAt == nil { clients[id].stoppedAt = operation }
                clients[id].cutOff = true
                room.failed(descriptor, send: send)
            default:
                guard let descriptor = pickDescriptor(), let id = onDescriptor[Int(descriptor)] else { continue }
                let roll = input.next() % 8
                clients[id].window = roll == 0 ? -1 : roll < 4 ? Int(input.next() % 200) : .max
                room.flush(descriptor, send: send)
            }
            serve()
            if let failure { throw failure }
            let reading = onDescriptor.indices.filter {
                onDescriptor[$0] != nil && room.member(Int32($0))?.isReading == true
            }.count
            if room.count != reading { throw FuzzFailure("the room counts \(room.count) members, \(reading) read") }
        }
        // the end: every kernel takes everything, what is queued goes out
        operation += 1
        for id in clients.indices where clients[id].window >= 0 { clients[id].window = .max }
        for descriptor in onDescriptor.indices where onDescriptor[descriptor] != nil {
            room.flush(Int32(descriptor), send: send)
        }
        serve()
        if let failure { throw failure }
        for client in clients.dropFirst() {
            try check(client, clients)
        }
    }

    /// What the room's framer does with a member's bytes: complete lines relayed, a line over
    /// the limit ends its membership.
    static func model(_ client: inout Client, received chunk: [UInt8], at operation: Int) {
        client.pending += chunk
        while let newline = client.pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(client.pending[..<newline])
            client.pending.removeSubrange(...newline)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.count > maxLineLength {
                client.stoppedAt = operation
                return
            }
            client.lines.append((line, operation))
        }
        let pending = client.pending.count
        if pending > maxLineLength + 1 || (pending == maxLineLength + 1 && client.pending.last != UInt8(ascii: "\r")) {
            client.stoppedAt = operation
        }
    }

    static func check(_ client: Client, _ clients: [Client]) throws(FuzzFailure) {
        var messages = client.received.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        let unfinished = messages.removeLast()  // after the last \n
        // a member cut off may have got anything up to the cut, even nothing
        if client.cutOff && messages.isEmpty { return }
        if !unfinished.isEmpty && !client.cutOff {
            throw FuzzFailure("client-\(client.id) got a message cut short: \(unfinished)")
        }
        guard messages.first == "WELCOME client-\(client.id)" else {
            throw FuzzFailure("client-\(client.id) was not greeted first: \(messages.first ?? "nothing")")
        }
        if messages.last == "ERR line too long" { messages.removeLast() }
        var about: [Int: [String]] = [:]
        for message in messages.dropFirst() {
            guard message.hasPrefix("client-"), let id = Int(message.dropFirst(7).prefix { $0.isNumber }),
                id >= 1, id < clients.count, id != client.id
            else { throw FuzzFailure("client-\(client.id) got \(message)") }
            about[id, default: []].append(message)
        }
        // Operation t reaches this member when it joined before t and stopped after it; in
        // the operation where it was cut off, some of what was sent reached it.
        let joined = client.joinedAt
        let stopped = client.stoppedAt ?? .max
        func reaches(_ t: Int) -> Bool { t > joined && (t < stopped || (t == stopped && client.cutOff)) }
        for other in clients.dropFirst() where other.id != client.id {
            let name = "client-\(other.id)"
            var expected: [String] = []
            if reaches(other.joinedAt) { expected.append("\(name) joined") }
            expected += other.lines.filter { reaches($0.at) }.map {
                "\(name): " + String(decoding: $0.line, as: UTF8.self)
            }
            var got = about[other.id] ?? []
            if let left = got.firstIndex(of: "\(name) left") {
                if left != got.count - 1 {
                    throw FuzzFailure("client-\(client.id) heard of \(name) after it left: \(got)")
                }
                // announced in the operation the other stopped in (also the one where this one
                // joined, if the greeting cut the other off)
                guard let at = other.stoppedAt, at >= joined, at <= stopped else {
                    throw FuzzFailure("client-\(client.id) heard \(name) left, which it did not then")
                }
                got.removeLast()
            } else if !client.cutOff, let at = other.stoppedAt, at > joined, at < stopped {
                throw FuzzFailure("client-\(client.id) never heard that \(name) left")
            }
            let matches = client.cutOff ? expected.starts(with: got) : got == expected
            if !matches {
                throw FuzzFailure(
                    "client-\(client.id) heard from \(name): \(got), expected (in order\(client.cutOff ? ", a prefix" : "")): \(expected)"
                )
            }
        }
    }
}
