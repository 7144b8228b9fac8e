import LoadGenerator
import Testing

@Suite struct ConnectionLimitsTests {
    let limits = ConnectionLimits(openFiles: (20000, 20000), alreadyOpen: 5, localPorts: 32768...60999)

    @Test func descriptorsCapTheConnections() throws {
        #expect(limits.connectionsAllowedByDescriptors == 20000 - 5 - ConnectionLimits.reserve)
        #expect(limits.descriptorWarning(clients: 10000) == nil)
        let warning = try #require(limits.descriptorWarning(clients: 25000))
        #expect(warning.contains("RLIMIT_NOFILE is 20000 (hard limit 20000)"))
        #expect(warning.contains("at most 19987 can be open"))
        #expect(warning.contains("--ulimit nofile"))
    }

    @Test func localPortsCapConnectionsToOneAddress() throws {
        #expect(limits.portWarning(clients: 20000) == nil)
        let warning = try #require(limits.portWarning(clients: 30000))
        #expect(warning.contains("32768-60999"))
        #expect(warning.contains("has 28232"))
    }

    @Test func theShortfallNamesWhatStoppedIt() throws {
        #expect(limits.shortfall(requested: 100, connected: 100, errors: ErrorCounts()) == nil)
        var errors = ErrorCounts()
        errors[.refused] = 7
        errors[.connectTimeout] = 2
        let text = try #require(limits.shortfall(requested: 100, connected: 91, errors: errors))
        #expect(text.hasPrefix("91 of 100 connections were open at once."))
        #expect(text.contains("the server refused 7 connects"))
        #expect(text.contains("2 connects timed out"))
        #expect(!text.contains("file descriptors"))
        let descriptors = try #require(limits.shortfall(requested: 25000, connected: 19987, errors: ErrorCounts()))
        #expect(descriptors.contains("file descriptors: RLIMIT_NOFILE 20000"))
        errors = ErrorCounts()
        errors[.ports] = 3
        #expect(try #require(limits.shortfall(requested: 10, connected: 9, errors: errors)).contains("local ports"))
    }
}
