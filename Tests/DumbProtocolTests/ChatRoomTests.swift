import DumbProtocol
import Testing

/// A kernel stand-in: how much more each socket's send buffer takes, and what it took.
final class FakeSockets {
    var room: [Int32: Int] = [:]  // bytes each send buffer still takes (absent: unlimited)
    var failing: Set<Int32> = []
    var sent: [Int32: [UInt8]] = [:]

    func send(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int? {
        if failing.contains(descriptor) { return nil }
        let taken = min(bytes.count, room[descriptor] ?? .max)
        room[descriptor]? -= taken
        sent[descriptor, default: []].append(contentsOf: bytes.prefix(taken))
        return taken
    }

    func text(_ descriptor: Int32) -> String { String(decoding: sent[descriptor] ?? [], as: UTF8.self) }
    func lines(_ descriptor: Int32) -> [String] { text(descriptor).split(separator: "\n").map(String.init) }
}

@Suite struct ChatRoomTests {
    let sockets = FakeSockets()

    /// Writes what the room queued and collects who left, as a server does at the end of a turn.
    func finishTurn(_ room: inout ChatRoom) -> [ChatRoom.Departure] {
        while let descriptor = room.nextQueued() { room.flush(descriptor, send: sockets.send) }
        var departures: [ChatRoom.Departure] = []
        while let departure = room.nextDeparture() { departures.append(departure) }
        return departures
    }

    func receive(_ room: inout ChatRoom, _ text: String, from descriptor: Int32) {
        Array(text.utf8).withUnsafeBytes { room.received($0, from: descriptor, send: sockets.send) }
    }

    @Test func greetsAndAnnounces() {
        var room = ChatRoom()
        #expect(room.join(5, send: sockets.send) == 1)
        #expect(room.join(9, send: sockets.send) == 2)
        #expect(room.join(7, send: sockets.send) == 3)
        #expect(finishTurn(&room).isEmpty)
        #expect(sockets.lines(5) == ["WELCOME client-1", "client-2 joined", "client-3 joined"])
        #expect(sockets.lines(9) == ["WELCOME client-2", "client-3 joined"])
        #expect(sockets.lines(7) == ["WELCOME client-3"])
        #expect(room.count == 3)
    }

    @Test func relaysEveryLineInOrderToEveryOther() {
        var room = ChatRoom()
        for descriptor: Int32 in [3, 4, 5] { room.join(descriptor, send: sockets.send) }
        _ = finishTurn(&room)
        sockets.sent = [:]
        receive(&room, "one\r\ntw", from: 3)
        receive(&room, "o\n\nthr", from: 3)
        receive(&room, "hello\n", from: 4)
        receive(&room, "ee\n", from: 3)
        #expect(finishTurn(&room).isEmpty)
        #expect(
            sockets.lines(5) == ["client-1: one", "client-1: two", "client-1: ", "client-2: hello", "client-1: three"])
        #expect(sockets.lines(4) == ["client-1: one", "client-1: two", "client-1: ", "client-1: three"])
        #expect(sockets.lines(3) == ["client-2: hello"])
    }

    @Test func aLeaverGetsWhatWasQueuedThenGoes() {
        var room = ChatRoom()
        room.join(3, send: sockets.send)
        room.join(4, send: sockets.send)
        receive(&room, "bye\n", from: 3)
        room.endOfInput(3, send: sockets.send)
        #expect(room.count == 1)
        #expect(finishTurn(&room) == [ChatRoom.Departure(descriptor: 3, id: 1, reason: .left)])
        #expect(sockets.lines(3) == ["WELCOME client-1", "client-2 joined"])
        #expect(sockets.lines(4) == ["WELCOME client-2", "client-1: bye", "client-1 left"])
        #expect(room.member(3) == nil)
    }

    @Test func aLineTooLongIsAnsweredAndClosed() {
        var room = ChatRoom()
        room.join(3, send: sockets.send)
        room.join(4, send: sockets.send)
        receive(&room, "fine\n" + String(repeating: "x", count: 4097), from: 3)
        receive(&room, "more\n", from: 3)  // ignored: it left
        #expect(finishTurn(&room) == [ChatRoom.Departure(descriptor: 3, id: 1, reason: .lineTooLong)])
        #expect(sockets.lines(3).last == "ERR line too long")
        #expect(sockets.lines(4) == ["WELCOME client-2", "client-1: fine", "client-1 left"])
    }

