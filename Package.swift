// swift-tools-version: 6.1
import PackageDescription

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let deque = Target.Dependency.product(name: "DequeModule", package: "swift-collections")
let heap = Target.Dependency.product(name: "HeapModule", package: "swift-collections")
let log = Target.Dependency.product(name: "Logging", package: "swift-log")

/// The servers, in the order of the walkthrough: one folder each under Sources/Servers, one
/// product, and every black-box test target depends on them all (so that they are built).
/// A new server is one line here (docs/architecture.md has the rest of the checklist).
let servers: [(name: String, folder: String, dependencies: [Target.Dependency])] = [
    ("dumb_iterative", "01-dumb_iterative", ["DumbBlockingConnection"]),
    ("select_chat", "02-select_chat", []),
    ("epoll_chat", "03-epoll_chat", []),
    ("dumb_multithreaded", "04-dumb_multithreaded", ["DumbBlockingConnection"]),
    ("dumb_epoll", "05-dumb_epoll", ["DumbEpollLoop"]),
    ("dumb_epoll_workers", "06-dumb_epoll_workers", ["DumbEpollLoop"]),
    ("dumb_reactor", "07-dumb_reactor", ["DumbEpollLoop", "DumbPoller", deque]),
    ("dumb_coro", "08-dumb_coro", ["CDumbSystem"]),
    (
        "dumb_nio", "09-dumb_nio",
        [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]
    ),
]

/// The libraries that live in a server's folder: the lesson of that server, reused by the
/// servers after it.
let lessonLibraries: [(name: String, path: String, dependencies: [Target.Dependency])] = [
    // dumb_iterative's blocking connection, which dumb_multithreaded runs on a thread per client
    ("DumbBlockingConnection", "01-dumb_iterative/BlockingConnection", []),
    // dumb_epoll's event loop, which dumb_epoll_workers runs once per CPU; its non-blocking
    // connection and timer heap, which dumb_reactor builds on
    ("DumbEpollLoop", "05-dumb_epoll/EventLoop", [heap]),
    // dumb_reactor's demultiplexer: one Poller interface, one file per backend (epoll, poll)
    ("DumbPoller", "07-dumb_reactor/Poller", []),
]

/// What a server's code builds on: the kit and the layers under it, which it also uses directly.
let serverKit: [Target.Dependency] = ["DumbServerKit", "DumbProtocol", "DumbSystem", "DumbMetrics", log]

let serverTargets: [Target] = servers.map { server in
    .executableTarget(
        name: server.name,
        dependencies: serverKit + ["DumbCommandLine", argumentParser] + server.dependencies,
        path: "Sources/Servers/\(server.folder)",
        exclude: lessonLibraries.filter { $0.path.hasPrefix(server.folder + "/") }.map {
            String($0.path.dropFirst(server.folder.count + 1))
        }
    )
}

let lessonTargets: [Target] = lessonLibraries.map { library in
    .target(
        name: library.name,
        dependencies: serverKit + library.dependencies,
        path: "Sources/Servers/\(library.path)"
    )
}

let serverProducts: [Target.Dependency] = servers.map { .target(name: $0.name) }

