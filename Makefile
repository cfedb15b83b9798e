# contactapis build. `make test` is what CI runs (.ci/run); see README.md.
SHELL := bash
GO ?= go
# Packages for go vet and go test: everything in the module.
PKGS := ./...

.PHONY: all generate generate-check lint test conformance conformance-coverage

# make conformance TARGET=url|live, HAR=path: see README.md.
TARGET ?= embedded
HAR ?=
GINKGO_FLAGS ?= --randomize-all --fail-on-pending --fail-on-empty -p

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

## test: lint, generate-check and every test with the race detector
test: lint generate-check
	$(GO) test -race $(PKGS)

## conformance: the conformance suite against TARGET (embedded mocks by default), reports in reports/
conformance:
	@mkdir -p reports
	$(GO) tool ginkgo $(GINKGO_FLAGS) --junit-report=junit.xml --json-report=report.json --output-dir=reports \
		./conformance -- --target=$(TARGET) $(if $(HAR),--har=$(abspath $(HAR)))

## conformance-coverage: rewrite conformance/coverage.yaml's covered lists from the declared specs
conformance-coverage:
	$(GO) test ./conformance -run TestConformance -count=1 -args --update-coverage
