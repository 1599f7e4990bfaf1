package privacy_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"tugi/app/privacy"
	"tugi/app/testdb"
)

// TestRegistryCoversEveryColumn reads every column of every table from the database and
// fails for one the registry does not classify, saying where and how to classify it, and
// for a registry entry whose column is gone.
func TestRegistryCoversEveryColumn(t *testing.T) {
	db := testdb.New(t)
	var cols []struct {
		Table  string `db:"table_name"`
		Column string `db:"column_name"`
		Type   string `db:"data_type"`
	}
	err := db.Select(&cols, `
		SELECT c.table_name, c.column_name, c.data_type
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) < 100 {
		t.Fatalf("only %d columns found", len(cols))
	}
	seen := map[string]bool{}
	var missing []string
	for _, c := range cols {
		seen[c.Table+"."+c.Column] = true
		if _, ok := privacy.Registry[c.Table][c.Column]; ok {
			continue
		}
		where := fmt.Sprintf("under %q", c.Table)
		if privacy.Registry[c.Table] == nil {
			where = fmt.Sprintf("in a new entry %q", c.Table)
		}
		missing = append(missing, fmt.Sprintf("column %s.%s (%s) is not classified: add \"%s\": <Plain | Ref | NotPersonal(why) | "+
			"Pseudonymised(how) | Erased(how) | Kept(why)>, %s in app/privacy/registry_columns.go (a personal column also needs its "+
			"erasure: the owner's ErasePerson in personal.go, called from app/privacy/erase.go)", c.Table, c.Column, c.Type, c.Column, where))
	}
	for _, m := range missing {
		t.Error(m)
	}
	var stale []string
	for table, cs := range privacy.Registry {
		for col, class := range cs {
			if !seen[table+"."+col] {
				stale = append(stale, table+"."+col)
			}
			switch class.Kind {
			case privacy.KindPseudonymised, privacy.KindErased, privacy.KindKept:
				if strings.TrimSpace(class.How) == "" {
					t.Errorf("%s.%s is %s without saying how or why", table, col, class.Kind)
				}
			}
		}
	}
	slices.Sort(stale)
	for _, s := range stale {
		t.Errorf("the registry classifies %s, which the database does not have: remove it from app/privacy/registry_columns.go", s)
	}
}