let package = Package(
    name: "c10k-lab",
    platforms: [.macOS(.v15)],
    products: servers.map { .executable(name: $0.name, targets: [$0.name]) } + [
        .executable(name: "c10k_client", targets: ["c10k_client"]),
        .executable(name: "c10k_lab", targets: ["c10k_lab"]),
        .executable(name: "dumb_fuzz", targets: ["dumb_fuzz"]),
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
        .target(name: "DumbProtocol", dependencies: [deque]),
        // The system layer: thin wrappers over Glibc and libcap (sockets, epoll, signals,
        // threads, capabilities). No policy.
        .target(name: "CDumbSystem", linkerSettings: [.linkedLibrary("cap")]),
        .systemLibrary(name: "CLibcap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        .target(name: "DumbSystem", dependencies: ["CDumbSystem", "CLibcap"]),
        // What every command line shares: options from the environment, sizes, durations, and
        // counts that default to the CPUs this process may use.
        .target(name: "DumbCommandLine", dependencies: ["DumbSystem", argumentParser]),
        // One metrics layer for every server and the client.
        .target(
            name: "DumbMetrics",
            dependencies: ["DumbProtocol", "DumbSystem", .product(name: "Prometheus", package: "swift-prometheus")]
        ),
        // What every server's main shares and teaches nothing: options, logging, start-up, and
        // the one accept path with its refusals.
        .target(
            name: "DumbServerKit",
            dependencies: ["DumbProtocol", "DumbSystem", "DumbMetrics", "DumbCommandLine", argumentParser, log]
        ),
    ] + lessonTargets + serverTargets + [
        // The load generator: the epoll engine, its pacing and its summaries; then its command.
        .target(
            name: "LoadGenerator",
            dependencies: [
                "DumbProtocol", "DumbSystem", "DumbMetrics", "DumbCommandLine", deque,
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .executableTarget(
            name: "c10k_client",
            dependencies: [
                "LoadGenerator", "DumbProtocol", "DumbSystem", "DumbMetrics", "DumbCommandLine", argumentParser,
            ]
        ),

        // The lab tool: preflight, the native cgroup launcher, the experiments; then its command.
        .target(name: "LabKit", dependencies: ["DumbSystem", "DumbCommandLine", "DumbMetrics", "CLibcap"]),
        .executableTarget(
            name: "c10k_lab", dependencies: ["LabKit", "DumbSystem", "DumbCommandLine", argumentParser]),

        // Fuzzing the protocol core (make fuzz): the targets with their reference model, libFuzzer's
        // driver declared for the instrumented build, and the command that runs or replays them.
        .target(name: "DumbFuzzing", dependencies: ["DumbProtocol"], path: "Sources/Fuzzing/DumbFuzzing"),
        .target(name: "CFuzzing", path: "Sources/Fuzzing/CFuzzing"),
        .executableTarget(
            name: "dumb_fuzz", dependencies: ["DumbFuzzing", "CFuzzing"], path: "Sources/Fuzzing/dumb_fuzz"),

        .target(
            name: "DumbTestSupport", dependencies: ["DumbProtocol", "DumbSystem", "DumbMetrics", "CDumbSystem"],
            path: "Tests/DumbTestSupport"),
        .testTarget(name: "DumbProtocolTests", dependencies: ["DumbProtocol", "DumbTestSupport"]),
        .testTarget(name: "DumbFuzzingTests", dependencies: ["DumbFuzzing", "DumbTestSupport"]),
        .testTarget(name: "DumbSystemTests", dependencies: ["DumbSystem", "DumbTestSupport"]),
        .testTarget(name: "DumbCommandLineTests", dependencies: ["DumbCommandLine", "DumbTestSupport"]),
        .testTarget(name: "DumbMetricsTests", dependencies: ["DumbMetrics", "DumbProtocol", "DumbTestSupport"]),
        .testTarget(
            name: "DumbServerKitTests",
            dependencies: [
                "DumbServerKit", "DumbMetrics", "DumbSystem", "DumbTestSupport", log,
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]),
        .testTarget(name: "DumbEpollLoopTests", dependencies: ["DumbEpollLoop", "DumbProtocol", "DumbSystem"]),
        .testTarget(name: "DumbPollerTests", dependencies: ["DumbPoller", "DumbSystem"]),
        .testTarget(
            name: "ServersTests", dependencies: ["DumbTestSupport", "DumbProtocol", "DumbSystem"] + serverProducts),
        .testTarget(
            name: "ObservabilityTests", dependencies: ["DumbTestSupport", "DumbSystem", "c10k_client"] + serverProducts),
        .testTarget(name: "ContainerTests", dependencies: ["DumbTestSupport"]),
        .testTarget(name: "ArchitectureTests", dependencies: ["DumbTestSupport"]),
        .testTarget(
            name: "LabKitTests",
            dependencies: ["LabKit", "DumbSystem", "DumbCommandLine", "DumbTestSupport", "CLibcap"]),
        .testTarget(name: "LabsTests", dependencies: ["LabKit", "DumbTestSupport"]),
        .testTarget(
            name: "c10k_labTests",
            dependencies: ["DumbTestSupport", "DumbSystem", "c10k_lab", "c10k_client"] + serverProducts),
        .testTarget(
            name: "LoadGeneratorTests",
            dependencies: ["LoadGenerator", "DumbMetrics", "DumbProtocol", "DumbTestSupport"]),
        .testTarget(
            name: "c10k_clientTests",
            dependencies: ["DumbTestSupport", "DumbProtocol", "DumbSystem", "c10k_client"] + serverProducts
        ),
    ],
    swiftLanguageModes: [.v6]
)
