// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "c10k-lab",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dumb_iterative", targets: ["dumb_iterative"]),
        .executable(name: "dumb_multithreaded", targets: ["dumb_multithreaded"]),
        .executable(name: "dumb_reactor", targets: ["dumb_reactor"]),
        .executable(name: "dumb_coro", targets: ["dumb_coro"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
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
            name: "dumb_multithreaded",
            dependencies: ["DumbServerKit"],
            path: "Sources/Servers/04-dumb_multithreaded"
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

        .target(name: "DumbTestSupport", dependencies: ["DumbProtocol", "DumbSystem"], path: "Tests/DumbTestSupport"),
        .testTarget(name: "DumbProtocolTests", dependencies: ["DumbProtocol"]),
        .testTarget(name: "DumbSystemTests", dependencies: ["DumbSystem", "DumbTestSupport"]),
        .testTarget(name: "DumbMetricsTests", dependencies: ["DumbMetrics", "DumbTestSupport"]),
        .testTarget(name: "DumbServerKitTests", dependencies: ["DumbServerKit", "DumbTestSupport"]),
        .testTarget(name: "DumbPollerTests", dependencies: ["DumbPoller", "DumbSystem"]),
        .testTarget(
            name: "ServersTests",
            dependencies: [
                "DumbTestSupport", "DumbProtocol", "dumb_iterative", "dumb_multithreaded", "dumb_reactor", "dumb_coro",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
