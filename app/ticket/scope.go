package ticket

import "tugi/app/access"

// Scope is the part of the tickets a viewer may see, and the one place that decides it.
//
// Staff who work tickets (agents and the CISO) see every ticket and its internal notes.
// A customer sees the tickets of their own organisation, never an internal note; the
// finer rule to come (a customer's manager sees all of the organisation's tickets, other
// members their own and those shared with them) changes ScopeOf and the visible
// condition (queries.go), and no query. Anyone else (an employee who is not an agent, an admin
// by virtue of being admin) sees nothing.
type Scope struct {
	All     bool  // every ticket, internal notes included
	OrgID   int64 // else: tickets of this organisation ...
	UserID  int64 // ... seen by this person ...
	OrgWide bool  // ... all of them, or only those they requested
}

// ScopeOf decides what v may see of tickets.
func ScopeOf(v *access.Viewer) Scope {
	switch {
	case v == nil:
		return Scope{}
	case v.IsCustomer():
		// Every customer sees all of their organisation's tickets for now.
		return Scope{OrgID: v.OrgID, UserID: v.UserID, OrgWide: true}
	case v.HasAny(access.Agent, access.CISO):
		return Scope{All: true, UserID: v.UserID}
	}
	return Scope{}
}

// Staff reports whether the scope is a staff member's who works tickets.
func (s Scope) Staff() bool { return s.All }

// None reports whether the scope sees no ticket at all.
func (s Scope) None() bool { return !s.All && (s.OrgID == 0 || s.UserID == 0) }

// args are the values of the scope's parameters $1 to $4, which every query of tickets
// and messages starts with; a query's own parameters start at $5.
func (s Scope) args(more ...any) []any {
	return append([]any{s.All, s.OrgID, s.UserID, s.OrgWide}, more...)
}
