// Package contactapis keeps clients of four vendors' "update contact" APIs honest.
//
// The vendors are iovox (XML over PUT), Valomnia (form or multipart POST), Which50 (PATCH with
// match-by-query) and auregister (JSON PATCH). Each has one hand-written OpenAPI 3.0.3 document in
// specs/, the single source of truth from which the typed clients in gen/<vendor> are generated.
//
// Regenerate everything after a spec change with `go generate` at the module root (or
// `make generate`); `make generate-check` fails when the generated code and the specs disagree.
package contactapis

//go:generate go tool oapi-codegen -config gen/iovox/types.cfg.yaml specs/iovox.yaml
//go:generate go tool oapi-codegen -config gen/iovox/client.cfg.yaml specs/iovox.yaml

//go:generate go tool oapi-codegen -config gen/valomnia/types.cfg.yaml specs/valomnia.yaml
//go:generate go tool oapi-codegen -config gen/valomnia/client.cfg.yaml specs/valomnia.yaml

//go:generate go tool oapi-codegen -config gen/which50/types.cfg.yaml specs/which50.yaml
//go:generate go tool oapi-codegen -config gen/which50/client.cfg.yaml specs/which50.yaml

//go:generate go tool oapi-codegen -config gen/auregister/types.cfg.yaml specs/auregister.yaml
//go:generate go tool oapi-codegen -config gen/auregister/client.cfg.yaml specs/auregister.yaml

// oapi-codegen writes its own package comment into every generated file; gendoc removes it, so
// that go doc shows each package's doc.go once. It must run last.
//go:generate go run ./internal/gendoc gen/iovox gen/valomnia gen/which50 gen/auregister
