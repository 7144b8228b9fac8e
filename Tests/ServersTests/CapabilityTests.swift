import DumbTestSupport
import Glibc
import Testing

/// No request is ever served with privileges: every thread, the connection threads too,
/// has no capability and no_new_privs set. A server started by anyone but root holds no
/// capability to begin with, so the check would prove nothing: it runs only as root (CI runs
/// as root) and shows as skipped otherwise.
@Suite("capabilities are dropped before serving")
struct CapabilityTests {
    static let root = geteuid() == 0

    @Test(
        .enabled(if: root, "not root: a server started without capabilities has none to drop (run the tests as root)"),
        arguments: ServerUnderTest.all)
    func noThreadHoldsCapabilities(server: ServerUnderTest) throws {
        let process = try server.start(["--metrics-port", "0"])
        let clients = try ThreadingTests.openConnections(3, to: process, answered: server.concurrency == .concurrent)
        #expect(process.log.contains("capabilities at start"))
        #expect(process.log.contains("dropped all capabilities"))
        // root's server started with capabilities: the log says which, and they are gone
        #expect(!process.log.contains("capabilities at start: none"), "\(process.log)")
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
