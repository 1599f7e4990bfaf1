package ticket

import "fmt"

// TakenError is Take's refusal: another agent took the ticket after the one taking it
// last saw it.
type TakenError struct {
	By string // who has it now
}

func (e *TakenError) Error() string { return fmt.Sprintf("ticket: taken meanwhile by %s", e.By) }

// takenSince refuses to take t over from an assignee the agent did not see: seen is who
// had it on the agent's page (0: nobody). A ticket that nobody has now, or that has the
// assignee the agent saw, may be taken.
func takenSince(t *Ticket, seen int64) error {
	if t.AssigneeID == nil || *t.AssigneeID == seen {
		return nil
	}
	by := ""
	if t.Assignee != nil {
		by = *t.Assignee
	}
	return &TakenError{By: by}
}
