import DumbProtocol

/// `ConnectionSession` driven as a server drives it — reads cut anywhere, writes the kernel
/// takes only in part, WAITs and BURNs finished when it asks — with the input, then a
/// half-close: what it sends must be exactly what ``ProtocolModel`` says a correct server
/// sends, in order, and its output buffer must stay bounded.
public enum SessionTarget {
    /// Output compared per input: every answer but a long STREAM's end, and fast to check.
    static let budget = 32 * 1024
    /// BURNs up to this many iterations are computed; longer ones get a stand-in result, the
    /// same on both sides (`Burn` itself is checked against the protocol's table elsewhere).
    static let computedBurn: UInt64 = 2_000

    static func standIn(_ iterations: UInt64) -> UInt64 { iterations &* 0x9E37_79B9_7F4A_7C15 ^ 0x5DEE_CE66 }

    public static func run(_ data: UnsafeRawBufferPointer) throws(FuzzFailure) {
        var input = FuzzInput(data)
        let bytes = input.payload
        // a small high-water mark too, so that STREAM and pipelined answers hit it
        let highWater = input.next() % 2 == 0 ? ConnectionSession.defaultOutputHighWater : 64 + Int(input.next() % 512)
        var session = ConnectionSession(outputHighWater: highWater)
        var sent: [UInt8] = []
        var offset = 0
        var ended = false
        var closed = false
        // every step does some work, so this bounds the run without cutting a correct one short
        var steps = 0
        while !closed && sent.count < budget {
            steps += 1
            if steps > 4 * (bytes.count + budget) + 16 { throw FuzzFailure("the session made no progress") }
            switch session.nextStep() {
            case .read:
                if ended { throw FuzzFailure("the session asked for input after the end of input") }
                if offset < bytes.count {
                    let count = input.size(upTo: min(bytes.count - offset, 16 * 1024))
                    bytes[offset..<(offset + count)].withUnsafeBytes { session.received($0) }
                    offset += count
                } else {
                    session.receivedEndOfInput()
                    ended = true
                }
            case .write:
                let pending = session.output.count
                if pending == 0 { throw FuzzFailure("the session asked to write an empty output") }
                let count = input.size(upTo: pending)
                session.output.withReadableBytes { sent += $0.prefix(count) }
                session.wrote(count)
            case .wait:
                session.waitFinished()
            case .burn(let iterations):
                let result = iterations <= computedBurn ? Burn.result(iterations: iterations) : standIn(iterations)
                session.burnFinished(result: result)
            case .close:
                closed = true
            }
            // bounded: one answer line past the high-water mark at most
            if session.output.count > highWater + 64 {
                throw FuzzFailure("\(session.output.count) bytes of output held, high-water mark \(highWater)")
            }
        }
        let expected = ProtocolModel.conversation(bytes, budget: budget) { iterations in
            iterations <= computedBurn ? ProtocolModel.burn(iterations) : standIn(iterations)
        }
        let got = Array(sent.prefix(budget))
        if got != expected {
            let at = firstDifference(got, expected)
            throw FuzzFailure(
                "the session sent \(got.count) bytes, the protocol says \(expected.count); they differ at byte \(at): \(ResponseVerifier.printable([], got[min(at, got.count)...])) instead of \(ResponseVerifier.printable([], expected[min(at, expected.count)...]))"
            )
        }
        if got.count < budget && !closed { throw FuzzFailure("the session did not close after the end of input") }
    }
}
