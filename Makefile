# contactapis build. `make test` is what CI runs (.ci/run); see README.md.
SHELL := bash
GO ?= go
# Packages for go vet and go test: everything in the module.
PKGS := ./...

.PHONY: all generate generate-check lint test conformance conformance-coverage conformance-mockserver mockserver

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

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: not formatted (run gofmt -w):"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

## test: lint, generate-check, every test with the race detector (the conformance suite against the
## embedded mocks among them), then the suite once more against tools/mockserver over a socket
test: lint generate-check
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
	$(GO) tool ginkgo $(GINKGO_FLAGS) --junit-report=junit.xml --json-report=report.json --output-dir=reports \
		./conformance -- --target=$(TARGET) $(if $(HAR),--har=$(abspath $(HAR))) $(ARGS)

## conformance-coverage: rewrite conformance/coverage.yaml's covered lists from the declared specs
conformance-coverage:
	$(GO) test ./conformance -run TestConformance -count=1 -args --update-coverage

## mockserver: serve the four mocks on ADDR (default 127.0.0.1:8080)
ADDR ?= 127.0.0.1:8080
mockserver:
	$(GO) run ./tools/mockserver -addr $(ADDR)

## drift: compare specs/ and the Go API of gen/ with the merge base (origin/main; HEAD~1 without
## it; HEAD on a one-commit clone, which compares nothing), then, when the suite's recording
## reports/conformance.har exists (make conformance HAR=reports/conformance.har), validate it
## against the specs. See tools/drift.
DRIFT_BASE ?= $(shell git merge-base HEAD origin/main 2>/dev/null || git rev-parse --verify --quiet HEAD~1 || git rev-parse HEAD)
.PHONY: drift
drift:
	$(GO) run ./tools/drift spec --base $(DRIFT_BASE)
	@if [ -f reports/conformance.har ]; then \
		echo "$(GO) run ./tools/drift traffic reports/conformance.har"; \
		$(GO) run ./tools/drift traffic reports/conformance.har; \
	else \
		echo "drift: no reports/conformance.har, traffic not checked (make conformance HAR=reports/conformance.har writes it)"; \
	fi
