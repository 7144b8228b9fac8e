#!/usr/bin/env python3
"""Soak test: hours-long-style abuse of the DUMB servers, compressed into minutes per server.

For each server, for --minutes minutes (per server: five servers at --minutes 30 take about
2.5 hours), on 127.0.0.1 only:

  * c10k_client drives open-loop mixed traffic (PING, WAIT, BURN, STREAM) and checks every
    answer; its JSON summary must count no error of any kind;
  * an adversary in this script, in threads, abuses the server at the same time: connection
    churn, resets in the middle of a STREAM and of a WAIT, slow readers, slow senders (one
    byte at a time), pipelined requests with a half-close. Every answer it reads is checked
    byte for byte against docs/protocol.md;
  * once a second the server's RSS, open descriptors and threads are sampled.

Verdict per server: PASS when every answer was right, the server still answers PING after
the load, its RSS and descriptor counts stayed flat (least-squares slopes after a warm-up,
thresholds in docs/reliability.md), its descriptors and threads fell back to their idle counts once the load
stopped, and it exited with status 0 on SIGTERM. Exit status: 0 every server passed, 1 one
failed (the reasons are printed, and what to do), 2 it could not run (a binary is missing,
a bad option), 130 interrupted. The server and every client are stopped on any exit.

Binaries come from --bin DIR, by default .build/release (make soak builds them), falling
back to ./NAME, the links `make NAME` leaves in the repository. A debug build (a --bin
whose real path ends in /debug) is much slower: the defaults then send a fraction of the
load (see --clients, --rate, --churn-rate).

Examples:
  scripts/soak.py --self-test                                  # the verdict logic, no server
  scripts/soak.py --minutes 1 --servers dumb_epoll --bin .build/debug
  scripts/soak.py --minutes 30 --json soak/results/soak.json   # every event-driven server
  scripts/soak.py --minutes 5 --servers dumb_nio,dumb_coro --rate 2000 --churn-rate 200
  make soak MINUTES=30 SERVERS=dumb_reactor                    # release build, then this
  make soak-ci                                                 # 2 minutes, dumb_epoll
"""
import argparse
import datetime
import json
import math
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"  # the soak never sends a byte anywhere else
DEFAULT_SERVERS = "dumb_epoll,dumb_epoll_workers,dumb_reactor,dumb_coro,dumb_nio"
DEFAULT_MIX = "PING=60,WAIT 20=15,BURN 1000=15,STREAM 65536=10"
MIB = 1024 * 1024

# Every socket operation of the adversary and of the checks is bounded by this: a server
# that leaves an answer unsent this long has stalled, which is a failure, not a wait.
SOCKET_TIMEOUT_S = 10.0
START_TIMEOUT_S = 20.0  # a debug binary on a busy 2-core machine starts in well under this
STOP_TIMEOUT_S = 10.0  # SIGTERM to exit
SETTLE_TIMEOUT_S = 15.0  # load stopped to descriptors back at their idle count
# A server that notices a reset at once is back at its idle count within a second or two of
# the load's end; one that keeps a reset connection until its WAIT ends (the adversary's
# WAITs last up to 10 s) takes that long. Not a leak, and no failure: a note, with the time.
SETTLE_NOTE_S = 5.0

# --- Trend thresholds. Why these numbers:
# A leak of 1 KiB per connection at the adversary's ~100 connections a second is ~6 MiB a
# minute; a leak of one STREAM buffer (64 KiB) per reset, at ~10 resets a second, is far
# more. Healthy servers show RSS that wanders by an allocator arena or two (a few MiB, in
# steps) and settles after the first seconds. So the slope limit is 1 MiB/min: six times
# below the smallest leak we mean to catch, and above the drift of a settled heap. A slope
# counts only when it also stands out of its own noise (more than SLOPE_SIGMAS standard
# errors): over a one-minute run a couple of allocator steps can make a steep but
# meaningless slope. And it counts only when the growth goes on in the last half of the
# steady window too: a leak grows linearly to the end, a heap warming up (arenas, caches,
# the allocator's high-water mark under the load) levels off, in a short run well after the
# warm-up we skip. The second rule looks at levels, not slopes: the median RSS of the last
# quarter of the run may be at most max(8 MiB, 10%) above that of the second quarter (the
# first is warm-up), which catches a late jump or a leak in bursts that a line fits badly.
# Over a short window a couple of allocator steps are a steep slope: growth below RSS_STEP
# over the whole steady window is never called a leak, so the limit of a window of w minutes
# is max(RSS_SLOPE_LIMIT, RSS_STEP / w): 2.5 MiB/min for a 1-minute run, 1.25 for 2 minutes,
# 1 MiB/min from 2.5 minutes on. A one-minute run catches the 6 MiB/min leak, not a slow one.
RSS_SLOPE_LIMIT = 1 * MIB  # bytes per minute
RSS_STEP = 2 * MIB
RSS_GROWTH_FLOOR = 8 * MIB
RSS_GROWTH_FRACTION = 0.10
# Descriptors under load move by the handful of connections in flight at the sampling
# instant; a leaked descriptor never comes back. Hence a slope limit of 1 per minute (30
# leaked over a 30-minute run) and, the sharper test, the count once the load has stopped
# and the server has closed everything: at most FD_BAND above the idle count measured
# before the load (one leaked descriptor may hide in the band; more than that fails).
FD_SLOPE_LIMIT = 1.0  # descriptors per minute
FD_STEP = 4  # as RSS_STEP: a short window's limit is max(FD_SLOPE_LIMIT, FD_STEP / minutes)
FD_BAND = 2
SLOPE_SIGMAS = 3.0
WARMUP_FRACTION = 0.20
WARMUP_MIN_S = 10.0

