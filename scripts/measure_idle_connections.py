#!/usr/bin/env python3
"""Idle connections plus a PING load against a DUMB server on loopback; prints figures.

Opens --idle connections and checks each with one PING (so the server has accepted them
all), optionally leaves a WAIT under way on each, reads the server's /proc figures (RSS,
threads, descriptors, CPU, context switches), then runs --active connections that each keep
--depth PINGs in flight for --seconds and counts the PONGs. Traffic stays on 127.0.0.1.
The client is one Python process: when the server's CPU stays under 100%, the figure is
the client's limit, not the server's.

Examples (server on CPU 0, client on CPU 1):
  taskset -c 0 ./dumb_epoll --port 8090 &
  taskset -c 1 scripts/measure_idle_connections.py 8090 $(pidof dumb_epoll)
  taskset -c 1 scripts/measure_idle_connections.py 8090 $(pidof dumb_epoll) --active 100 --depth 1
  taskset -c 1 scripts/measure_idle_connections.py 8090 $(pidof dumb_epoll) --idle-wait 600000
"""
import argparse
import os
import resource
import selectors
import socket
import sys
import time


def server_figures(pid):
    status = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            status[key] = value.strip()
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return {
        "rss_kib": int(status["VmRSS"].split()[0]),
        "threads": int(status["Threads"]),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "cpu_user_s": int(fields[11]) / ticks,
        "cpu_sys_s": int(fields[12]) / ticks,
        "voluntary_switches": int(status["voluntary_ctxt_switches"]),
        "involuntary_switches": int(status["nonvoluntary_ctxt_switches"]),
    }


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_line(s):
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(64)
        if not chunk:
            sys.exit("the server closed a connection: is its descriptor limit high enough?")
        data += chunk
    return data


def open_idle(port, count):
    sockets, started, batch = [], time.time(), 500
    for first in range(0, count, batch):
        group = [connect(port) for _ in range(min(batch, count - first))]
        for s in group:
            s.sendall(b"PING\n")
        for s in group:
            s.settimeout(60)
            if read_line(s) != b"PONG\n":
                sys.exit("an idle connection's PING was not answered PONG")
        sockets.extend(group)
        print(f"  {len(sockets)}/{count} idle connections open ({time.time() - started:.1f} s)", file=sys.stderr)
    return sockets


def run_load(port, active, depth, seconds):
    selector = selectors.DefaultSelector()
    connections = []
    for _ in range(active):
        s = connect(port)
        s.setblocking(False)
        s.sendall(b"PING\n" * depth)
        selector.register(s, selectors.EVENT_READ, [b""])  # the partial line received
        connections.append(s)
    answered, deadline, report = 0, time.time() + seconds, time.time() + 1
    while time.time() < deadline:
        for key, _ in selector.select(timeout=0.5):
            data = key.fileobj.recv(65536)
            if not data:
                sys.exit("the server closed a load connection")
            buffer = key.data[0] + data
            lines = buffer.count(b"\n")
            if buffer.count(b"PONG\n") != lines:
                sys.exit(f"unexpected answer: {buffer[:80]!r}")
            key.data[0] = buffer[buffer.rfind(b"\n") + 1:]
            answered += lines
            key.fileobj.send(b"PING\n" * lines)  # keep `depth` in flight
        if time.time() >= report:
            print(f"  {answered} PONGs so far", file=sys.stderr)
            report += 1
    for s in connections:
        s.close()
    return answered


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("port", type=int, help="the server's DUMB port on 127.0.0.1")
    parser.add_argument("pid", type=int, help="the server's process id, for /proc figures")
    parser.add_argument("--idle", type=int, default=10000, help="idle connections (default 10000)")
    parser.add_argument("--idle-wait", type=int, default=0, metavar="MS", help="then a WAIT MS on each idle one")
    parser.add_argument("--active", type=int, default=50, help="connections of the PING load (default 50)")
    parser.add_argument("--depth", type=int, default=16, help="PINGs in flight per active connection (default 16)")
    parser.add_argument("--seconds", type=float, default=10, help="length of the load (default 10)")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if args.idle + args.active + 16 > hard:
        sys.exit(f"--idle {args.idle} + --active {args.active} need more descriptors than the limit {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    before = server_figures(args.pid)
    print(f"server at start: {before}")
    idle = open_idle(args.port, args.idle) if args.idle else []
    for s in idle if args.idle_wait else []:
        s.sendall(f"WAIT {args.idle_wait}\n".encode())
    time.sleep(1)  # let the server read them
    loaded = server_figures(args.pid)
    print(f"with {len(idle)} idle connections{' in a WAIT' if args.idle_wait else ''}: {loaded}")
    if idle:
        per_connection = (loaded["rss_kib"] - before["rss_kib"]) * 1024 / len(idle)
        print(f"  server RSS per idle connection: {per_connection:.0f} bytes (kernel socket memory not included)")
    started = time.time()
    answered = run_load(args.port, args.active, args.depth, args.seconds)
    elapsed = time.time() - started
    after = server_figures(args.pid)
    user = after["cpu_user_s"] - loaded["cpu_user_s"]
    system = after["cpu_sys_s"] - loaded["cpu_sys_s"]
    print(
        f"load: {args.active} connections x {args.depth} PINGs in flight for {elapsed:.1f} s: {answered} PONGs"
        f" = {answered / elapsed:,.0f} requests/s; server CPU {(user + system) / elapsed * 100:.0f}% of one core"
        f" (user {user:.1f} s, system {system:.1f} s)"
    )
    print(f"server after the load: {after}")
    if idle and not args.idle_wait:
        sample = idle[:: max(1, len(idle) // 100)]
        for s in sample:
            s.settimeout(30)
            s.sendall(b"PING\n")
            if read_line(s) != b"PONG\n":
                sys.exit("an idle connection no longer answers")
        print(f"spot check: {len(sample)} of the idle connections still answer PING")


if __name__ == "__main__":
    main()
