#!/usr/bin/env bash
# From a fresh clone to the first lab's first observation: checks what the machine lacks
# (and says how to get it), builds the servers, the client and the lab tool, checks the
# machine for lab 01, then runs its first stall: a PING waits behind another client's WAIT.
#
#   scripts/quick-start.sh
#
# It stops the server it started; the lab goes on in labs/01-iterative/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }
missing() {
    printf '\nquick start: %s\n  fix: %s\n' "$1" "$2" >&2
    exit 1
}

say "what this machine needs"
command -v swift >/dev/null || missing "no Swift toolchain on PATH" "install Swift 6.1 or later from https://www.swift.org/install/linux/"
[ -e /usr/include/sys/capability.h ] || missing "libcap's headers are missing" "sudo apt-get install libcap-dev"
for tool in nc pv; do
    command -v "$tool" >/dev/null || missing "$tool is not installed" "sudo apt-get install netcat-openbsd pv"
done
echo "swift, libcap-dev, nc and pv: here"

say "building every server, the client and the lab tool (make c10k_lab: a few minutes the first time)"
make c10k_lab

say "is this machine ready for lab 01? (./c10k_lab start 01)"
./c10k_lab start 01 || missing "lab 01 cannot run here" "fix what is marked ✗ above (./c10k_lab doctor says more)"

say "lab 01, step 1: ./dumb_iterative (one connection at a time)"
if (exec 3<>/dev/tcp/127.0.0.1/8090) 2>/dev/null; then
    missing "something already listens on 127.0.0.1:8090" "stop it (ss -ltnp shows who), then run this again"
fi
./dumb_iterative --log-level warning &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/8090) 2>/dev/null && break; sleep 0.1; done

say "step 2: echo PING | nc -N 127.0.0.1 8090"
echo PING | nc -N 127.0.0.1 8090

say "step 3: another client sends WAIT 3000, then you PING"
echo "WAIT 3000" | nc -N 127.0.0.1 8090 >/dev/null &
sleep 0.3
start=$(date +%s%N)
echo PING | nc -N 127.0.0.1 8090
waited=$((($(date +%s%N) - start) / 1000000))
printf '\nThe PING waited %d ms: the only thread was sleeping in the other client'"'"'s WAIT.\n' "$waited"
printf 'That is the first observation of lab 01. Go on in labs/01-iterative/README.md\n'
printf '(./c10k_lab check 01 measures each step; ./c10k_lab list shows the course).\n'