BURN_TABLE = {0: 0, 1: 10451216379200822465, 2: 2922963487156816012, 10: 16086693280373169734,
              1000: 18296984787417760110, 100000: 17251090753121058079}  # docs/protocol.md


# --- The protocol, reimplemented for checking (docs/protocol.md, Sources/DumbProtocol).

def burn(iterations):
    """BURN's RESULT: Sources/DumbProtocol/Burn.swift in Python's unbounded ints, masked."""
    mask = (1 << 64) - 1
    x, acc = iterations, 0
    for _ in range(iterations):
        x = (x + 0x9E3779B97F4A7C15) & mask
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z ^= z >> 31
        acc ^= z
    return acc


READ_PIECE = 65536
# Payload byte i is 'a' + i % 26: any chunk of up to READ_PIECE bytes starting at payload
# offset o equals PATTERN[o % 26 : o % 26 + len(chunk)], so a chunk is checked in one compare.
PATTERN = bytes(ord("a") + i % 26 for i in range(READ_PIECE + 26))


def stream_mismatch(chunk, offset):
    """Index of the first byte of chunk (payload bytes offset, offset+1, ...) that breaks the
    pattern, or None."""
    phase = offset % 26
    if chunk == PATTERN[phase:phase + len(chunk)]:
        return None
    return next(i for i, byte in enumerate(chunk) if byte != PATTERN[phase + i])


class WrongAnswer(Exception):
    """The server answered, and the answer is not the protocol's."""


