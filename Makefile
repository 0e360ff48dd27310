# Roster — make help lists the targets.

GO          ?= go
BIN         := bin
TOOLS       ?= $(HOME)/.cache/roster-tools
LINT        := $(TOOLS)/golangci-lint
LINT_VERSION := v2.15.0
PG_URL      ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: help build run test test-postgres test-race lint fuzz bench golden e2e e2e-browser

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/roster
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN)/roster ./cmd/roster

run: ## run the server on embedded SQLite in ./roster-data
	$(GO) run ./cmd/roster serve

test: ## run every test (PostgreSQL too when ROSTER_TEST_POSTGRES_URL is set)
	$(GO) test -timeout 20m ./...

test-postgres: ## run every test on SQLite and on the local PostgreSQL
	ROSTER_TEST_POSTGRES_URL='$(PG_URL)' $(GO) test -timeout 20m ./...

# The race detector on the code that runs goroutines of its own: the task runner, the outbox,
# the sync engine, the server, and the store's write path (one writer connection shared by
# concurrent transactions, claims under leases, nodes migrating together). -short leaves out
# the 10,000-user runs, which the plain test run covers: modernc is about 17 times slower
# under -race (NOTES.md), and the rest of the store suite runs one transaction at a time (the
# checkpointer goroutine of SQLite runs under the tests listed too).
RACE_PACKAGES := ./internal/worker/ ./internal/outbox/ ./internal/contactcenter/ ./internal/server/
RACE_STORE_TESTS := ^(TestMigrate|TestWriteRollsBack|TestNoLostUpdate|TestClaim.*Concurrently)$$

test-race: ## the race detector on the packages with concurrency (PostgreSQL too when ROSTER_TEST_POSTGRES_URL is set)
	$(GO) test -race -short $(RACE_PACKAGES)
	$(GO) test -race -short -run '$(RACE_STORE_TESTS)' ./internal/sqldb/

$(LINT):
	GOBIN=$(TOOLS) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(LINT_VERSION)

lint: $(LINT) ## go vet, gofmt and golangci-lint
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(LINT) run ./...

fuzz: ## run each fuzz target for a while (FUZZTIME=30s)
	@for t in $$(grep -rl 'func Fuzz' --include='*_test.go' . | xargs -n1 dirname | sort -u); do \
		for f in $$(grep -ho 'func Fuzz[A-Za-z0-9_]*' $$t/*_test.go | cut -d' ' -f2); do \
			$(GO) test $$t -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-30s} || exit 1; done; done

bench: ## run the benchmarks of bench/ and print the figures (see bench/README.md)
	$(GO) run ./bench

# Only the packages whose tests use internal/golden, which defines -update: the flag is unknown
# to the others' test binaries. The local PostgreSQL refreshes the schema dump of that engine too.
golden: ## refresh golden files under testdata/ (CLI output, CSV reports, schema per engine)
	ROSTER_TEST_POSTGRES_URL='$(PG_URL)' $(GO) test $$(grep -rl --include='*_test.go' '"roster/internal/golden"' . | xargs -n1 dirname | sort -u) -update

e2e: ## end-to-end tests that run the real binary (they have no build tag: go test ./... runs them too)
	$(GO) test -timeout 20m ./e2e/

e2e-browser: build ## drive the console in headless Chromium (apt-get install chromium); screenshots in $$ROSTER_SCREENSHOTS
	cd e2e/browser && npm ci --no-audit --no-fund
	node --test --test-concurrency=1 e2e/browser/
