# sidewall. `make run` starts the demo stack; `make test` runs every test (it installs nginx
# and redis-server first when they are missing). CI runs `make test` (.ci/run).

GO      ?= go
BIN     := bin/sidewall
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build run test test-coraza lint deps fuzz clean crs bench bench-scale bench-go eval \
	coraza-verify coraza-patch coraza-tree coraza-repo coraza-export coraza-update

# CORAZA_PATCHED are the packages of third_party/coraza that sidewall patches: lint and
# test-coraza vet and gofmt them (upstream's other files are upstream's style).
CORAZA_PATCHED := corazawaf collections transformations seclang actions operators

all: build

# build needs deps for libre2-dev: the WAF links RE2 when cgo is on (the default where a C
# compiler is installed). CGO_ENABLED=0 builds a pure-Go binary instead (Go's regexp, slower).
build: deps
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

# deps installs the system packages the tests and the demo need (nginx, redis-server, and
# libre2-dev with g++ for the WAF's RE2).
deps:
	./scripts/install-deps.sh

# run brings up the demo: sidewall with config.toml, nginx with nginx/example-site.conf on
# http://127.0.0.1:8080/, and the echo upstream. Ctrl-C stops all of it.
run: deps build
	$(GO) build -o bin/sidewall-demo ./demo
	bin/sidewall-demo -sidewall $(BIN) -config config.toml

# The tests that run real nginx build with the e2e tag: the end-to-end tests, eval's
# slice, the bench's smoke test; with the tag, systemd-analyze's check of the unit fails
# rather than skips when it is missing (stack.E2E). deps installs all they need; without
# the tag, go test ./... passes on a machine that has none of it.
#
# The end-to-end tests run on their own, after the rest: they check acceptance bounds in
# wall time (a list reload within 2 s, a ban reaching another replica within 1 s), and
# on a 2-core machine the WAF's CRS suite running beside them could take the cores.
#
# Before them, the packages whose types promise concurrent use run again under the race
# detector (RACE_PKGS). -short, and the race build's own sampling (waf's raceEnabled),
# keep the CRS and regex corpora small; RACE_SKIP are single-goroutine exhaustive checks
# (a million-key flood, the blocklist against a reference, RE2 against Go's regexp) that
# the plain run covers, where the detector has nothing to find and which took 130 s of
# the pass. The concurrent tests all run: the limiter's, the blocklist's, the bans', the
# WAF's and the server's. About 35 s with a warm build cache; the first race build of
# the dependencies adds about 3 minutes on two shared cores.
RACE_PKGS := ./server ./limiter ./blocklist ./bans ./waf
RACE_SKIP := ^(TestFloodKeepsCapAndLimitedKeys|TestMatchesReference|TestRxAgreesWithGo)$$
# The Redis tests run real redis-server processes (standalone, a cluster, Sentinels),
# which deps installs; SIDEWALL_REQUIRE_REDIS makes a test that would skip for want of
# them fail instead, so that none of them stops running unnoticed.
test: export SIDEWALL_REQUIRE_REDIS = 1
test: deps lint coraza-verify test-coraza
	$(GO) test -count=1 -tags e2e $$($(GO) list -tags e2e ./... | grep -v '/e2e$$')
	$(GO) test -count=1 -tags e2e -race -short -skip '$(RACE_SKIP)' $(RACE_PKGS)
	$(GO) test -count=1 -tags e2e ./e2e

# test-coraza runs the tests of our patched Coraza (third_party/coraza, its own module), all
# but internal/auditlog, whose tests of unwritable files cannot fail when run as root.
test-coraza:
	cd third_party/coraza && GOWORK=off $(GO) vet $(addprefix ./internal/,$(CORAZA_PATCHED))
	cd third_party/coraza && GOWORK=off $(GO) test -count=1 \
	  $$(GOWORK=off $(GO) list ./... | grep -v '/internal/auditlog$$')

# Our Coraza is the module as published plus the patch series of third_party/coraza-patches
# (third_party/coraza/SIDEWALL.md, "Working with the series"). coraza-verify rebuilds the
# tree from the module cache and the series and fails on any difference (make test runs
# it); coraza-patch NAME=short-name writes what the tree holds beyond the series as the
# next patch (MSG=file: its header); coraza-tree rewrites the tree from the series;
# coraza-repo DIR=... and coraza-export DIR=... turn the series into a git repository to
# fold a fixup into its patch, and back; coraza-update VERSION=v3.x.y replays the series
# onto another release and reports each patch that no longer applies.
coraza-verify:
	./scripts/coraza-patches.sh verify
