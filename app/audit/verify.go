package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// MismatchError names the first event that does not match the chain: edited, out of
// place, or after a gap left by deleted events.
type MismatchError struct {
	Seq    int64
	ID     int64
	Reason string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("event seq %d (id %d) does not match: %s", e.Seq, e.ID, e.Reason)
}

// ErrBroken is wrapped by every error Verify returns about the log itself (a
// *MismatchError, or a problem at the chain's end), as opposed to failing to read it.
var ErrBroken = errors.New("the audit log does not verify")

// VerifyReport is what Verify checked.
type VerifyReport struct {
	Events int64 // events whose place and hash were checked
	Head   Head  // the last event checked
}

const (
	// verifyBatch is how many events a query of Verify reads.
	verifyBatch = 50000
	// verifySegmentMin is the fewest events worth a segment (and a connection) of its own.
	verifySegmentMin = 100000
)

// Verify walks the whole log in seq order and checks that it is one unbroken chain: seq
// runs 1, 2, 3 ... without gaps, each event's prev_hash is the previous event's hash, its
// hash is SHA-256(prev_hash || canonical content) recomputed here from the stored columns,
// and times never go back. It then checks that the chain's head (audit_head) is the last
// event, and that the chain still holds each checkpoint: the event at its seq has its
// hash. It reads one consistent snapshot, so events added meanwhile are left for the next
// run.
//
// The first problem found is returned as an error wrapping ErrBroken: a *MismatchError
// naming the event when it is one. The report says how far the chain verified.
//
// A long log is cut into segments verified at once, each on its own connection sharing
// the snapshot: segment k starts from the stored hash of the event before it, which
// segment k-1 checks, so the segments prove together what one pass would. Rows are read
// through the driver directly into reused buffers: at a million events, database/sql's
// conversions cost more than the hashing.
func Verify(ctx context.Context, db *sqlx.DB, checkpoints []Checkpoint) (VerifyReport, error) {
	return verify(ctx, db, checkpoints, min(int64(runtime.GOMAXPROCS(0)), 4), verifySegmentMin)
}

// verify is Verify in at most segments segments of at least segmentMin events.
func verify(ctx context.Context, db *sqlx.DB, checkpoints []Checkpoint, segments, segmentMin int64) (VerifyReport, error) {
	var rep VerifyReport
	conn, err := db.Conn(ctx)
	if err != nil {
		return rep, fmt.Errorf("audit verify: connect: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		var err error
		rep, err = verifyFrom(ctx, db, dc, checkpoints, segments, segmentMin)
		return err
	})
	return rep, err
}

