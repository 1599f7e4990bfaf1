package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// Each process keeps a copy of the rollup in memory, as compact rows sorted by creation,
// and reads the figures of a page from it: a year of a million tickets is hundreds of
// thousands of rows, whose medians and 90th percentiles per team, agent, priority,
// organisation and week no query answers at 50 pages a second. The copy reads only the
// rows the rollup wrote after the last it has (report_*.seq), at most every refreshEvery;
// it is replaced, never changed, so a page computes on one consistent copy.

// refreshEvery is how stale a process's copy may get after the rollup wrote.
const refreshEvery = 10 * time.Second

// reloadEvery is how often a process reads the whole rollup again: rows the rollup no
// longer has (an erased ticket's) leave its copy then.
const reloadEvery = 6 * time.Hour

// loadBatch is how many rows one read of the rollup returns.
const loadBatch = 50000

// SLA outcomes, as the copy keeps them.
const (
	slaNone uint8 = iota
	slaMet
	slaMissed
	slaOpen
)

// fact is a ticket of the copy. Times are Unix seconds (0: none), durations business
// seconds (-1: none).
type fact struct {
	id       int64
	created  int64
	resolved int64
	frDue    int64
	resDue   int64
	org      int32
	team     int32
	agent    int32
	category int32
	fr, res  int32
	prio     uint8 // index in priorities
	channel  uint8 // index in channels
	frSLA    uint8
	resSLA   uint8
}

// chatFact is a chat of the copy.
type chatFact struct {
	id       int64
	created  int64
	org      int32
	agent    int32
	wait     int32 // business seconds, -1: not accepted
	duration int32 // seconds, -1: not ended
}

// priorities and channels in the order the figures list them.
var (
	priorities = []string{"urgent", "high", "normal", "low"}
	channels   = []string{"web", "email", "phone", "chat"}
)

func indexOf(list []string, s string) uint8 {
	if i := slices.Index(list, s); i >= 0 {
		return uint8(i)
	}
	return uint8(len(list))
}

// snapshot is one copy of the rollup.
type snapshot struct {
	tickets []fact     // by created, then id
	chats   []chatFact // by created, then id
	// resolved are the tickets' resolution times (those resolved), in order: the backlog
	// of every ticket at a moment is those created before it less those resolved by then.
	resolved []int64
	seq      int64 // the last rollup row read
	loaded   time.Time
	version  int64 // counts the copies, for the figures' cache
	index
}

// index is what the figures read besides the rows, worked out once per copy: each
// ticket's team, agent, organisation and category as a small number (its place in
// teams, agents, orgs, categories), and the tickets with a first response (with a
// resolution time) in order of that time, as places in tickets. A page then counts each
// grouping's tickets in that order up to the ranks of its median and 90th percentile
// instead of selecting them from copies of its times.
type index struct {
	keys                            []keys // as tickets
	teams, agents, orgs, categories []int64
	byFR, byRes                     []int32
}

// keys are a ticket's small numbers.
type keys struct{ team, agent, org, category int32 }

// numbering gives ids small numbers in the order met.
type numbering struct {
	small []int32 // by id, for ids below smallIDs: the number plus one
	big   map[int32]int32
	ids   []int64
}

// smallIDs bounds the ids numbered by index rather than in a map: ids of teams, agents,
// organisations and categories are small numbers.
const smallIDs = 1 << 20

func (n *numbering) of(id int32) int32 {
	if id >= 0 && id < smallIDs {
		if int(id) >= len(n.small) {
			n.small = append(n.small, make([]int32, int(id)+1-len(n.small))...)
		}
		if n.small[id] == 0 {
			n.ids = append(n.ids, int64(id))
			n.small[id] = int32(len(n.ids))
		}
		return n.small[id] - 1
	}
	if n.big == nil {
		n.big = map[int32]int32{}
	}
	k, ok := n.big[id]
	if !ok {
		k = int32(len(n.ids))
		n.ids = append(n.ids, int64(id))
		n.big[id] = k
	}
	return k
}

// buildIndex works out s's index from its tickets.
func (s *snapshot) buildIndex() {
	var teams, agents, orgs, categories numbering
	s.keys = make([]keys, len(s.tickets))
	var fr, res []uint64 // time << 32 | place, sorted
	for i := range s.tickets {
		f := &s.tickets[i]
		s.keys[i] = keys{team: teams.of(f.team), agent: agents.of(f.agent), org: orgs.of(f.org), category: categories.of(f.category)}
		if f.fr >= 0 {
			fr = append(fr, uint64(f.fr)<<32|uint64(i))
		}
		if f.res >= 0 {
			res = append(res, uint64(f.res)<<32|uint64(i))
		}
	}
	s.teams, s.agents, s.orgs, s.categories = teams.ids, agents.ids, orgs.ids, categories.ids
	s.byFR, s.byRes = places(fr), places(res)
}

// places sorts times-and-places and returns the places.
func places(vs []uint64) []int32 {
	slices.Sort(vs)
	out := make([]int32, len(vs))
	for i, v := range vs {
		out[i] = int32(uint32(v))
	}
	return out
}

// copyStore keeps a process's copy.
type copyStore struct {
	db *sqlx.DB

	mu      sync.Mutex
	cur     *snapshot
	checked time.Time
}

