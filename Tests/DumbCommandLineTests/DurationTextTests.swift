import DumbCommandLine
import Testing

@Suite struct DurationTextTests {
    @Test func durationsAsPeopleWriteThem() {
        #expect(DurationText.parse("15s") == 15_000_000_000)
        #expect(DurationText.parse("500ms") == 500_000_000)
        #expect(DurationText.parse("2m") == 120_000_000_000)
        #expect(DurationText.parse("1h") == 3_600_000_000_000)
        #expect(DurationText.parse("250us") == 250_000)
        #expect(DurationText.parse("1.5") == 1_500_000_000)
        #expect(DurationText.parse("0") == 0)
        for wrong in ["", "s", "-1s", "1x", "fast", "1e3", "nan"] {
            #expect(DurationText.parse(wrong) == nil, "\(wrong)")
        }
        #expect(DurationText.describe(15_000_000_000) == "15s")
        #expect(DurationText.describe(120_000_000_000) == "2m")
        #expect(DurationText.describe(500_000_000) == "500ms")
        #expect(DurationText.describe(1_500_000_000) == "1500ms")
        #expect(DurationText.describe(250_000) == "250us")
    }
}
