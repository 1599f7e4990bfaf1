package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"tugi/app/pgcluster"
)

// database is the run's throwaway PostgreSQL cluster, which the faults crash, stop and
// start again in the same directory.
type database struct {
	dir     string
	log     *slog.Logger
	cluster *pgcluster.Cluster
}

func (d *database) start(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: d.dir, Logger: d.log})
	if err != nil {
		return err
	}
	d.cluster = c
	return nil
}

func (d *database) dsn() string { return d.cluster.DSN("tugi") }

// postmaster reads the server's process id from its postmaster.pid. The server runs in
// a process group of its own (app/pgcluster), led by the postmaster.
func (d *database) postmaster() (int, error) {
	b, err := os.ReadFile(filepath.Join(d.cluster.DataDir(), "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strconv.Atoi(strings.TrimSpace(first))
}

// crash stops the server as pg_ctl stop -m immediate does (SIGQUIT: no checkpoint, crash
// recovery on the next start) and starts it again.
func (d *database) crash(ctx context.Context) error {
	pid, err := d.postmaster()
	if err != nil {
		return fmt.Errorf("crash: %w", err)
	}
	if err := syscall.Kill(pid, syscall.SIGQUIT); err != nil {
		return fmt.Errorf("crash: %w", err)
	}
	_ = d.cluster.Stop() // waits for the exit; its error is the SIGQUIT's exit status
	return d.start(ctx)
}

// freeze stops every PostgreSQL process for d, as a hung server or host would, then lets
// them go on.
func (d *database) freeze(ctx context.Context, pause time.Duration) error {
	pid, err := d.postmaster()
	if err != nil {
		return fmt.Errorf("freeze: %w", err)
	}
	if err := syscall.Kill(-pid, syscall.SIGSTOP); err != nil {
		return fmt.Errorf("freeze: %w", err)
	}
	select {
	case <-time.After(pause):
	case <-ctx.Done():
	}
	if err := syscall.Kill(-pid, syscall.SIGCONT); err != nil {
		return fmt.Errorf("freeze: continue: %w", err)
	}
	return nil
}

func (d *database) stop() {
	if d.cluster != nil {
		_ = d.cluster.Stop()
	}
}

// tugi is the tugi serve process under test.
type tugi struct {
	bin  string
	env  []string
	logf *os.File
	url  string // http://127.0.0.1:port
	cmd  *exec.Cmd
	done chan struct{}
}

// run runs the binary with args to its end (tugi migrate, demo, audit verify), its output
// to the log.
func (t *tugi) run(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, t.bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = t.env, t.logf, t.logf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("tugi %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// start starts tugi serve and waits until /readyz answers 200.
func (t *tugi) start(ctx context.Context) error {
	t.cmd = exec.Command(t.bin, "serve")
	t.cmd.Env, t.cmd.Stdout, t.cmd.Stderr = t.env, t.logf, t.logf
	if err := t.cmd.Start(); err != nil {
		return fmt.Errorf("start tugi serve: %w", err)
	}
	t.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(t.cmd, t.done)
	_, err := t.waitReady(ctx, time.Minute)
	return err
}

// waitReady waits until /readyz answers 200, and returns how long that took.
func (t *tugi) waitReady(ctx context.Context, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Since(start) < limit {
		select {
		case <-t.done:
			return 0, errors.New("tugi serve exited while starting (see its log)")
		default:
		}
		if res, err := client.Get(t.url + "/readyz"); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return 0, fmt.Errorf("tugi serve not ready after %s", limit)
}

// signal sends sig and waits for the process to exit (a graceful stop may take up to
// TUGI_SHUTDOWN_TIMEOUT).
func (t *tugi) signal(sig syscall.Signal) error {
	if err := t.cmd.Process.Signal(sig); err != nil {
		return err
	}
	select {
	case <-t.done:
		return nil
	case <-time.After(time.Minute):
		_ = t.cmd.Process.Kill()
		<-t.done
		return fmt.Errorf("tugi serve did not exit within a minute of %s", sig)
	}
}

func (t *tugi) stop() {
	if t.done == nil {
		return
	}
	select {
	case <-t.done:
	default:
		_ = t.signal(syscall.SIGTERM)
	}
}
