package incident

import "tugi/app/access"

// Scope is the part of the incidents a viewer may see, and the one place that decides it
// (need to know, ISO/IEC 27001 5.24–5.26).
//
// The CISO sees every incident in full. Anyone else sees in full only the incidents that
// name them as a handler, and in part (its status and what the handlers chose to tell
// them, never an internal note, evidence or classification) the incidents they reported.
// No role alone shows an incident to an agent, an employee or an admin, and a customer
// never sees one: a customer's scope sees nothing even of an incident that names them.
//
// Every query of incidents and their rows (the list, the board, a page, evidence
// downloads, the register, the figures, exports) applies the scope in SQL through the
// conditions visibleSQL and fullSQL (queries.go), whose first two parameters are the
// scope's (Scope.args).
type Scope struct {
	CISO   bool  // every incident, in full
	UserID int64 // else: those naming this person as handler (in full) or reporter (in part)
}

// ScopeOf decides what v may see of incidents.
func ScopeOf(v *access.Viewer) Scope {
	switch {
	case v == nil, v.IsCustomer():
		return Scope{}
	case v.Has(access.CISO):
		return Scope{CISO: true, UserID: v.UserID}
	}
	return Scope{UserID: v.UserID}
}

// None reports whether the scope sees no incident at all.
func (s Scope) None() bool { return !s.CISO && s.UserID == 0 }

// args are the values of the scope's parameters $1 and $2, which every query of
// incidents starts with; a query's own parameters start at $3.
func (s Scope) args(more ...any) []any {
	return append([]any{s.CISO, s.UserID}, more...)
}

// Access is how much of one incident a viewer sees.
type Access int

// The accesses, least first.
const (
	NoAccess Access = iota // not at all: the incident is "not found"
	Reporter               // its reporter: the status and what handlers chose to tell
	Full                   // the CISO or a handler named on it
)
