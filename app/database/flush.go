package database

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
)

// PostgreSQL writes a commit to disk before the COMMIT returns and before the transaction
// lets go of its locks. A lock that every writer of something needs, such as the audit
// chain's head, is then held across each commit's disk flush in turn, and commits that
// could have shared one flush each wait for their own. A transaction holding such a lock
// may instead commit asynchronously (synchronous_commit off, for that transaction): its
// locks go as soon as its commit is written to the WAL, and WithTx then waits for the
// flush by committing a one-record transaction of its own, synchronously. A flush writes
// all the WAL before it, so the caller still hears of success only once the change is on
// disk; those flushes, arriving together, are shared as any concurrent commits' are; and
// as the WAL is replayed in order, a crash can lose only the last commits, none before
// one it keeps. What other sessions notice is that they may read such a change for the
// moment (well under a millisecond here) before it is on disk.
//
// The flush after the commit costs a round trip and a commit of its own, a waste when no
// other writer is waiting for the lock. So a transaction commits asynchronously only when
// another of this process's transactions that asked is still under way, as PostgreSQL
// itself delays a commit for others to join its flush only when enough other
// transactions are active (commit_siblings).

// openTxs holds the transactions WithTx has open, each with its flushState.
var openTxs sync.Map // *sqlx.Tx → *flushState

// asking counts the open transactions of WithTx that have called FlushAfterCommit.
var asking atomic.Int64

// flushState is what FlushAfterCommit decided for a transaction of WithTx: whether it
// asked (and counts in asking), and whether it commits asynchronously and must be flushed
// after its commit. Only the goroutine running the transaction's function sets it.
type flushState struct{ asked, after bool }

// done ends the transaction's part in asking.
func (f *flushState) done() {
	if f.asked {
		asking.Add(-1)
	}
}

// FlushAfterCommit is for a statement that takes a lock every writer of something waits
// for until the commit. It reports whether q's transaction is to commit asynchronously
// and be flushed to disk after the commit, by WithTx: when q is a transaction of WithTx
// (itself, or Prepared.Tx of it) and another transaction that called it is under way. The
// caller must then switch the transaction to an asynchronous commit, in one of its
// statements: set_config('synchronous_commit', 'off', true). Otherwise (q is the pool, a
// transaction begun elsewhere, or the only one asking) it must commit synchronously.
func FlushAfterCommit(q Queryer) bool {
	var tx *sqlx.Tx
	switch q := q.(type) {
	case *sqlx.Tx:
		tx = q
	case preparedTx:
		tx = q.tx
	default:
		return false
	}
	v, ok := openTxs.Load(tx)
	if !ok {
		return false
	}
	state := v.(*flushState)
	if !state.asked {
		state.asked = true
		asking.Add(1)
	}
	if !state.after && asking.Load() > 1 {
		state.after = true
	}
	return state.after
}

// waitForFlush returns once everything committed before it is on disk (and, with
// synchronous replication, on the standbys, as the session's synchronous_commit asks):
// it commits a transaction that writes one WAL record, a logical decoding message that
// nothing reads, which PostgreSQL flushes with all the WAL before it.
func waitForFlush(ctx context.Context, db *sqlx.DB) error {
	_, err := db.ExecContext(ctx, `SELECT pg_logical_emit_message(true, 'tugi.flush', '')`)
	return err
}
