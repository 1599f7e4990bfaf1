// Package scope holds what app/retention hands to the features whose data it lets
// expire: the cutoffs of one kind of data (by default and per organisation) and the legal
// holds in force. It is a leaf, so that the owning features (app/ticket, app/chat,
// app/incident, app/inbound, app/auth) take these without importing app/retention, which
// calls them.
//
// A feature's SQL takes Args as its parameters $1 to $7 and finds a row's cutoff as
// coalesce((SELECT r.cutoff FROM unnest($2::bigint[], $3::timestamptz[]) AS r(org_id,
// cutoff) WHERE r.org_id = <the row's organisation>), $1::timestamptz):
//
//	$1 the default cutoff ('-infinity' when the kind is kept for ever)
//	$2, $3 the organisations with a rule of their own and their cutoffs, in step
//	$4, $5, $6 the organisations, people and incidents under a legal hold
//	$7 at most how many rows (NULL: all), in a statement that removes (CountArgs stops at $6)
//
// PostgreSQL must know the type of every parameter sent, so a statement names those it
// does not use in a condition that always holds ("AND $6::bigint[] IS NOT NULL").
package scope

import (
	"context"
	"time"

	"github.com/lib/pq"

	"tugi/app/database"
)

// Cutoffs say, for one kind of data, what has expired: what ended before the cutoff of
// its organisation.
type Cutoffs struct {
	// Default is the cutoff of organisations without a rule of their own, and of rows
	// without an organisation; the zero time keeps everything.
	Default time.Time
	// Orgs are the organisations' own cutoffs; a zero time keeps everything of that
	// organisation.
	Orgs map[int64]time.Time
}

// KeepsAll reports whether nothing of the kind expires: no cutoff anywhere. Retention
// then neither counts nor removes it.
func (c Cutoffs) KeepsAll() bool {
	if !c.Default.IsZero() {
		return false
	}
	for _, t := range c.Orgs {
		if !t.IsZero() {
			return false
		}
	}
	return true
}

// Held are the subjects of the legal holds in force.
type Held struct {
	Orgs, Users, Incidents []int64
}

// Object is one thing retention removes: its id and organisation (0 for none).
type Object struct {
	ID    int64 `db:"id"`
	OrgID int64 `db:"org_id"`
}

// Counts are how many things of a kind there are per organisation (0 for none).
type Counts map[int64]int64

// Add adds n things of organisation org.
func (c Counts) Add(org, n int64) {
	if n != 0 {
		c[org] += n
	}
}

// Count is one row of a count by organisation, as SQL returns it.
type Count struct {
	OrgID int64 `db:"org_id"`
	N     int64 `db:"n"`
}

// CountBy runs stmt, a feature's count by organisation (org_id, n) of what has expired,
// with c and h as its parameters $1 to $6.
func CountBy(ctx context.Context, q database.Queryer, stmt string, c Cutoffs, h Held) (Counts, error) {
	var rows []Count
	if err := q.SelectContext(ctx, &rows, stmt, CountArgs(c, h)...); err != nil {
		return nil, err
	}
	counts := Counts{}
	for _, r := range rows {
		counts.Add(r.OrgID, r.N)
	}
	return counts, nil
}

// Removed is how many files of one thing (a ticket, a chat) went.
type Removed struct {
	Object
	N int64 `db:"n"`
}

// DeleteFiles runs a feature's statements for the files of its things that the
// attachments' rule lets expire: sel finds at most $7 of them (id, org_id), locked,
// skipping those locked; del removes the files $1 and returns per thing id, org_id, n.
// The things and their messages stay; the feature records an event per thing.
func DeleteFiles(ctx context.Context, q database.Queryer, sel, del string, c Cutoffs, h Held, limit int) ([]Removed, error) {
	var objs []Object
	if err := q.SelectContext(ctx, &objs, sel, Args(c, h, limit)...); err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, nil
	}
	var per []Removed
	if err := q.SelectContext(ctx, &per, del, IDs(objs)); err != nil {
		return nil, err
	}
	return per, nil
}

// IDs returns the objects' ids.
func IDs(objs []Object) pq.Int64Array {
	ids := make(pq.Int64Array, len(objs))
	for i, o := range objs {
		ids[i] = o.ID
	}
	return ids
}

// CountArgs returns c and h as the SQL parameters $1 to $6, for a statement that counts.
func CountArgs(c Cutoffs, h Held) []any { return Args(c, h, 0)[:6] }

// Args returns c, h and limit (0: all) as the SQL parameters $1 to $7.
func Args(c Cutoffs, h Held, limit int) []any {
	orgs := pq.Int64Array{}
	cutoffs := pq.StringArray{}
	for org, t := range c.Orgs {
		orgs = append(orgs, org)
		cutoffs = append(cutoffs, stamp(t))
	}
	var lim any
	if limit > 0 {
		lim = int64(limit)
	}
	return []any{stamp(c.Default), orgs, cutoffs, nonNil(h.Orgs), nonNil(h.Users), nonNil(h.Incidents), lim}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-infinity"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// nonNil makes an empty list an empty array: NULL would make "x = ANY (...)" unknown.
func nonNil(ids []int64) pq.Int64Array {
	if ids == nil {
		return pq.Int64Array{}
	}
	return ids
}
