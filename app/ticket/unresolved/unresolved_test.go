package unresolved_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"tugi/db"

	"tugi/app/ticket"
	"tugi/app/ticket/unresolved"
)

// The SQL lists the statuses that ticket.Unresolved lists, and those are the statuses
// that are not Resolved.
func TestSQLIsTheGoList(t *testing.T) {
	var quoted []string
	for _, s := range ticket.Unresolved {
		quoted = append(quoted, "'"+string(s)+"'")
	}
	if want := "t.status IN (" + strings.Join(quoted, ", ") + ")"; unresolved.SQL != want {
		t.Errorf("unresolved.SQL = %q, want %q (from ticket.Unresolved)", unresolved.SQL, want)
	}
	for _, s := range ticket.Statuses {
		if slices.Contains(ticket.Unresolved, s) == s.Resolved() {
			t.Errorf("status %s: in ticket.Unresolved %v, Resolved %v", s, slices.Contains(ticket.Unresolved, s), s.Resolved())
		}
	}
}

// indexOnTickets is a partial index of tickets: its name and its condition.
var indexOnTickets = regexp.MustCompile(`(?s)CREATE INDEX (\w+) ON tickets\b[^;]*?\bWHERE\s+([^;]*);`)

// The partial indexes of unresolved tickets carry the condition as the queries write it
// (on the table, without the alias t), else PostgreSQL would not use them.
func TestMigrationsIndexTheSameCondition(t *testing.T) {
	want := strings.TrimPrefix(unresolved.SQL, "t.")
	found := map[string]bool{}
	err := fs.WalkDir(db.Migrations, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(db.Migrations, path)
		if err != nil {
			return err
		}
		for _, m := range indexOnTickets.FindAllStringSubmatch(string(b), -1) {
			name, cond := m[1], strings.Join(strings.Fields(m[2]), " ")
			if !strings.Contains(cond, "status") {
				continue
			}
			found[name] = true
			if cond != want && !strings.HasPrefix(cond, want+" AND ") {
				t.Errorf("%s: index %s is on %q, want %q", path, name, cond, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tickets_unresolved_due", "tickets_unresolved_updated", "tickets_unassigned_due", "tickets_assignee_due", "tickets_unresolved_id"} {
		if !found[name] {
			t.Errorf("no partial index %s on unresolved tickets found in db/migrations", name)
		}
	}
}

// handWritten is a condition on a ticket's status written out as a list.
var handWritten = regexp.MustCompile(`(?i)\bstatus\s+(NOT\s+)?IN\s*\(\s*'`)

// No query outside this package writes the list out: each uses unresolved.SQL.
func TestNoQuerySpellsTheListOut(t *testing.T) {
	own, err := filepath.Abs("unresolved.go")
	if err != nil {
		t.Fatal(err)
	}
	app := filepath.Join("..", "..")
	checked := 0
	err = filepath.WalkDir(app, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		if abs, _ := filepath.Abs(path); abs == own {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range strings.Split(string(b), "\n") {
			if handWritten.MatchString(line) {
				t.Errorf("%s:%d writes the statuses out: use unresolved.SQL\n\t%s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Errorf("read %d Go files under %s, want the whole app", checked, app)
	}
}

// countingFunction is the definition of one of the functions of routing's migration that
// keep each agent's count of unresolved tickets: its name and its body.
var countingFunction = regexp.MustCompile(`(?s)CREATE (?:OR REPLACE )?FUNCTION (agent_open_tickets_\w+)\(\).*?\$\$(.*?)\$\$`)

// statusList is a condition on a ticket's status written out as a list, with the list.
var statusList = regexp.MustCompile(`(?i)\bstatus\s+IN\s*\(([^)]*)\)`)

// The trigger that keeps each agent's count of unresolved tickets (and the function that
// counts them again) cannot read a Go constant: it writes the list out, and says the same
// list as unresolved.SQL, in the latest definition of each function.
func TestAgentCountsSayTheSameList(t *testing.T) {
	want := strings.TrimSuffix(strings.TrimPrefix(unresolved.SQL, "t.status IN ("), ")")
	latest := map[string]string{} // function: body, the last migration's
	err := fs.WalkDir(db.Migrations, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(db.Migrations, path)
		for _, m := range countingFunction.FindAllStringSubmatch(string(b), -1) {
			latest[m[1]] = m[2]
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"agent_open_tickets_count", "agent_open_tickets_recount"} {
		lists := statusList.FindAllStringSubmatch(latest[name], -1)
		if len(lists) == 0 {
			t.Errorf("function %s: no list of statuses found in db/migrations", name)
		}
		for _, l := range lists {
			if got := strings.Join(strings.Fields(l[1]), " "); got != want {
				t.Errorf("function %s counts the statuses (%s), want (%s) as unresolved.SQL", name, got, want)
			}
		}
	}
}
