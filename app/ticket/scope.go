package ticket

import "tugi/app/access"

// Scope is the part of the tickets a viewer may see, and the one place that decides it.
//
// Staff who work tickets (agents and the CISO) see every ticket and its internal notes.
// A customer sees the tickets of their own organisation, never an internal note; the
// finer rule to come (a customer's manager sees all of the organisation's tickets, other
// members their own and those shared with them) changes ScopeOf and the visible
// condition below, and no query. Anyone else (an employee who is not an agent, an admin
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

// visible is the SQL condition that the scope ($1 to $4, see Scope.args) may see the
// ticket aliased t. A scope that is not staff's and names no organisation (the empty
// Scope of an employee or an admin) sees nothing: no ticket has organisation 0.
const visible = `($1::boolean OR (t.org_id = $2::bigint AND ($4::boolean OR t.requester_id = $3::bigint)))`

// visibleMessage is the SQL condition that the scope may see the message aliased m of the
// ticket aliased t: the ticket is visible, and internal notes are for staff only.
const visibleMessage = visible + ` AND m.ticket_id = t.id AND ($1::boolean OR NOT m.internal)`

// searchableMessage is the SQL condition that the scope may see the message aliased m,
// by the message's own columns (its organisation, whether it is an internal note), so
// that a search can walk the messages' indexes before it reaches their tickets. It is
// no less strict than visibleMessage for an organisation-wide scope; a search applies
// visible to each matching message's ticket as well, which adds the requester rule.
const searchableMessage = `($1::boolean OR (m.org_id = $2::bigint AND NOT m.internal))`
