#!/usr/bin/env bash
# End to end on a real Docker engine: build the image, start Prometheus and node-exporter,
# start a server under compose's cpuset and memory limit, check the limits from inside the
# container, talk to it on 127.0.0.1:8090 as the walkthrough does, run the client
# container, see the server in Prometheus, and run the memory experiment: under the same
# small memory limit, thread-per-connection fails at a client count that epoll serves; then
# the same with c10k_lab experiment memory --compose.
#
#   scripts/container-e2e.sh            # needs a running engine and the images compose names
#
# Grafana is left out (grafana/ is checked statically by the tests): run it anywhere the
# image can be pulled. Everything runs under its own compose project name, so a lab that is
# up under the default name is not touched; the lab's ports must be free, though.
# Environment: E2E_CLIENTS (default 4000) clients in the memory experiment, under
# E2E_MEMORY (default 64m).
set -euo pipefail
cd "$(dirname "$0")/.."

project=c10k-lab-e2e
clients=${E2E_CLIENTS:-4000}
memory=${E2E_MEMORY:-64m}
started=$SECONDS

step() { printf '\n[%4ds] == %s\n' $((SECONDS - started)) "$*"; }
note() { printf '         %s\n' "$*"; }
fail() {
    printf '\ne2e: FAIL: %s\n' "$*" >&2
    compose --profile '*' ps -a >&2 || true
    compose --profile '*' logs --tail 30 >&2 || true
    exit 1
}
compose() { docker compose -p "$project" "$@"; }
cleanup() {
    compose --profile '*' down --volumes --remove-orphans --timeout 5 >/dev/null 2>&1 || true
    docker compose -f labs/03-thread-per-connection/compose.yaml --profile '*' down --volumes --timeout 5 >/dev/null 2>&1 || true
    rm -f "/tmp/$project-multithreaded.txt" "/tmp/$project-epoll.txt"
}
trap cleanup EXIT

# Waits until `condition` (a command) succeeds, at most `seconds`.
wait_for() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || fail "$what: not within ${seconds}s"
        sleep 1
    done
}
healthy() { [ "$(docker inspect --format '{{.State.Health.Status}}' "$(compose ps -q "$1")")" = healthy ]; }
prometheus_query() { # prints the first value of an instant query, or nothing
    curl -fsS --get --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query |
        python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}
prometheus_has() { [ -n "$(prometheus_query "$1")" ]; }

step "preflight: engine, compose, free ports"
docker info --format 'engine {{.ServerVersion}}, cgroup v{{.CgroupVersion}}' || fail "no Docker engine: start one (../shared/tools/docker-ready)"
docker compose version --short >/dev/null || fail "no docker compose v2 plugin"
for port in 8090 8091 8092 9090 9100; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        fail "127.0.0.1:$port is in use: stop the lab (docker compose --profile '*' down) or whatever holds it"
    fi
done
cleanup

step "build the image (every server and the client)"
compose --profile epoll build epoll

step "monitoring: prometheus and node-exporter"
compose up -d prometheus node-exporter
wait_for 60 "Prometheus ready" curl -fsS http://127.0.0.1:9090/-/ready
wait_for 60 "node-exporter answers" curl -fsS http://127.0.0.1:9100/metrics

step "server: epoll on CPU 1 with 128 MiB (EPOLL_CPUS=1 EPOLL_MEMORY=128m)"
EPOLL_CPUS=1 EPOLL_MEMORY=128m compose --profile epoll up -d epoll
wait_for 60 "epoll healthy (its healthcheck sends PING)" healthy epoll

step "limits in force inside the container"
cgroups=$(compose exec -T epoll cat /proc/self/cgroup)
if [ "$(docker info --format '{{.CgroupVersion}}')" = 2 ]; then
    cpus=$(compose exec -T epoll cat /sys/fs/cgroup/cpuset.cpus.effective)
    limit=$(compose exec -T epoll cat /sys/fs/cgroup/memory.max)
    swap=$(compose exec -T epoll cat /sys/fs/cgroup/memory.swap.max 2>/dev/null || echo 0)
