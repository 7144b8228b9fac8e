import DumbTestSupport
import Testing

/// No request is ever served with privileges: every thread, the connection threads too,
/// has no capability and no_new_privs set. (The tests run as root, so this has teeth.)
@Suite("capabilities are dropped before serving")
struct CapabilityTests {
    @Test(arguments: ServerUnderTest.all)
    func noThreadHoldsCapabilities(server: ServerUnderTest) throws {
        let process = try server.start(["--metrics-port", "0"])
        let clients = try ThreadingTests.openConnections(3, to: process, answered: server.concurrency == .concurrent)
        #expect(process.log.contains("capabilities at start"))
        #expect(process.log.contains("dropped all capabilities"))
        let effective = ProcessStatus.perThread("CapEff", pid: process.pid)
        let permitted = ProcessStatus.perThread("CapPrm", pid: process.pid)
        let noNewPrivileges = ProcessStatus.perThread("NoNewPrivs", pid: process.pid)
        #expect(!effective.isEmpty)
        #expect(effective.allSatisfy { $0 == "0000000000000000" }, "CapEff: \(effective)")
        #expect(permitted.allSatisfy { $0 == "0000000000000000" }, "CapPrm: \(permitted)")
        #expect(noNewPrivileges.allSatisfy { $0 == "1" }, "NoNewPrivs: \(noNewPrivileges)")
        _ = clients
    }
}
