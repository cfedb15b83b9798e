package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/contactapis/contactapis/apiclient"
	"github.com/contactapis/contactapis/conformance/mock"
	"github.com/contactapis/contactapis/conformance/mock/mocks"
	"github.com/contactapis/contactapis/vendors"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "mockserver:", err)
		os.Exit(2)
	}
}

// faultFlags collects repeated -fault vendor:key=value,... flags.
type faultFlags map[string]mock.Faults

func (f faultFlags) String() string { return "" }

func (f faultFlags) Set(s string) error {
	vendor, spec, ok := strings.Cut(s, ":")
	if !ok || vendor == "" {
		return fmt.Errorf("%q: want vendor:latency=50ms,jitter=10ms,error-rate=0.1", s)
	}
	var fl mock.Faults
	for _, kv := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("%q: %q is not key=value", s, kv)
		}
		var err error
		switch k {
		case "latency":
			fl.Latency, err = time.ParseDuration(v)
		case "jitter":
			fl.Jitter, err = time.ParseDuration(v)
		case "error-rate":
			fl.ErrorRate, err = strconv.ParseFloat(v, 64)
			if err == nil && (fl.ErrorRate < 0 || fl.ErrorRate > 1) {
				err = errors.New("must be between 0 and 1")
			}
		default:
			err = errors.New("unknown key (latency, jitter, error-rate)")
		}
		if err != nil {
			return fmt.Errorf("%q: %s: %v", s, k, err)
		}
	}
	f[vendor] = fl
	return nil
}

// run is the command; ready, when not nil, receives the listening address once serving.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("mockserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free one)")
	fixtures := fs.String("fixtures", "", "JSON fixtures file loaded over the defaults (one member per vendor)")
	seed := fs.Uint64("seed", 1, "seed of fault injection, for reproducible runs")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	faults := faultFlags{}
	fs.Var(faults, "fault", "vendor:latency=D,jitter=D,error-rate=R (repeatable)")
	// One flag per credential of each vendor (-iovox-secure-key), its default the mocks' test
	// value: the registry (vendors) lists them.
	creds := mocks.DefaultCredentials()
	credFlags := map[string]map[string]*string{}
	for _, v := range vendors.All() {
		credFlags[v.Name] = map[string]*string{}
		for _, cr := range v.Required() {
			credFlags[v.Name][cr.Key] = fs.String(cr.Flag(v.Name), cr.Test, cr.Usage)
		}
	}
	// A slow or stalled client must not hold a connection: the headers within 5s, the whole
	// request within 30s (Valomnia's multipart photos reach 4 MiB), the answer within 30s (the
	// fault latency is capped below that, mock.MaxFaultDelay), and an idle keep-alive connection
	// for at most 2 minutes. Tests set them to fractions of a second.
	readHeaderTimeout := fs.Duration("read-header-timeout", 5*time.Second, "time to read a request's headers")
	readTimeout := fs.Duration("read-timeout", 30*time.Second, "time to read a whole request, body included")
	writeTimeout := fs.Duration("write-timeout", 30*time.Second, "time from the end of the request headers to the end of the answer")
	idleTimeout := fs.Duration("idle-timeout", 2*time.Minute, "time a keep-alive connection may wait for its next request")
	// No vendor request needs more than a few kilobytes of headers; net/http's default is 1 MiB
	// per connection, which a crowd of slow clients would multiply.
	maxHeaderBytes := fs.Int("max-header-bytes", 64<<10, "largest request line plus headers (bigger ones get 431)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	for name, d := range map[string]time.Duration{"-read-header-timeout": *readHeaderTimeout, "-read-timeout": *readTimeout,
		"-write-timeout": *writeTimeout, "-idle-timeout": *idleTimeout} {
		// Zero means "no limit" to net/http: exactly what this flag exists to prevent.
		if d <= 0 {
			return fmt.Errorf("%s %v: must be positive", name, d)
		}
	}
	if *maxHeaderBytes < 4<<10 {
		return fmt.Errorf("-max-header-bytes %d: at least 4096, or ordinary requests are refused", *maxHeaderBytes)
	}
	for vendor, flags := range credFlags {
		for key, val := range flags {
			creds[vendor][key] = apiclient.NewSecret(*val)
		}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	srv, err := mocks.New(mocks.Options{Credentials: creds, FixturesFile: *fixtures,
		Options: mock.Options{Faults: faults, Seed: *seed, Logger: logger}})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           closeUnread(srv),
		ReadHeaderTimeout: *readHeaderTimeout,
		ReadTimeout:       *readTimeout,
		WriteTimeout:      *writeTimeout,
		IdleTimeout:       *idleTimeout,
		MaxHeaderBytes:    *maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	base := "http://" + ln.Addr().String()
	printBanner(stdout, base, creds)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	// After the serving goroutine exists, so that a test's goroutine baseline taken on ready
	// includes it.
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func printBanner(w io.Writer, base string, creds mocks.Credentials) {
	fmt.Fprintf(w, "contactapis mockserver on %s\n", base)
	all := vendors.All()
	slices.SortFunc(all, func(a, b *vendors.Vendor) int { return strings.Compare(a.Name, b.Name) })
	for _, v := range all {
		fmt.Fprintf(w, "  %-11s %s%-19s %s\n", v.Name, base, v.MockPath(), v.Describe(base+v.MockPath(), creds[v.Name]))
	}
	fmt.Fprintf(w, "  admin       %s/_admin/ (GET it for this list; no credentials)\n", base)
	for _, c := range mock.AdminCalls() {
		fmt.Fprintf(w, "    %-4s %-28s %s\n", c.Method, c.Path, c.Does)
	}
}

// closeUnread answers "Connection: close" when the handler leaves part of the request body
// unread when it starts its answer, which the mocks do only with a body over the vendor's cap
// (they read up to the cap, answer in the vendor's dialect, and only then drain the rest: the
// lingering close of conformance/mock). Without it net/http, before sending the answer, reads up
// to 256 KiB more of the body to keep the connection, and for a chunked body whose client stalls
// it waits for the read timeout: the answer a client is owed would wait on bytes no one wants.
func closeUnread(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		body := &eofBody{ReadCloser: r.Body}
		r.Body = body
		h.ServeHTTP(&closeIfUnread{ResponseWriter: w, body: body}, r)
	})
}

// eofBody notes whether its reader reached the end.
type eofBody struct {
	io.ReadCloser
	eof bool
}

func (b *eofBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

// closeIfUnread adds "Connection: close" to the answer when the body's end was not reached by
// the time the answer starts.
type closeIfUnread struct {
	http.ResponseWriter
	body  *eofBody
	wrote bool
}

func (w *closeIfUnread) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		if !w.body.eof {
			w.Header().Set("Connection", "close")
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *closeIfUnread) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *closeIfUnread) Unwrap() http.ResponseWriter { return w.ResponseWriter }
