package report

import (
	"context"
	"reflect"
	"testing"
	"time"

	"tugi/app/calendar"
	"tugi/app/testdb"
)

// A copy refreshed with what the rollup wrote since (rows changed and rows new) is the
// copy a process reading the whole rollup afresh would have: the same tickets in the same
// order, the same index and resolutions, the same figures; and a refresh with nothing new
// keeps the copy as it is.
func TestRefreshEqualsAFreshCopy(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	cal := calendar.Default()
	loc := cal.Location()
	var org, customer int64
	if err := db.GetContext(ctx, &org, `INSERT INTO organisations (name) VALUES ('Värske OÜ') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &customer, `INSERT INTO users (email, name, roles, org_id) VALUES ('c@varske.example', 'C', '{customer}', $1) RETURNING id`, org); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, loc)
	var ids []int64
	if err := db.SelectContext(ctx, &ids, `
INSERT INTO tickets (org_id, requester_id, subject, category_id, impact, priority, channel, created_at, updated_at)
SELECT $1, $2, 'Ticket ' || g, 1 + g % 2, 'one_person', (ARRAY['urgent','high','normal','low'])[1 + g % 4], 'web',
       $3::timestamptz + g * interval '7 hours', $3::timestamptz + g * interval '7 hours'
FROM generate_series(1, 60) g ORDER BY g RETURNING id`, org, customer, start); err != nil {
		t.Fatal(err)
	}
	team, agent := int64(1), customer // any ids: the copy numbers whatever it reads
	row := func(i int, id int64, replyAfter time.Duration) factRow {
		created := start.Add(time.Duration(i+1) * 7 * time.Hour)
		r := factRow{ID: id, OrgID: org, TeamID: &team, AssigneeID: &agent, CategoryID: 1 + int64(i%2),
			Priority: []string{"urgent", "high", "normal", "low"}[(i+1)%4], Channel: "web", CreatedAt: created}
		if replyAfter > 0 {
			reply, solved := created.Add(replyAfter), created.Add(3*replyAfter)
			r.FirstResponseAt, r.ResolvedAt = &reply, &solved
		}
		return r
	}
	// The first rollup: the first 40 tickets, every other one answered.
	var first []factRow
	for i, id := range ids[:40] {
		first = append(first, row(i, id, time.Duration(i%2)*time.Duration(i+1)*time.Hour))
	}
	if err := writeTickets(ctx, db, cal, first); err != nil {
		t.Fatal(err)
	}
	cs := &copyStore{db: db}
	before, err := cs.refresh(ctx, &snapshot{})
	if err != nil {
		t.Fatal(err)
	}
	if len(before.tickets) != 40 {
		t.Fatalf("the first copy has %d tickets, want 40", len(before.tickets))
	}
	if same, err := cs.refresh(ctx, before); err != nil || same != before {
		t.Fatalf("a refresh with nothing new made another copy (%v)", err)
	}
	// The next: ten of them answered and solved now (changed), the other 20 tickets new.
	var next []factRow
	for i, id := range ids[:10] {
		next = append(next, row(i, id, time.Duration(i+2)*30*time.Minute))
	}
	for i, id := range ids[40:] {
		next = append(next, row(40+i, id, time.Duration(i%3)*time.Hour))
	}
	if err := writeTickets(ctx, db, cal, next); err != nil {
		t.Fatal(err)
	}
	refreshed, err := cs.refresh(ctx, before)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := cs.refresh(ctx, &snapshot{})
	if err != nil {
		t.Fatal(err)
	}
	if len(before.tickets) != 40 {
		t.Errorf("refreshing changed the copy it started from: %d tickets", len(before.tickets))
	}
	for what, pair := range map[string][2]any{
		"tickets":     {refreshed.tickets, fresh.tickets},
		"resolutions": {refreshed.resolved, fresh.resolved},
		"index":       {refreshed.index, fresh.index},
		"last seq":    {refreshed.seq, fresh.seq},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("the refreshed copy's %s differ from a fresh copy's:\n%+v\n%+v", what, pair[0], pair[1])
		}
	}
	now := start.Add(30 * 24 * time.Hour)
	q := Query{From: start, To: now}
	if got, want := compute(refreshed, q, now, loc, 120), compute(fresh, q, now, loc, 120); !reflect.DeepEqual(got, want) {
		t.Errorf("the refreshed copy's figures:\n%+v\nwant a fresh copy's:\n%+v", got, want)
	}
	if got := compute(refreshed, q, now, loc, 120); got.Total.N != 60 {
		t.Errorf("the figures count %d tickets, want 60", got.Total.N)
	}
}
