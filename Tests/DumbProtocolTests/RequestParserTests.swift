import DumbProtocol
import Testing

@Suite struct RequestParserTests {
    @Test func requests() {
        #expect(RequestParser.parse("PING") == .request(.ping))
        #expect(RequestParser.parse("ping") == .request(.ping))
        #expect(RequestParser.parse("  PiNg  ") == .request(.ping))
        #expect(RequestParser.parse("WAIT 5000") == .request(.wait(milliseconds: 5000)))
        #expect(RequestParser.parse("wait    0") == .request(.wait(milliseconds: 0)))
        #expect(RequestParser.parse("BURN 1000000000") == .request(.burn(iterations: 1_000_000_000)))
        #expect(RequestParser.parse("STREAM 1000000000000") == .request(.stream(byteCount: 1_000_000_000_000)))
        #expect(RequestParser.parse("WAIT 600000") == .request(.wait(milliseconds: 600_000)))
        #expect(RequestParser.parse("BURN 007") == .request(.burn(iterations: 7)))
    }

    /// The non-generic overload for the framer's lines (a slice inside a larger buffer, as the
    /// framer hands them out) parses exactly as the generic one.
    @Test(arguments: ["PING", "  bUrN   10 ", "STREAM 5", "WAIT x", "FOO", "", "PING 1", "wait 600000"])
    func framerSlicesParseAsText(line: String) {
        let buffer = Array(("xx" + line + "\nyy").utf8)
        let slice: ArraySlice<UInt8> = buffer[2..<(2 + line.utf8.count)]
        #expect(RequestParser.parse(slice) == RequestParser.parse(line))
        #expect(RequestParser.parse(slice) == RequestParser.parse(AnyCollection(slice)))
    }

    @Test func emptyLines() {
        #expect(RequestParser.parse("") == .empty)
        #expect(RequestParser.parse("     ") == .empty)
    }

    @Test(arguments: ["FOO", "PINGPING", "P ING", "\t", "PING\t", "WAIT\t5", "STREAMS 1", "ÄPING", "1"])
    func unknownCommands(line: String) {
        #expect(RequestParser.parse(line) == .error(.unknownCommand))
    }

    @Test(arguments: [
        "PING 1", "WAIT", "WAIT x", "WAIT -1", "WAIT 600001", "WAIT 1.0", "WAIT 1 2", "WAIT +1", "BURN",
        "BURN 1000000001", "BURN 18446744073709551616", "BURN 99999999999999999999999999999", "STREAM",
        "STREAM 1000000000001", "STREAM 12a",
    ])
    func badArguments(line: String) {
        #expect(RequestParser.parse(line) == .error(.badArgument))
    }

    @Test func responsesOfErrors() {
        #expect("\(RequestError.unknownCommand.responseLine)" == "ERR unknown command\n")
        #expect("\(RequestError.badArgument.responseLine)" == "ERR bad argument\n")
        #expect("\(RequestError.lineTooLong.responseLine)" == "ERR line too long\n")
    }
}

@Suite struct BurnTests {
    @Test(
        arguments: [
            (0, 0), (1, 10_451_216_379_200_822_465), (2, 2_922_963_487_156_816_012),
            (10, 16_086_693_280_373_169_734), (1000, 18_296_984_787_417_760_110),
            (100_000, 17_251_090_753_121_058_079),
        ] as [(UInt64, UInt64)])
    func specVectors(iterations: UInt64, result: UInt64) {
        #expect(Burn.result(iterations: iterations) == result)
    }

    @Test func slicesGiveTheSameResult() {
        var burn = Burn(iterations: 100_000)
        var slices = 0
        while !burn.isFinished {
            burn.run(upTo: 777)
            slices += 1
        }
        #expect(slices == 129)
        #expect(burn.result == 17_251_090_753_121_058_079)
    }
}

@Suite struct StreamPayloadTests {
    func drain(_ payload: inout StreamPayload, chunk: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        while !payload.isFinished {
            let count = buffer.withUnsafeMutableBytes { payload.fill($0) }
            bytes += buffer[0..<count]
        }
        return bytes
    }

    @Test func patternAndTrailer() {
        var payload = StreamPayload(byteCount: 30)
        #expect(String(decoding: drain(&payload, chunk: 7), as: UTF8.self) == "abcdefghijklmnopqrstuvwxyzabcd\nDONE\n")
        var empty = StreamPayload(byteCount: 0)
        #expect(drain(&empty, chunk: 1) == Array("\nDONE\n".utf8))
    }

    @Test(arguments: [1, 25, 26, 27, 4096, 65_521, 200_000])
    func everyByteAtAnyChunkSize(chunk: Int) {
        let count: UInt64 = 1_000_003
        var payload = StreamPayload(byteCount: count)
        let bytes = drain(&payload, chunk: chunk)
        #expect(bytes.count == Int(count) + 6)
        #expect(
            bytes.prefix(Int(count)).enumerated().allSatisfy {
                $0.element == StreamPayload.expectedByte(at: UInt64($0.offset))
            })
        #expect(Array(bytes.suffix(6)) == Array("\nDONE\n".utf8))
    }

    @Test func aHugePayloadIsNeverHeld() {
        var payload = StreamPayload(byteCount: Request.maxStreamBytes)
        var queue = ByteQueue()
        payload.fill(&queue, maxBytes: 65_536)
        #expect(queue.count == 65_536)
        #expect(payload.remaining == Request.maxStreamBytes - 65_536 + 6)
    }
}
