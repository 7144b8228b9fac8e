import DumbProtocol
import LoadGenerator
import Testing

@Suite struct RequestMixTests {
    @Test func oneRequest() throws {
        let mix = try RequestMix.single("BURN 1000")
        #expect(mix.entries.count == 1)
        #expect(mix.entries[0].line == "BURN 1000")
        #expect(mix.entries[0].request == .burn(iterations: 1000))
        #expect(mix.expectedAnswers() == [.result(18_296_984_787_417_760_110)])
        #expect(try RequestMix.single(" ping ").expectedAnswers() == [.pong])
        #expect(try RequestMix.single("WAIT 5").expectedAnswers() == [.done])
        #expect(try RequestMix.single("STREAM 4096").expectedAnswers() == [.stream(byteCount: 4096)])
    }

    @Test func aWeightedMix() throws {
        let mix = try RequestMix.parse("PING=70,BURN 1000=20,STREAM 4096=10,BURN 1000=5")
        #expect(mix.entries.map(\.line) == ["PING", "BURN 1000", "STREAM 4096", "BURN 1000"])
        #expect(mix.entries.map(\.weight) == [70, 20, 10, 5])
        #expect(mix.expectedAnswers()[3] == .result(18_296_984_787_417_760_110))
        #expect(mix.description == "\"PING=70,BURN 1000=20,STREAM 4096=10,BURN 1000=5\"")
    }

    @Test func anyServerWithExpect() throws {
        let mix = try RequestMix.single("GET key", expect: "$")
        #expect(mix.entries[0].request == nil)
        #expect(mix.expectedAnswers() == [.linePrefix(Array("$".utf8))])
        #expect(try RequestMix.parse("PING=1,ECHO x=1", expect: "+").entries.count == 2)
    }

    @Test func mistakesAreExplained() {
        let cases: [(() throws(UsageError) -> RequestMix, String)] = [
            ({ () throws(UsageError) in try RequestMix.single("FOO") }, "not a DUMB request (unknown command)"),
            ({ () throws(UsageError) in try RequestMix.single("BURN x") }, "--expect PREFIX"),
            ({ () throws(UsageError) in try RequestMix.single("") }, "one non-empty line"),
            ({ () throws(UsageError) in try RequestMix.parse("PING") }, "has no weight"),
            ({ () throws(UsageError) in try RequestMix.parse("PING=0") }, "from 1 to 1000000"),
            ({ () throws(UsageError) in try RequestMix.parse("PING=99999999999") }, "from 1 to 1000000"),
            ({ () throws(UsageError) in try RequestMix.parse("PING=a") }, "whole number"),
            ({ () throws(UsageError) in try RequestMix.parse("PING=1,,BURN 1=1") }, "has no weight"),
        ]
        for (make, message) in cases {
            do {
                _ = try make()
                Issue.record("accepted, expected: \(message)")
            } catch {
                #expect(error.description.contains(message), "\(error.description)")
            }
        }
    }
}
