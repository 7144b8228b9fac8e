# The walkthrough's commands work as written: `make dumb_epoll && taskset -c 0 ./dumb_epoll`.
# Each server target builds a release binary and links it here as ./NAME.
#
#   make dumb_iterative && ./dumb_iterative
#   make select_chat && ./select_chat       # then nc localhost 8090 in two terminals
#   make epoll_chat && ./epoll_chat
#   make dumb_multithreaded && taskset -c 0 ./dumb_multithreaded
#   make dumb_epoll && taskset -c 0 ./dumb_epoll
#   make dumb_epoll_workers && taskset -c 0,1 ./dumb_epoll_workers
#   make dumb_reactor && taskset -c 0,1 ./dumb_reactor
#   make dumb_coro && taskset -c 0,1 ./dumb_coro
#   make dumb_nio && ./dumb_nio
#   make c10k_client && ./c10k_client 2000
#   make c10k_lab && ./c10k_lab doctor      # can this machine run every lab?
#   make test          # everything CI checks: format, warnings, unit and black-box tests
#   make all           # every binary, release build
#   make soak MINUTES=30 [SERVERS=dumb_epoll,dumb_nio]   # soak test, minutes per server (docs/reliability.md)
#   make soak-ci       # the soak's short form: 2 minutes on dumb_epoll
#   make fuzz [FUZZ_SECONDS=300] [FUZZ_TARGETS="session chat"]   # libFuzzer, seconds per target
#   make fuzz-ci       # the fuzzers' short form: 30 s per target
#   make sanitize      # the suites against TSan and ASan builds of the servers and the client
#   make sanitize-ci   # the TSan pass on dumb_reactor and dumb_coro
#   make reference-results   # labs/results: the measurements the labs quote (root, ~25 min)

SWIFT ?= swift
RELEASE := .build/release

SERVERS := dumb_iterative select_chat epoll_chat dumb_multithreaded dumb_epoll dumb_epoll_workers dumb_reactor dumb_coro dumb_nio
BINARIES := $(SERVERS) c10k_client

.PHONY: all test build lint format check-warnings clean c10k_lab reference-results soak soak-ci fuzz fuzz-build fuzz-ci sanitize sanitize-ci $(BINARIES)

all: c10k_lab

$(BINARIES):
	$(SWIFT) build -c release --product $@
	ln -sf $(RELEASE)/$@ $@

# c10k_lab runs the servers and the client built next to it: one build of everything.
c10k_lab:
	$(SWIFT) build -c release
	for binary in $(BINARIES) c10k_lab; do ln -sf $(RELEASE)/$$binary $$binary; done

build:
	$(SWIFT) build --build-tests

# Fails on any compiler warning in the project's own files (dependencies may warn).
check-warnings:
	@$(SWIFT) build --build-tests > .build-warnings.log 2>&1 || { cat .build-warnings.log; exit 1; }
	@if grep -E '^$(CURDIR)/(Sources|Tests)/.*warning:' .build-warnings.log; then \
		echo "warnings above: fix them (the project builds warning-free)"; exit 1; fi
	@rm -f .build-warnings.log

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests

# The labs' tests run the release build (their figures are graded against a release build's),
# alone: the other suites' load would be in their measurements.
test: lint check-warnings
	$(SWIFT) build -c release
	$(SWIFT) test --skip LabSolutionTests
	$(SWIFT) test --filter LabSolutionTests

