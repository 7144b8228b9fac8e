import DumbSystem
import DumbTestSupport
import Foundation
import Glibc
import Testing

/// A server that gets one thing wrong: the client must catch it and count it by kind.
@Suite("c10k_client catches wrong servers")
struct WrongServerTests {
    @Test(
        "each fault is an error of its own kind",
        arguments: [
            (
                WrongServer.Fault.wrongResult, "BURN 1000", "wrong_answer",
                "expected RESULT 18296984787417760110, got RESULT 12345"
            ),
            (.shortStream, "STREAM 4096", "closed_early", ""),
            (.wrongStreamByte, "STREAM 4096", "wrong_answer", "payload byte 100 is '#', expected 'w'"),
            (.closesEarly, "PING", "closed_early", ""),
            (.silent, "PING", "timeout", "no answer within 500ms"),
        ])
    func fault(fault: WrongServer.Fault, request: String, kind: String, message: String) throws {
        let server = try WrongServer(fault)
        let run = try ClientRun([
            "4", "--port", "\(server.port)", "--duration", "1500ms", "--timeout", "500ms", "--request", request,
        ])
        #expect(run.status == 1, "\(fault): \(run.output)")
        #expect(run.errorKinds == [kind], "\(fault): \(run.errors)")
        #expect(run.integer("requests") == 0)
        #expect(message.isEmpty || run.output.contains(message), "\(fault): \(run.output)")
    }

    @Test("a mix catches the one wrong answer among right ones")
    func wrongAmongRight() throws {
        let server = try WrongServer(.wrongResult)
        let run = try ClientRun(["4", "--port", "\(server.port)", "--duration", "1s", "--mix", "PING=9,BURN 10=1"])
        #expect(run.status == 1)
        #expect((run.integer("requests") ?? 0) > 0, "the PINGs were answered")
        #expect((run.errors["wrong_answer"] ?? 0) > 0)
        #expect(run.output.contains("to BURN 10: expected RESULT 16086693280373169734, got RESULT 12345"))
    }

    @Test("a server that closes right after an answer: the answer counts, the close is seen at once")
    func closesAfterAnswering() throws {
        let server = try WrongServer(.answersThenCloses)
        let run = try ClientRun([
            "4", "--port", "\(server.port)", "--duration", "1500ms", "--timeout", "500ms", "--request", "PING",
        ])
        #expect(run.status == 1)
        #expect((run.integer("requests") ?? 0) > 0)
        #expect(!run.errorKinds.isEmpty && run.errorKinds.isSubset(of: ["closed_early", "reset"]), "\(run.errors)")
    }

    @Test("nothing listens: refused, with what to do")
    func refused() throws {
        let run = try ClientRun(["5", "--port", "\(try freeLoopbackPort())", "--duration", "1s"])
        #expect(run.status == 1)
        #expect((run.errors["refused"] ?? 0) >= 5)
        #expect(run.integer("clients_connected") == 0)
        #expect(run.output.contains("nothing listens on 127.0.0.1:"))
        #expect(run.output.contains("Limited by: the server refused"))
    }
}
