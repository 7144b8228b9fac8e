import ArgumentParser
import Dispatch
import DumbCommandLine
import DumbMetrics
import DumbServerKit
import DumbSystem
import Glibc
import Logging
import NIOCore
import NIOPosix

/// Each event loop's share of the metrics (`dumb_worker_*{worker="0"}`, …).
struct EventLoopMetrics: Sendable {
    private let loops: [any EventLoop]
    private let workers: [WorkerMetrics]

    init(group: MultiThreadedEventLoopGroup, metrics: ServerMetrics) {
        loops = Array(group.makeIterator())
        workers = loops.indices.map { metrics.worker($0) }
    }

    func worker(for loop: any EventLoop) -> WorkerMetrics {
        workers[loops.firstIndex { $0 === loop } ?? 0]
    }
}
