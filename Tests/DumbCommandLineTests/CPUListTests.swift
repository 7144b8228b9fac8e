import DumbCommandLine
import Testing

@Suite struct CPUListTests {
    @Test func listsAsTasksetWritesThem() {
        #expect(CPUList.parse("0") == [0])
        #expect(CPUList.parse("0-3") == [0, 1, 2, 3])
        #expect(CPUList.parse("3,0-1,1") == [0, 1, 3])
        for wrong in ["", "a", "1-", "-1", "3-1", "0,,1", "1-2-3"] {
            #expect(CPUList.parse(wrong) == nil, "\(wrong)")
        }
    }
}
