import DumbSystem
import Glibc
import Testing

@Suite struct OpenFileLimitTests {
    @Test func openFileLimitIsRaisedToTheHardLimit() {
        let limit = OpenFileLimit.raiseToHardLimit()
        #expect(limit == OpenFileLimit.current().hard)
    }
}
