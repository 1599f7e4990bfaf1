// Package routing decides where a new ticket goes: the routing rules an admin keeps choose a
// team (and may raise the priority), a security concern always goes to the default team and
// tells the CISO, and inside the team the ticket is assigned round-robin to an available
// agent below the team's cap. It also keeps the agents' availability and their hand-back.
//
// The cap reads each agent's number of unresolved tickets from agent_open_tickets, a table
// routing owns that only a trigger on tickets writes (db/migrations/0041), whichever
// feature changes a ticket's status or assignee, and only routing reads.
package routing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/lib/pq"

	"tugi/app/database"
	"tugi/app/sla"
)

// Facts are what routing knows of a new ticket.
type Facts struct {
	CategoryID int64
	Security   bool // the category is a security concern
	OrgID      int64
	Priority   sla.Priority // its initial priority
	Subject    string
}

// Decision is where a new ticket goes.
type Decision struct {
	RuleID   *int64 // the rule that matched; nil when none did (or for a security concern)
	TeamID   *int64 // nil only when no rule matched and there is no default team
	Priority sla.Priority
	Security bool // a security concern: the CISO is told
}

// Rule is one routing rule: its conditions (nil or empty: any) and its action.
type Rule struct {
	ID         int64          `db:"id"`
	Position   int            `db:"position"`
	CategoryID *int64         `db:"category_id"`
	OrgID      *int64         `db:"org_id"`
	Priority   *sla.Priority  `db:"priority"`
	Words      pq.StringArray `db:"subject_words"`
	TeamID     int64          `db:"team_id"`
	RaiseTo    *sla.Priority  `db:"raise_to"`
	// For the admin page.
	Category *string `db:"category_name"`
	Org      *string `db:"org_name"`
	Team     string  `db:"team_name"`
	Number   int     `db:"-"` // its place in the list, from 1
}

// Matches reports whether every condition of r holds for f.
func (r *Rule) Matches(f Facts) bool {
	if r.CategoryID != nil && *r.CategoryID != f.CategoryID {
		return false
	}
	if r.OrgID != nil && *r.OrgID != f.OrgID {
		return false
	}
	if r.Priority != nil && *r.Priority != f.Priority {
		return false
	}
	if len(r.Words) > 0 {
		words := Words(f.Subject)
		if !slices.ContainsFunc(r.Words, func(w string) bool { return slices.Contains(words, w) }) {
			return false
		}
	}
	return true
}

// Words splits s into its words, in lower case: runs of letters and digits (Estonian
// õ, ä, ö, ü, š and ž are letters like any other).
func Words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// Raise returns p raised to at least to; it never lowers p.
func Raise(p, to sla.Priority) sla.Priority {
	if rank(to) < rank(p) {
		return to
	}
	return p
}

// rank is a priority's place in sla.Priorities: 0 is the most pressing.
func rank(p sla.Priority) int {
	if i := slices.Index(sla.Priorities, p); i >= 0 {
		return i
	}
	return len(sla.Priorities)
}

// Table is what routing decides by: the rules in the order they are tried, and the
// default team (nil when there is none).
type Table struct {
	Rules       []Rule
	DefaultTeam *int64
}

// LoadTable reads the routing table through q.
func LoadTable(ctx context.Context, q database.Queryer) (Table, error) {
	rules, err := NewStore(q).Rules(ctx)
	if err != nil {
		return Table{}, err
	}
	team, err := DefaultTeam(ctx, q)
	if err != nil {
		return Table{}, err
	}
	return Table{Rules: rules, DefaultTeam: team}, nil
}

// Decide decides where a ticket with facts f goes. The first rule in order whose
// conditions all hold wins; with none, the default team. A security concern goes to the
// default team (User Support) whatever the rules say. The decision shares nothing with t,
// which may be a copy every request reads (package reference).
func (t Table) Decide(f Facts) Decision {
	d := Decision{Priority: f.Priority, Security: f.Security}
	if !f.Security {
		for i := range t.Rules {
			r := &t.Rules[i]
			if !r.Matches(f) {
				continue
			}
			id, team := r.ID, r.TeamID
			d.RuleID, d.TeamID = &id, &team
			if r.RaiseTo != nil {
				d.Priority = Raise(d.Priority, *r.RaiseTo)
			}
			return d
		}
	}
	if t.DefaultTeam != nil {
		team := *t.DefaultTeam
		d.TeamID = &team
	}
	return d
}

// DefaultTeam returns the id of the default team, or nil when there is none.
func DefaultTeam(ctx context.Context, q database.Queryer) (*int64, error) {
	var ids []int64
	if err := q.SelectContext(ctx, &ids, defaultTeam); err != nil {
		return nil, fmt.Errorf("routing: default team: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return &ids[0], nil
}
