/// The ten labs: each step's check, hint and reference solution. The steps' titles are the
/// `### Step N: …` headings of each lab's README (a test holds them together).
enum LabCourse {
    static let base: [LabNeed] = [.binaries, .ports([8090, 8091])]
    static let thousands: [LabNeed] = [
        .descriptors(10_240), .localPorts(10_500), .backlog(1024), .cpus(2), .tool("taskset"),
    ]

    static let labs: [Lab] = [
        iterative, multiplexers, threads, epoll, workers, reactor, coroutines, memory, cost, compare,
    ]

    static let iterative = Lab(
        id: "01", folder: "01-iterative", title: "One client at a time: the three stalls", minutes: 15,
        needs: base + [.tool("nc"), .tool("pv")],
        steps: [
            LabStep(
                "server", "Start dumb_iterative", probe: .listening(binary: "dumb_iterative"),
                hint:
                    "make dumb_iterative && ./dumb_iterative, in a terminal of its own (Docker: docker compose up -d)",
                solve: [.startServer(binary: "dumb_iterative")]),
            LabStep(
                "ping", "PING gets PONG", probe: .answers(request: "PING", expected: "PONG"),
                hint: "echo PING | nc -N 127.0.0.1 8090: is the server of step 1 still running?"),
            LabStep(
                "wait-stall", "A WAIT stalls every other client",
                probe: .stall(.wait(milliseconds: 3000), blocks: true),
                hint: "one connection sends WAIT 3000; a PING on another waits until it is done", band: 1.5),
            LabStep(
                "slow-reader", "A slow reader stalls every other client", probe: .stall(.slowReader, blocks: true),
                hint: "a STREAM read slowly (pv -L 10) keeps the only thread writing to that one client"),
            LabStep(
                "slow-sender", "A slow sender stalls every other client", probe: .stall(.slowSender, blocks: true),
                hint: "a request that never ends keeps the only thread reading from that one client"),
        ],
        prediction: LabPrediction(
            step: "wait-stall", question: "How long does a PING wait, sent 0.3 s after another client's WAIT 3000?",
            unit: "ms"))

    static let multiplexers = Lab(
        id: "02", folder: "02-event-multiplexers", title: "select() and epoll: a chat room, FD_SETSIZE", minutes: 20,
        needs: base + [.tool("nc"), .descriptors(2_300)],
        steps: [
            LabStep(
                "select-server", "Start select_chat", probe: .listening(binary: "select_chat"),
                hint: "make select_chat && ./select_chat", solve: [.startServer(binary: "select_chat")]),
            LabStep(
                "relay", "Every line reaches the others", probe: .chatRelay,
                hint: "nc localhost 8090 in two terminals: type in one, read in the other"),
            LabStep(
                "fd-setsize", "select() stops at FD_SETSIZE", probe: .fdSetSize(refused: true),
                hint:
                    "open 1100 clients at once (the README's loop): those whose descriptor would be 1024 or more get ERR server full",
                band: 1.1),
            LabStep(
                "epoll-server", "Start epoll_chat instead", probe: .listening(binary: "epoll_chat"),
                hint: "stop select_chat (Ctrl-C), then make epoll_chat && ./epoll_chat",
                solve: [.stopServer, .startServer(binary: "epoll_chat")]),
            LabStep(
                "no-fd-setsize", "epoll has no FD_SETSIZE", probe: .fdSetSize(refused: false),
                hint: "the same 1100 clients: every one is welcomed"),
        ],
        prediction: LabPrediction(
            step: "fd-setsize", question: "Which connection is the first select_chat refuses?", unit: "(its number)"))

