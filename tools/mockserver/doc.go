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
// Requests are logged through log/slog (method, path, operation, status, duration; never a header,
// body or query value). SIGINT or SIGTERM shut it down gracefully.
package main
