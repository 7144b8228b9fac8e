import Testing

@testable import DumbProtocol

@Suite struct LineFramerTests {
    func lines(_ framer: inout LineFramer) -> [String] {
        var result: [String] = []
        while let event = framer.nextLine() {
            switch event {
            case .line(let bytes): result.append(String(decoding: bytes, as: UTF8.self))
            case .lineTooLong:
                result.append("<too long>")
                return result
            }
        }
        return result
    }

    @Test func pipelinedLinesComeOutInOrder() {
        var framer = LineFramer()
        framer.append(contentsOf: Array("PING\nBURN 1\n\nWAIT 5\nSTRE".utf8))
        #expect(lines(&framer) == ["PING", "BURN 1", "", "WAIT 5"])
        framer.append(contentsOf: Array("AM 3\n".utf8))
        #expect(lines(&framer) == ["STREAM 3"])
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func anyFragmentationGivesTheSameLines() {
        let text = Array("PING\r\nBURN 1000\n\n  wait 5 \r\nSTREAM 3\nx\r\r\n".utf8)
        var whole = LineFramer()
        whole.append(contentsOf: text)
        let expected = lines(&whole)
        #expect(expected == ["PING", "BURN 1000", "", "  wait 5 ", "STREAM 3", "x\r"])
        for size in 1...7 {
            var framer = LineFramer()
            var got: [String] = []
            var index = 0
            while index < text.count {
                framer.append(contentsOf: text[index..<min(index + size, text.count)])
                got += lines(&framer)
                index += size
            }
            #expect(got == expected, "fragments of \(size)")
        }
    }

    @Test func onlyACarriageReturnRightBeforeTheNewlineIsDropped() {
        var framer = LineFramer()
        framer.append(contentsOf: Array("A\rB\r\n\r\n\r".utf8))
        #expect(lines(&framer) == ["A\rB", ""])
    }

    @Test func theLimitIs4096BytesBeforeTheNewline() {
        var framer = LineFramer()
        framer.append(contentsOf: [UInt8](repeating: UInt8(ascii: "a"), count: 4096) + [10])
        #expect(lines(&framer).first?.count == 4096)
        framer.append(contentsOf: [UInt8](repeating: UInt8(ascii: "a"), count: 4096) + [13, 10])
        #expect(lines(&framer).first?.count == 4096)
        framer.append(contentsOf: [UInt8](repeating: UInt8(ascii: "a"), count: 4097) + [10])
        #expect(lines(&framer) == ["<too long>"])
        #expect(framer.nextLine() == .lineTooLong, "a framer stays poisoned")
    }

    @Test func anOverlongLineIsReportedWithoutWaitingForItsNewline() {
        var framer = LineFramer()
        framer.append(contentsOf: [UInt8](repeating: UInt8(ascii: "a"), count: 4096))
        #expect(framer.nextLine() == nil)
        framer.append(contentsOf: [13])  // may still be the \r of a CRLF
        #expect(framer.nextLine() == nil)
        framer.append(contentsOf: [UInt8(ascii: "a")])
        #expect(framer.nextLine() == .lineTooLong)
        #expect(framer.bufferedByteCount == 0, "nothing is kept after the verdict")
    }

    @Test func endOfInputDropsThePartialLineOnly() {
        var framer = LineFramer()
        framer.append(contentsOf: Array("PING\nBURN 1\nPIN".utf8))
        framer.finishInput()
        #expect(lines(&framer) == ["PING", "BURN 1"])
        var partialOnly = LineFramer()
        partialOnly.append(contentsOf: Array("PIN".utf8))
        partialOnly.finishInput()
        #expect(partialOnly.nextLine() == nil)
    }

    @Test func memoryFollowsWhatWasNotConsumed() {
        var framer = LineFramer()
        for _ in 0..<100_000 {
            framer.append(contentsOf: Array("PING\n".utf8))
            _ = framer.nextLine()
        }
        #expect(framer.bufferedByteCount == 0)
    }
}
