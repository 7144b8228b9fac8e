import Foundation

/// Every server of the lab, as the black-box suites run them. A new server joins every
/// conformance, stall and robustness test with one line here.
public struct ServerUnderTest: Sendable, CustomStringConvertible {
    /// How the server behaves when one client stalls.
    public enum Concurrency: Sendable {
        /// One connection at a time: a stalled client blocks everyone (dumb_iterative).
        case iterative
        /// Other clients keep being served.
        case concurrent
    }

    public let binary: String
    public let concurrency: Concurrency
    /// Arguments every test passes (besides --port 0 --metrics-port 0).
    public let arguments: [String]

    public init(_ binary: String, _ concurrency: Concurrency, arguments: [String] = []) {
        self.binary = binary
        self.concurrency = concurrency
        self.arguments = arguments
    }

    public var description: String { binary }

    /// A chat server (select_chat, epoll_chat): the chat protocol, not DUMB.
    public var isChat: Bool { binary.hasSuffix("_chat") }

    /// Starts the server on a port the kernel chooses.
    public func start(_ extraArguments: [String] = [], environment: [String: String] = [:]) throws -> ServerProcess {
        try ServerProcess.start(binary, arguments: arguments + extraArguments, environment: environment)
    }

    /// Starts it with its metrics endpoint on a free port (``ServerProcess/startWithMetrics``).
    public func startWithMetrics(_ extraArguments: [String] = []) throws -> ServerProcess {
        try ServerProcess.startWithMetrics(binary, arguments: arguments + extraArguments)
    }
}

extension ServerUnderTest {
    /// The DUMB protocol servers, in the order of the walkthrough; only those named in
    /// `DUMB_TEST_SERVERS` (comma-separated) when it is set, as `make sanitize` runs the suites
    /// on the servers it built with a sanitizer.
    public static let all: [ServerUnderTest] = selected(from: every)

    static func selected(from servers: [ServerUnderTest]) -> [ServerUnderTest] {
        guard let names = ProcessInfo.processInfo.environment["DUMB_TEST_SERVERS"], !names.isEmpty else {
            return servers
        }
        let wanted = Set(names.split(separator: ",").map(String.init))
        return servers.filter { wanted.contains($0.binary) }
    }

    static let every: [ServerUnderTest] = [
        ServerUnderTest("dumb_iterative", .iterative),
        ServerUnderTest("dumb_multithreaded", .concurrent),
        ServerUnderTest("dumb_epoll", .concurrent),
        ServerUnderTest("dumb_epoll_workers", .concurrent),
        ServerUnderTest("dumb_reactor", .concurrent),
        ServerUnderTest("dumb_coro", .concurrent),
        ServerUnderTest("dumb_nio", .concurrent),
    ]

    /// Every server but the iterative one: those that must stay responsive in every stall.
    public static let concurrent = all.filter { $0.concurrency == .concurrent }
}

extension ServerUnderTest {
    /// The chat servers: the chat protocol, not DUMB, so they stay out of `all` and are
    /// tested by ChatTests.
    public static let chat: [ServerUnderTest] = selected(from: [
        ServerUnderTest("select_chat", .concurrent),
        ServerUnderTest("epoll_chat", .concurrent),
    ])
}
