# sidewall. `make run` starts the demo stack; `make test` runs every test (it installs nginx
# and redis-server first when they are missing). CI runs `make test` (.ci/run).

GO      ?= go
BIN     := bin/sidewall
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build run test test-unit test-e2e lint deps fuzz clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

# deps installs the system packages the tests and the demo need (nginx, redis-server).
deps:
	./scripts/install-deps.sh

# run brings up the demo: sidewall with config.toml, nginx with nginx/example-site.conf on
# http://127.0.0.1:8080/, and the echo upstream. Ctrl-C stops all of it.
run: deps build
	$(GO) build -o bin/sidewall-demo ./demo
	bin/sidewall-demo -sidewall $(BIN) -config config.toml

test: deps lint
	$(GO) test -count=1 ./...

lint:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

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