# The reference results the labs quote and their checks grade against (as root, about 25
# minutes, on a quiet machine): every DUMB server's memory experiment under 64m and 256m,
# and every server side by side. Each result file says how and on what machine it was made.
REFERENCE_SERVERS := iterative multithreaded epoll epoll-workers reactor coro nio
LABS := $(notdir $(wildcard labs/[0-9][0-9]-*))
reference-results: c10k_lab
	for server in $(REFERENCE_SERVERS); do for memory in 64m 256m; do \
		./c10k_lab experiment memory --server $$server --memory $$memory --out labs/results/memory/$$server-$$memory || exit 1; \
	done; done
	./c10k_lab experiment memory --server multithreaded --memory 64m --out labs/results/memory/multithreaded-64m-stack-64k -- --stack-size 64k
	./c10k_lab experiment memory --server epoll --memory 256m --max 5000 --request "STREAM 65536" --out labs/results/memory/epoll-256m-stream
	./c10k_lab experiment compare --servers all --clients 100,1000,5000,10000 --out labs/results/compare
	mkdir -p labs/results/labs
	state=$$(mktemp -d) && for lab in $(LABS); do \
		XDG_STATE_HOME=$$state ./c10k_lab reset $${lab%%-*} >/dev/null; \
		XDG_STATE_HOME=$$state ./c10k_lab solve $${lab%%-*} >/dev/null || exit 1; \
		XDG_STATE_HOME=$$state ./c10k_lab check $${lab%%-*} --json >labs/results/labs/$$lab.json || exit 1; \
		XDG_STATE_HOME=$$state ./c10k_lab reset $${lab%%-*} >/dev/null; \
	done; rm -rf $$state
	python3 scripts/lab-results.py

# The soak test (docs/reliability.md): for MINUTES per server, mixed load from c10k_client and
# an adversary (churn, resets, slow readers and senders) against each event-driven server;
# fails on a wrong answer, a leak of memory or descriptors, or an unclean exit. Results, every
# sample and the logs in soak/results/. SERVERS, given on the command line, is a comma (or
# space) list and replaces SOAK_SERVERS (the Makefile's own SERVERS lists the chat servers too).
MINUTES ?= 30
SOAK_SERVERS := dumb_epoll dumb_epoll_workers dumb_reactor dumb_coro dumb_nio
SOAK_JSON ?= soak/results/soak.json
comma := ,
empty :=
space := $(empty) $(empty)
soak_servers = $(if $(filter command line,$(origin SERVERS)),$(subst $(comma),$(space),$(SERVERS)),$(SOAK_SERVERS))
soak:
	for product in $(soak_servers) c10k_client; do $(SWIFT) build -c release --product $$product || exit 1; done
	python3 scripts/soak.py --minutes $(MINUTES) --servers $(subst $(space),$(comma),$(strip $(soak_servers))) \
		--bin $(RELEASE) --json $(SOAK_JSON)

soak-ci:
	$(MAKE) soak MINUTES=2 SERVERS=dumb_epoll SOAK_JSON=soak/results/soak-ci.json

# Fuzzing the protocol core (docs/reliability.md): the dumb_fuzz targets under libFuzzer, in a
# release build with the address sanitizer and coverage. libFuzzer's driver is linked without
# its main (SwiftPM gives executables their own), so the flags are spelled out here instead of
# -sanitize=fuzzer.
FUZZ_TARGETS ?= framer session verifier chat
FUZZ_SECONDS ?= 300
FUZZER_LIBRARY = $(firstword $(wildcard $(dir $(realpath $(shell command -v $(SWIFT))))../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-$(shell uname -m).a))
FUZZ_FLAGS = -c release --scratch-path .build-fuzz -Xswiftc -sanitize=address \
	-Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp -Xswiftc -DFUZZING \
	-Xlinker $(FUZZER_LIBRARY) -Xlinker -lstdc++
fuzz-build:
	@test -n "$(FUZZER_LIBRARY)" || { echo "no libclang_rt.fuzzer_no_main in the Swift toolchain next to $$(command -v $(SWIFT)): install a swift.org toolchain"; exit 1; }
	$(SWIFT) build --product dumb_fuzz $(FUZZ_FLAGS)

fuzz: fuzz-build
	scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-ci:
	$(MAKE) fuzz FUZZ_SECONDS=30

# The black-box suites against servers built with ThreadSanitizer (the threaded servers) and
# AddressSanitizer with LeakSanitizer (every server and c10k_client); any report fails
# (docs/reliability.md). CI runs the TSan pass on dumb_reactor and dumb_coro.
sanitize:
	scripts/sanitize.sh thread
	scripts/sanitize.sh address

sanitize-ci:
	scripts/sanitize.sh thread dumb_reactor dumb_coro

clean:
	rm -f $(BINARIES) c10k_lab
	$(SWIFT) package clean