    @Test func theLongestLineIsRelayed() {
        var room = ChatRoom()
        room.join(3, send: sockets.send)
        room.join(4, send: sockets.send)
        let line = String(repeating: "y", count: 4096)
        receive(&room, line + "\r\n", from: 3)
        #expect(finishTurn(&room).isEmpty)
        #expect(sockets.lines(4).last == "client-1: " + line)
    }

    @Test func aMemberThatDoesNotReadIsCutOffAndNobodyWaits() {
        var room = ChatRoom(outboxLimit: 8 * 1024)
        for descriptor: Int32 in [3, 4, 5] { room.join(descriptor, send: sockets.send) }
        _ = finishTurn(&room)
        sockets.room[5] = 1000  // its send buffer takes 1000 more bytes, then nothing
        var departures: [ChatRoom.Departure] = []
        for number in 0..<1000 {
            receive(&room, "line \(number)\n", from: 3)
            departures += finishTurn(&room)
        }
        #expect(departures == [ChatRoom.Departure(descriptor: 5, id: 3, reason: .tooSlow)])
        let lines = sockets.lines(4)
        #expect(lines.filter { $0.hasPrefix("client-1: ") } == (0..<1000).map { "client-1: line \($0)" })
        #expect(lines.contains("client-3 left"))
        #expect(room.count == 2)
    }

    @Test func aBurstLargerThanTheOutboxIsFineWhenTheKernelTakesIt() {
        var room = ChatRoom(outboxLimit: 8 * 1024)
        room.join(3, send: sockets.send)
        room.join(4, send: sockets.send)
        let burst = (0..<5000).map { "line \($0)\n" }.joined()  // about 50 KiB relayed in one call
        receive(&room, burst, from: 3)
        #expect(finishTurn(&room).isEmpty)
        #expect(sockets.lines(4) == ["WELCOME client-2"] + (0..<5000).map { "client-1: line \($0)" })
    }

    @Test func aFailedSocketLeavesAtOnce() {
        var room = ChatRoom()
        room.join(3, send: sockets.send)
        room.join(4, send: sockets.send)
        _ = finishTurn(&room)
        sockets.failing = [4]
        receive(&room, "anyone?\n", from: 3)
        #expect(finishTurn(&room) == [ChatRoom.Departure(descriptor: 4, id: 2, reason: .failed)])
        #expect(sockets.lines(3).last == "client-2 left")
        #expect(room.member(4) == nil)
    }

    /// Found by the chat fuzz target: the departure said `left` ("got what was queued") for a
    /// leaver whose socket failed before its greeting was written.
    @Test func aLeaverWhoseSocketFailsIsReportedFailed() {
        var room = ChatRoom()
        sockets.room[3] = 4  // the kernel takes 4 bytes of the greeting, then nothing
        room.join(3, send: sockets.send)
        room.endOfInput(3, send: sockets.send)
        #expect(finishTurn(&room).isEmpty, "it leaves once its greeting is written")
        sockets.failing = [3]
        room.flush(3, send: sockets.send)
        #expect(finishTurn(&room) == [ChatRoom.Departure(descriptor: 3, id: 1, reason: .failed)])
        #expect(room.member(3) == nil)
    }

    @Test func queuedMembersComeBackOnceEach() {
        var room = ChatRoom()
        for descriptor: Int32 in [3, 4, 5] { room.join(descriptor, send: sockets.send) }
        receive(&room, "a\nb\nc\n", from: 3)
        var queued: [Int32] = []
        while let descriptor = room.nextQueued() { queued.append(descriptor) }
        #expect(queued.sorted() == [3, 4, 5])
    }

    @Test func formatsMessages() {
        #expect(ChatMessages.relay(from: 12, Array("hi there".utf8)[...]) == Array("client-12: hi there\n".utf8))
        #expect(ChatMessages.welcome(7) == Array("WELCOME client-7\n".utf8))
        #expect(ChatMessages.joined(7) == Array("client-7 joined\n".utf8))
        #expect(ChatMessages.left(7) == Array("client-7 left\n".utf8))
    }
}
