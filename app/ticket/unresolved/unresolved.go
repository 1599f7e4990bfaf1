// Package unresolved is the one definition, in SQL, of the tickets that still need work:
// those in a status before solved. Agent queues and counts show them, an agent's
// assignment cap counts them, a hand-back gives them back, and the SLA job recomputes
// their clocks. It stands apart from package ticket, whose Unresolved is the same list
// in Go, so that package routing, which ticket imports, reads it too.
package unresolved

// SQL is the condition that the ticket aliased t is unresolved.
//
// The partial indexes of tickets in db/migrations (tickets_unresolved_due and its
// siblings) carry this condition, written alike, and PostgreSQL uses a partial index only
// for a query whose condition it proves implies the index's. Every query writes the
// condition with this constant; package ticket's tests check that it, ticket.Unresolved
// and the indexes agree, and that no other Go file spells the list out.
const SQL = `t.status IN ('new', 'open', 'waiting', 'on_hold')`
