// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "c10k-lab",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
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
        .target(name: "DumbTestSupport", dependencies: ["DumbProtocol", "DumbSystem"], path: "Tests/DumbTestSupport"),
        .testTarget(name: "DumbProtocolTests", dependencies: ["DumbProtocol"]),
        .testTarget(name: "DumbSystemTests", dependencies: ["DumbSystem", "DumbTestSupport"]),
        .testTarget(name: "DumbMetricsTests", dependencies: ["DumbMetrics", "DumbTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
