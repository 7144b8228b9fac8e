import DumbCommandLine
import Testing

@Suite struct ByteSizeTests {
    @Test func sizes() {
        #expect(ByteSize.parse("65536") == 65536)
        #expect(ByteSize.parse("64k") == 65536)
        #expect(ByteSize.parse("8M") == 8 << 20)
        #expect(ByteSize.parse("1g") == 1 << 30)
        #expect(ByteSize.parse("-1") == nil)
        #expect(ByteSize.parse("lots") == nil)
        #expect(ByteSize.parse("99999999999999999999g") == nil)
        #expect(ByteSize.describe(8 << 20) == "8 MiB")
        #expect(ByteSize.describe(65536) == "64 KiB")
        #expect(ByteSize.describe(100) == "100 B")
    }
}

@Suite struct HumanSizeTests {
    @Test func sizesForPeople() {
        #expect(ByteSize.human(64 << 20) == "64 MiB")
        #expect(ByteSize.human(900) == "900 B")
        #expect(ByteSize.human(1536) == "1.5 KiB")
        #expect(ByteSize.human(66_790_000) == "63.7 MiB")
        #expect(ByteSize.human(3 << 30 + 1 << 29) == "3.5 GiB")
    }
}
