// Command faultrun puts a whole Tugi through the faults of production under load, on this
// machine only, and counts what survived: it starts a throwaway PostgreSQL cluster
// (app/pgcluster), builds and runs tugi serve against it with an SMTP catcher in this
// process, has customers open tickets and reply through the real forms on 127.0.0.1, and
// meanwhile crashes and restarts PostgreSQL, kills its backends, freezes it for 15 s,
// kills tugi (SIGKILL) and stops it (SIGTERM), restarting it each time. Then it checks
// every acknowledged request (a 303) against the database, every queued e-mail against
// the catcher, and the audit chain (tugi audit verify), and prints a table. It exits 1
// when an acknowledged change was lost, duplicated or half-written, a mail was lost or
// repeated without the outbox saying it may have been, or the chain does not verify.
//
// It is a command, not a test: it runs for minutes, kills processes and needs a free
// machine, so go test ./... must not run it. Run it from the repository's root:
//
//	go run ./cmd/faultrun [-duration 2m] [-seed 1] [-clients 8] [-requests 50000]
//
// or go tool task fault. docs/faults.md says what it does and its latest figures.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"tugi/app/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faultrun:", err)
		code = 2
	}
	os.Exit(code)
}

type options struct {
	duration time.Duration
	seed     uint64
	clients  int
	requests int
	drain    time.Duration
	keep     bool
}

func run(ctx context.Context, args []string, out io.Writer) (int, error) {
	var o options
	fs := flag.NewFlagSet("faultrun", flag.ContinueOnError)
	fs.DurationVar(&o.duration, "duration", 2*time.Minute, "how long the load runs, the faults spread over it")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the faults' order and the customers' choices")
	fs.IntVar(&o.clients, "clients", 8, "customers sending forms at once")
	fs.IntVar(&o.requests, "requests", 50000, "at most this many tickets and replies in all")
	fs.DurationVar(&o.drain, "drain", 4*time.Minute, "how long to wait after the load for the outbox to empty (a killed process's message waits out its 3-minute lease)")
	fs.BoolVar(&o.keep, "keep", false, "keep the cluster, the binary and the logs (their directory is printed)")
	if err := fs.Parse(args); err != nil {
		return 2, err
	}
	if o.duration < 30*time.Second || o.clients < 1 || o.requests < 1 {
		return 2, fmt.Errorf("-duration must be at least 30s, -clients and -requests at least 1")
	}

	dir, err := os.MkdirTemp("/var/tmp", "tugi-faultrun-")
	if err != nil {
		return 2, err
	}
	// Open to others, so that when run as root the server's user (postgres) reaches it.
	if err := os.Chmod(dir, 0o755); err != nil {
		return 2, err
	}
	if o.keep {
		fmt.Fprintln(out, "faultrun: keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	logf, err := os.Create(filepath.Join(dir, "tugi.log"))
	if err != nil {
		return 2, err
	}
	defer logf.Close()
	log := slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelWarn}))

	fmt.Fprintln(out, "faultrun: building tugi")
	bin := filepath.Join(dir, "tugi")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/tugi")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return 2, fmt.Errorf("go build ./cmd/tugi (run faultrun from the repository's root): %w", err)
	}

	db := &database{dir: filepath.Join(dir, "var"), log: log}
	if err := db.start(ctx); err != nil {
		return 2, err
	}
	defer db.stop()
	mail, err := startCatcher()
	if err != nil {
		return 2, err
	}
	defer mail.close()
	addr, err := freeAddr()
	if err != nil {
		return 2, err
	}
	factorKey := filepath.Join(dir, "factor-key.txt") // DATABASE_URL: the key file is Tugi's to be given
	app := &tugi{bin: bin, logf: logf, url: "http://" + addr, env: append(os.Environ(),
		"DATABASE_URL="+db.dsn(), "TUGI_ADDR="+addr, "TUGI_LOG_LEVEL=warn", "TUGI_FACTOR_KEY="+factorKey,
		"TUGI_SMTP_URL=smtp://"+mail.addr+"?tls=none", "TUGI_MAIL_FROM=Tugi <tugi@faultrun.example>")}
	if err := app.run(ctx, "factor", "keygen", "--out", factorKey); err != nil {
		return 2, err
	}
	if err := app.run(ctx, "migrate"); err != nil {
		return 2, err
	}
	if err := app.run(ctx, "demo"); err != nil {
		return 2, err
	}
	if err := app.start(ctx); err != nil {
		return 2, err
	}
	defer app.stop()
	ctl, err := sqlx.Open("postgres", db.dsn())
	if err != nil {
		return 2, err
	}
	defer ctl.Close()

	fmt.Fprintf(out, "faultrun: seed %d, %s of load by %d customers on %s, at most %d requests\n", o.seed, o.duration, o.clients, app.url, o.requests)
	l := &load{base: app.url, seed: o.seed, password: demo.Password,
		accounts: []string{"customer@demo-customer.example", "customer@second-customer.example"}}
	l.budget.Store(int64(o.requests))
	loadCtx, endLoad := context.WithTimeout(ctx, o.duration)
	defer endLoad()
	var wg sync.WaitGroup
	for n := range o.clients {
		c := l.customer(n)
		wg.Go(func() { c.work(loadCtx) })
	}
	faults := injectFaults(loadCtx, o, db, app, ctl, out)
	wg.Wait()
	if ctx.Err() != nil {
		return 2, ctx.Err()
	}
	if _, err := app.waitReady(ctx, time.Minute); err != nil {
		return 2, fmt.Errorf("after the load: %w", err)
	}

	fmt.Fprintf(out, "faultrun: load over; waiting up to %s for the outbox to empty\n", o.drain)
	waitForOutbox(ctx, ctl, o.drain)
	rep, err := check(ctx, ctl, l.taken(), mail.counts())
	if err != nil {
		return 2, err
	}
	rep.chainOK = app.run(ctx, "audit", "verify") == nil
	rep.faults = faults
	rep.print(out)
	if !rep.ok() {
		return 1, nil
	}
	return 0, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// fault is one fault and what it took for Tugi to answer /readyz again.
