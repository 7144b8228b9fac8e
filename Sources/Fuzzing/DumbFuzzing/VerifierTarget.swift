import DumbProtocol

/// `ResponseVerifier`, the client's judge, fed answers in random chunks: mostly a correct
/// answer with one byte changed, inserted or dropped (or none), sometimes bytes at random.
/// It must call an answer complete exactly when the bytes begin with the right answer, at
/// its last byte; never accept a wrong one; and say wrong no later than the end of the line
/// where the answer went wrong.
public enum VerifierTarget {
    public static func run(_ data: UnsafeRawBufferPointer) throws(FuzzFailure) {
        var input = FuzzInput(data)
        let pick = input.next()
        let iterations = input.next() % 3000
        let expected: ResponseVerifier.Expected
        let correct: [UInt8]
        switch pick % 5 {
        case 0: (expected, correct) = (.pong, Array("PONG\n".utf8))
        case 1: (expected, correct) = (.done, Array("DONE\n".utf8))
        case 2:
            let result = ProtocolModel.burn(iterations)
            (expected, correct) = (.result(result), Array("RESULT \(result)\n".utf8))
        case 3:
            let count = input.next() % 3_000
            (expected, correct) = (
                .stream(byteCount: count), ProtocolModel.response(.stream(count), budget: .max) { $0 }
            )
        default:
            let prefix = Array(input.payload.prefix(Int(input.next() % 6)).filter { $0 != UInt8(ascii: "\n") })
            return try runPrefixed(prefix, &input)
        }
        var answer = correct
        switch input.next() % 5 {
        case 0: break
        case 1: answer = input.payload  // anything at all
        default:  // one byte changed, inserted or dropped, somewhere
            let at = Int(input.next() % UInt64(answer.count))
            let byte = input.payload.first ?? UInt8(truncatingIfNeeded: input.next())
            switch input.next() % 3 {
            case 0: answer[at] = byte
            case 1: answer.insert(byte, at: at)
            default: answer.remove(at: at)
            }
            answer += input.payload.prefix(16)
        }
        let firstDifference = DumbFuzzing.firstDifference(answer, correct)
        let right = firstDifference == correct.count
        // where a wrong RESULT must be seen: its digits are judged at the line's end
        let lineEnd = answer[firstDifference...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }

        var verifier = ResponseVerifier(expecting: expected)
        var offset = 0
        while offset < answer.count {
            let count = input.size(upTo: answer.count - offset)
            let verdict = answer[offset..<(offset + count)].withUnsafeBytes { verifier.consume($0) }
            let chunkEnd = offset + count
            switch verdict {
            case .incomplete:
                if right && chunkEnd >= correct.count {
                    throw FuzzFailure("the whole right answer was given and the verifier still waits")
                }
                if !right && chunkEnd > firstDifference {
                    // a RESULT's digits are judged when its line ends; every other byte at once
                    if !isResult(expected) { throw FuzzFailure("byte \(firstDifference) is wrong, not called wrong") }
                    if let lineEnd, chunkEnd >= lineEnd {
                        throw FuzzFailure("a wrong RESULT line was not called wrong at its end")
                    }
                }
                offset = chunkEnd
                continue
            case .complete(let consumed):
                if !right { throw FuzzFailure("a wrong answer was accepted (it differs at byte \(firstDifference))") }
                if offset + consumed != correct.count {
                    throw FuzzFailure("complete after \(offset + consumed) bytes, the answer has \(correct.count)")
                }
            case .wrong(let reason):
                if right { throw FuzzFailure("the right answer was called wrong: \(reason)") }
                if chunkEnd <= firstDifference {
                    throw FuzzFailure("called wrong (\(reason)) before the first wrong byte, \(firstDifference)")
                }
            }
            return
        }
    }

    static func isResult(_ expected: ResponseVerifier.Expected) -> Bool {
        if case .result = expected { return true }
        return false
    }

    /// Any one line that begins with `prefix` (redis-server's `+PONG`), at most 64 bytes here.
    static func runPrefixed(_ prefix: [UInt8], _ input: inout FuzzInput) throws(FuzzFailure) {
        let maxLineLength = 64
        var answer = prefix + input.payload.dropFirst(prefix.count)
        if input.next() % 2 == 0 { answer = input.payload }
        // the model: the first `\n` at or after the prefix ends it; a byte off the prefix, or
        // more than the limit without a `\n`, is wrong
        var expectedEnd: Int?
        var expectedWrong: Int?
        for (index, byte) in answer.enumerated() {
            if index < prefix.count && byte != prefix[index] {
                expectedWrong = index
                break
            }
            if byte == UInt8(ascii: "\n") && index >= prefix.count {
                expectedEnd = index + 1
                break
            }
            if index >= maxLineLength {
                expectedWrong = index
                break
            }
        }
        var verifier = ResponseVerifier(expecting: .linePrefix(prefix), maxLineLength: maxLineLength)
        var offset = 0
        while offset < answer.count {
            let count = input.size(upTo: answer.count - offset)
            let verdict = answer[offset..<(offset + count)].withUnsafeBytes { verifier.consume($0) }
            let chunkEnd = offset + count
            switch verdict {
            case .incomplete:
                if let end = expectedEnd, end <= chunkEnd { throw FuzzFailure("a complete line was not seen") }
                if let wrong = expectedWrong, wrong < chunkEnd {
                    throw FuzzFailure("byte \(wrong) was not called wrong")
                }
                offset = chunkEnd
                continue
            case .complete(let consumed):
                if offset + consumed != expectedEnd {
                    throw FuzzFailure("complete at \(offset + consumed), expected \(String(describing: expectedEnd))")
                }
            case .wrong:
                guard let wrong = expectedWrong, wrong >= offset, wrong < chunkEnd else {
                    throw FuzzFailure(
                        "called wrong in bytes \(offset)..<\(chunkEnd), expected \(String(describing: expectedWrong))")
                }
            }
            return
        }
        if expectedEnd != nil || expectedWrong != nil { throw FuzzFailure("the verdict never came") }
    }
}
