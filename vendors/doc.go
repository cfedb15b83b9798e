// Package vendors is the one registry of the vendors this project covers: per vendor, its live
// default base URL, the credentials it needs (as data, placed on the spec's securitySchemes, or
// on a login step), the fixture records a live run may change, how to read its error bodies, its
// typed client constructor (gen/<vendor>) and its mock (conformance/mock/<vendor>).
//
// The conformance suite (conformance/suiteconfig, conformance/framework), tools/drift (probe and
// replay), tools/mockserver and tools/load read it instead of switching over vendor names, so
// that a new vendor is its spec, its generated client, its mock adapter and one entry in
// vendors.go. TestRegistryMatchesSpecs fails when specs.Vendors() and the registry disagree.
//
// What is derived from the spec rather than written here: which header, query parameter, cookie
// or Authorization scheme a credential travels in (components.securitySchemes; a Credential only
// names its scheme), and the JSON member of the error message where the spec's x-mock declares
// the error body (Vendor.Errors is the fallback for specs without one). What cannot be derived is
// data in the entry: the environment keys and the mocks' test values, and Valomnia's session
// login, a form post no security scheme describes, written once (Login) and used by the suite,
// the drift probes and the drift replay alike.
package vendors