// verifyFrom runs Verify on the driver connection dc: the first segment here, the others
// on connections of their own.
func verifyFrom(ctx context.Context, db *sqlx.DB, dc any, checkpoints []Checkpoint, segments, segmentMin int64) (VerifyReport, error) {
	var rep VerifyReport
	tx, query, err := beginSnapshot(ctx, dc, "")
	if err != nil {
		return rep, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only

	var maxSeq int64
	if err := queryRow(ctx, query, lastSeq, nil, &maxSeq); err != nil {
		return rep, fmt.Errorf("audit verify: %w", err)
	}
	want := map[int64][]Checkpoint{}
	for _, cp := range checkpoints {
		want[cp.Seq] = append(want[cp.Seq], cp)
	}
	segs := []*segment{{from: 1, to: maxSeq + 1, query: query, want: want, prev: Genesis, prevAt: -1 << 63}}
	if n := min(segments, maxSeq/segmentMin); n > 1 {
		var snapshot string
		if err := queryRow(ctx, query, exportSnapshot, nil, &snapshot); err != nil {
			return rep, fmt.Errorf("audit verify: share the snapshot: %w", err)
		}
		segs = segs[:0]
		from := int64(1)
		for k := range n {
			to := maxSeq + 1
			if k < n-1 {
				to = maxSeq * (k + 1) / n
			}
			s := &segment{from: from, to: to, want: want}
			if err := s.start(ctx, query); err != nil {
				return rep, err
			}
			segs = append(segs, s)
			from = to
		}
		segs[0].query = query
		var wg sync.WaitGroup
		var mu sync.Mutex
		var connErr error
		for _, s := range segs[1:] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.runOwnConn(ctx, db, snapshot); err != nil {
					mu.Lock()
					connErr = errors.Join(connErr, err)
					mu.Unlock()
				}
			}()
		}
		segs[0].run(ctx)
		wg.Wait()
		if connErr != nil {
			return rep, connErr
		}
	} else {
		segs[0].run(ctx)
	}

	// The segments in order: the first problem is the one a single pass would have met.
	for _, s := range segs {
		rep.Events += s.events
		if s.events > 0 {
			rep.Head = s.last
		}
		if s.err != nil {
			return rep, s.err
		}
	}

	var stored Head
	var storedHash []byte
	if err := queryRow(ctx, query, storedHead, nil, &stored.Seq, &storedHash); err != nil {
		return rep, fmt.Errorf("audit verify: read the chain's head: %w", err)
	}
	copy(stored.Hash[:], storedHash)
	switch {
	case stored.Seq > rep.Head.Seq:
		return rep, fmt.Errorf("%w: the log ends at seq %d, but the chain's head is seq %d: the events after seq %d were deleted",
			ErrBroken, rep.Head.Seq, stored.Seq, rep.Head.Seq)
	case stored.Seq != rep.Head.Seq || len(storedHash) != HashSize || stored.Hash != rep.Head.Hash:
		return rep, fmt.Errorf("%w: the chain's head (seq %d, hash %x) is not its last event (seq %d, hash %s)",
			ErrBroken, stored.Seq, storedHash, rep.Head.Seq, rep.Head.Hash)
	}
	for _, cp := range checkpoints {
		if cp.Seq > rep.Head.Seq {
			return rep, fmt.Errorf("%w: the checkpoint of %s names seq %d, but the log ends at seq %d: events were deleted",
				ErrBroken, cp.Time.UTC().Format(time.RFC3339), cp.Seq, rep.Head.Seq)
		}
	}
	return rep, nil
}

// beginSnapshot starts a read-only repeatable-read transaction on the driver connection
// dc, in the exported snapshot when one is named.
func beginSnapshot(ctx context.Context, dc any, snapshot string) (driver.Tx, driver.QueryerContext, error) {
	query, ok1 := dc.(driver.QueryerContext)
	begin, ok2 := dc.(driver.ConnBeginTx)
	if !ok1 || !ok2 {
		return nil, nil, fmt.Errorf("audit verify: the database driver (%T) cannot run queries directly", dc)
	}
	tx, err := begin.BeginTx(ctx, driver.TxOptions{Isolation: driver.IsolationLevel(sql.LevelRepeatableRead), ReadOnly: true})
	if err != nil {
		return nil, nil, fmt.Errorf("audit verify: begin: %w", err)
	}
	if snapshot != "" {
		rows, err := query.QueryContext(ctx, setSnapshot+`'`+snapshot+`'`, nil)
		if err == nil {
			err = rows.Close()
		}
		if err != nil {
			tx.Rollback() //nolint:errcheck // the error is the one to report
			return nil, nil, fmt.Errorf("audit verify: use the shared snapshot: %w", err)
		}
	}
	return tx, query, nil
}

// segment verifies the events with from <= seq < to.
type segment struct {
	from, to int64
	want     map[int64][]Checkpoint
	query    driver.QueryerContext

	// The state before the segment's first event: the last event before from.
	prevSeq int64
	prev    Hash
	prevAt  int64

	// Results.
	events int64
	last   Head
	err    error
}

// start reads the event before the segment, whose stored hash the segment starts from.
func (s *segment) start(ctx context.Context, q driver.QueryerContext) error {
	s.prev, s.prevAt = Genesis, -1<<63
	if s.from == 1 {
		return nil
	}
	var hash []byte
	err := queryRow(ctx, q, eventBefore, []driver.Value{s.from}, &s.prevSeq, &hash, &s.prevAt)
	if errors.Is(err, sql.ErrNoRows) {
		s.prevAt = -1 << 63 // every earlier event is gone: as if the segment began the log
		return nil
	}
	if err != nil {
		return fmt.Errorf("audit verify: read the event before seq %d: %w", s.from, err)
	}
	copy(s.prev[:], hash)
	return nil
}

