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
