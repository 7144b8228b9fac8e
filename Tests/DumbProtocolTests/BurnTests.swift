import DumbProtocol
import Testing

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
