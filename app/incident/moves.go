package incident

// Role is what a person is to one incident, for the moves they may make.
type Role int

// The roles, least first.
const (
	NoRole     Role = iota
	AsReporter      // reported it: follows it, moves nothing
	AsHandler       // named on it: moves it through handling
	AsCISO          // the CISO: every move, and the only one who closes
)

// moves are the moves of handling, from each state, that a handler or the CISO may make.
// Closing (resolved → closed) and "not an incident" (from any open state) are the
// CISO's alone, and not listed here.
var moves = map[State][]State{
	Reported:      {Triage, Investigating},
	Triage:        {Investigating},
	Investigating: {Contained, Resolved},
	Contained:     {Investigating, Resolved},
	Resolved:      {Investigating},
}

// Moves lists the states someone in role r may move an incident in state from to, in the
// order of an incident's life. Closing also has its rules (Store.CloseRefusals).
func Moves(from State, r Role) []State {
	if r < AsHandler || from.Done() {
		return nil
	}
	var to []State
	for _, s := range States {
		if mayMove(from, s, r) {
			to = append(to, s)
		}
	}
	return to
}

// mayMove reports whether someone in role r may move an incident from one state to
// another (closing rules aside).
func mayMove(from, to State, r Role) bool {
	if r < AsHandler || from.Done() || from == to {
		return false
	}
	switch to {
	case Closed:
		return r == AsCISO && from == Resolved
	case NotIncident:
		return r == AsCISO
	}
	for _, s := range moves[from] {
		if s == to {
			return true
		}
	}
	return false
}
