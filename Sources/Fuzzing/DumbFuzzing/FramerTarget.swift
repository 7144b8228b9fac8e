import DumbProtocol

/// The line framer and the request parser, fed the input in random chunks the way a server
/// reads a socket, against ``ProtocolModel``: the same lines, the same requests, in order.
public enum FramerTarget {
    public static func run(_ data: UnsafeRawBufferPointer) throws(FuzzFailure) {
        var input = FuzzInput(data)
        let bytes = input.payload
        var framer = LineFramer()
        var got: [ProtocolModel.Answer] = []
        var tooLong = false
        var offset = 0
        func drain() throws(FuzzFailure) {
            while !tooLong, let event = framer.nextLine() {
                switch event {
                case .lineTooLong: tooLong = true
                case .line(let line):
                    if line.count > ProtocolModel.maxLineLength { throw FuzzFailure("a \(line.count)-byte line") }
                    got.append(Self.answer(RequestParser.parse(line)))
                }
            }
        }
        while offset < bytes.count && !tooLong {
            let count = input.size(upTo: bytes.count - offset)
            bytes[offset..<(offset + count)].withUnsafeBytes { framer.append($0) }
            offset += count
            try drain()
            // the framer holds at most the limit plus the last read
            if framer.bufferedByteCount > ProtocolModel.maxLineLength + 1 + count {
                throw FuzzFailure("the framer holds \(framer.bufferedByteCount) bytes after a \(count)-byte read")
            }
        }
        framer.finishInput()
        try drain()
        let (lines, modelTooLong) = ProtocolModel.lines(bytes)
        let expected = lines.map(ProtocolModel.answer)
        if got != expected || tooLong != modelTooLong {
            throw FuzzFailure(
                "the framer and parser gave \(got.count) requests (too long: \(tooLong)), the protocol \(expected.count) (too long: \(modelTooLong)); first difference at \(firstDifference(got, expected))"
            )
        }
    }

    static func answer(_ parsed: ParsedLine) -> ProtocolModel.Answer {
        switch parsed {
        case .empty: .nothing
        case .error(.unknownCommand): .unknownCommand
        case .error(_): .badArgument
        case .request(.ping): .pong
        case .request(.wait(let milliseconds)): .wait(milliseconds)
        case .request(.burn(let iterations)): .burn(iterations)
        case .request(.stream(let byteCount)): .stream(byteCount)
        }
    }
}
