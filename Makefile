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
#   make reference-results   # labs/results: the measurements the labs quote (root, ~25 min)

SWIFT ?= swift
RELEASE := .build/release

SERVERS := dumb_iterative select_chat epoll_chat dumb_multithreaded dumb_epoll dumb_epoll_workers dumb_reactor dumb_coro dumb_nio
BINARIES := $(SERVERS) c10k_client

.PHONY: all test build lint format check-warnings clean c10k_lab reference-results $(BINARIES)

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

clean:
	rm -f $(BINARIES) c10k_lab
	$(SWIFT) package clean
