import DumbSystem
import Glibc
import LabKit
import Testing

@Suite struct LinearFitTests {
    @Test func theSlopeIsTheCostOfOneMore() throws {
        let fit = try #require(LinearFit([(0, 1000), (1000, 6000), (2000, 11000), (3000, 16000)]))
        #expect(abs(fit.slope - 5) < 1e-9 && abs(fit.intercept - 1000) < 1e-6)
        #expect(abs(fit.rSquared - 1) < 1e-9)
        #expect(LinearFit([(1, 1)]) == nil)
        #expect(LinearFit([(1, 1), (1, 2)]) == nil, "no spread in x, no slope")
    }
}

@Suite struct ProcessSampleTests {
    @Test func thisProcessHasThreadsMemoryAndDescriptors() throws {
        let sample = try #require(ProcessSample.read(getpid()))
        #expect(sample.rssBytes > 1 << 20 && sample.threads >= 1 && sample.descriptors >= 3)
        #expect(sample.userSeconds + sample.systemSeconds > 0)
        #expect(ProcessSample.read(Int32.max) == nil)
    }
}

@Suite struct ServerCatalogTests {
    @Test func serversByEveryNameTheLabsUse() throws {
        #expect(ServerCatalog.server("epoll")?.binary == "dumb_epoll")
        #expect(ServerCatalog.server("dumb_epoll_workers")?.service == "epoll-workers")
        #expect(ServerCatalog.server("epoll_workers")?.binary == "dumb_epoll_workers")
        #expect(ServerCatalog.server("Multithreaded")?.binary == "dumb_multithreaded")
        #expect(throws: LabError.self) { try ServerCatalog.dumbServer("apache") }
        #expect { try ServerCatalog.dumbServer("select-chat") } throws: { "\($0)".contains("chat protocol") }
        #expect(ServerCatalog.dumbServers.count == 7)
    }

    @Test func everyLabHasAFolderAndIsFoundByItsNames() {
        #expect(LabCatalog.labs.map(\.id) == (1...10).map { $0 < 10 ? "0\($0)" : "\($0)" })
        #expect(LabCatalog.lab("1")?.folder == "01-iterative")
        #expect(LabCatalog.lab("08-memory-limits")?.id == "08")
        #expect(LabCatalog.lab("compare")?.id == "10")
        #expect(LabCatalog.lab("11") == nil)
    }
}