// runOwnConn runs the segment on a connection of its own, in the shared snapshot.
func (s *segment) runOwnConn(ctx context.Context, db *sqlx.DB, snapshot string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("audit verify: connect: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		tx, query, err := beginSnapshot(ctx, dc, snapshot)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // read-only
		s.query = query
		s.run(ctx)
		return nil
	})
}

// run checks the segment's events in seq order and stops at the first problem, leaving
// it in s.err.
func (s *segment) run(ctx context.Context) {
	var (
		f      Fields
		texts  [6]bytesCol // actor_job ... object_id
		dest   = make([]driver.Value, 13)
		buf    = make([]byte, 0, 1024) // prev hash || canonical content
		prev   = s.prev
		prevAt = s.prevAt
		last   = s.prevSeq
	)
	problem, problemSeq := "", int64(0)
	for problem == "" {
		rows, err := s.query.QueryContext(ctx, verifyEvents, []driver.NamedValue{
			{Ordinal: 1, Value: max(last, s.from-1)}, {Ordinal: 2, Value: s.to}, {Ordinal: 3, Value: int64(verifyBatch)}})
		if err != nil {
			s.err = fmt.Errorf("audit verify: read events after seq %d: %w", last, err)
			return
		}
		n := 0
		for problem == "" {
			if err := rows.Next(dest); err == io.EOF {
				break
			} else if err != nil {
				rows.Close()
				s.err = fmt.Errorf("audit verify: read the event after seq %d: %w", last, err)
				return
			}
			n++
			prevHash, hash, err := f.fill(dest, &texts)
			if err != nil {
				rows.Close()
				s.err = fmt.Errorf("audit verify: read the event after seq %d: %w", last, err)
				return
			}
			expected := last + 1
			switch {
			case len(prevHash) != HashSize || len(hash) != HashSize:
				problem = "its prev_hash or hash is not 32 bytes long"
			case f.Seq == expected+1:
				problem = fmt.Sprintf("event seq %d is missing (deleted)", expected)
			case f.Seq != expected:
				problem = fmt.Sprintf("events seq %d to %d are missing (deleted)", expected, f.Seq-1)
			case !bytes.Equal(prevHash, prev[:]) && expected == 1:
				problem = "it is the first event but its prev_hash is not all zeros"
			case !bytes.Equal(prevHash, prev[:]):
				problem = fmt.Sprintf("its prev_hash is not the hash of event seq %d (an event was replaced, or events reordered)", last)
			}
			var h Hash
			if problem == "" {
				buf = AppendCanonical(append(buf[:0], prev[:]...), &f)
				h = sha256.Sum256(buf)
				switch {
				case !bytes.Equal(hash, h[:]):
					problem = "its content does not match its hash (it was edited, or moved from another place)"
				case f.AtMicros < prevAt:
					problem = fmt.Sprintf("its time is before the time of event seq %d", last)
				}
			}
			if cps := s.want[f.Seq]; len(s.want) > 0 && cps != nil && problem == "" {
				for _, cp := range cps {
					if cp.Hash != h {
						problem = fmt.Sprintf("the checkpoint of %s says its hash is %s, the log has %s: the log was rewritten",
							cp.Time.UTC().Format(time.RFC3339), cp.Hash, h)
						break
					}
				}
			}
			if problem != "" {
				problemSeq = f.Seq
				break
			}
			prev, prevAt, last = h, f.AtMicros, f.Seq
			s.events++
		}
		if err := rows.Close(); err != nil && problem == "" {
			s.err = fmt.Errorf("audit verify: read events after seq %d: %w", last, err)
			return
		}
		if problem == "" && n < verifyBatch {
			break
		}
	}
	if s.events > 0 {
		s.last = Head{Seq: last, Hash: prev, At: time.UnixMicro(prevAt)}
	}
	if problem != "" {
		var id int64
		if err := queryRow(ctx, s.query, eventIDAt, []driver.Value{problemSeq}, &id); err != nil {
			s.err = fmt.Errorf("audit verify: event seq %d does not match (%s), and its id cannot be read: %w", problemSeq, problem, err)
			return
		}
		s.err = fmt.Errorf("%w: %w", ErrBroken, &MismatchError{Seq: problemSeq, ID: id, Reason: problem})
	}
}