type fault struct {
	name    string
	at      time.Duration // from the start of the load
	detail  string
	back    time.Duration // from the end of the fault to /readyz 200
	failure error
}

// injectFaults runs the faults one after another, spread over the load, in an order the
// seed shuffles, and returns what happened. It waits for each to end (and Tugi to answer
// again) before the next.
func injectFaults(ctx context.Context, o options, db *database, app *tugi, ctl *sqlx.DB, out io.Writer) []fault {
	kinds := []string{"postgres crash", "backends killed", "postgres frozen 15s", "tugi SIGKILL", "backends killed", "postgres crash", "tugi SIGTERM"}
	rnd := rand.New(rand.NewPCG(o.seed, 0))
	rnd.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	var done []fault
	start := time.Now()
	gap := o.duration / time.Duration(len(kinds)+1)
	for i, kind := range kinds {
		select {
		case <-time.After(time.Until(start.Add(gap * time.Duration(i+1)))):
		case <-ctx.Done():
			return done
		}
		f := fault{name: kind, at: time.Since(start).Round(time.Second)}
		switch kind {
		case "postgres crash":
			f.failure = db.crash(context.WithoutCancel(ctx))
		case "backends killed":
			var n int
			f.failure = ctl.GetContext(ctx, &n, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`)
			f.detail = strconv.Itoa(n) + " connections"
		case "postgres frozen 15s":
			f.failure = db.freeze(ctx, 15*time.Second)
		case "tugi SIGKILL", "tugi SIGTERM":
			sig := syscall.SIGKILL
			if kind == "tugi SIGTERM" {
				sig = syscall.SIGTERM
			}
			if f.failure = app.signal(sig); f.failure == nil {
				f.failure = app.start(context.WithoutCancel(ctx))
			}
		}
		if f.failure == nil {
			f.back, f.failure = app.waitReady(context.WithoutCancel(ctx), time.Minute)
		}
		fmt.Fprintf(out, "faultrun: %5s %s %s: ready again after %s (%v)\n", f.at, f.name, f.detail, f.back.Round(10*time.Millisecond), errText(f.failure))
		done = append(done, f)
	}
	return done
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// waitForOutbox waits until no message is left to send, or limit passes.
func waitForOutbox(ctx context.Context, ctl *sqlx.DB, limit time.Duration) {
	end := time.Now().Add(limit)
	for time.Now().Before(end) && ctx.Err() == nil {
		var n int
		if err := ctl.GetContext(ctx, &n, `SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL`); err == nil && n == 0 {
			return
		}
		time.Sleep(time.Second)
	}
}
