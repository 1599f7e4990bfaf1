package database

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// ErrNoAnswer is Readiness.Check's error when the database has not answered in time.
var ErrNoAnswer = errors.New("database: no answer in time")

// Readiness answers whether the database answers, within a short wait, however the
// database fails: a load balancer asking /readyz must hear "no" in time to move traffic
// away, not wait with the requests. lib/pq gives the context no say over a round trip
// already sent (it asks the server to cancel, over a connection a hung server does not
// answer either), so the ping runs on its own and Check waits for it only so long; the
// ping ends when its connection's round-trip deadline fires (OpenLimited). At most one
// ping is in flight: checks made meanwhile wait for the same one, so a hung database
// does not collect a ping per check.
type Readiness struct {
	db   *sqlx.DB
	wait time.Duration

	mu     sync.Mutex
	flight *ping // the ping in flight, nil when none
}

type ping struct {
	done chan struct{} // closed when the ping has returned
	err  error         // its result, once done is closed
}

// NewReadiness returns a Readiness whose Check waits at most wait for db to answer.
func NewReadiness(db *sqlx.DB, wait time.Duration) *Readiness {
	return &Readiness{db: db, wait: wait}
}

// Check returns nil when the database answers a ping within the wait, ErrNoAnswer when
// it does not, and the ping's error when it fails sooner.
func (r *Readiness) Check(ctx context.Context) error {
	r.mu.Lock()
	p := r.flight
	if p == nil {
		p = &ping{done: make(chan struct{})}
		r.flight = p
		go r.run(p)
	}
	r.mu.Unlock()
	timer := time.NewTimer(r.wait)
	defer timer.Stop()
	select {
	case <-p.done:
		if p.err != nil {
			return fmt.Errorf("database: ping: %w", p.err)
		}
		return nil
	case <-timer.C:
		return ErrNoAnswer
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run pings the database for p, bounded by the connections' own deadlines (and, should
// the pool be full of connections in such a wait, by a context as long as one).
func (r *Readiness) run(p *ping) {
	ctx, cancel := context.WithTimeout(context.Background(), ConnectTimeout+DefaultStatementTimeout+RoundTripMargin)
	defer cancel()
	p.err = r.db.PingContext(ctx)
	r.mu.Lock()
	r.flight = nil
	r.mu.Unlock()
	close(p.done)
}