    static let threads = Lab(
        id: "03", folder: "03-thread-per-connection", title: "A thread per client: threads, %sys, memory", minutes: 25,
        needs: base + thousands + [.threads(10_500), .tool("curl")],
        steps: [
            LabStep(
                "server", "Start dumb_multithreaded on one CPU", probe: .pinned(binary: "dumb_multithreaded", cpus: 1),
                hint: "make dumb_multithreaded && taskset -c 0 ./dumb_multithreaded",
                solve: [.startServer(binary: "dumb_multithreaded", cpus: "0")]),
            LabStep(
                "no-stall", "The stalls are gone", probe: .stall(.wait(milliseconds: 3000), blocks: false),
                hint: "a WAIT blocks its own thread only: a PING on another connection is answered at once"),
            LabStep(
                "clients", "Two thousand clients", probe: .connections(atLeast: 2000),
                hint: "taskset -c 1 ./c10k_client 2000 --think-time 100ms, in a terminal of its own",
                solve: [.startClients(count: 2000, request: "BURN 1000", thinkTime: "100ms")]),
            LabStep(
                "threads", "Threads = clients", probe: .threadsPerConnection,
                hint: "grep Threads /proc/$(pidof dumb_multithreaded)/status, with the 2000 clients connected",
                band: 1.3),
            LabStep(
                "sys", "The CPU goes to the kernel", probe: .systemShare,
                hint: "top -p $(pidof dumb_multithreaded), or the dashboard's CPU by mode: %sys, not %usr", band: 1.5),
            LabStep(
                "memory", "Memory follows the clients", probe: .rssPerConnection,
                hint: "grep VmRSS /proc/$(pidof dumb_multithreaded)/status, divided by the clients", band: 2),
            LabStep(
                "switches", "Context switches, involuntary ones too", probe: .involuntarySwitches,
                hint: "grep ctxt_switches /proc/$(pidof dumb_multithreaded)/task/*/status", band: 3),
        ],
        prediction: LabPrediction(step: "threads", question: "How many threads per client?", unit: "threads per client")
    )

    static let epoll = Lab(
        id: "04", folder: "04-epoll", title: "One epoll loop, ten thousand clients, one core", minutes: 20,
        needs: base + thousands + [.tool("nc")],
        steps: [
            LabStep(
                "server", "Start dumb_epoll on one CPU", probe: .pinned(binary: "dumb_epoll", cpus: 1),
                hint: "make dumb_epoll && taskset -c 0 ./dumb_epoll",
                solve: [.startServer(binary: "dumb_epoll", cpus: "0")]),
            LabStep(
                "ten-thousand", "Ten thousand clients on one core", probe: .connections(atLeast: 10_000),
                hint: "taskset -c 1 ./c10k_client 10000", solve: [.startClients(count: 10_000, request: "BURN 1000")]),
            LabStep(
                "one-thread", "One thread for all of them", probe: .threadsAtMost(2),
                hint: "grep Threads /proc/$(pidof dumb_epoll)/status: the loop and the metrics endpoint"),
            LabStep(
                "wait-timer", "A WAIT is a timer, not a thread",
                probe: .stall(.wait(milliseconds: 3000), blocks: false),
                hint: "a WAIT puts a deadline on the loop's heap: the PING is served meanwhile"),
            LabStep(
                "burn-stalls", "A BURN stalls the loop", probe: .stall(.burns(count: 3), blocks: true),
                hint: "BURN runs on the loop's only thread: nobody is served until it is done"),
        ],
        prediction: LabPrediction(step: "one-thread", question: "How many threads for 10,000 clients?", unit: "threads")
    )

    static let workers = Lab(
        id: "05", folder: "05-epoll-workers", title: "A loop per CPU: cpusets and the load per loop", minutes: 20,
        needs: base + thousands + [.cgroup("cpuset"), .tool("curl")],
        steps: [
            LabStep(
                "server", "Start dumb_epoll_workers on two CPUs", probe: .pinned(binary: "dumb_epoll_workers", cpus: 2),
                hint: "sudo ./c10k_lab run --cpus 0-1 -- ./dumb_epoll_workers (or taskset -c 0,1)",
                solve: [.startServer(binary: "dumb_epoll_workers", cpus: "0-1")]),
            LabStep(
                "spread", "The kernel spreads the clients over the loops", probe: .workersShareTheLoad(loops: 2),
                hint: "./c10k_client 2000, then curl -s localhost:8091/metrics | grep dumb_worker_connections_active",
                solve: [.startClients(count: 2000, request: "BURN 1000")], band: 1.5),
            LabStep(
                "one-loop-stalls", "A BURN stalls its own loop only", probe: .burnStallsOneLoop,
                hint: "a long BURN, then PINGs on new connections: those hashed to its loop wait"),
        ],
        prediction: LabPrediction(
            step: "spread", question: "What share of the clients does the least loaded loop hold?", unit: "%"))

