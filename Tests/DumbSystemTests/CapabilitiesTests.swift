import DumbSystem
import Glibc
import Testing

@Suite struct CapabilitiesTests {
    @Test func capabilitiesAreReadable() {
        #expect(!Capabilities.current().isEmpty)
    }
}
