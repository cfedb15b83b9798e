# contactapis build. `make test` is what CI runs (.ci/run); see README.md.
SHELL := bash
GO ?= go
# go.mod's toolchain line names the Go that builds this module (a release without the standard
# library vulnerabilities govulncheck reports in older ones). A Go whose own default is
# GOTOOLCHAIN=local (Debian's, and /usr/local/go/go.env on some machines) ignores that line; auto
# makes an older go fetch the named toolchain through the module proxy on first use. Set
# GOTOOLCHAIN in the environment to override.
export GOTOOLCHAIN ?= auto
# Packages for go vet and go test: everything in the module.
PKGS := ./...

.PHONY: all generate generate-check lint lint-specs vulncheck test conformance conformance-coverage conformance-mockserver mockserver mutation

# make conformance TARGET=url|live, HAR=path: see README.md.
TARGET ?= embedded
HAR ?=
# More suite flags, e.g. ARGS='--vendors=iovox --iovox-url=http://127.0.0.1:8080/iovox'.
ARGS ?=
# Parallel processes only for the embedded target: each process has its own mocks there, while a
# url or live target's state would be shared between them.
GINKGO_FLAGS ?= --randomize-all --fail-on-pending --fail-on-empty $(if $(filter embedded,$(TARGET)),-p)

all: test

## generate: regenerate gen/<vendor> from specs/ (every //go:generate line is in generate.go)
generate:
	$(GO) generate .

## generate-check: fail when regenerating changes any generated file (a spec changed without
## `make generate`, or hand edits to *.gen.go), and when go.mod/go.sum are not tidy
generate-check:
	@before=$$(find gen -name '*.gen.go' -exec sha256sum {} + | sort -k2); \
	$(GO) generate . || exit 1; \
	after=$$(find gen -name '*.gen.go' -exec sha256sum {} + | sort -k2); \
	if [ "$$before" != "$$after" ]; then \
		echo "generate-check: generated code did not match specs/; it has now been regenerated:"; \
		diff <(echo "$$before") <(echo "$$after") | sed -n 's/^> [0-9a-f]* */  /p'; \
		echo "review and commit the regenerated files"; \
		exit 1; \
	fi
	@$(GO) mod tidy -diff >/dev/null || { echo "generate-check: go.mod/go.sum are not tidy; run 'go mod tidy'"; exit 1; }

