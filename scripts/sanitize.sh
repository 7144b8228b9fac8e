#!/usr/bin/env bash
# The black-box suites against servers built with a sanitizer: ThreadSanitizer for the
# servers that run threads, AddressSanitizer (with LeakSanitizer) for every server and the
# client. The test process itself is the normal build; only the binaries it starts are
# instrumented (DUMB_BIN_DIR). Any report fails the run and is printed.
#
#   scripts/sanitize.sh thread                       # TSan: the five threaded servers
#   scripts/sanitize.sh address                      # ASan: every server and c10k_client
#   scripts/sanitize.sh thread dumb_reactor dumb_coro   # CI's short form
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:?"give thread or address, e.g. scripts/sanitize.sh thread"}
shift
case $kind in
thread)
    scratch=.build-tsan
    defaults=(dumb_multithreaded dumb_epoll_workers dumb_reactor dumb_coro dumb_nio)
    suites='ConformanceTests|StallTests'
    ;;
address)
    scratch=.build-asan
    defaults=(dumb_iterative dumb_multithreaded dumb_epoll dumb_epoll_workers dumb_reactor dumb_coro dumb_nio
        select_chat epoll_chat)
    # the client's suites run it against the servers, so they are all built the same way
    suites='ConformanceTests|StallTests|ChatTests|AgainstServersTests|WrongServerTests|CoordinatedOmissionTests'
    ;;
*)
    echo "sanitize: $kind is not a sanitizer: give thread or address" >&2
    exit 2
    ;;
esac
servers=("$@")
((${#servers[@]})) || servers=("${defaults[@]}")
products=("${servers[@]}")
[ "$kind" = address ] && products+=(c10k_client)

started=$SECONDS
for product in "${products[@]}"; do
    printf 'sanitize %s: building %s (%s) [%ds]\n' "$kind" "$product" "$scratch" $((SECONDS - started))
    swift build --sanitize="$kind" --scratch-path "$scratch" --product "$product" 2>&1 | grep -E 'error|warning: /' || true
    [ -x "$scratch/debug/$product" ] || { echo "sanitize: $product did not build: see swift build --sanitize=$kind --scratch-path $scratch --product $product" >&2; exit 1; }
done

reports=$PWD/$scratch/reports
rm -rf "$reports"
mkdir -p "$reports"
# Reports go to files, one per process: a server's stderr is the test's log, which a passing
# test never shows. Swift's runtime keeps its metadata caches for the life of the process,
# which LeakSanitizer sees as reachable, not leaked.
export TSAN_OPTIONS="log_path=$reports/tsan halt_on_error=0 second_deadlock_stack=1"
# A small quarantine: ASan keeps freed memory from reuse for a while, which the suites' RSS
# bounds would count as growth.
export ASAN_OPTIONS="log_path=$reports/asan detect_leaks=1 abort_on_error=0 detect_stack_use_after_return=1 quarantine_size_mb=4 thread_local_quarantine_size_kb=64"
export SWIFT_BACKTRACE=enable=no
only=$(IFS=,; echo "${servers[*]}")
printf 'sanitize %s: %s on %s [%ds]\n' "$kind" "$suites" "$only" $((SECONDS - started))
status=0
DUMB_BIN_DIR=$scratch/debug DUMB_TEST_SERVERS=$only swift test --filter "$suites" >"$scratch/tests.log" 2>&1 ||
    status=$?
grep -E '^(✘|✔ Test run|✘ Test run)' "$scratch/tests.log" || true
found=$(find "$reports" -type f | wc -l)
if ((found)); then
    echo "sanitize $kind: $found report(s) in $reports; the first:" >&2
    head -60 "$(find "$reports" -type f | head -1)" >&2
    exit 1
fi
if ((status)); then
    echo "sanitize $kind: the suites failed under the sanitizer (no report): see $scratch/tests.log" >&2
    exit 1
fi
printf 'sanitize %s: no reports from %s (%ds)\n' "$kind" "$only" $((SECONDS - started))
