// Package apiclient holds what the four typed clients in gen/<vendor> share and a user may need to
// name: the retry policy, the Secret type that keeps credentials out of every log line, error
// message and report, and status sentinels for errors.Is.
//
// It is deliberately small: each vendor's quirks (XML bodies, session login, match queries,
// nullable fields) live beside that vendor's generated code, not here.
package apiclient