else
    cpus=$(compose exec -T epoll cat /sys/fs/cgroup/cpuset/cpuset.cpus)
    limit=$(compose exec -T epoll cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
    swap=$(compose exec -T epoll sh -c 'cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes 2>/dev/null || echo unsupported')
fi
note "cgroup: $(echo "$cgroups" | tr '\n' ' ')"
note "cpuset: $cpus, memory limit: $limit, swap: $swap"
[ "$cpus" = 1 ] || fail "cpuset is '$cpus', compose says 1"
[ "$limit" = 134217728 ] || fail "memory limit is '$limit', compose says 128m (134217728)"
affinity=$(compose exec -T epoll grep Cpus_allowed_list /proc/1/status | awk '{print $2}')
[ "$affinity" = 1 ] || fail "the server may run on CPUs '$affinity', not 1"
metrics=$(curl -fsS http://127.0.0.1:8091/metrics)
grep -q '^dumb_cgroup_memory_limit_bytes{.*} 134217728' <<<"$metrics" || fail "the server does not report its 128m limit"
grep -q '^dumb_cgroup_cpus 1$' <<<"$metrics" || fail "the server does not report its one CPU"

step "the walkthrough: echo PING | nc -N 127.0.0.1 8090"
answer=$(echo PING | nc -N -w 10 127.0.0.1 8090)
[ "$answer" = PONG ] || fail "PING got '$answer'"
note "$answer"

step "the client container: docker compose run --rm client 500 --duration 6s"
compose run --rm client 500 --duration 6s --quiet || fail "the client reported errors"

step "Prometheus sees the server and the client"
wait_for 30 "up{job=\"dumb-server\"} == 1" prometheus_has 'up{job="dumb-server"} == 1'
wait_for 30 "dumb_server_info{server=\"epoll\"}" prometheus_has 'dumb_server_info{server="epoll"}'
wait_for 30 "requests counted" prometheus_has 'dumb_requests_total{command="BURN"} > 0'
# The client has exited by now, and Prometheus marks its series stale at the first scrape that
# fails: ask whether any scrape while it ran saw answers, not whether one does now.
wait_for 30 "the client's metrics" prometheus_has 'max_over_time(c10k_client_requests_total{outcome="ok"}[5m]) > 0'
wait_for 30 "node-exporter's CPUs" prometheus_has 'node_cpu_seconds_total'
note "requests the server answered: $(prometheus_query 'sum(dumb_requests_total)')"
compose --profile epoll stop epoll >/dev/null

# Runs SERVICE under $memory on CPU 0 and $clients clients against it, and reports: sets
# status (the client's exit status), state and oom (the server container's), output (the
# client's summary file).
run_experiment() {
    local service=$1 upper container
    upper=$(tr 'a-z-' 'A-Z_' <<<"$service")
    output="/tmp/$project-$service.txt"
    env "${upper}_CPUS=0" "${upper}_MEMORY=$memory" docker compose -p "$project" --profile "$service" up -d "$service" >/dev/null
    wait_for 60 "$service healthy" healthy "$service"
    set +e
    compose run --rm -e C10K_CONNECT_RATE=2000 client "$clients" --request "BURN 1000" --duration 15s --timeout 5s \
        --quiet >"$output" 2>&1
    status=$?
    set -e
    container=$(compose ps -a -q "$service")
    oom=$(docker inspect --format '{{.State.OOMKilled}}' "$container")
    state=$(docker inspect --format '{{.State.Status}}' "$container")
    note "client exit status $status; server $state (exit $(docker inspect --format '{{.State.ExitCode}}' "$container")), OOMKilled=$oom"
    grep -E 'connected|errors|not reached' "$output" | sed 's/^/         client: /' | head -8 || true
}

step "memory experiment: multithreaded under $memory with $clients clients"
run_experiment multithreaded
if [ "$oom" != true ] && [ "$status" = 0 ]; then
    fail "multithreaded under $memory served $clients clients without a failure: raise E2E_CLIENTS"
fi
compose --profile multithreaded rm -fsv multithreaded >/dev/null

step "memory experiment: epoll under $memory with $clients clients"
run_experiment epoll
[ "$status" = 0 ] || fail "epoll under $memory did not serve $clients clients cleanly: $(cat "$output")"
if [ "$oom" != false ] || [ "$state" != running ]; then fail "epoll under $memory was killed"; fi

# c10k_lab's own memory experiment, with the server in its compose container: the same
# cgroup files read from the host, the OOM kill seen through Docker.
lab_experiment() {
    local service=$1 maximum=$2
    lab_out=$(mktemp -d)
    "$lab" experiment memory --server "$service" --memory "$memory" --step 1000 --max "$maximum" --compose \
        --out "$lab_out" >"$lab_out/summary.txt" 2>&1 || fail "c10k_lab experiment memory --compose $service: $(cat "$lab_out/summary.txt")"
    sed 's/^/         /' "$lab_out/summary.txt" | tail -6
    lab_result() { python3 -c "import json,sys; r=json.load(open('$lab_out/result.json')); print(eval(sys.argv[1]))" "$1"; }
    [ "$(lab_result 'r["mode"]')" = compose ] || fail "the experiment did not run in compose"
    [ -z "$(docker compose -p c10k-lab-experiment ps -a -q)" ] || fail "the experiment left containers behind"
}
lab=$(swift build --show-bin-path 2>/dev/null)/c10k_lab
[ -x "$lab" ] || fail "no c10k_lab build in $(dirname "$lab"): run make test (or swift build) first"

step "c10k_lab experiment memory --compose: multithreaded under $memory, in its container"
lab_experiment multithreaded 10000
[ "$(lab_result 'r.get("failure", {}).get("mode")')" = oom_killed ] || fail "multithreaded under $memory: $(lab_result 'r.get("failure")')"

step "c10k_lab experiment memory --compose: epoll under $memory, in its container"
lab_experiment epoll 4000
[ "$(lab_result 'r.get("failure")')" = None ] || fail "epoll under $memory failed: $(lab_result 'r.get("failure")')"
[ "$(lab_result 'r["held_connections"]')" = 4000 ] || fail "epoll held $(lab_result 'r["held_connections"]') of 4000"

step "tear down"
cleanup

# A lab's own stack, as a learner starts it: monitoring from the root compose file, the
# lab's server under the lab's limits; then the lab solved and checked in its containers.
# (Grafana is left out, as above: the services named are everything else the lab starts.)
step "lab 03: cd labs/03-thread-per-connection && docker compose up -d server prometheus node-exporter"
export XDG_STATE_HOME=$lab_out/state
lab03() { docker compose -f labs/03-thread-per-connection/compose.yaml "$@"; }
(cd labs/03-thread-per-connection && docker compose up -d server prometheus node-exporter) || fail "lab 03's stack did not start"
lab03_healthy() { [ "$(docker inspect --format '{{.State.Health.Status}}' "$(lab03 ps -q server)")" = healthy ]; }
wait_for 90 "lab 03's server healthy" lab03_healthy
wait_for 60 "Prometheus ready" curl -fsS http://127.0.0.1:9090/-/ready
limits=$(docker inspect --format '{{.HostConfig.CpusetCpus}} {{.HostConfig.Memory}}' "$(lab03 ps -q server)")
note "lab 03's server: cpuset and memory $limits"
[ "$limits" = "0 2147483648" ] || fail "lab 03's server runs with cpuset and memory '$limits', the lab says '0 2147483648'"
"$lab" check 03 --step 1 || fail "c10k_lab check 03 --step 1 on the lab's own stack"
step "lab 03 in containers: c10k_lab solve 03 --docker, then check"
"$lab" solve 03 --docker >"$lab_out/lab03.txt" 2>&1 || fail "c10k_lab solve 03 --docker: $(tail -20 "$lab_out/lab03.txt")"
"$lab" check 03 | sed 's/^/         /' || fail "c10k_lab check 03 after solve --docker"
"$lab" reset 03 >/dev/null
[ -z "$(lab03 --profile '*' ps -a -q)" ] || fail "c10k_lab reset 03 left lab 03's containers"

printf '\ne2e: PASS in %ds\n' $((SECONDS - started))
