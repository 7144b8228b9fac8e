import DumbProtocol
import Testing

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
