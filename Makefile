# Daiyun — two commands on a fresh machine:
#   make demo   install what it needs, build, generate the demo agency if absent, serve it
#   make test   install what the tests need and run them all
SHELL := /bin/bash
GO ?= go
BIN := bin/daiyun
DATA ?= ./data
ADDR ?= 127.0.0.1:8080
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X github.com/daiyun/daiyun.Version=$(VERSION) -X github.com/daiyun/daiyun.Commit=$(COMMIT)
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
VENDOR := web/static/vendor
# An execution count, not a duration: Go 1.26's fuzz coordinator can report a
# spurious "context deadline exceeded" when a wall-clock -fuzztime expires
# under load (go.dev/issue/75804); a count has no deadline to race.
FUZZTIME ?= 20000x

.PHONY: all demo test build assets deps chromium vet fmt-check fuzz bench clean

all: build

## demo: build, generate the demo agency into $(DATA) if absent, and serve it
demo: build
	@mkdir -p $(DATA)
	@./$(BIN) demo --if-absent --data $(DATA)
	@echo
	@echo "Open http://$(ADDR) and log in with one of the logins above."
	@./$(BIN) serve --data $(DATA) --addr $(ADDR)

## build: the one binary, with the web assets embedded
build: assets
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/daiyun

## assets: front-end libraries from npm, copied where go:embed finds them
assets: $(VENDOR)/htmx.min.js $(VENDOR)/echarts.min.js

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm; }
	npm ci --no-audit --no-fund

$(VENDOR)/htmx.min.js: node_modules/.package-lock.json
	@mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $@

$(VENDOR)/echarts.min.js: node_modules/.package-lock.json
	@mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js $@

## chromium: the headless browser the UI tests and PDF reports use, with a
## CJK font so Chinese renders
chromium:
	@{ command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi "Noto.*CJK"; } || { echo "installing chromium and fonts-noto-cjk"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }

deps: assets chromium
	$(GO) mod download

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

## test: every test (unit, SQLite + DuckDB + PostgreSQL, browser) with the race detector
test: deps fmt-check vet fuzz
	@pg=$$(./scripts/pg-ensure.sh) && echo "PostgreSQL for tests: $$pg" && \
	DAIYUN_TEST_PG="$$pg" DAIYUN_CHROMIUM=$$(command -v chromium) $(GO) test -race -timeout 40m ./...

## fuzz: a short run of every fuzz target (longer: make fuzz FUZZTIME=5m or FUZZTIME=1000000x)
fuzz:
	@for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for f in $$(grep -h '^func Fuzz' $$dir/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "fuzz $$dir $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$dir > .fuzz.log 2>&1 || { cat .fuzz.log; rm -f .fuzz.log; exit 1; }; \
		done; \
	done; rm -f .fuzz.log

## bench: the benchmarks (see docs/benchmarks.md for the large runs)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...

clean:
	rm -rf bin .tmp