class Conn:
    """A client socket with a receive buffer; every operation bounded by SOCKET_TIMEOUT_S."""

    def __init__(self, port, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if rcvbuf:  # before connect: it sets the window the server sees
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            self.sock.settimeout(SOCKET_TIMEOUT_S)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock.connect((HOST, port))
        except BaseException:
            self.sock.close()
            raise
        self.buffer = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def recv(self, limit):
        if self.buffer:
            data, self.buffer = self.buffer[:limit], self.buffer[limit:]
            return data
        data = self.sock.recv(limit)
        if not data:
            raise WrongAnswer("the server closed the connection before the answer was complete")
        return data

    def expect(self, expected, what):
        got = b""
        while len(got) < len(expected):
            got += self.recv(len(expected) - len(got))
            if not expected.startswith(got):
                raise WrongAnswer(f"{what}: expected {expected!r}, got {got!r}")

    def read_line(self, limit=128):
        while b"\n" not in self.buffer:
            if len(self.buffer) > limit:
                raise WrongAnswer(f"no end of line in the first {limit} bytes: {self.buffer[:64]!r}...")
            data = self.sock.recv(4096)
            if not data:
                raise WrongAnswer(f"the server closed the connection in the middle of a line: {self.buffer!r}")
            self.buffer += data
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line + b"\n"

    def read_stream(self, count, piece=READ_PIECE, pause=0.0, stop_after=None):
        """Reads STREAM count's payload, checking every byte, then its trailer; with
        stop_after, returns after that many payload bytes instead (for the resets)."""
        offset = 0
        target = count if stop_after is None else min(count, stop_after)
        while offset < target:
            chunk = self.recv(min(piece, target - offset))
            bad = stream_mismatch(chunk, offset)
            if bad is not None:
                raise WrongAnswer(f"STREAM {count}: payload byte {offset + bad} is {chunk[bad]!r},"
                                  f" expected {PATTERN[(offset + bad) % 26]!r}")
            offset += len(chunk)
            if pause:
                time.sleep(pause)
        if stop_after is None:
            self.expect(b"\nDONE\n", f"STREAM {count} trailer")

    def expect_eof(self, what):
        if self.buffer:
            raise WrongAnswer(f"{what}: bytes nobody asked for: {self.buffer[:64]!r}")
        data = self.sock.recv(64)
        if data:
            raise WrongAnswer(f"{what}: bytes nobody asked for: {data[:64]!r}")

    def reset(self):
        """Closes with SO_LINGER {1, 0}: the kernel sends RST, not FIN, and drops what is
        queued either way: the server's next read or write on it fails with ECONNRESET/EPIPE."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


def ping(port):
    with Conn(port) as conn:
        conn.send(b"PING\n")
        conn.expect(b"PONG\n", "PING")


# --- The adversary: one thread per scenario, each paced, each bounded by the socket timeout.

class Adversary:
    """Runs every abuse scenario in its own threads until stop() or the deadline; counts the
    operations completed and the failures (a wrong, cut or missing answer, a refused connect)."""

    def __init__(self, port, deadline, churn_rate, debug, seed):
        self.port, self.deadline = port, deadline
        # a debug build writes a STREAM about twenty times slower than a release build: shorter
        # STREAMs, fewer resets and one slow reader keep it below saturation (its queues
        # growing under too much load would look like a leak and end in timeouts)
        self.slow = 4 if debug else 1
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.ops, self.failures, self.examples = {}, {}, []
        # (scenario, threads, operations a second per thread; 0: as fast as it goes, which for
        # the slow ones is already slow)
        plan = [(self.churn, 2, churn_rate / 2), (self.reset_stream, 1, 3 if debug else 10),
                (self.slow_reader, 1 if debug else 2, 0),
                (self.slow_sender, 1, 0), (self.reset_wait, 1, 10), (self.pipeline, 1, 10)]
        self.threads = []
        for scenario, count, rate in plan:
            for index in range(count):
                name = f"{scenario.__name__}-{index}"
                rng = random.Random(f"{seed}-{name}")
                self.threads.append(threading.Thread(
                    target=self.loop, args=(scenario, rate, rng), name=name, daemon=True))

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self, timeout=SOCKET_TIMEOUT_S + 5):
        """Asks every thread to stop after its current operation; True when all did in time."""
        self.stopping.set()
        end = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, end - time.monotonic()))
        return not any(thread.is_alive() for thread in self.threads)

    def totals(self):
        with self.lock:
            return sum(self.ops.values()), sum(self.failures.values())

    def snapshot(self):
        with self.lock:
            return {"ops": dict(self.ops), "failures": dict(self.failures), "failure_examples": list(self.examples)}

    def loop(self, scenario, rate, rng):
        period = 1.0 / rate if rate else 0.0
        due = time.monotonic()
        name = scenario.__name__
        while not self.stopping.is_set() and time.monotonic() < self.deadline:
            try:
                scenario(rng)
                outcome = None
            except WrongAnswer as error:
                outcome = f"wrong answer: {error}"
            except socket.timeout:
                outcome = f"no answer within {SOCKET_TIMEOUT_S:.0f} s (a stalled server)"
            except OSError as error:
                outcome = f"{type(error).__name__}: {error}"
            with self.lock:
                if outcome is None:
                    self.ops[name] = self.ops.get(name, 0) + 1
                else:
                    self.failures[name] = self.failures.get(name, 0) + 1
                    if len(self.examples) < 20:
                        self.examples.append(f"{time.strftime('%H:%M:%S')} {name}: {outcome}")
            if outcome is not None:
                self.stopping.wait(0.2)  # a dead server must not make a failure storm
            if period:
                # paced to a schedule, but a late thread does not then fire a burst to catch up
                due = max(due + period, time.monotonic() - period)
                self.stopping.wait(max(0.0, due - time.monotonic()))

    def churn(self, rng):
        """The life of a short connection: connect, PING, PONG, close (FIN from the client)."""
        with Conn(self.port) as conn:
            conn.send(b"PING\n")
            conn.expect(b"PONG\n", "churn PING")

    def reset_stream(self, rng):
        """A STREAM of a MiB, abandoned with a RST while the server is blocked writing it: the
        small window fills and the server's output buffer with it, then the RST arrives."""
        conn = Conn(self.port, rcvbuf=16384)
        try:
            conn.send(b"STREAM 1048576\n")
            conn.read_stream(1048576, stop_after=rng.randint(1, 256 * 1024 // self.slow))
        finally:
            conn.reset()

    def slow_reader(self, rng):
        """A few hundred KB read a piece at a time through a small window: the server's
        output buffer fills and it must stop producing (and stop reading) without growing.
        Then a PING on the same connection: it must still be in a sane state."""
        count = rng.randint(100_000, 400_000) // self.slow
        with Conn(self.port, rcvbuf=4096) as conn:
            conn.send(f"STREAM {count}\n".encode())
            conn.read_stream(count, piece=rng.choice([512, 1024, 4096]), pause=rng.uniform(0.001, 0.005))
            conn.send(b"PING\n")
            conn.expect(b"PONG\n", "PING after a slow STREAM")

    def slow_sender(self, rng):
        """Requests dribbled in a byte at a time, in the spellings the protocol allows
        (any case, CR LF, extra spaces): the framer must join the pieces."""
        iterations = rng.randint(0, 300)
        request, expected = rng.choice([
            ("PING", b"PONG\n"), ("ping", b"PONG\n"), ("  PiNg  ", b"PONG\n"),
            (f"BURN {iterations}", f"RESULT {burn(iterations)}\n".encode()),
            (f"burn  {iterations:05d}", f"RESULT {burn(iterations)}\n".encode()),
            ("WAIT 5", b"DONE\n"), ("STREAM 100", PATTERN[:100] + b"\nDONE\n"),
        ])
        line = request.encode() + rng.choice([b"\n", b"\r\n"])
        with Conn(self.port) as conn:
            for index in range(len(line)):
                conn.send(line[index:index + 1])
                time.sleep(rng.uniform(0.001, 0.01))
            conn.expect(expected, f"slowly sent {request!r}")

    def reset_wait(self, rng):
        """A WAIT (perhaps with requests queued behind it) abandoned with a RST: the server
        must drop its timer and the queued requests, not keep them or write to a dead socket."""
        conn = Conn(self.port)
        try:
            conn.send(f"WAIT {rng.randint(500, 10_000)}\n".encode() + rng.choice([b"", b"PING\n", b"STREAM 100000\n"]))
            time.sleep(rng.uniform(0.005, 0.1))
        finally:
            conn.reset()

    def pipeline(self, rng):
        """Pipelined requests, an error, a partial line, then a half-close: the answers come in
        order, the partial line is dropped, the server closes (and frees) the connection."""
        iterations, count = rng.randint(0, 2000), rng.randint(0, 20_000)
        with Conn(self.port) as conn:
            conn.send(f"WAIT 20\nPING\nFOO\nBURN {iterations}\nSTREAM {count}\nPING".encode())
            conn.sock.shutdown(socket.SHUT_WR)
            conn.expect(b"DONE\n", "pipelined WAIT 20")
            conn.expect(b"PONG\n", "pipelined PING after WAIT")
            error = conn.read_line()
            if not error.startswith(b"ERR "):
                raise WrongAnswer(f"pipelined FOO: expected an ERR line, got {error!r}")
            conn.expect(f"RESULT {burn(iterations)}\n".encode(), f"pipelined BURN {iterations}")
            conn.read_stream(count)
            conn.expect_eof("after a half-close (the partial PING must be dropped)")


# --- The verdict on a series of samples.

def fit(points):
    """Least-squares slope of (t seconds, value) points, per minute, and its standard error."""
    n = len(points)
    if n < 3:
        return 0.0, float("inf")
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    sxx = sum((t - mean_t) ** 2 for t, _ in points)
    if sxx == 0:
        return 0.0, float("inf")
    slope = sum((t - mean_t) * (v - mean_v) for t, v in points) / sxx
    residual = sum((v - mean_v - slope * (t - mean_t)) ** 2 for t, v in points)
    stderr = (residual / (n - 2) / sxx) ** 0.5
    return slope * 60, stderr * 60


def trend_verdict(samples, fds_idle_before=None, fds_idle_after=None):
    """Judges (t, rss_bytes, fds) samples taken under load: returns (figures, reasons), no
    reason meaning flat. Only growth fails: a falling RSS or descriptor count is no leak."""
    if not samples:
        return {}, ["no samples were taken"]
    duration = samples[-1][0] - samples[0][0]
    warmup = samples[0][0] + max(WARMUP_MIN_S, WARMUP_FRACTION * duration)
    steady = [s for s in samples if s[0] >= warmup]
    reasons = []
    if len(steady) < 10:
        return {"steady_samples": len(steady)}, [
            f"only {len(steady)} samples after the {warmup - samples[0][0]:.0f} s warm-up: run for at least a minute"]
    late = steady[len(steady) // 2:]
    rss_slope, rss_err = fit([(t, rss) for t, rss, _ in steady])
    rss_late, _ = fit([(t, rss) for t, rss, _ in late])
    fd_slope, fd_err = fit([(t, fds) for t, _, fds in steady])
    fd_late, _ = fit([(t, fds) for t, _, fds in late])

    def quarter(index):
        start, end = samples[0][0] + duration * index / 4, samples[0][0] + duration * (index + 1) / 4
        return statistics.median([rss for t, rss, _ in samples if start <= t <= end] or [samples[-1][1]])

    window_min = (steady[-1][0] - steady[0][0]) / 60
    rss_limit = max(RSS_SLOPE_LIMIT, RSS_STEP / window_min)
    fd_limit = max(FD_SLOPE_LIMIT, FD_STEP / window_min)
    q2, q4 = quarter(1), quarter(3)
    growth_limit = max(RSS_GROWTH_FLOOR, RSS_GROWTH_FRACTION * q2)
    figures = {
        "steady_from_s": round(warmup - samples[0][0], 1), "steady_samples": len(steady),
        "rss_slope_bytes_per_min": round(rss_slope), "rss_slope_stderr": round(rss_err),
        "rss_late_slope_bytes_per_min": round(rss_late), "rss_slope_limit_bytes_per_min": round(rss_limit),
        "rss_q2_median_bytes": q2, "rss_q4_median_bytes": q4, "rss_growth_limit_bytes": round(growth_limit),
        "fd_slope_per_min": round(fd_slope, 3), "fd_slope_stderr": round(fd_err, 3),
        "fd_late_slope_per_min": round(fd_late, 3), "fd_slope_limit_per_min": round(fd_limit, 2),
        "fds_idle_before": fds_idle_before, "fds_idle_after": fds_idle_after,
    }
    if rss_slope >= rss_limit and rss_slope > SLOPE_SIGMAS * rss_err and rss_late >= rss_limit:
        reasons.append(f"RSS grows {rss_slope / MIB:.2f} MiB/min (± {rss_err / MIB:.2f}) after the warm-up,"
                       f" {rss_late / MIB:.2f} MiB/min in its last half, limit {rss_limit / MIB:.2f} MiB/min:"
                       " a memory leak")
    if q4 - q2 > growth_limit:
        reasons.append(f"median RSS of the last quarter {q4 / MIB:.1f} MiB is {(q4 - q2) / MIB:.1f} MiB above the"
                       f" second quarter's {q2 / MIB:.1f} MiB (limit {growth_limit / MIB:.1f} MiB): memory grows")
    if fd_slope >= fd_limit and fd_slope > SLOPE_SIGMAS * fd_err and fd_late >= fd_limit:
        reasons.append(f"open descriptors grow {fd_slope:.2f}/min (± {fd_err:.2f}) under load,"
                       f" limit {fd_limit:.2f}/min: a descriptor leak")
    if fds_idle_before is not None and fds_idle_after is not None and fds_idle_after > fds_idle_before + FD_BAND:
        reasons.append(f"{fds_idle_after} descriptors open once the load stopped and settled, {fds_idle_before}"
                       f" before it (band {FD_BAND}): {fds_idle_after - fds_idle_before} connections or files leaked")
    return figures, reasons


# --- The server and the machine.

def proc_figures(pid):
    """RSS (bytes), open descriptors, threads and CPU seconds of a live process."""
    rss = threads = None
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    if rss is None:  # a zombie has no VmRSS: it exited
        raise ProcessLookupError(pid)
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return rss, fds, threads, cpu


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def accepts(port):
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def stop_group(process, grace):
    """SIGTERM to the process group, SIGKILL after grace seconds; the exit status."""
    if process is None or process.poll() is not None:
        return None if process is None else process.returncode
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            return process.wait(wait)
        except subprocess.TimeoutExpired:
            continue
    return process.poll()


def fingerprint(bin_dir, debug):
    with open("/proc/cpuinfo") as cpuinfo:
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
                   platform.processor() or "unknown")
    try:
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        commit += "+dirty" if dirty else ""
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return {"kernel": os.uname().release, "cpu_model": cpu, "nproc": os.cpu_count(),
            "cpus_allowed": len(os.sched_getaffinity(0)),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "git_commit": commit, "python": platform.python_version(), "bin": bin_dir,
            "build": "debug" if debug else "release"}


def find_binaries(names, bin_option):
    """Path of each binary, from --bin, else .build/release, else ./NAME; exits 2 if one is missing."""
    found, missing, names_missing = {}, [], []
    for name in names:
        if bin_option:
            candidates = [os.path.join(bin_option, name)]
        else:
            candidates = [os.path.join(ROOT, ".build", "release", name), os.path.join(ROOT, name)]
        path = next((c for c in candidates if os.path.isfile(c) and os.access(c, os.X_OK)), None)
        if path is None:
            missing.append(f"{name} (looked for {', '.join(candidates)})")
            names_missing.append(name)
        else:
            found[name] = os.path.abspath(path)
    if missing:
        print(f"soak: missing binaries: {'; '.join(missing)}.\n"
              f"Build them (make {' '.join(names_missing)}, or make soak which does), or give --bin DIR.",
              file=sys.stderr)
        sys.exit(2)
    return found


# --- One server's soak.

def tail(path, lines=20):
    try:
        with open(path, errors="replace") as file:
            return file.read().splitlines()[-lines:]
    except OSError:
        return []


def start_server(binary, port_option, work):
    """Starts the server in its own process group; returns (process, port, log path)."""
    name = os.path.basename(binary)
    for attempt in range(3):
        port = port_option or free_port()
        log = os.path.join(work, f"{name}.server.log")
        with open(log, "w") as log_file:
            process = subprocess.Popen(
                [binary, "--host", HOST, "--port", str(port), "--metrics-port", "0", "--log-level", "notice"],
                stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and process.poll() is None:
            if accepts(port):
                return process, port, log
            time.sleep(0.1)
        status = stop_group(process, 2)
        # a port picked by binding 0 may be taken by someone else before the server binds it
        if port_option is None and any("holds the port" in line for line in tail(log)) and attempt < 2:
            continue
        raise RuntimeError(f"{name} did not accept connections on {HOST}:{port} within {START_TIMEOUT_S:.0f} s"
                           f" (exit status {status}); its log: {' | '.join(tail(log, 5))}")
    raise AssertionError("unreachable")


def prime(port):
    """One of each request before the idle baseline: what a server creates lazily on its
    first requests (a pool, a timer descriptor) is then part of the baseline, not a leak."""
    with Conn(port) as conn:
        conn.send(b"PING\nWAIT 1\nBURN 10\nSTREAM 100000\n")
        conn.expect(b"PONG\nDONE\n", "priming")
        conn.expect(f"RESULT {burn(10)}\n".encode(), "priming BURN 10")
        conn.read_stream(100000)


def settle(pid, fds_limit, timeout):
    """Waits, bounded, until the server's descriptors fall to fds_limit; its figures then."""
    deadline = time.monotonic() + timeout
    while True:
        figures = proc_figures(pid)
        if figures[1] <= fds_limit or time.monotonic() >= deadline:
            return figures
        time.sleep(0.5)


def soak_server(name, binaries, args, work, port_option):
    result = {"server": name, "verdict": "FAIL", "reasons": [], "notes": [], "samples": []}
    reasons = result["reasons"]
    duration = args.minutes * 60
    server = client = adversary = None
    began = time.monotonic()
    try:
        server, port, log = start_server(binaries[name], port_option, work)
        result.update(port=port, pid=server.pid, server_log=log)
        prime(port)
        time.sleep(1)  # the priming connection's close reaches the server
        rss0, fds0, threads0, _ = settle(server.pid, 0, 3)  # limit 0: take the count after 3 s
        result["idle_before"] = {"rss_bytes": rss0, "fds": fds0, "threads": threads0}

        client_json = os.path.join(work, f"{name}.client.json")
        client_err = os.path.join(work, f"{name}.client.log")
        with open(client_err, "w") as err, open(os.path.join(work, f"{name}.client.txt"), "w") as out:
            client = subprocess.Popen(
                [binaries["c10k_client"], str(args.clients), "--host", HOST, "--port", str(port),
                 "--rate", str(args.rate), "--mix", args.mix, "--duration", f"{int(duration * 1000)}ms",
                 "--json", client_json],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
        start = time.monotonic()
        adversary = Adversary(port, start + duration, args.churn_rate, args.debug, args.seed)
        adversary.start()

        next_progress = start + args.progress
        while True:
            now = time.monotonic()
            if now >= start + duration:
                break
            if server.poll() is not None:
                reasons.append(f"the server exited with status {server.returncode} {now - start:.0f} s into the load")
                break
            try:
                rss, fds, threads, cpu = proc_figures(server.pid)
            except (FileNotFoundError, ProcessLookupError):
                continue  # it exited between poll and read: the next turn says so
            result["samples"].append({"t": round(now - start, 2), "rss_bytes": rss, "fds": fds,
                                      "threads": threads, "cpu_s": round(cpu, 2)})
            if now >= next_progress:
                next_progress += args.progress
                ops, failures = adversary.totals()
                status = (tail(client_err, 1) or ["(no status yet)"])[0].strip()
                print(f"  [{name} {now - start:5.0f}/{duration:.0f} s] RSS {rss / MIB:6.1f} MiB  fds {fds:4d}"
                      f"  threads {threads:2d}  cpu {cpu:7.1f} s | adversary {ops:,} ops, {failures} failures"
                      f" | client {status.split('|', 1)[-1].strip()}", flush=True)
            time.sleep(max(0.0, 1.0 - (time.monotonic() - now)))

        # the load stops: the adversary first (its threads end after their current operation),
        # then the client, which ends by itself with its --duration
        if not adversary.stop():
            reasons.append("adversary threads still blocked after the stop: a connection the server never answers")
        try:
            client_status = client.wait(60 if server.poll() is None else 5)
        except subprocess.TimeoutExpired:
            client_status = stop_group(client, 10)
            reasons.append("c10k_client did not end within 60 s of its --duration")
        client = None
        result["adversary"] = adversary.snapshot()
        result["c10k_client_status"] = client_status
        try:
            with open(client_json) as file:
                summary = json.load(file)
        except (OSError, ValueError):
            summary = None
            reasons.append(f"c10k_client wrote no JSON summary (exit status {client_status}):"
                           f" {' | '.join(tail(client_err, 3))}")
        result["c10k_client"] = summary
        if summary:
            errors = {kind: count for kind, count in summary["errors"].items() if count}
            if errors:
                reasons.append(f"c10k_client counted errors {errors}: {' | '.join(tail(client_err, 3))}")
            if summary["requests"] == 0:
                reasons.append("c10k_client got no correct answer at all")
        failures = result["adversary"]["failures"]
        if failures:
            reasons.append(f"the adversary saw {sum(failures.values())} failures {failures}; first:"
                           f" {result['adversary']['failure_examples'][0]}")

        if server.poll() is None:
            # waits for the exact idle count (a close may still be in flight), judges with the band
            settling = time.monotonic()
            rss1, fds1, threads1, _ = settle(server.pid, fds0, SETTLE_TIMEOUT_S)
            settle_s = round(time.monotonic() - settling, 1)
            result["idle_after"] = {"rss_bytes": rss1, "fds": fds1, "threads": threads1, "settle_s": settle_s}
            if settle_s > SETTLE_NOTE_S:
                result["notes"].append(
                    f"its descriptors took {settle_s} s to fall back to {fds1} after the load (idle count {fds0}):"
                    " it keeps connections the clients have closed or reset for a while (a WAIT's length?)")
            if threads1 > threads0:
                reasons.append(f"{threads1} threads once the load stopped, {threads0} before it: threads leaked")
            try:
                ping(port)
            except (OSError, WrongAnswer) as error:
                reasons.append(f"the server no longer answers PING after the load: {error}")
        else:
            fds1 = None
            if not any("exited" in reason for reason in reasons):
                reasons.append(f"the server exited with status {server.returncode} at the end of the load")

        series = [(s["t"], s["rss_bytes"], s["fds"]) for s in result["samples"]]
        figures, trend_reasons = trend_verdict(series, fds0, fds1)
        result["trend"] = figures
        reasons.extend(trend_reasons)

        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                status = server.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                status = stop_group(server, 1)
                reasons.append(f"the server did not exit within {STOP_TIMEOUT_S:.0f} s of SIGTERM")
            result["exit_status"] = status
            if status != 0:
                reasons.append(f"the server exited with status {status} on SIGTERM, not 0")
        result["server_log_tail"] = tail(log)
    except (RuntimeError, OSError, WrongAnswer) as error:
        reasons.append(f"{type(error).__name__}: {error}")
    finally:
        if adversary is not None:
            adversary.stop(timeout=2)
        stop_group(client, 5)
        stop_group(server, 2)
        result["wall_s"] = round(time.monotonic() - began, 1)
    result["verdict"] = "PASS" if not reasons else "FAIL"
    return result


# --- The self-test of the verdict logic on synthetic series.

def self_test():
    rng = random.Random(7)

    def series(minutes, rss_at, fds_at=lambda t: 210):
        return [(float(t), rss_at(t), fds_at(t)) for t in range(int(minutes * 60))]

    flat = 30 * MIB
    cases = [
        # (name, samples, fds idle before/after, None to pass, or words of the reason to fail with)
        ("flat, 30 min", series(30, lambda t: flat + rng.randint(-64, 64) * 1024), (7, 7), None),
        ("flat, 1 min", series(1, lambda t: flat + rng.randint(-64, 64) * 1024), (7, 7), None),
        ("noisy flat: +-3 MiB, 2 min", series(2, lambda t: flat + rng.randint(-3, 3) * MIB), (7, 8), None),
        ("allocator steps: 3 x 2 MiB in the first minute, 30 min",
         series(30, lambda t: flat + 2 * MIB * min(3, t // 20)), (7, 7), None),
        ("warm-up ramp then flat, 2 min", series(2, lambda t: flat + min(t, 15) * 512 * 1024), (7, 7), None),
        # what dumb_epoll's debug build did in its first one-minute soak: 22 -> 35 MiB, level from 40 s
        ("saturating warm-up, 22 -> 35 MiB (time constant 12 s), 1 min",
         series(1, lambda t: int(22 * MIB + 13 * MIB * (1 - math.exp(-t / 12)))), (7, 7), None),
        ("shrinking RSS, 5 min", series(5, lambda t: flat - t * 16 * 1024), (7, 7), None),
        ("noisy flat descriptors: 200-215 under load, 1 min",
         series(1, lambda t: flat, lambda t: 200 + rng.randint(0, 15)), (7, 7), None),
        ("leak 6 MiB/min (1 KiB x 100 conn/s), 1 min", series(1, lambda t: flat + t * MIB // 10), (7, 7),
         "memory leak"),
        ("leak 6 MiB/min with +-2 MiB noise, 2 min",
         series(2, lambda t: flat + t * MIB // 10 + rng.randint(-2, 2) * MIB), (7, 7), "memory leak"),
        ("leak 3 MiB/min, 1 min", series(1, lambda t: flat + t * MIB // 20), (7, 7), "memory leak"),
        ("slow leak 1.5 MiB/min, 30 min", series(30, lambda t: flat + t * 1536 * 1024 // 60), (7, 7),
         "memory leak"),
        ("slower leak 0.9 MiB/min, under the slope limit, 30 min",
         series(30, lambda t: flat + t * 922 * 1024 // 60), (7, 7), "memory grows"),
        ("late jump of 20 MiB at 80%, 10 min", series(10, lambda t: flat + (20 * MIB if t > 480 else 0)), (7, 7),
         "memory grows"),
        ("descriptor leak 5/min, 10 min", series(10, lambda t: flat, lambda t: 210 + t // 12), (7, 7),
         "descriptor leak"),
        ("descriptors not back after the load", series(2, lambda t: flat), (7, 12), "leaked"),
        ("too short to judge: 15 s", series(0.25, lambda t: flat), (7, 7), "at least a minute"),
    ]
    failed = 0
    for name, samples, (before, after), expected in cases:
        figures, reasons = trend_verdict(samples, before, after)
        if expected is None:
            right = not reasons
        else:
            right = any(expected in reason for reason in reasons)
        failed += not right
        print(f"  {'ok  ' if right else 'FAIL'} {name}: {'fails' if reasons else 'passes'}"
              f" (expected {'to pass' if expected is None else 'to fail: ' + expected});"
              f" RSS slope {figures.get('rss_slope_bytes_per_min', 0) / MIB:+.2f} MiB/min,"
              f" fd slope {figures.get('fd_slope_per_min', 0):+.2f}/min" + "".join(f"\n         {r}" for r in reasons))
    for iterations, expected in BURN_TABLE.items():
        if burn(iterations) != expected:
            print(f"  FAIL burn({iterations}) = {burn(iterations)}, docs/protocol.md says {expected}")
            failed += 1
    payload = bytes(ord("a") + i % 26 for i in range(1000))
    checks = [stream_mismatch(payload[300:700], 300) is None, stream_mismatch(payload[:700], 1) == 0,
              stream_mismatch(payload[:50] + b"!" + payload[51:100], 0) == 50]
    if not all(checks):
        print(f"  FAIL the STREAM pattern check: {checks}")
        failed += 1
    print(f"self-test: {len(cases)} series, {len(BURN_TABLE)} BURN values, the STREAM pattern:"
          f" {'all as expected' if not failed else f'{failed} WRONG'}")
    return 0 if not failed else 1


# --- The command.

def print_summary(results):
    header = (f"{'server':<20} {'verdict':<7} {'RSS MiB/min all/late/limit':>26} {'RSS Q2->Q4 MiB':>15} {'fd/min':>7}"
              f" {'fds idle':>9} {'settle s':>8} {'client answers':>14} {'client errs':>11} {'adv ops':>8}"
              f" {'adv fails':>9} {'exit':>4}")
    print("\n" + header + "\n" + "-" * len(header))
    for r in results:
        trend = r.get("trend", {})
        summary = r.get("c10k_client") or {}
        adversary = r.get("adversary", {})

        def number(key, scale=1.0, fmt="{:+.2f}"):
            return fmt.format(trend[key] / scale) if key in trend else "-"

        q = (f"{trend['rss_q2_median_bytes'] / MIB:.1f}->{trend['rss_q4_median_bytes'] / MIB:.1f}"
             if "rss_q4_median_bytes" in trend else "-")
        fds = (f"{r['idle_before']['fds']}->{r['idle_after']['fds']}" if "idle_after" in r else "-")
        settled = r["idle_after"]["settle_s"] if "idle_after" in r else "-"
        rss = (f"{number('rss_slope_bytes_per_min', MIB)}/{number('rss_late_slope_bytes_per_min', MIB)}"
               f"/{number('rss_slope_limit_bytes_per_min', MIB, '{:.2f}')}"
               if trend.get("steady_samples", 0) >= 10 else "-")
        print(f"{r['server']:<20} {r['verdict']:<7} {rss:>26} {q:>15}"
              f" {number('fd_slope_per_min'):>7} {fds:>9} {settled:>8} {summary.get('requests', '-'):>14}"
              f" {sum(summary.get('errors', {}).values()) if summary else '-':>11}"
              f" {sum(adversary.get('ops', {}).values()):>8} {sum(adversary.get('failures', {}).values()):>9}"
              f" {str(r.get('exit_status', '-')):>4}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0,
                        help="minutes of load PER SERVER (default 30; each server adds ~20 s of start and stop)")
    parser.add_argument("--servers", default=DEFAULT_SERVERS, help=f"comma list (default {DEFAULT_SERVERS})")
    parser.add_argument("--bin", help="folder of the server binaries and c10k_client"
                                      " (default .build/release, else ./NAME as make NAME links them)")
    parser.add_argument("--json", help="write the results here (every sample, the figures, the verdicts); the"
                                       " servers' and clients' logs go beside it")
    parser.add_argument("--port", type=int, help="first server's port, the next ones +1 (default: a free port each)")
    parser.add_argument("--clients", type=int, help="c10k_client connections (default 200; 50 for a debug build)")
    parser.add_argument("--rate", type=float,
                        help="c10k_client requests/s in all, open loop (default 1000; 150 for a debug build)")
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f'c10k_client --mix (default "{DEFAULT_MIX}")')
    parser.add_argument("--churn-rate", type=float, help="adversary connect/PING/close cycles a second"
                                                         " (default 100; 40 for a debug build)")
    parser.add_argument("--progress", type=float, default=10.0, help="seconds between progress lines (default 10)")
    parser.add_argument("--seed", default="soak", help="seed of the adversary's choices, for a repeatable run")
    parser.add_argument("--self-test", action="store_true",
                        help="check the verdict logic on synthetic series, then exit")
    args = parser.parse_args()

    if args.self_test:
        return self_test()
    if args.minutes <= 0:
        parser.error("--minutes must be positive")
    if args.port is not None and not 1024 <= args.port <= 65000:
        parser.error("--port must be 1024 to 65000")
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    if not servers:
        parser.error("--servers is empty")
    chat = [s for s in servers if s.endswith("_chat")]
    if chat:
        parser.error(f"{', '.join(chat)}: the chat protocol, not DUMB; give DUMB servers")
    binaries = find_binaries(servers + ["c10k_client"], args.bin)
    debug = os.path.realpath(binaries["c10k_client"]).split(os.sep)[-2] == "debug"
    # a debug build serves a STREAM about twenty times slower: the same load would only
    # measure its queueing (and end in client timeouts), not its leaks
    args.debug = debug
    args.rate = args.rate or (150 if debug else 1000)
    # Each connection grows its 64 KiB output buffer on its first STREAM and keeps it: RSS
    # rises by clients x 64 KiB with a time constant of clients / (STREAMs a second), 2 s
    # for a release build at the defaults. A debug build's lower rate would stretch that
    # warm-up past a short run's warm-up skip (and look like a leak): fewer connections.
    args.clients = args.clients or (50 if debug else 200)
    args.churn_rate = args.churn_rate or (40 if debug else 100)

    if args.json:
        work = os.path.dirname(os.path.abspath(args.json))
        os.makedirs(work, exist_ok=True)
    else:
        work = tempfile.mkdtemp(prefix="soak-")
    machine = fingerprint(os.path.dirname(binaries["c10k_client"]), debug)
    print(f"soak: {', '.join(servers)}, {args.minutes:g} min each ({machine['build']} build in {machine['bin']});"
          f" c10k_client {args.clients} clients at {args.rate:g} req/s \"{args.mix}\"; adversary churn"
          f" {args.churn_rate:g}/s; logs in {work}", flush=True)

    # Ctrl-C raises KeyboardInterrupt; SIGTERM and SIGHUP are made to do the same, so that the
    # finally blocks stop the server and the clients whatever ends the soak.
    def interrupt(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)

    results, interrupted = [], False
    try:
        for index, name in enumerate(servers):
            print(f"{name}: {args.minutes:g} min", flush=True)
            result = soak_server(name, binaries, args, work, args.port + index if args.port else None)
            results.append(result)
            print(f"{name}: {result['verdict']}" + "".join(f"\n  - {r}" for r in result["reasons"])
                  + "".join(f"\n  note: {n}" for n in result["notes"]), flush=True)
    except KeyboardInterrupt:
        interrupted = True
        print("\nsoak: interrupted; the server and the clients were stopped", file=sys.stderr)
        return 130
    finally:
        if args.json:
            options = {k: v for k, v in vars(args).items() if k not in ("self_test",)}
            with open(args.json, "w") as file:
                json.dump({"fingerprint": machine, "options": options, "interrupted": interrupted,
                           "thresholds": {"rss_slope_bytes_per_min": RSS_SLOPE_LIMIT, "rss_step_bytes": RSS_STEP,
                                          "rss_growth_floor_bytes": RSS_GROWTH_FLOOR,
                                          "rss_growth_fraction": RSS_GROWTH_FRACTION,
                                          "fd_slope_per_min": FD_SLOPE_LIMIT, "fd_step": FD_STEP, "fd_band": FD_BAND,
                                          "slope_sigmas": SLOPE_SIGMAS, "warmup_fraction": WARMUP_FRACTION,
                                          "warmup_min_s": WARMUP_MIN_S},
                           "servers": results}, file, indent=1)
        else:
            shutil.rmtree(work, ignore_errors=True)

    print_summary(results)
    for r in results:
        for note in r.get("notes", []):
            print(f"note, {r['server']}: {note}")
    if args.json:
        print(f"\nresults: {args.json}")
    failed = [r for r in results if r["verdict"] != "PASS"]
    if failed:
        print(f"\nsoak FAILED: {', '.join(r['server'] for r in failed)}.")
        for r in failed:
            print(f"{r['server']}:" + "".join(f"\n  - {reason}" for reason in r["reasons"]))
        print("What to do: rerun the one server alone to reproduce (scripts/soak.py --servers NAME --minutes M"
              " --json /tmp/soak.json keeps its log and every sample); a wrong answer or a failure names the"
              " scenario (docs/reliability.md says what each does); for a leak, watch the samples in the JSON"
              " grow and run the scenario that causes it alone.")
        return 1
    print("\nsoak passed: every answer right, memory and descriptors flat, clean exits.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
