#!/usr/bin/env bash
# Runs libFuzzer on each fuzz target for SECONDS, starting from the committed seed corpus
# (Tests/Fuzz/corpus/TARGET) plus what earlier runs found (fuzz/corpus/TARGET). Findings go to
# fuzz/findings/; a summary per target to fuzz/results/fuzz.json. Exit 1 on any finding.
#
#   scripts/fuzz.sh 300                    # five minutes on each target (make fuzz)
#   scripts/fuzz.sh 30 session chat        # the CI's short form, two targets
#   FUZZ_BIN=.build-fuzz/release/dumb_fuzz scripts/fuzz.sh 60 framer
#   FUZZ_JSON=fuzz/results/long-chat.json FUZZ_RUNS=10000000 scripts/fuzz.sh 7200 chat
#                                          # a long run of its own: until 10 million executions, at most 2 h
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:?"give the seconds per target, e.g. scripts/fuzz.sh 300"}
shift
targets=("$@")
((${#targets[@]})) || targets=(framer session verifier chat)
binary=${FUZZ_BIN:-.build-fuzz/release/dumb_fuzz}
[ -x "$binary" ] || { echo "fuzz: $binary is not built: run make fuzz (it builds it first)" >&2; exit 1; }

mkdir -p fuzz/findings fuzz/results
results=${FUZZ_JSON:-fuzz/results/fuzz.json}
entries=()
failed=0
export SWIFT_BACKTRACE=enable=no # libFuzzer reports the crash; Swift's own backtracer only adds noise
for target in "${targets[@]}"; do
    [ -d "Tests/Fuzz/corpus/$target" ] || { echo "fuzz: no target $target (see dumb_fuzz --help)" >&2; exit 1; }
    mkdir -p "fuzz/corpus/$target"
    log=${results%.json}-$target.log
    printf 'fuzz %-8s %4ds … ' "$target" "$seconds"
    status=0
    "$binary" "$target" -max_total_time="$seconds" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="fuzz/findings/$target-" "fuzz/corpus/$target" "Tests/Fuzz/corpus/$target" >"$log" 2>&1 ||
        status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    findings=$(find fuzz/findings -name "$target-*" | wc -l)
    printf '%s executions, %s/s, coverage %s edges, %s findings\n' "${runs:-?}" "${rate:-?}" "${coverage:-?}" "$findings"
    if ((status != 0 || findings > 0)); then
        failed=1
        echo "fuzz: $target broke a property (exit $status); the input is in fuzz/findings/, replay it with" >&2
        echo "      swift build --product dumb_fuzz && .build/debug/dumb_fuzz $target fuzz/findings/$target-*" >&2
        grep -m1 -E 'Fatal error|ERROR:' "$log" >&2 || tail -5 "$log" >&2
    fi
    entries+=("$(printf '"%s": {"seconds": %s, "executions": %s, "executions_per_second": %s, "coverage_edges": %s, "findings": %s, "exit_status": %s}' \
        "$target" "$seconds" "${runs:-0}" "${rate:-0}" "${coverage:-0}" "$findings" "$status")")
done

{
    printf '{\n  "how": "scripts/fuzz.sh %s %s (libFuzzer, address sanitizer, release build)",\n' "$seconds" "${targets[*]}"
    printf '  "machine": {"kernel": "%s", "cpu": "%s", "cpus": %s, "date": "%s", "commit": "%s"},\n' \
        "$(uname -r)" "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)" "$(nproc)" \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    printf '  "targets": {\n'
    for index in "${!entries[@]}"; do
        printf '    %s%s\n' "${entries[$index]}" "$([ "$index" -lt $((${#entries[@]} - 1)) ] && echo ,)"
    done
    printf '  }\n}\n'
} >"$results"
echo "fuzz: summary in $results"
exit "$failed"
