#!/usr/bin/env python3
"""c10k_client's own CPU per request, builds side by side: dumb_epoll pinned to CPU 0, each
c10k_client binary to CPU 1, 1000 connections of PING in a closed loop, rounds interleaved.
usage: scripts/bench-client-cpu.py LABEL=CLIENT_BINARY ... --server .build/release/dumb_epoll [--rounds 5] [--seconds 8]
It measured that LoadRun gains nothing from @exclusivity(unchecked) (docs/c10k_client.md)."""
import argparse, json, os, resource, socket, statistics, subprocess, tempfile, time
p = argparse.ArgumentParser()
p.add_argument('clients', nargs='+')
p.add_argument('--server', required=True)
p.add_argument('--rounds', type=int, default=3)
p.add_argument('--seconds', type=int, default=10)
p.add_argument('--connections', type=int, default=1000)
a = p.parse_args()
clients = [c.split('=', 1) for c in a.clients]
results = {label: [] for label, _ in clients}
for r in range(a.rounds):
    for label, binary in clients:
        server = subprocess.Popen(['taskset', '-c', '0', a.server, '--port', '18190', '--metrics-port', '0', '--log-level', 'warning'])
        for _ in range(200):
            try:
                socket.create_connection(('127.0.0.1', 18190), 0.2).close(); break
            except OSError:
                time.sleep(0.05)
        out = tempfile.mktemp()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(['taskset', '-c', '1', binary, str(a.connections), '--port', '18190', '--request', 'PING',
                        '--duration', f'{a.seconds}s', '--quiet', '--json', out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        server.terminate(); server.wait()
        summary = json.load(open(out)); os.unlink(out)
        requests = summary['requests']
        us = cpu / requests * 1e6
        results[label].append((requests / summary['duration_s'], us))
        print(f'round {r+1} {label}: {requests / summary["duration_s"]:,.0f} req/s, client CPU {cpu:.2f} s, {us:.2f} µs/request', flush=True)
for label, runs in results.items():
    print(f'{label}: median {statistics.median(x for x, _ in runs):,.0f} req/s, {statistics.median(y for _, y in runs):.2f} µs client CPU/request (range {min(y for _, y in runs):.2f}-{max(y for _, y in runs):.2f})')