// fill sets f from a row of verifyEvents, copying the text columns into texts' buffers
// (the driver's values are only good until its next row). It returns the row's prev_hash
// and hash.
func (f *Fields) fill(row []driver.Value, texts *[6]bytesCol) (prevHash, hash []byte, err error) {
	var ok [4]bool
	var hashes []byte
	f.Seq, ok[0] = row[0].(int64)
	hashes, ok[1] = row[1].([]byte) // prev_hash || hash, one value to the driver instead of two
	f.AtMicros, ok[2] = row[2].(int64)
	f.ActorUserID, ok[3] = nullInt(row[3])
	for i, o := range ok {
		if !o {
			return nil, nil, fmt.Errorf("column %d is %T", i+1, row[i])
		}
	}
	if len(hashes) >= HashSize {
		prevHash, hash = hashes[:len(hashes)-HashSize], hashes[len(hashes)-HashSize:]
	}
	if f.ActorRoles, err = rawBytes(row[4]); err != nil {
		return nil, nil, err
	}
	for i, field := range [...]*[]byte{&f.ActorJob, &f.ClientIP, &f.RequestID, &f.Action, &f.ObjectType, &f.ObjectID} {
		if err := texts[i].Scan(row[5+i]); err != nil {
			return nil, nil, err
		}
		*field = texts[i].value()
	}
	var okOrg bool
	if f.OrgID, okOrg = nullInt(row[11]); !okOrg {
		return nil, nil, fmt.Errorf("org_id is %T", row[11])
	}
	if f.Changes, err = rawBytes(row[12]); err != nil {
		return nil, nil, err
	}
	return prevHash, hash, nil
}

func nullInt(v driver.Value) (sql.NullInt64, bool) {
	switch n := v.(type) {
	case nil:
		return sql.NullInt64{}, true
	case int64:
		return sql.NullInt64{Int64: n, Valid: true}, true
	}
	return sql.NullInt64{}, false
}

// rawBytes is a column the driver gives as its text (text[] and json): nil for NULL.
func rawBytes(v driver.Value) ([]byte, error) {
	switch b := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		if b == nil {
			return []byte{}, nil
		}
		return b, nil
	case string:
		return []byte(b), nil
	}
	return nil, fmt.Errorf("unexpected %T", v)
}

// queryRow runs a query expected to return one row and stores its columns in dest
// (*int64, *string or *[]byte); sql.ErrNoRows when there is none.
func queryRow(ctx context.Context, q driver.QueryerContext, query string, args []driver.Value, dest ...any) error {
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	rows, err := q.QueryContext(ctx, query, named)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]driver.Value, len(dest))
	if err := rows.Next(vals); err == io.EOF {
		return sql.ErrNoRows
	} else if err != nil {
		return err
	}
	for i, d := range dest {
		ok := true
		switch d := d.(type) {
		case *int64:
			*d, ok = vals[i].(int64)
		case *string:
			*d, ok = vals[i].(string)
		case *[]byte:
			var b []byte
			b, ok = vals[i].([]byte)
			*d = append((*d)[:0], b...)
		}
		if !ok {
			return fmt.Errorf("column %d is %T", i+1, vals[i])
		}
	}
	return nil
}

// bytesCol keeps a text column's value in a buffer it reuses from row to row; null
// records a NULL.
type bytesCol struct {
	b    []byte
	null bool
}

func (c *bytesCol) Scan(src any) error {
	c.b, c.null = c.b[:0], false
	switch v := src.(type) {
	case nil:
		c.null = true
	case []byte:
		c.b = append(c.b, v...)
	case string:
		c.b = append(c.b, v...)
	default:
		return fmt.Errorf("unexpected %T", src)
	}
	return nil
}

// value is the column as Fields holds it: nil for NULL, a non-nil slice (perhaps empty)
// for a value.
func (c *bytesCol) value() []byte {
	switch {
	case c.null:
		return nil
	case c.b == nil:
		c.b = make([]byte, 0, 64)
	}
	return c.b
}