    static let reactor = Lab(
        id: "06", folder: "06-reactor", title: "The Reactor: CPU work off the loop", minutes: 20,
        needs: base + thousands + [.tool("nc")],
        steps: [
            LabStep(
                "server", "Start dumb_reactor", probe: .listening(binary: "dumb_reactor"),
                hint: "make dumb_reactor && taskset -c 0,1 ./dumb_reactor",
                solve: [.startServer(binary: "dumb_reactor", cpus: "0-1")]),
            LabStep(
                "burn-off-the-loop", "A BURN stalls nobody", probe: .stall(.burns(count: 3), blocks: false),
                hint: "BURN goes to a worker thread; its result comes back through an eventfd"),
            LabStep(
                "clients", "Two thousand clients", probe: .connections(atLeast: 2000),
                hint: "taskset -c 1 ./c10k_client 2000",
                solve: [.startClients(count: 2000, request: "BURN 1000")]),
            LabStep(
                "few-threads", "A handful of threads", probe: .threadsAtMost(8),
                hint:
                    "grep Threads /proc/$(pidof dumb_reactor)/status: the reactor, the BURN workers, the metrics endpoint"
            ),
        ],
        prediction: LabPrediction(
            step: "burn-off-the-loop", question: "How long does a PING wait during a long BURN?", unit: "ms"))

    static let coroutines = Lab(
        id: "07", folder: "07-coroutines", title: "Coroutines: blocking code, event-loop cost", minutes: 20,
        needs: base + thousands + [.tool("nc")],
        steps: [
            LabStep(
                "server", "Start dumb_coro", probe: .listening(binary: "dumb_coro"),
                hint: "make dumb_coro && taskset -c 0,1 ./dumb_coro",
                solve: [.startServer(binary: "dumb_coro", cpus: "0-1")]),
            LabStep(
                "wait-is-sleep", "A WAIT suspends one coroutine",
                probe: .stall(.wait(milliseconds: 3000), blocks: false),
                hint: "WAIT is Task.sleep: the coroutine parks, the thread runs others"),
            LabStep(
                "burn-yields", "A BURN yields its thread", probe: .stall(.burns(count: 3), blocks: false),
                hint: "a long BURN yields every million iterations, so the PING gets a turn"),
            LabStep(
                "clients", "Two thousand clients", probe: .connections(atLeast: 2000),
                hint: "taskset -c 1 ./c10k_client 2000",
                solve: [.startClients(count: 2000, request: "BURN 1000")]),
            LabStep(
                "few-threads", "A handful of threads", probe: .threadsAtMost(16),
                hint:
                    "grep Threads /proc/$(pidof dumb_coro)/status: the pool (one a CPU), the I/O thread, the runtime's"),
        ],
        prediction: LabPrediction(
            step: "few-threads", question: "How many threads for 2000 coroutines?", unit: "threads"))

    static let failures = ["oom_killed", "refused", "dropped", "timeouts"]