coraza-patch:
	./scripts/coraza-patches.sh patch '$(NAME)' '$(MSG)'
coraza-tree:
	./scripts/coraza-patches.sh tree
coraza-repo:
	./scripts/coraza-patches.sh repo '$(DIR)'
coraza-export:
	./scripts/coraza-patches.sh export '$(DIR)'
coraza-update: # VERSION from the command line only: the Makefile's own is sidewall's
	./scripts/coraza-patches.sh update '$(if $(filter command line,$(origin VERSION)),$(VERSION))'

# crs replays every CRS regression test through real nginx (the shipped body path) and
# sidewall (paranoia level 4, detection only) and prints passed, failed and skipped per rule
# file, the skip reasons, the failures and the pass rate over the applicable tests. make test
# runs a fixed subset of the same (e2e TestCRSThroughNginx); waf's TestCRS runs the suite in
# process.
crs: deps
	$(GO) test -count=1 -tags e2e -run 'TestCRSThroughNginx$$' -v ./e2e -args -crs.full

lint:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*' -not -path './third_party/*') \
	  $(addprefix third_party/coraza/internal/,$(CORAZA_PATCHED))); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags e2e ./...

# fuzz runs each fuzz target for a bounded time (FUZZTIME, default 20s each).
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin

# bench runs the side-by-side suite through real nginx (bench/; a few minutes; it installs
# wrk, Debian's ModSecurity module and CRS when missing) and writes bench/out/report.md,
# report.svg and results.json. BENCH_DURATION and BENCH_ROUNDS set the length of each
# measurement and the number of interleaved rounds; BENCH_ARGS passes other flags
# (`go run ./bench -h` lists them), e.g. BENCH_ARGS='-only sidewall,modsec'.
BENCH_DURATION ?= 5s
BENCH_ROUNDS   ?= 3
BENCH_ARGS     ?=
bench:
	$(GO) run ./bench -duration $(BENCH_DURATION) -rounds $(BENCH_ROUNDS) $(BENCH_ARGS)

# bench-scale runs the scale scenarios (about three minutes): 1M client addresses through
# the limiter, a 1M-entry blocklist file, reloads under load. Writes bench/out/scale.md.
bench-scale:
	$(GO) run ./bench -scale $(BENCH_ARGS)

# bench-go runs the Go micro-benchmarks of every package, BENCH_COUNT times each, in the
# form benchstat reads; the output is kept in bench/out/bench-go.txt too:
#   make bench-go; cp bench/out/bench-go.txt old.txt; (change); make bench-go
#   benchstat old.txt bench/out/bench-go.txt
# CPUPROFILE=file writes a CPU profile; go test allows that for one package only, so set
# BENCH_PKG (and BENCH, a -bench pattern) with it; the test binary that pprof wants beside
# the profile goes to bench/out/:
#   make bench-go BENCH_PKG=./waf BENCH=InspectBenignGET CPUPROFILE=bench/out/waf.cpu.prof
BENCH_COUNT ?= 6
BENCH_PKG   ?= ./...
BENCH       ?= .
CPUPROFILE  ?=
bench-go:
	@mkdir -p bench/out
	bash -o pipefail -c '$(GO) test -run "^$$" -bench "$(BENCH)" -benchmem -count $(BENCH_COUNT) $(if $(CPUPROFILE),-cpuprofile $(CPUPROFILE) -o bench/out/) $(BENCH_PKG) | tee bench/out/bench-go.txt'


# eval measures the WAF's precision and recall (about a minute): it replays the benign and
# attack corpora of eval/testdata through real nginx (the body path) and sidewall under
# the shipped defaults, paranoia level 2 and the "api" profile, and writes eval/out/report.md,
# report.svg and results.json (every denied benign request with what matched, every attack
# that passed). EVAL_ARGS passes flags (`go run ./eval -h`), e.g. EVAL_ARGS='-only default'.
# make test replays a fixed slice with thresholds (eval's TestSlice); go run ./eval/gen
# rewrites the corpora from their generators.
EVAL_ARGS ?=
eval: deps
	$(GO) run ./eval $(EVAL_ARGS)
