// Package job runs Tugi's background work: a list of named jobs, each a pass of work the
// runner repeats at the job's interval until the server stops. The runner spaces the passes,
// recovers a pass that panics, keeps each job's latest pass in the table job_runs (shown on
// /admin/jobs) and counts the passes for /metrics.
//
// Any number of processes run the same jobs against one database. A job either takes its
// work itself with FOR UPDATE SKIP LOCKED, so passes in several processes share it out, or
// says it runs in one process at a time (OneAtATime): the runner then holds an advisory lock
// for each pass and skips the pass while another process holds it.
package job

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
)

// Job is a named piece of background work.
type Job struct {
	// Name is what the log, the jobs page and /metrics call the job: "mail.send".
	Name string
	// About says in one English sentence what the job does; it is the key of its
	// translation (package i18n) on the jobs page.
	About string
	// Every is the time from the start of one pass to the start of the next (at once when
	// a pass takes longer), plus a little jitter so processes started together drift apart.
	Every time.Duration
	// OneAtATime makes the passes of the job run in one process at a time: the runner
	// takes an advisory lock for each pass and skips the pass when another process holds
	// it. Leave it false for a job that claims its work with FOR UPDATE SKIP LOCKED.
	OneAtATime bool
	// Run does one pass of the work and returns when it is done or ctx has ended. An error
	// is logged and recorded, and the job runs again at its next interval.
	Run func(ctx context.Context) error
}

// Outcome is how a pass ended.
type Outcome string

// The outcomes of a pass.
const (
	OK      Outcome = "ok"
	Failed  Outcome = "error"
	Skipped Outcome = "skipped" // a OneAtATime job whose lock another process held
)

var outcomes = []Outcome{OK, Failed, Skipped}

// Options are what a Runner is built from.
type Options struct {
	DB  *sqlx.DB
	Log *slog.Logger
	// Metrics is where the jobs' counters and gauges are registered (the registry /metrics
	// serves); none are registered when it is nil.
	Metrics prometheus.Registerer
	// Process names this process in job_runs; the host name and process id when empty.
	Process string
}

// Runner runs a list of jobs.
type Runner struct {
	jobs    []Job
	store   *Store
	log     *slog.Logger
	metrics *metrics
	process string
}

// NewRunner checks jobs (each named once, with an interval and a pass) and returns their
// runner, its metrics registered with o.Metrics.
func NewRunner(o Options, jobs ...Job) (*Runner, error) {
	names, keys := map[string]bool{}, map[int32]string{}
	for _, j := range jobs {
		switch {
		case j.Name == "" || strings.TrimSpace(j.Name) != j.Name:
			return nil, fmt.Errorf("job: a job's name %q is empty or padded", j.Name)
		case names[j.Name]:
			return nil, fmt.Errorf("job: two jobs are named %s", j.Name)
		case j.Every <= 0:
			return nil, fmt.Errorf("job %s: no interval", j.Name)
		case j.Run == nil:
			return nil, fmt.Errorf("job %s: no pass to run", j.Name)
		}
		names[j.Name] = true
		if other, ok := keys[lockKey(j.Name)]; ok && j.OneAtATime {
			return nil, fmt.Errorf("job: %s and %s would share an advisory lock: rename one", other, j.Name)
		} else if j.OneAtATime {
			keys[lockKey(j.Name)] = j.Name
		}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Process == "" {
		host, _ := os.Hostname()
		o.Process = host + ":" + strconv.Itoa(os.Getpid())
	}
	m, err := newMetrics(o.Metrics, jobs)
	if err != nil {
		return nil, err
	}
	return &Runner{jobs: jobs, store: NewStore(o.DB), log: o.Log, metrics: m, process: o.Process}, nil
}

// Run runs every job, each in its own goroutine, until ctx ends, and returns when the
// passes under way have finished. The first pass of each job starts at once (after its
// jitter).
func (r *Runner) Run(ctx context.Context) {
	names := make([]string, len(r.jobs))
	for i, j := range r.jobs {
		names[i] = j.Name
	}
	if err := r.store.register(ctx, names); err != nil && ctx.Err() == nil {
		r.log.Error("jobs: recording the jobs known", "error", err)
	}
	var wg sync.WaitGroup
	for _, j := range r.jobs {
		wg.Go(func() { r.loop(ctx, j) })
	}
	wg.Wait()
}

// loop runs j's passes, Every apart, until ctx ends.
func (r *Runner) loop(ctx context.Context, j Job) {
	timer := time.NewTimer(jitter(j.Every))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		started := time.Now()
		r.pass(ctx, j)
		timer.Reset(max(0, j.Every-time.Since(started)) + jitter(j.Every))
	}
}

