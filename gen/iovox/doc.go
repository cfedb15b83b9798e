// Package iovox is the typed client of iovox's Contacts updateContacts method (Enterprise REST
// v3.0): request and error types and an HTTP client.
//
// The *.gen.go files are generated from specs/iovox.yaml by `go generate` at the module root, one
// file per oapi-codegen configuration (*.cfg.yaml); never edit them. The mock serves the spec
// itself (conformance/mock's engine), so no server code is generated. The generator sends XML bodies
// only as an io.Reader, so the spec gives every property an `xml` struct tag and an order
// (x-oapi-codegen-extra-tags, x-order): encoding an UpdateContactsPayload with
// xml.Encoder.EncodeElement under a <request> start element writes the vendor page's payload.
// Hand-written helpers beside the generated files close the remaining gaps (typed call, auth
// headers, typed XML errors).
package iovox
