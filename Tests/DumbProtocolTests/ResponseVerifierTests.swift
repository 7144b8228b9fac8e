import DumbProtocol
import Testing

@Suite struct ResponseVerifierTests {
    /// Feeds `text` in pieces of `piece` bytes; the first verdict that is not `.incomplete`,
    /// with `consumed` counted from the start of `text`.
    func check(_ expected: ResponseVerifier.Expected, _ text: String, piece: Int = .max) -> ResponseVerifier.Verdict {
        check(expected, Array(text.utf8), piece: piece)
    }

    func check(_ expected: ResponseVerifier.Expected, _ bytes: [UInt8], piece: Int = .max) -> ResponseVerifier.Verdict {
        var verifier = ResponseVerifier(expecting: expected)
        var offset = 0
        while offset < bytes.count {
            let end = offset + min(piece, bytes.count - offset)
            let verdict = bytes[offset..<end].withUnsafeBytes { verifier.consume($0) }
            switch verdict {
            case .incomplete: break
            case .complete(let consumed): return .complete(consumed: offset + consumed)
            case .wrong: return verdict
            }
            offset = end
        }
        return .incomplete
    }

    func isWrong(_ verdict: ResponseVerifier.Verdict, containing text: String = "") -> Bool {
        if case .wrong(let reason) = verdict { return text.isEmpty || reason.contains(text) }
        return false
    }

    @Test func pongAndDone() {
        for piece in [1, 2, 100] {
            #expect(check(.pong, "PONG\n", piece: piece) == .complete(consumed: 5))
            #expect(check(.done, "DONE\n", piece: piece) == .complete(consumed: 5))
        }
        #expect(check(.pong, "PON") == .incomplete)
        #expect(check(.pong, "PONG\nPONG\n") == .complete(consumed: 5))
        #expect(check(.pong, "DONE\n") == .wrong("expected 'PONG', got 'DONE\\n'"))
        #expect(check(.pong, "PONG\r\n") == .wrong("expected 'PONG', got 'PONG\\r\\n'"))
        #expect(check(.done, "ERR unknown command\n") == .wrong("expected 'DONE', got 'ERR unknown command\\n'"))
    }

    @Test func resultIsCheckedAgainstItsOwnBurn() {
        let expected = ResponseVerifier.Expected(answering: .burn(iterations: 1000))
        #expect(expected == .result(18_296_984_787_417_760_110))
        for piece in [1, 3, 100] {
            #expect(check(expected, "RESULT 18296984787417760110\n", piece: piece) == .complete(consumed: 28))
        }
        #expect(check(expected, "RESULT 1829698478741776011") == .incomplete)
        #expect(
            check(expected, "RESULT 18296984787417760111\n")
                == .wrong("expected RESULT 18296984787417760110, got RESULT 18296984787417760111"))
        #expect(check(.result(0), "RESULT 0\n") == .complete(consumed: 9))
        #expect(isWrong(check(.result(5), "RESULT 05\n")), "a leading zero")
        #expect(isWrong(check(.result(5), "RESULT 5 \n")))
        #expect(isWrong(check(.result(5), "RESULT \n")))
        #expect(isWrong(check(.result(5), "RESULT  5\n")))
        #expect(isWrong(check(.result(5), "RESULT 99999999999999999999999\n")), "over UInt64")
        #expect(isWrong(check(.result(5), "result 5\n")))
        #expect(isWrong(check(.result(5), "ERR bad argument\n"), containing: "got 'ERR bad argument\\n'"))
    }

    @Test func streamBytesAndTrailerAreChecked() {
        let payload = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        func stream(_ count: Int) -> [UInt8] { (0..<count).map { payload[$0 % 26] } }
        for count in [0, 1, 30, 100_000] {
            let answer = stream(count) + Array("\nDONE\n".utf8)
            for piece in [1, 7, 4096, .max] where count < 1000 || piece >= 4096 {
                #expect(
                    check(.stream(byteCount: UInt64(count)), answer, piece: piece) == .complete(consumed: count + 6),
                    "STREAM \(count) in pieces of \(piece)")
            }
        }
        #expect(check(.stream(byteCount: 30), stream(29)) == .incomplete, "short: the caller sees the close")
        var wrongByte = stream(4096) + Array("\nDONE\n".utf8)
        wrongByte[3000] = UInt8(ascii: "x")
        #expect(
            check(.stream(byteCount: 4096), wrongByte, piece: 1000)
                == .wrong(
                    "STREAM 4096: payload byte 3000 is 'x', expected '\(Character(Unicode.Scalar(payload[3000 % 26])))'"
                ))
        #expect(
            isWrong(
                check(.stream(byteCount: 26), stream(26) + Array("\nDONX\n".utf8)), containing: "after the payload"))
        #expect(isWrong(check(.stream(byteCount: 26), stream(26) + Array("DONE\n".utf8))), "no newline before DONE")
        #expect(isWrong(check(.stream(byteCount: 3), "ERR bad argument\n"), containing: "payload byte 0"))
    }

    @Test func expectedPrefixLines() {
        let prefix = ResponseVerifier.Expected.linePrefix(Array("+PONG".utf8))
        #expect(check(prefix, "+PONG\r\n") == .complete(consumed: 7))
        #expect(check(prefix, "+PONG and more\n", piece: 1) == .complete(consumed: 15))
        #expect(check(prefix, "+PONG") == .incomplete)
        #expect(
            check(prefix, "-ERR unknown\r\n")
                == .wrong("expected a line beginning with '+PONG', got '-ERR unknown\\r\\n'"))
        #expect(isWrong(check(prefix, "+PO\n")))
        var long = ResponseVerifier(expecting: .linePrefix([]), maxLineLength: 10)
        let verdict = Array(String(repeating: "a", count: 20).utf8).withUnsafeBytes { long.consume($0) }
        #expect(isWrong(verdict, containing: "without a newline"))
    }

    @Test func resetStartsANewAnswer() {
        var verifier = ResponseVerifier(expecting: .pong)
        #expect(Array("PONG\n".utf8).withUnsafeBytes { verifier.consume($0) } == .complete(consumed: 5))
        #expect(verifier.received == 5)
        verifier.reset()
        #expect(Array("PO".utf8).withUnsafeBytes { verifier.consume($0) } == .incomplete)
        #expect(Array("NG\n".utf8).withUnsafeBytes { verifier.consume($0) } == .complete(consumed: 3))
    }

    @Test func streamMismatchesAreFoundAtAnyOffset() {
        let payload: [UInt8] = (0..<200_000).map { StreamPayload.expectedByte(at: UInt64($0) + 7) }
        payload.withUnsafeBytes { bytes in
            #expect(StreamPayload.firstMismatch(in: bytes, payloadOffset: 7) == nil)
            #expect(StreamPayload.firstMismatch(in: bytes, payloadOffset: 8) == 0)
        }
        var broken = payload
        broken[150_001] = 0
        broken.withUnsafeBytes { bytes in
            #expect(StreamPayload.firstMismatch(in: bytes, payloadOffset: 7) == 150_001)
        }
    }

    @Test func printableEscapesAndCuts() {
        #expect(ResponseVerifier.printable(Array("ab".utf8), Array("c\u{1}'\r\nrest".utf8)) == "'abc\\x01\\'\\r\\n'")
        let long = ResponseVerifier.printable([], Array(String(repeating: "z", count: 100).utf8))
        #expect(long == "'" + String(repeating: "z", count: 60) + "…'")
    }
}
