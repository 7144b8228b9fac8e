import DumbProtocol
import DumbTestSupport
import Synchronization
import Testing

@Suite struct ConnectionSessionTests {
    /// Drives a session the way a blocking server does, with an instant clock; returns what it wrote.
    func serve(_ input: String, endOfInput: Bool = true, session: inout ConnectionSession) -> String {
        var output: [UInt8] = []
        var fed = false
        loop: while true {
            switch session.nextStep() {
            case .read:
                if !fed {
                    Array(input.utf8).withUnsafeBytes { session.received($0) }
                    fed = true
                } else if endOfInput {
                    session.receivedEndOfInput()
                } else {
                    break loop
                }
            case .write:
                output += session.output.bytes
                session.wrote(session.output.count)
            case .wait:
                session.waitFinished()
            case .burn(let iterations):
                session.burnFinished(result: Burn.result(iterations: iterations))
            case .close:
                break loop
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    @Test func answersInOrder() {
        var session = ConnectionSession()
        let output = serve("PING\nWAIT 5\nBURN 1\nSTREAM 3\nfoo\n\nPING x\nPING", session: &session)
        #expect(output == "PONG\nDONE\nRESULT 10451216379200822465\nabc\nDONE\nERR unknown command\nERR bad argument\n")
    }

    @Test func answersBeforeAWaitOrBurnAreWrittenFirst() {
        var session = ConnectionSession()
        Array("PING\nBURN 7\nPING\nWAIT 3\nPING\n".utf8).withUnsafeBytes { session.received($0) }
        #expect(session.nextStep() == .write)
        #expect(session.output.bytes == Array("PONG\n".utf8))
        session.wrote(5)
        #expect(session.nextStep() == .burn(iterations: 7))
        session.burnFinished(result: 1)
        #expect(session.nextStep() == .write)
        #expect(session.output.bytes == Array("RESULT 1\nPONG\n".utf8))
        session.wrote(session.output.count)
        #expect(session.nextStep() == .wait(milliseconds: 3))
        session.waitFinished()
        #expect(session.nextStep() == .write)
        #expect(session.output.bytes == Array("DONE\nPONG\n".utf8))
    }

    @Test func tooLongClosesAfterTheError() {
        var session = ConnectionSession()
        let output = serve("PING\n" + String(repeating: "x", count: 5000) + "\nPING\n", session: &session)
        #expect(output == "PONG\nERR line too long\n")
    }

    @Test func outputStaysUnderTheHighWaterMark() {
        var session = ConnectionSession(outputHighWater: 1000)
        Array("STREAM 100000\nPING\n".utf8).withUnsafeBytes { session.received($0) }
        #expect(session.nextStep() == .write)
        #expect(session.output.count == 1000)
        session.wrote(400)
        #expect(session.nextStep() == .write)
        #expect(session.output.count == 1000)
    }

    @Test func aPipelineFloodIsNotReadWhileOutputIsFull() {
        var session = ConnectionSession(outputHighWater: 100)
        Array(String(repeating: "PING\n", count: 1000).utf8).withUnsafeBytes { session.received($0) }
        #expect(session.nextStep() == .write)
        #expect(session.output.count <= 105)
    }

    final class Recorder: SessionObserver, @unchecked Sendable {
        let clock = Mutex<UInt64>(0)
        let completed = Mutex<[(Command, UInt64, UInt64)]>([])
        let received = Mutex(0)
        let sent = Mutex(0)
        func now() -> UInt64 {
            clock.withLock {
                $0 += 10
                return $0
            }
        }
        func bytesReceived(_ count: Int) { received.withLock { $0 += count } }
        func bytesSent(_ count: Int) { sent.withLock { $0 += count } }
        func requestCompleted(_ command: Command, startedAt: UInt64, finishedAt: UInt64) {
            completed.withLock { $0.append((command, startedAt, finishedAt)) }
        }
    }

    @Test func requestsAreReportedWhenTheirLastByteIsWritten() {
        let recorder = Recorder()
        var session = ConnectionSession(observer: recorder)
        Array("PING\nSTREAM 10\nBAD\n".utf8).withUnsafeBytes { session.received($0) }
        #expect(session.nextStep() == .write)
        session.wrote(3)  // "PON"
        #expect(recorder.completed.withLock { $0.isEmpty })
        session.wrote(session.output.count)
        let commands = recorder.completed.withLock { $0.map(\.0) }
        #expect(commands == [.ping, .stream, .error])
        #expect(recorder.received.withLock { $0 } == 19)
        #expect(recorder.sent.withLock { $0 } == 5 + 16 + 20)
        #expect(recorder.completed.withLock { $0.allSatisfy { $0.2 > $0.1 } })
    }
}
