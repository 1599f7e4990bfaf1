package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCountsRequestsAndErrors(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	r := Run(context.Background(), Get(srv.URL), http.StatusOK, 4, 300*time.Millisecond)
	if r.Requests == 0 || int64(r.Requests) != n.Load() {
		t.Fatalf("counted %d requests, the server saw %d", r.Requests, n.Load())
	}
	if r.Errors != r.Requests/10 {
		t.Errorf("%d errors in %d requests, want every tenth", r.Errors, r.Requests)
	}
	if r.P50 <= 0 || r.P99 < r.P50 || r.RPS() <= 0 {
		t.Errorf("figures: %s", r)
	}
}

// Combine adds runs up and takes the percentiles over all their requests; Compare runs
// its two sides in turn.
func TestCombineAndCompare(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	run := func(lat ...int) Result {
		r := Result{Requests: len(lat), Errors: 1, Duration: time.Second}
		for _, l := range lat {
			r.latency = append(r.latency, ms(l))
		}
		r.percentiles()
		return r
	}
	c := Combine(run(1, 2, 3), run(10, 20, 30, 40, 50, 60, 70, 80))
	if c.Requests != 11 || c.Errors != 2 || c.Duration != 2*time.Second {
		t.Errorf("combined: %d requests, %d errors, %s", c.Requests, c.Errors, c.Duration)
	}
	if c.P50 != ms(30) || c.P99 != ms(80) {
		t.Errorf("combined p50 %s p99 %s, want 30ms and 80ms (over all 11 requests)", c.P50, c.P99)
	}
	var order []string
	side := func(name string, lat int) func(time.Duration) Result {
		return func(d time.Duration) Result {
			if d != 250*time.Millisecond {
				t.Errorf("a round of %s, want a quarter of a second", d)
			}
			order = append(order, name)
			return run(lat)
		}
	}
	a, b := Compare(side("a", 1), side("b", 2), 4, time.Second)
	if got := strings.Join(order, ""); got != "abababab" {
		t.Errorf("rounds ran %q, want them in turn", got)
	}
	if a.Requests != 4 || b.Requests != 4 || a.P50 != ms(1) || b.P50 != ms(2) {
		t.Errorf("a %s; b %s", a, b)
	}
}
