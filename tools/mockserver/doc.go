// Command mockserver serves the four vendor mocks on one address, each under /<vendor>, with the
// mock admin API under /_admin/.
//
//	go run ./tools/mockserver -addr 127.0.0.1:8080
//
// A client's base URL is then http://127.0.0.1:8080/iovox, .../valomnia/api/v1.0 (login at
// .../valomnia/j_spring_security_check), .../which50 and .../auregister. The test credentials
// (iovox username/secureKey test/test, Valomnia test@example.com/test, Which50 and auregister bearer
// token test) are printed at start and can be changed by flags. Faults are injected per vendor with
// -fault, reproducibly with -seed:
//
//	-fault iovox:latency=50ms,jitter=20ms,error-rate=0.1
//
// Slow and stalled clients are cut off: headers must arrive within -read-header-timeout (5s), the
// whole request within -read-timeout (30s), the answer be written within -write-timeout (30s), and
// a keep-alive connection may idle for -idle-timeout (2m); headers are capped by -max-header-bytes
// (64 KiB, 431 beyond). Each vendor mock caps its request bodies and answers a larger one in the
// vendor's error form; the server then closes the connection instead of reading the rest (see
// closeUnread). hardening_test.go checks each with timeouts of a second and go.uber.org/goleak:
// after a slow-loris client, a stalled or abandoned body, an idle connection, goroutines are back
// to what they were.
//
// Requests are logged through log/slog (method, path, operation, status, duration; never a header,
// body or query value). SIGINT or SIGTERM shut it down gracefully.
package main
