package job_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"tugi/app/database"
	"tugi/app/job"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// start runs jobs on db until the test ends or the returned stop is called; stop returns
// once the runner has.
func start(t *testing.T, db *sqlx.DB, reg prometheus.Registerer, jobs ...job.Job) (stop func()) {
	t.Helper()
	r, err := job.NewRunner(job.Options{DB: db, Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})), Metrics: reg}, jobs...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Error("the runner did not return within 5 s of its context ending")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// status reads a job's row of job_runs.
type status struct {
	Outcome     *string    `db:"outcome"`
	LastError   string     `db:"last_error"`
	LastOKAt    *time.Time `db:"last_ok_at"`
	LastErrorAt *time.Time `db:"last_error_at"`
	Process     string     `db:"process"`
}

// waitFor polls the job's row until ok says it is as wanted, and returns it.
func waitFor(t *testing.T, db *sqlx.DB, name, what string, ok func(status) bool) status {
	t.Helper()
	var s status
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		err := db.Get(&s, `SELECT outcome, last_error, last_ok_at, last_error_at, process FROM job_runs WHERE name = $1`, name)
		if err == nil && ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: not %s within 10 s (row %+v, err %v)", name, what, s, err)
		}
	}
}

func outcomeIs(o job.Outcome) func(status) bool {
	return func(s status) bool { return s.Outcome != nil && *s.Outcome == string(o) }
}

func TestRunnerRunsAtItsIntervalAndStopsOnCancel(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	const every = 30 * time.Millisecond
	var passes atomic.Int32
	var mu sync.Mutex
	var starts []time.Time
	stop := start(t, db, nil, job.Job{Name: "test.tick", Every: every, Run: func(ctx context.Context) error {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		passes.Add(1)
		return nil
	}})
	for deadline := time.Now().Add(10 * time.Second); passes.Load() < 4; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d passes in 10 s at an interval of %s", passes.Load(), every)
		}
	}
	stop()
	after := passes.Load()
	time.Sleep(3 * every)
	if n := passes.Load(); n != after {
		t.Errorf("%d passes after the runner stopped", n-after)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(starts); i++ {
		// Every apart, give or take the timer's slack: never bunched together.
		if gap := starts[i].Sub(starts[i-1]); gap < every-5*time.Millisecond {
			t.Errorf("pass %d started %s after the one before, interval %s", i+1, gap, every)
		}
	}
	s := waitFor(t, db, "test.tick", "recorded ok", outcomeIs(job.OK))
	if s.LastOKAt == nil || s.Process == "" {
		t.Errorf("a successful pass recorded as %+v", s)
	}
}

// Two runners on one database, as two processes would run them: a job that runs one at a
// time never runs in both at once, and the runner that finds it taken skips its pass.
func TestOneAtATimeAcrossRunners(t *testing.T) {
	t.Parallel()
	dsn := testdb.NewDSN(t)
	var inside, most, passes atomic.Int32
	pass := func(ctx context.Context) error {
		n := inside.Add(1)
		defer inside.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		passes.Add(1)
		select { // long enough for the other runner to try meanwhile
		case <-time.After(40 * time.Millisecond):
		case <-ctx.Done():
		}
		return nil
	}
	regs := []*prometheus.Registry{prometheus.NewRegistry(), prometheus.NewRegistry()}
	var stops []func()
	for _, reg := range regs {
		db, err := database.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		stops = append(stops, start(t, db, reg, job.Job{Name: "test.single", Every: 5 * time.Millisecond, OneAtATime: true, Run: pass}))
	}
	skipped := func() float64 {
		var n float64
		for _, reg := range regs {
			n += counter(t, reg, "test.single", job.Skipped)
		}
		return n
	}
	for deadline := time.Now().Add(10 * time.Second); passes.Load() < 6 || skipped() < 3; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("in 10 s: %d passes, %v skipped", passes.Load(), skipped())
		}
	}
	for _, stop := range stops {
		stop()
	}
	if m := most.Load(); m != 1 {
		t.Errorf("%d passes ran at once, want 1", m)
	}
}

// counter reads tugi_job_runs_total for job and outcome from reg.
func counter(t *testing.T, reg *prometheus.Registry, name string, o job.Outcome) float64 {
	t.Helper()
	return metric(t, reg, "tugi_job_runs_total", map[string]string{"job": name, "outcome": string(o)})
}

// metric reads the counter or gauge of reg named name whose labels are labels.
func metric(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue metrics
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s%v", name, labels)
	return 0
}

// A failing pass is recorded with its error and counted; the next successful pass makes
// the outcome ok again, keeping the error, with its time, for the admin to read.
func TestFailingJobRecordsTheErrorAndASuccessClearsIt(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	results := make(chan error)
	reg := prometheus.NewRegistry()
	start(t, db, reg, job.Job{Name: "test.flaky", Every: 5 * time.Millisecond, Run: func(ctx context.Context) error {
		select {
		case err := <-results:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}})
	results <- errors.New("mail: cannot send through smtp://mail.example:587:\n connection refused")
	s := waitFor(t, db, "test.flaky", "recorded failed", outcomeIs(job.Failed))
	if s.LastError != "mail: cannot send through smtp://mail.example:587: connection refused" || s.LastErrorAt == nil {
		t.Errorf("error recorded as %q at %v, want it on one line", s.LastError, s.LastErrorAt)
	}
	if s.LastOKAt != nil {
		t.Errorf("a job that never succeeded has a last success: %v", s.LastOKAt)
	}
	results <- nil
	s = waitFor(t, db, "test.flaky", "recorded ok again", outcomeIs(job.OK))
	if s.LastOKAt == nil || s.LastErrorAt == nil || !s.LastOKAt.After(*s.LastErrorAt) {
		t.Errorf("after a success: last ok %v, last error %v", s.LastOKAt, s.LastErrorAt)
	}
	if got := counter(t, reg, "test.flaky", job.Failed); got != 1 {
		t.Errorf("failed passes counted: %v, want 1", got)
	}
	if got := counter(t, reg, "test.flaky", job.OK); got < 1 {
		t.Errorf("successful passes counted: %v", got)
	}
	if got := metric(t, reg, "tugi_job_last_success_timestamp_seconds", map[string]string{"job": "test.flaky"}); got < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("last success time %v", got)
	}
}

// A pass that panics is recorded as failed, with the panic's value, and the job goes on.
func TestPanickingJobIsRecordedAndRunsAgain(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	var passes atomic.Int32
	start(t, db, nil, job.Job{Name: "test.panic", Every: 5 * time.Millisecond, Run: func(context.Context) error {
		passes.Add(1)
		var m map[string]int
		m["boom"]++ // a nil map: panics
		return nil
	}})
	s := waitFor(t, db, "test.panic", "recorded failed", outcomeIs(job.Failed))
	if !strings.HasPrefix(s.LastError, "panic: assignment to entry in nil map") {
		t.Errorf("a panic recorded as %q", s.LastError)
	}
	for deadline := time.Now().Add(10 * time.Second); passes.Load() < 3; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d passes in 10 s after panicking", passes.Load())
		}
	}
}

func TestNewRunnerRefusesABadList(t *testing.T) {
	t.Parallel()
	run := func(context.Context) error { return nil }
	for name, jobs := range map[string][]job.Job{
		"twice":       {{Name: "a", Every: time.Second, Run: run}, {Name: "a", Every: time.Second, Run: run}},
		"no name":     {{Every: time.Second, Run: run}},
		"no interval": {{Name: "a", Run: run}},
		"no pass":     {{Name: "a", Every: time.Second}},
	} {
		if _, err := job.NewRunner(job.Options{}, jobs...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
