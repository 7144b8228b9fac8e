import DumbMetrics
import DumbProtocol
import DumbSystem
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// One BURN on the thread pool, in slices, so a connection that goes away or a server that
/// stops does not leave a pool thread burning for seconds.
final class BurnJob: Sendable {
    /// About 20 ms of work between two checks (a release build; a debug build is hundreds of times slower).
    static let slice: UInt64 = 10_000_000

    private let iterations: UInt64
    private let cancelled = Atomic<Bool>(false)

    init(iterations: UInt64) {
        self.iterations = iterations
    }

    func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }

    func run() throws -> UInt64 {
        var burn = Burn(iterations: iterations)
        while !burn.isFinished {
            guard !cancelled.load(ordering: .relaxed), StopSignal.pending == nil else { throw CancellationError() }
            burn.run(upTo: Self.slice)
        }
        return burn.result!
    }
}