// jitter is a random pause of up to a tenth of every, and at most a second.
func jitter(every time.Duration) time.Duration {
	return rand.N(min(every/10, time.Second) + 1)
}

// pass runs one pass of j, then logs, counts and records how it went.
func (r *Runner) pass(ctx context.Context, j Job) {
	started := time.Now()
	outcome, err := r.attempt(ctx, j)
	took := time.Since(started)
	if ctx.Err() != nil && outcome == Failed {
		// Cut short by the server stopping: not a failure of the job's.
		r.log.Debug("job stopped midway", "job", j.Name, "error", err)
		return
	}
	log := r.log.With("job", j.Name, "took", took.Round(time.Millisecond))
	var p panicError
	switch {
	case errors.As(err, &p):
		log.Error("job panicked; it runs again at its next interval", "error", err, "stack", string(p.stack))
	case err != nil:
		log.Error("job failed; it runs again at its next interval", "error", err)
	case outcome == Skipped:
		log.Debug("job skipped: another process runs it")
	default:
		log.Debug("job done")
	}
	r.metrics.observe(j.Name, outcome, started.Add(took), took)
	// Recorded even as the server stops, so the pass that just ended is not lost.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := r.store.record(rctx, Pass{Job: j.Name, Started: started, Took: took, Outcome: outcome,
		Process: r.process, Error: errorText(err)}); err != nil {
		r.log.Error("jobs: recording a pass", "job", j.Name, "error", err)
	}
}

// attempt runs j's pass, under its advisory lock when it runs one process at a time.
func (r *Runner) attempt(ctx context.Context, j Job) (Outcome, error) {
	if !j.OneAtATime {
		return outcomeOf(safely(ctx, j))
	}
	// A session-level lock on a connection of its own, held for the pass: the pass's
	// own transactions, on other connections, neither hold it nor release it.
	conn, err := r.store.db.Conn(ctx)
	if err != nil {
		return Failed, fmt.Errorf("job %s: a connection for its lock: %w", j.Name, err)
	}
	defer conn.Close()
	var mine bool
	if err := conn.QueryRowContext(ctx, takeLock, lockClass, lockKey(j.Name)).Scan(&mine); err != nil {
		return Failed, fmt.Errorf("job %s: take its lock: %w", j.Name, err)
	}
	if !mine {
		return Skipped, nil
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), releaseLock, lockClass, lockKey(j.Name)); err != nil {
			// The connection must not go back to the pool holding the lock: closing
			// it ends the session, which releases it.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			r.log.Warn("jobs: releasing a lock failed; its connection is closed instead", "job", j.Name, "error", err)
		}
	}()
	return outcomeOf(safely(ctx, j))
}

func outcomeOf(err error) (Outcome, error) {
	if err != nil {
		return Failed, err
	}
	return OK, nil
}

// safely runs j's pass, turning a panic into an error.
func safely(ctx context.Context, j Job) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError{value: v, stack: debug.Stack()}
		}
	}()
	return j.Run(ctx)
}

// panicError is a pass that panicked.
type panicError struct {
	value any
	stack []byte
}

func (p panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// lockClass is the first key of the jobs' advisory locks (two int4 keys: a space apart from
// the single bigint keys of the migrations and the SLA walk); the second is lockKey.
const lockClass int32 = 0x4a4f4253 // "JOBS"

// lockKey is the second key of job name's advisory lock.
func lockKey(name string) int32 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int32(h.Sum32())
}

// maxErrorText is how much of a pass's error job_runs keeps.
const maxErrorText = 500

// errorText is err on one line of at most maxErrorText bytes, as the admin reads it.
func errorText(err error) string {
	if err == nil {
		return ""
	}
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > maxErrorText {
		s = strings.ToValidUTF8(s[:maxErrorText], "") + "…"
	}
	return s
}
