package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
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
