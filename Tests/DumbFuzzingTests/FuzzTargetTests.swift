import DumbFuzzing
import DumbTestSupport
import Foundation
import Testing

/// The fuzz targets in every `make test`: the committed corpus replays clean, the reference
/// model agrees with the protocol's own examples, and each target catches what it is for.
@Suite("the fuzz targets")
struct FuzzTargetTests {
    static func corpus(_ target: FuzzTarget) throws -> [URL] {
        let folder = TestTools.repositoryRoot.appendingPathComponent("Tests/Fuzz/corpus/\(target.rawValue)")
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
    }

    static func failure(_ target: FuzzTarget, seed: UInt64 = 1, _ payload: [UInt8]) -> FuzzFailure? {
        var bytes = withUnsafeBytes(of: seed.bigEndian) { Array($0) }
        bytes += payload
        return bytes.withUnsafeBytes { target.failure($0) }
    }

    @Test("the seed corpus replays without breaking a property", arguments: FuzzTarget.allCases)
    func corpusReplays(target: FuzzTarget) throws {
        let files = try Self.corpus(target)
        #expect(files.count >= 8, "Tests/Fuzz/corpus/\(target.rawValue) is missing: run scripts/fuzz-seeds.py")
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: file))
            let failure = bytes.withUnsafeBytes { target.failure($0) }
            #expect(failure == nil, "\(file.lastPathComponent): \(failure.map(String.init(describing:)) ?? "")")
        }
    }

    @Test("the model's BURN is the protocol's table")
    func modelBurn() {
        let table: [(UInt64, UInt64)] = [
            (0, 0), (1, 10_451_216_379_200_822_465), (2, 2_922_963_487_156_816_012),
            (10, 16_086_693_280_373_169_734), (1000, 18_296_984_787_417_760_110),
            (100_000, 17_251_090_753_121_058_079),
        ]
        for (iterations, result) in table { #expect(ProtocolModel.burn(iterations) == result) }
    }

    @Test("the model reads the protocol's examples as the protocol says")
    func modelExamples() {
        let examples: [(String, ProtocolModel.Answer)] = [
            ("PING", .pong), ("ping", .pong), ("  PING  ", .pong), ("", .nothing), ("   ", .nothing),
            ("BURN 007", .burn(7)), ("WAIT 600000", .wait(600_000)), ("WAIT 600001", .badArgument),
            ("FOO", .unknownCommand), ("PINGS", .unknownCommand), ("P ING", .unknownCommand),
            ("PING\tX", .unknownCommand), ("PING 1", .badArgument), ("WAIT", .badArgument), ("WAIT x", .badArgument),
            ("WAIT -1", .badArgument), ("BURN 1 2", .badArgument), ("STREAM 1000000000000", .stream(1_000_000_000_000)),
            ("BURN 99999999999999999999999", .badArgument),
        ]
        for (line, answer) in examples { #expect(ProtocolModel.answer(Array(line.utf8)) == answer, "\(line)") }
        let long = [UInt8](repeating: UInt8(ascii: "A"), count: 4096)
        #expect(ProtocolModel.lines(long + Array("\r\nPING\n".utf8)).lines.count == 2)
        #expect(ProtocolModel.lines(long + Array("A\nPING\n".utf8)) == ([], true))
        #expect(ProtocolModel.lines(long + Array("\r".utf8)) == ([], false), "may still be a CRLF")
        #expect(ProtocolModel.lines(long + Array("A".utf8)) == ([], true))
        #expect(ProtocolModel.lines(Array("PING\nPIN".utf8)) == ([Array("PING".utf8)], false))
    }

    /// The same traffic cut 200 ways (chunk sizes, partial writes, expected answers): the
    /// targets accept a correct implementation however the bytes are split.
    @Test("each target passes the protocol's traffic, however it is cut", arguments: FuzzTarget.allCases)
    func variedSeeds(target: FuzzTarget) {
        let traffic = Array("PING\nWAIT 1\nBURN 1000\nSTREAM 100000\nFOO\nping\r\n".utf8)
        for seed in 0..<UInt64(200) {
            let failure = Self.failure(target, seed: seed &* 0x9E37_79B9_7F4A_7C15, traffic)
            #expect(failure == nil, "seed \(seed): \(failure.map(String.init(describing:)) ?? "")")
        }
    }
}