## lint: gofmt (the toolchain's own), go vet and staticcheck (pinned in go.mod as a tool)
lint:
	@out=$$("$$($(GO) env GOROOT)/bin/gofmt" -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: not formatted (run gofmt -w):"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

## vulncheck: govulncheck (pinned in go.mod) on every package, with the toolchain go.mod names;
## VULNDB=file:///path/to/db for an offline copy of the Go vulnerability database
VULNDB ?=
vulncheck:
	$(GO) tool govulncheck $(if $(VULNDB),-db $(VULNDB)) $(PKGS)

## lint-specs: the four specs through two OpenAPI linters nobody here wrote, pinned with their
## dependencies in tools/package.json and package-lock.json: Spectral (ruleset spectral:oas,
## tools/.spectral.yaml) and Redocly (recommended, tools/redocly.yaml). Any error fails; warnings
## are shown. Needs Node.js and npm (.ci/run installs them); npm ci fills tools/node_modules.
NPM ?= npm
SPECS := $(wildcard specs/*.yaml)
lint-specs: tools/node_modules/.package-lock.json
	cd tools && ./node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity error $(addprefix ../,$(SPECS))
	cd tools && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true ./node_modules/.bin/redocly lint --config redocly.yaml $(addprefix ../,$(SPECS))

# npm ci again whenever the pins change. --ignore-scripts: neither linter needs an install script
# (the one a dependency has only reports usage).
tools/node_modules/.package-lock.json: tools/package.json tools/package-lock.json
	cd tools && $(NPM) ci --ignore-scripts --no-audit --no-fund

## test: lint, generate-check, lint-specs, every test with the race detector (the conformance suite
## against the embedded mocks among them), then the suite once more against tools/mockserver over
## a socket
test: lint generate-check lint-specs
	$(GO) test -race $(PKGS)
	$(MAKE) --no-print-directory conformance-mockserver

## conformance-mockserver: start tools/mockserver on a free loopback port, run the suite against it
## (target url, serially: its specs share the one server's state), stop it
conformance-mockserver:
	@set -euo pipefail; pid=; dir=$$(mktemp -d); trap '[ -z "$$pid" ] || kill $$pid 2>/dev/null; rm -rf "$$dir"' EXIT; \
	$(GO) build -o "$$dir/mockserver" ./tools/mockserver; \
	"$$dir/mockserver" -addr 127.0.0.1:0 -log-level warn >"$$dir/banner" 2>"$$dir/log" & pid=$$!; \
	for i in $$(seq 100); do base=$$(sed -n 's/^contactapis mockserver on //p' "$$dir/banner"); [ -n "$$base" ] && break; sleep 0.1; done; \
	[ -n "$$base" ] || { echo "mockserver did not start:"; cat "$$dir/log"; exit 1; }; \
	echo "conformance suite against tools/mockserver at $$base"; \
	$(GO) test ./conformance -count=1 -v -run '^TestConformance$$' -args --target=url -ginkgo.succinct --reports="$$dir/reports" \
		--iovox-url=$$base/iovox --valomnia-url=$$base/valomnia/api/v1.0 --which50-url=$$base/which50 --auregister-url=$$base/auregister

## conformance: the conformance suite against TARGET (embedded mocks by default), reports in reports/
conformance:
	@mkdir -p reports
	@echo "conformance: building the suite (the first build compiles every dependency: about a minute, quiet; later builds are cached), then running it against $(TARGET)"
	$(GO) tool ginkgo $(GINKGO_FLAGS) --junit-report=junit.xml --json-report=report.json --output-dir=reports \
		./conformance -- --target=$(TARGET) $(if $(HAR),--har=$(abspath $(HAR))) $(ARGS)

## conformance-flags: the suite's own flags (what ARGS takes), with defaults and valid values
.PHONY: conformance-flags
conformance-flags:
	@$(GO) run ./tools/suiteflags

## conformance-coverage: rewrite conformance/coverage.yaml's covered lists from the declared specs
conformance-coverage:
	$(GO) test ./conformance -run TestConformance -count=1 -args --update-coverage

## mutation: mutation testing of the mock engine and adapters (the files of
## conformance/mutation-scope.yaml) judged by the conformance suite alone against the embedded
## mocks; fails on a surviving mutant that conformance/mutation-survivors.yaml does not list, and
## when the score (killed of the mutants not reviewed as equivalent) is under MUTATION_MIN_SCORE.
## Bounded: a sample of MUTATION_MAX mutants chosen by identity, no mutant started after
## MUTATION_DEADLINE (18 minutes measured on two lightly shared cores; see tools/mutation). Not part of `make
## test`; CI runs it nightly. Report in reports/mutation.txt and reports/mutation.json.
MUTATION_MAX ?= 100
MUTATION_DEADLINE ?= 28m
MUTATION_WORKERS ?= 1
# The score (killed of the mutants a request can tell apart) below which the run fails.
MUTATION_MIN_SCORE ?= 90
mutation:
	$(GO) run ./tools/mutation -max $(MUTATION_MAX) -deadline $(MUTATION_DEADLINE) -workers $(MUTATION_WORKERS) -min-score $(MUTATION_MIN_SCORE)

## mockserver: serve the four mocks on ADDR (default 127.0.0.1:8080)
ADDR ?= 127.0.0.1:8080
mockserver:
	$(GO) run ./tools/mockserver -addr $(ADDR)

## load: drive tools/mockserver (on a free loopback port, a fresh one per run) with tools/load:
## LOAD_REQUESTS updates by LOAD_WORKERS concurrent clients across the four vendors, bounded by
## LOAD_TIME_LIMIT, then check the final state is exactly what the answers imply. Runs without
## and then with fault injection (latency and documented 500s, retried by the clients);
## FAULTS=0 runs only without, FAULTS=1 only with. LOAD_ARGS=-json prints JSON reports.
LOAD_REQUESTS ?= 20000
LOAD_WORKERS ?= 16
LOAD_TIME_LIMIT ?= 60s
LOAD_ARGS ?=
FAULTS ?= both
.PHONY: load
load:
	@set -euo pipefail; pid=; dir=$$(mktemp -d); trap '[ -z "$$pid" ] || kill $$pid 2>/dev/null; rm -rf "$$dir"' EXIT; \
	case "$(FAULTS)" in both) modes="plain faults";; 0) modes=plain;; 1) modes=faults;; \
		*) echo "FAULTS=$(FAULTS): want both (the default), 0 or 1"; exit 2;; esac; \
	$(GO) build -o "$$dir/mockserver" ./tools/mockserver; \
	$(GO) build -o "$$dir/load" ./tools/load; \
	status=0; \
	for mode in $$modes; do \
		: >"$$dir/banner"; \
		"$$dir/mockserver" -addr 127.0.0.1:0 -log-level warn >"$$dir/banner" 2>"$$dir/log" & pid=$$!; \
		base=; for i in $$(seq 100); do base=$$(sed -n 's/^contactapis mockserver on //p' "$$dir/banner"); [ -n "$$base" ] && break; sleep 0.1; done; \
		[ -n "$$base" ] || { echo "mockserver did not start:"; cat "$$dir/log"; exit 1; }; \
		"$$dir/load" -server "$$base" -server-pid $$pid -requests $(LOAD_REQUESTS) -workers $(LOAD_WORKERS) \
			-time-limit $(LOAD_TIME_LIMIT) $$([ $$mode = faults ] && echo -faults) $(LOAD_ARGS) || status=1; \
		kill $$pid; wait $$pid || status=1; pid=; \
		if [ -s "$$dir/log" ]; then echo "mockserver log ($$mode run):"; cat "$$dir/log"; fi; \
	done; \
	exit $$status

## drift: compare specs/ and the Go API of gen/ with DRIFT_BASE (auto by default: the merge base
## with origin/main, or the commit before HEAD when HEAD is on origin/main, as on a fresh clone of
## main; drift prints which), then, when the suite's recording exists (HAR=, default
## reports/conformance.har, which make conformance HAR=reports/conformance.har writes), validate
## it against the specs and replay it against the mocks (both run; either failing fails). A HAR=
## that names no file is an error. See tools/drift.
DRIFT_BASE ?= auto
DRIFT_HAR = $(or $(HAR),reports/conformance.har)
.PHONY: drift
drift:
	@if [ -n "$(HAR)" ] && [ ! -f "$(HAR)" ]; then echo "drift: HAR=$(HAR): no such file (make conformance HAR=$(HAR) records one)"; exit 2; fi
	$(GO) run ./tools/drift spec --base $(DRIFT_BASE)
	@if [ -f "$(DRIFT_HAR)" ]; then \
		rc=0; \
		echo "$(GO) run ./tools/drift traffic $(DRIFT_HAR)"; \
		$(GO) run ./tools/drift traffic "$(DRIFT_HAR)" || rc=1; \
		echo "$(GO) run ./tools/drift replay $(DRIFT_HAR)"; \
		$(GO) run ./tools/drift replay "$(DRIFT_HAR)" || rc=1; \
		exit $$rc; \
	else \
		echo "drift: no $(DRIFT_HAR), traffic not checked nor replayed (make conformance HAR=$(DRIFT_HAR) writes it)"; \
	fi

## bench: the benchmarks of issue 8, BENCH_COUNT runs each (go test -p 1, so that no two packages
## measure at once): validation cost of one exchange and a loopback round trip with and without
## validation (conformance/contract), mock throughput against a bare handler answering the same
## bytes (conformance/mock/mocks), drift traffic on a 100,000-exchange capture, and the suite's
## wall time serial and -p (conformance). Raw output goes to reports/bench/new.txt; benchstat
## compares it with reports/bench/old.txt when there is one (cp reports/bench/new.txt
## reports/bench/old.txt before a change, then make bench after it); tools/benchgoals prints each
## goal figure with its ratio to the goal. Benchmarks report: a missed goal does not fail the target.
BENCH_COUNT ?= 6
BENCH_TIME ?= 500ms
.PHONY: bench
bench:
	@mkdir -p reports/bench
	@set -euo pipefail; { \
		$(GO) test -p 1 -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) -benchtime $(BENCH_TIME) \
			./conformance/contract ./conformance/mock/mocks; \
		$(GO) test -p 1 -run '^$$' -bench '^BenchmarkTraffic$$' -benchmem -count $(BENCH_COUNT) -benchtime 1x \
			./tools/drift/internal/traffic; \
		$(GO) test -p 1 -run '^$$' -bench '^BenchmarkSuite$$' -count $(BENCH_COUNT) -benchtime 1x ./conformance; \
	} | tee reports/bench/new.txt
	@echo; if [ -f reports/bench/old.txt ]; then \
		echo "benchstat reports/bench/old.txt reports/bench/new.txt"; \
		$(GO) tool benchstat reports/bench/old.txt reports/bench/new.txt; \
	else \
		$(GO) tool benchstat reports/bench/new.txt; \
		echo "(no reports/bench/old.txt to compare with: cp reports/bench/new.txt reports/bench/old.txt before a change)"; \
	fi
	@echo; $(GO) run ./tools/benchgoals reports/bench/new.txt
