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
