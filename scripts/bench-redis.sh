#!/usr/bin/env bash
# c10k_client against redis-benchmark, side by side on one redis-server (Debian's packages):
# PING, 1000 connections, the server pinned to one CPU and each client, in turn, to another.
# Prints both throughputs, their ratio, and each client's CPU time per request.
# A benchmark, not a test: it reports figures, it asserts nothing.
#
#   scripts/bench-redis.sh                       # 3 rounds, 1000 connections, CPUs 0 and 1
#   scripts/bench-redis.sh --clients 500 --rounds 5 --seconds 10
#   SERVER_CPU=2 CLIENT_CPU=3 scripts/bench-redis.sh
#
# Needs redis-server and redis-benchmark (apt-get install redis-server redis-tools), taskset
# (util-linux) and a Swift toolchain; builds c10k_client in release mode first.
set -euo pipefail
cd "$(dirname "$0")/.."

clients=1000
rounds=3
seconds=8
server_cpu=${SERVER_CPU:-0}
client_cpu=${CLIENT_CPU:-1}
while (($#)); do
    case "$1" in
    --clients) clients=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-redis: unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done
for tool in redis-server redis-benchmark redis-cli taskset; do
    command -v "$tool" >/dev/null || {
        echo "bench-redis: $tool is missing: apt-get install redis-server redis-tools util-linux" >&2
        exit 2
    }
done

echo "bench-redis: building c10k_client (release)…" >&2
swift build -c release --product c10k_client >/dev/null
client=.build/release/c10k_client

# A free loopback port for a private redis-server (never the system's service on 6379).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
work=$(mktemp -d)
cleanup() {
    [[ -n ${redis_pid:-} ]] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"
taskset -c "$server_cpu" redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --maxclients $((clients + 100)) --dir "$work" --logfile "$work/redis.log" &
redis_pid=$!
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$port" ping >/dev/null || { echo "bench-redis: redis-server did not start:" >&2; cat "$work/redis.log" >&2; exit 2; }

echo "redis-server $(redis-server --version | grep -o 'v=[^ ]*') on CPU $server_cpu, port $port; clients on CPU $client_cpu;" \
    "$clients connections, PING; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# Runs a command pinned to the client CPU; prints "wall user system" seconds of it.
timed() {
    local TIMEFORMAT='%R %U %S'
    { time taskset -c "$client_cpu" "$@" >"$work/out" 2>"$work/err"; } 2>&1
}

ratios=()
for round in $(seq "$rounds"); do
    # redis-benchmark: as many requests as it does in about $seconds (from a short probe).
    probe=$(taskset -c "$client_cpu" redis-benchmark -p "$port" -c "$clients" -n $((clients * 50)) -t ping_inline --csv |
        awk -F'"' '/PING_INLINE/ {print int($4)}')
    requests=$((probe * seconds))
    read -r _wall user system < <(timed redis-benchmark -p "$port" -c "$clients" -n "$requests" -t ping_inline --csv)
    rb_rps=$(awk -F'"' '/PING_INLINE/ {print $4}' "$work/out")
    rb_cpu=$(awk -v u="$user" -v s="$system" -v n="$requests" 'BEGIN {printf "%.2f", (u + s) / n * 1e6}')

    # --connect-rate: all at once, as redis-benchmark connects (its ramp still counts in the time)
    read -r _wall user system < <(timed "$client" "$clients" --port "$port" --request PING --expect +PONG \
        --connect-rate 100000 --duration "${seconds}s" --quiet --json "$work/run.json")
    answered=$(awk -F'[:,]' '/"requests"/ {print $2 + 0}' "$work/run.json")
    c_rps=$(awk -F'[:,]' '/"throughput_rps"/ {print $2 + 0}' "$work/run.json")
    c_errors=$(awk '/"errors"/,/}/' "$work/run.json" | awk -F': ' '/[0-9]/ {sum += $2} END {print sum + 0}')
    c_cpu=$(awk -v u="$user" -v s="$system" -v n="$answered" 'BEGIN {printf "%.2f", (u + s) / n * 1e6}')
    ratio=$(awk -v a="$c_rps" -v b="$rb_rps" 'BEGIN {printf "%.3f", a / b}')
    ratios+=("$ratio")
    printf 'round %d: redis-benchmark %10.0f req/s, %6s us CPU/request (%d requests)\n' \
        "$round" "$rb_rps" "$rb_cpu" "$requests"
    printf '         c10k_client     %10.0f req/s, %6s us CPU/request (%d requests, %d errors); ratio %s\n' \
        "$c_rps" "$c_cpu" "$answered" "$c_errors" "$ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
echo "throughput ratio c10k_client / redis-benchmark, median of $rounds rounds: $median (goal 1.0, at least 0.8)"