// current returns the copy, having read what the rollup wrote since it was taken when
// that was more than refreshEvery ago.
func (cs *copyStore) current(ctx context.Context) (*snapshot, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.cur != nil && time.Since(cs.checked) < refreshEvery {
		return cs.cur, nil
	}
	old := cs.cur
	if old == nil || time.Since(old.loaded) > reloadEvery {
		old = &snapshot{loaded: time.Now()}
		if cs.cur != nil {
			old.version = cs.cur.version
		}
	}
	// Detached from the request: a first read of a large rollup that outlasts the
	// request that began it still finishes, for the next.
	next, err := cs.refresh(context.WithoutCancel(ctx), old)
	if err != nil {
		return nil, err
	}
	cs.cur, cs.checked = next, time.Now()
	return next, nil
}

func secs(s *int64) int32 {
	if s == nil {
		return -1
	}
	return int32(min(*s, 1<<31-1))
}

// readTickets reads the rollup's tickets written after seq, and the last seq read.
func (cs *copyStore) readTickets(ctx context.Context, seq int64) ([]fact, int64, error) {
	var out []fact
	for {
		rows, err := cs.db.QueryContext(ctx, loadTickets, seq, loadBatch)
		if err != nil {
			return nil, 0, fmt.Errorf("report: read the rollup: %w", err)
		}
		n := 0
		for rows.Next() {
			var f fact
			var org, team, agent, category, prio, channel, fr, res, frSLA, resSLA int64
			if err := rows.Scan(&f.id, &org, &team, &agent, &category, &prio, &channel, &f.created, &f.resolved,
				&fr, &res, &frSLA, &f.frDue, &resSLA, &f.resDue, &seq); err != nil {
				rows.Close()
				return nil, 0, fmt.Errorf("report: read the rollup: %w", err)
			}
			f.org, f.team, f.agent, f.category = int32(org), int32(team), int32(agent), int32(category)
			f.prio, f.channel, f.frSLA, f.resSLA = uint8(prio-1), uint8(channel-1), uint8(frSLA), uint8(resSLA)
			f.fr, f.res = int32(min(fr, 1<<31-1)), int32(min(res, 1<<31-1))
			out = append(out, f)
			n++
		}
		if err := rows.Err(); err != nil {
			return nil, 0, fmt.Errorf("report: read the rollup: %w", err)
		}
		rows.Close()
		if n < loadBatch {
			return out, seq, nil
		}
	}
}

func byCreated(a, b fact) int {
	if c := cmp.Compare(a.created, b.created); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

func chatByCreated(a, b chatFact) int {
	if c := cmp.Compare(a.created, b.created); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// refresh returns old with the rows written after old.seq: changed rows replaced, new
// ones merged in order. old is not changed.
func (cs *copyStore) refresh(ctx context.Context, old *snapshot) (*snapshot, error) {
	rows, ticketSeq, err := cs.readTickets(ctx, old.seq)
	if err != nil {
		return nil, err
	}
	var chats []struct {
		ID       int64     `db:"chat_id"`
		OrgID    int64     `db:"org_id"`
		AgentID  int64     `db:"agent_id"`
		Created  time.Time `db:"created_at"`
		Wait     *int64    `db:"wait_seconds"`
		Duration *int64    `db:"duration_seconds"`
		Seq      int64     `db:"seq"`
	}
	if err := cs.db.SelectContext(ctx, &chats, loadChats, old.seq); err != nil {
		return nil, fmt.Errorf("report: read the rollup: %w", err)
	}
	if len(rows) == 0 && len(chats) == 0 {
		return old, nil
	}
	next := &snapshot{seq: old.seq, loaded: old.loaded, version: old.version + 1}
	// Tickets: replace those the copy has (a ticket's creation never moves), merge the new.
	ts := old.tickets
	if len(rows) > 0 {
		ts = slices.Clone(ts)
	}
	var added []fact
	next.seq = max(next.seq, ticketSeq)
	for _, f := range rows {
		if i, found := slices.BinarySearchFunc(ts, f, byCreated); found {
			ts[i] = f
		} else {
			added = append(added, f)
		}
	}
	if len(added) > 0 {
		slices.SortFunc(added, byCreated)
		added = slices.CompactFunc(added, func(a, b fact) bool { return a.id == b.id })
		ts = mergeSorted(ts, added, byCreated)
	}
	next.tickets = ts
	if len(rows) == 0 {
		// Only chats changed: the tickets' index and resolutions are the old copy's.
		next.index, next.resolved = old.index, old.resolved
	} else {
		next.buildIndex()
		next.resolved = make([]int64, 0, len(ts))
		for i := range ts {
			if ts[i].resolved != 0 {
				next.resolved = append(next.resolved, ts[i].resolved)
			}
		}
		slices.Sort(next.resolved)
	}
	cs2 := slices.Clone(old.chats)
	var addedChats []chatFact
	for _, c := range chats {
		next.seq = max(next.seq, c.Seq)
		f := chatFact{id: c.ID, created: c.Created.Unix(), org: int32(c.OrgID), agent: int32(c.AgentID), wait: secs(c.Wait), duration: secs(c.Duration)}
		if i, found := slices.BinarySearchFunc(cs2, f, chatByCreated); found {
			cs2[i] = f
		} else {
			addedChats = append(addedChats, f)
		}
	}
	if len(addedChats) > 0 {
		slices.SortFunc(addedChats, chatByCreated)
		cs2 = mergeSorted(cs2, addedChats, chatByCreated)
	}
	next.chats = cs2
	return next, nil
}

// mergeSorted merges two sorted lists; of equal elements, b's replace a's.
func mergeSorted[T any](a, b []T, compare func(x, y T) int) []T {
	out := make([]T, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch c := compare(a[i], b[j]); {
		case c < 0:
			out = append(out, a[i])
			i++
		case c > 0:
			out = append(out, b[j])
			j++
		default:
			out = append(out, b[j])
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}
