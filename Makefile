# contactapis build. `make test` is what CI runs (.ci/run); see README.md.
GO ?= go
# Packages for go vet and go test: everything in the module.
PKGS := ./...

.PHONY: all generate generate-check lint test

all: test

## generate: regenerate gen/<vendor> from specs/ (every //go:generate line is in generate.go)
generate:
	$(GO) generate .

## generate-check: fail when the generated code, or go.mod/go.sum, disagree with what they are generated from
generate-check: generate
	@if [ -n "$$(git status --porcelain -- gen/)" ]; then \
		echo "generate-check: generated code is out of date with specs/; run 'make generate' and commit:"; \
		git status --porcelain -- gen/; \
		git --no-pager diff --stat -- gen/; \
		exit 1; \
	fi
	@$(GO) mod tidy -diff || { echo "generate-check: go.mod/go.sum are not tidy; run 'go mod tidy'"; exit 1; }

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: not formatted (run gofmt -w):"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

## test: lint, generate-check and every test with the race detector
test: lint generate-check
	$(GO) test -race $(PKGS)
