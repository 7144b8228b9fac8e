// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "c10k-lab",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dumb_iterative", targets: ["dumb_iterative"]),
        .executable(name: "select_chat", targets: ["select_chat"]),
        .executable(name: "epoll_chat", targets: ["epoll_chat"]),
        .executable(name: "dumb_multithreaded", targets: ["dumb_multithreaded"]),
        .executable(name: "dumb_epoll", targets: ["dumb_epoll"]),
        .executable(name: "dumb_epoll_workers", targets: ["dumb_epoll_workers"]),
        .executable(name: "dumb_reactor", targets: ["dumb_reactor"]),
        .executable(name: "dumb_coro", targets: ["dumb_coro"]),
        .executable(name: "dumb_nio", targets: ["dumb_nio"]),
        .executable(name: "c10k_client", targets: ["c10k_client"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
    ],
    targets: [
        // The protocol core: framing, parsing, BURN, STREAM, the per-connection state machine.
        // Pure Swift, no system calls; shared by every server, the client and the tests.
        .target(
            name: "DumbProtocol",
            dependencies: [.product(name: "DequeModule", package: "swift-collections")]
        ),
        // The system layer: sockets, signals, threads, capabilities over Glibc and libcap.
        .target(name: "CDumbSystem"),
        .systemLibrary(name: "CLibcap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        .target(name: "DumbSystem", dependencies: ["CDumbSystem", "CLibcap"]),
        // One metrics layer for every server and the client.
        .target(
            name: "DumbMetrics",
            dependencies: ["DumbProtocol", "DumbSystem", .product(name: "Prometheus", package: "swift-prometheus")]
        ),
        // What every server's main shares and teaches nothing: options, logging, start-up.
        .target(
            name: "DumbServerKit",
            dependencies: [
                "DumbProtocol", "DumbSystem", "DumbMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        // The reactor's demultiplexer: one Poller interface, one file per backend (epoll, poll).
        .target(name: "DumbPoller", dependencies: ["DumbSystem"]),

        // The servers, in the order of the walkthrough.
        .executableTarget(
            name: "dumb_iterative",
            dependencies: ["DumbServerKit"],
            path: "Sources/Servers/01-dumb_iterative"
        ),
        .executableTarget(
            name: "select_chat",
            dependencies: ["DumbServerKit"],
            path: "Sources/Servers/02-select_chat"
        ),
        .executableTarget(
            name: "epoll_chat",
            dependencies: ["DumbServerKit"],
            path: "Sources/Servers/03-epoll_chat"
        ),
        .executableTarget(
            name: "dumb_multithreaded",
            dependencies: ["DumbServerKit"],
            path: "Sources/Servers/04-dumb_multithreaded"
        ),
        // dumb_epoll's loop, a library in dumb_epoll's folder: dumb_epoll_workers runs it too.
        .target(
            name: "DumbEpollLoop",
            dependencies: ["DumbServerKit"],
            path: "Sources/Servers/05-dumb_epoll/EventLoop"
        ),
        .executableTarget(
            name: "dumb_epoll",
            dependencies: ["DumbServerKit", "DumbEpollLoop"],
            path: "Sources/Servers/05-dumb_epoll",
            exclude: ["EventLoop"]
        ),
        .executableTarget(
            name: "dumb_epoll_workers",
            dependencies: ["DumbServerKit", "DumbEpollLoop"],
            path: "Sources/Servers/06-dumb_epoll_workers"
        ),
        .executableTarget(
            name: "dumb_reactor",
            dependencies: [
                "DumbServerKit", "DumbPoller",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            path: "Sources/Servers/07-dumb_reactor"
        ),
        .executableTarget(
            name: "dumb_coro",
            dependencies: ["DumbServerKit", "CDumbSystem"],
            path: "Sources/Servers/08-dumb_coro"
        ),
        .executableTarget(
            name: "dumb_nio",
            dependencies: [
                "DumbServerKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/Servers/09-dumb_nio"
        ),

        // The load generator: the epoll engine, its pacing and its summaries; then its command.
        .target(
            name: "LoadGenerator",
            dependencies: [
                "DumbProtocol", "DumbSystem", "DumbMetrics",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .executableTarget(
            name: "c10k_client",
            dependencies: [
                "LoadGenerator",
                "DumbServerKit",  // EnvironmentDefault: the servers' DUMB_* fallbacks, as C10K_*
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .target(
            name: "DumbTestSupport", dependencies: ["DumbProtocol", "DumbSystem", "DumbMetrics", "CDumbSystem"],
            path: "Tests/DumbTestSupport"),
        .testTarget(name: "DumbProtocolTests", dependencies: ["DumbProtocol"]),
        .testTarget(name: "DumbSystemTests", dependencies: ["DumbSystem", "DumbTestSupport"]),
        .testTarget(name: "DumbMetricsTests", dependencies: ["DumbMetrics", "DumbTestSupport"]),
        .testTarget(
            name: "DumbServerKitTests",
            dependencies: [
                "DumbServerKit", "DumbTestSupport", .product(name: "InMemoryLogging", package: "swift-log"),
            ]),
        .testTarget(name: "DumbPollerTests", dependencies: ["DumbPoller", "DumbSystem"]),
        .testTarget(
            name: "ServersTests",
            dependencies: [
                "DumbTestSupport", "DumbProtocol", "DumbSystem", "dumb_iterative", "dumb_multithreaded", "select_chat",
                "epoll_chat",
                "dumb_epoll",
                "dumb_epoll_workers",
                "dumb_reactor",
                "dumb_coro",
                "dumb_nio",
            ]
        ),
        .testTarget(
            name: "ObservabilityTests",
            dependencies: [
                "DumbTestSupport", "DumbSystem", "c10k_client",
                // every server, so that they are built
                "dumb_iterative", "dumb_multithreaded", "select_chat", "epoll_chat", "dumb_epoll", "dumb_epoll_workers",
                "dumb_reactor", "dumb_coro", "dumb_nio",
            ]
        ),
        .testTarget(name: "ContainerTests", dependencies: ["DumbTestSupport"]),
        .testTarget(name: "LoadGeneratorTests", dependencies: ["LoadGenerator", "DumbTestSupport"]),
        .testTarget(
            name: "c10k_clientTests",
            dependencies: [
                "DumbTestSupport", "DumbProtocol", "DumbSystem", "c10k_client",
                // every server of ServerUnderTest.all, so that they are built
                "dumb_iterative", "dumb_multithreaded", "dumb_epoll", "dumb_epoll_workers", "dumb_reactor", "dumb_coro",
                "dumb_nio",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
