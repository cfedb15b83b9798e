// Package spectest changes copies of the project's specs for tests that show what follows a spec
// change: add or remove a property, then serve the copy with a mock engine or regenerate a typed
// client from it with the project's pinned oapi-codegen.
package spectest
