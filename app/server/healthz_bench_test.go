package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/auth"
	"tugi/app/config"
	"tugi/app/live"
	"tugi/app/loadtest"
	"tugi/app/server"
	"tugi/app/testdb"
)

// BenchmarkHealthz measures what every request costs before its handler does anything:
// /healthz through Tugi's whole server (request id, request log, recovery, security
// headers, the infrastructure chain, the access rule), logging as `tugi serve` does (JSON
// lines to a file), beside a bare Echo handler answering the same 3 bytes, in this process
// and in the same run, 16 clients, the two taking turns (docs/performance.md; target:
// /healthz at least 0.60 of the bare handler).
func BenchmarkHealthz(b *testing.B) {
	db := testdb.New(b)
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(b.TempDir(), "tugi.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logFile.Close()
	srv, err := healthzServer(db, cfg, logFile)
	if err != nil {
		b.Fatal(err)
	}
	full := httptest.NewServer(srv.Echo)
	defer full.Close()

	bare := echo.New()
	bare.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	bareSrv := httptest.NewServer(bare)
	defer bareSrv.Close()

	ctx := context.Background()
	const concurrency, duration, rounds = 16, 8 * time.Second, 4
	tugi, base := loadtest.Compare(
		func(d time.Duration) loadtest.Result {
			return loadtest.Run(ctx, loadtest.Get(full.URL+"/healthz"), http.StatusOK, concurrency, d)
		},
		func(d time.Duration) loadtest.Result {
			return loadtest.Run(ctx, loadtest.Get(bareSrv.URL+"/healthz"), http.StatusOK, concurrency, d)
		}, rounds, duration)
	if tugi.Errors > 0 || base.Errors > 0 {
		b.Fatalf("errors: Tugi %d, bare %d", tugi.Errors, base.Errors)
	}
	ratio := tugi.RPS() / base.RPS()
	b.Logf("/healthz, Tugi's whole chain: %s", tugi)
	b.Logf("bare Echo handler:            %s", base)
	b.Logf("ratio %.2f (target: at least 0.60), c%d for %s each, in %d turns", ratio, concurrency, duration, rounds)
	b.ReportMetric(tugi.RPS(), "req/s")
	b.ReportMetric(base.RPS(), "bare-req/s")
	b.ReportMetric(ratio, "ratio-to-bare")
}

// BenchmarkHealthzChain times one /healthz through Tugi's server (Echo's ServeHTTP with
// every middleware, logging as `tugi serve` does, to a file) and through a bare Echo
// handler, in this goroutine with no network: the chain's own cost per request, in CPU
// time and allocations, which the machine's load does not change the way it changes
// throughput.
func BenchmarkHealthzChain(b *testing.B) {
	db := testdb.New(b)
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(b.TempDir(), "tugi.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logFile.Close()
	srv, err := healthzServer(db, cfg, logFile)
	if err != nil {
		b.Fatal(err)
	}
	bare := echo.New()
	bare.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"tugi", srv.Echo}, {"bare", bare}} {
		b.Run(h.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// healthzServer is Tugi's server as the /healthz benchmarks measure it: the live hub is
// there, not listening (/healthz streams nothing), and the factor key seals nothing.
func healthzServer(db *sqlx.DB, cfg *config.Config, logFile io.Writer) (*server.Server, error) {
	factors, err := auth.NewFactorKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewJSONHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return server.New(server.Options{DB: db, Config: cfg, Throttle: auth.DefaultThrottle, FactorKey: factors, Log: log,
		Live: live.NewHub(live.Options{DB: db, Log: log})})
}