    static let memory = Lab(
        id: "08", folder: "08-memory-limits", title: "Under one memory limit: the OOM and the stack size", minutes: 30,
        needs: base + thousands + [.threads(10_500), .cgroup("memory"), .cgroup("pids")],
        steps: [
            LabStep(
                "multithreaded-fails", "Thread per connection under 64 MiB",
                probe: .memoryResult(
                    name: "multithreaded-64m", server: "dumb_multithreaded", memory: "64m", failsBy: failures),
                hint:
                    "sudo ./c10k_lab experiment memory --server multithreaded --memory 64m --out ~/.local/state/c10k-lab/08-memory-limits/multithreaded-64m",
                solve: [.memoryExperiment(server: "multithreaded", memory: "64m", out: "multithreaded-64m")], band: 2),
            LabStep(
                "epoll-holds", "epoll under the same limit",
                probe: .memoryResult(name: "epoll-64m", server: "dumb_epoll", memory: "64m", failsBy: nil),
                hint: "the same with --server epoll --out …/epoll-64m",
                solve: [.memoryExperiment(server: "epoll", memory: "64m", out: "epoll-64m")], band: 2),
            LabStep(
                "stack-size", "The stack size knob",
                probe: .memoryResult(
                    name: "multithreaded-64m-stack-64k", server: "dumb_multithreaded", memory: "64m", failsBy: failures),
                hint:
                    "the first experiment again, with -- --stack-size 64k at the end and --out …/multithreaded-64m-stack-64k",
                solve: [
                    .memoryExperiment(
                        server: "multithreaded", memory: "64m", out: "multithreaded-64m-stack-64k",
                        serverArguments: ["--stack-size", "64k"])
                ], band: 2),
        ],
        prediction: LabPrediction(
            step: "multithreaded-fails", question: "At how many connections does dumb_multithreaded fail under 64 MiB?",
            unit: "connections"))

    static let cost = Lab(
        id: "09", folder: "09-what-a-connection-costs", title: "What a connection costs: user and kernel memory",
        minutes: 25, needs: base + thousands + [.cgroup("memory")],
        steps: [
            LabStep(
                "idle-cost", "An idle connection's cost",
                probe: .memoryResult(name: "epoll-256m", server: "dumb_epoll", memory: "256m", failsBy: nil),
                hint:
                    "sudo ./c10k_lab experiment memory --server epoll --memory 256m --out ~/.local/state/c10k-lab/09-what-a-connection-costs/epoll-256m",
                solve: [.memoryExperiment(server: "epoll", memory: "256m", out: "epoll-256m")], band: 2),
            LabStep(
                "kernel-share", "Most of it is the kernel's", probe: .kernelShare(name: "epoll-256m"),
                hint:
                    "compare bytes_per_connection (the cgroup's) with rss_bytes_per_connection (the server's own) in its result.json",
                band: 1.5),
            LabStep(
                "full-buffers", "Full socket buffers cost more",
                probe: .costsMore(name: "epoll-256m-stream", than: "epoll-256m"),
                hint: "the same experiment with --request \"STREAM 65536\" --max 5000 --out …/epoll-256m-stream",
                solve: [
                    .memoryExperiment(
                        server: "epoll", memory: "256m", out: "epoll-256m-stream", maximum: 5000,
                        request: "STREAM 65536")
                ], band: 3),
        ],
        prediction: LabPrediction(
            step: "idle-cost", question: "How many bytes does an idle connection cost dumb_epoll?", unit: "bytes"))

    static let compare = Lab(
        id: "10", folder: "10-compare", title: "Every server side by side", minutes: 30,
        needs: base + thousands + [.threads(10_500), .cgroup("memory"), .cgroup("cpuset"), .tool("redis-server")],
        steps: [
            LabStep(
                "compare", "Every server under the same limits",
                probe: .compareResult(name: "compare", faster: "dumb_epoll", slower: "dumb_multithreaded"),
                hint:
                    "sudo ./c10k_lab experiment compare --servers multithreaded,epoll,reactor,coro,nio --clients 100,1000,5000 --duration 5s --out ~/.local/state/c10k-lab/10-compare/compare",
                solve: [
                    .compareExperiment(
                        servers: "multithreaded,epoll,reactor,coro,nio", clients: "100,1000,5000", out: "compare",
                        request: "BURN 1000", duration: "5s")
                ], band: 3),
            LabStep(
                "redis", "redis-server as a yardstick", probe: .clientSummary(name: "redis.json"),
                hint:
                    "redis-server --port 6390 --save '' &, then taskset -c 1 ./c10k_client 1000 --port 6390 --request PING --expect +PONG --duration 5s --json …/redis.json",
                solve: [.startRedis(port: 6390), .redisClients(port: 6390, out: "redis.json")], band: 3),
        ],
        prediction: LabPrediction(
            step: "compare",
            question: "How many times dumb_multithreaded's throughput does dumb_epoll reach at 5000 clients?",
            unit: "×"))
}
