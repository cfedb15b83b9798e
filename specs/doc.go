// Package specs embeds the hand-written OpenAPI 3.0.3 documents of the four vendors and reads the
// project's extensions to them.
//
// The documents are the single source of truth of the module: gen/<vendor> is generated from them,
// the mocks, the validators and the conformance suite read them at run time through [Shared] (one
// parsed document per vendor and process, read-only) or [Load] (a document of the caller's own),
// and every error string a mock renders or a test expects comes from a document's error catalogue
// ([Catalogue]). The conventions every document follows, and the linter that enforces them
// (specs_test.go), are described in README.md beside this file.
package specs
