package app_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// owners names the package that owns each table: the only one whose SQL may write it.
// Another feature changes a table through its owner's service or store, so the owner's
// rules, notices, audit events and updated_at are never skipped (issue 16: a hand-back
// that updated tickets from app/routing skipped the ticket's own notices). Reading
// another feature's table is allowed.
//
// A new table needs an entry here: TestEveryTableHasAnOwner fails until it has one.
var owners = map[string]string{
	"organisations":              "app/user",
	"users":                      "app/user",
	"sessions":                   "app/auth",
	"cookie_keys":                "app/auth",
	"signin_failures":            "app/auth",
	"audit_events":               "app/audit",
	"audit_head":                 "app/audit",
	"audit_pending":              "app/audit",
	"sla_policies":               "app/sla",
	"settings":                   "app/sla", // the support calendar's row
	"sla_recomputes":             "app/sla",
	"teams":                      "app/routing",
	"team_members":               "app/routing",
	"routing_rules":              "app/routing",
	"agent_open_tickets":         "app/routing", // written by a trigger on tickets only (db/migrations/0041)
	"categories":                 "app/ticket",
	"tickets":                    "app/ticket",
	"ticket_messages":            "app/ticket",
	"ticket_clocks":              "app/ticket",
	"ticket_links":               "app/ticket",
	"ticket_attachments":         "app/ticket",
	"canned_replies":             "app/ticket",
	"mail_outbox":                "app/mail",
	"blobs":                      "app/blob",
	"job_runs":                   "app/job",
	"role_changes":               "app/user",
	"form_submissions":           "app/formtoken",
	"incidents":                  "app/incident",
	"incident_handlers":          "app/incident",
	"incident_organisations":     "app/incident",
	"incident_timeline":          "app/incident",
	"incident_tasks":             "app/incident",
	"incident_evidence":          "app/incident",
	"incident_ticket_links":      "app/incident",
	"live_events":                "app/live",
	"incident_notices":           "app/incident",
	"incident_notice_recipients": "app/incident",
	"incident_settings":          "app/incident",
	"incident_clock_warnings":    "app/incident",
	"chats":                      "app/chat",
	"report_tickets":             "app/report",
	"report_chats":               "app/report",
	"report_state":               "app/report",
	"chat_messages":              "app/chat",
	"chat_files":                 "app/chat",
	"sla_chat":                   "app/sla",
	"totp_factors":               "app/auth",
	"recovery_codes":             "app/auth",
	"passkeys":                   "app/auth",
	"second_factor_policy":       "app/auth",
	"inbound_mail":               "app/inbound",
	"org_mail_domains":           "app/inbound",
	"mail_bounces":               "app/inbound",
	"password_links":             "app/auth",
	"queue_views":                "app/ticket",
	"support_contact":            "app/contact",
	"backup_runs":                "app/backup",
	"backup_warnings":            "app/backup",
	"subprocessors":              "app/subprocessor",
	"retention_rules":            "app/retention",
	"legal_holds":                "app/retention",
	"retention_runs":             "app/retention",
	"person_keys":                "app/audit", // audit.Record makes a key, audit.ShredPersonKey destroys it
	"org_export_rights":          "app/privacy",
	"reference_version":          "app/reference", // written by triggers only (db/migrations/0013)
	"schema_migrations":          "app/database",  // created by the migrator itself
}

// root is the repository, seen from this package's folder.
const root = ".."

// skipped are the folders whose Go code is not the application's: the test-database
// harness fills and clones databases as tests need.
var skipped = []string{"app/testdb"}

// TestEveryTableHasAnOwner fails on a table that no entry of owners names, on an entry
// for a table that does not exist, and on an owner that is no package.
func TestEveryTableHasAnOwner(t *testing.T) {
	pkgs := goPackages(t)
	tables := allTables(t, pkgs)
	for _, table := range sortedKeys(tables) {
		if _, ok := owners[table]; !ok {
			t.Errorf("table %s (%s) has no owner: add it to owners in app/owners_test.go", table, tables[table])
		}
	}
	for _, table := range sortedKeys(owners) {
		if _, ok := tables[table]; !ok {
			t.Errorf("owners names %s, which no migration or Go code creates", table)
		}
		if _, ok := pkgs[owners[table]]; !ok {
			t.Errorf("the owner of %s, %s, is no package with Go code", table, owners[table])
		}
	}
}

// TestNoPackageWritesAnotherFeaturesTable reads the SQL of every package under app/ and
// cmd/ (test files and the test-database harness aside) and fails on each statement
// that writes a table (INSERT, UPDATE, DELETE, MERGE, COPY, TRUNCATE) from a package
// other than the table's owner. SQL is found in string literals, with the constants
// they are joined to (`SELECT ` + cols + ` FROM`) put in their place. Triggers, in the
// migrations, are out of its sight.
func TestNoPackageWritesAnotherFeaturesTable(t *testing.T) {
	var violations []string
	writes := 0
	for _, w := range allWrites(t, goPackages(t)) {
		writes++
		if owner := owners[w.table]; owner != "" && owner != w.pkg {
			violations = append(violations, fmt.Sprintf("%s writes %s (%s); its owner is %s", w.pkg, w.table, w.where, owner))
		}
	}
	if writes == 0 {
		t.Fatal("found no SQL that writes a table at all: the search is broken")
	}
	if len(violations) > 0 {
		t.Errorf("%d writes to another feature's table: write through the owner's service or store instead\n\t%s",
			len(violations), strings.Join(violations, "\n\t"))
	}
}

// A statement that writes a table: group 1 is the table (maybe schema-qualified or
// quoted). The word after the UPDATE of ON CONFLICT DO UPDATE (SET: the INSERT's table is
// written) or of a locking clause, FOR UPDATE (OF, SKIP, NOWAIT), is no table, and neither
// is most English text: writesIn keeps only the tables it knows.
var writeRE = regexp.MustCompile(`(?i)\b(?:insert\s+into|update|delete\s+from|merge\s+into|truncate(?:\s+table)?|copy)\s+(?:only\s+)?((?:"?[a-z_][a-z0-9_$]*"?\.)?"?[a-z_][a-z0-9_$]*"?)`)

// write is a statement writing table, found in package pkg at where (file:line).
type write struct{ pkg, table, where string }

// statement is a write writesIn found: the table, at offset in the SQL.
type statement struct {
	table  string
	offset int
}

// writesIn returns the statements of sql that write one of tables.
func writesIn(sql string, tables map[string]string) []statement {
	var found []statement
	for _, m := range writeRE.FindAllStringSubmatchIndex(sql, -1) {
		name := strings.TrimPrefix(strings.ReplaceAll(strings.ToLower(sql[m[2]:m[3]]), `"`, ""), "public.")
		if _, ok := tables[name]; ok {
			found = append(found, statement{name, m[0]})
		}
	}
	return found
}

// TestWritesIn checks the search for writing statements on SQL of every shape it must
// tell apart.
func TestWritesIn(t *testing.T) {
	tables := map[string]string{"tickets": "", "team_members": "", "users": ""}
	for _, tc := range []struct{ sql, want string }{
		{`INSERT INTO tickets (subject) VALUES ($1)`, "tickets"},
		{`UPDATE tickets t SET status = 'open' FROM users u WHERE u.id = t.assignee_id`, "tickets"},
		{`update public."users" set name = $2`, "users"},
		{"DELETE\n\tFROM team_members WHERE user_id = $1", "team_members"},
		{`INSERT INTO team_members VALUES ($1, $2) ON CONFLICT (team_id) DO UPDATE SET x = 1`, "team_members"},
		{`WITH moved AS (UPDATE ONLY tickets SET team_id = $2 RETURNING id) SELECT count(*) FROM moved`, "tickets"},
		{`MERGE INTO users u USING x ON u.id = x.id WHEN MATCHED THEN DELETE`, "users"},
		{`TRUNCATE TABLE tickets`, "tickets"},
		{`COPY tickets FROM STDIN`, "tickets"},
		{`DELETE FROM users WHERE id = $1; DELETE FROM tickets WHERE requester_id = $1`, "users,tickets"},
		{`SELECT id FROM tickets WHERE status = 'new' FOR UPDATE SKIP LOCKED`, ""},
		{`SELECT id FROM tickets t FOR NO KEY UPDATE OF t`, ""},
		{`SELECT * FROM users FOR UPDATE OF users`, ""},
		{`SELECT 1 FROM users WHERE note = 'update the list'`, ""},
		{`INSERT INTO audit_events (action) VALUES ('x')`, ""}, // no table of this test
	} {
		var got []string
		for _, w := range writesIn(tc.sql, tables) {
			got = append(got, w.table)
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%q writes %q, want %q", tc.sql, got, tc.want)
		}
	}
}

// ---- Tables ----

var createRE = regexp.MustCompile(`(?i)\bcreate\s+(?:unlogged\s+|temp\s+|temporary\s+)?table\s+(?:if\s+not\s+exists\s+)?((?:"?[a-z_][a-z0-9_$]*"?\.)?"?[a-z_][a-z0-9_$]*"?)`)

// allTables returns every table the migrations or the Go code create, with where.
func allTables(t *testing.T, pkgs map[string]*goPackage) map[string]string {
	t.Helper()
	tables := map[string]string{}
	add := func(sql, where string) {
		for _, m := range createRE.FindAllStringSubmatch(sql, -1) {
			name := strings.TrimPrefix(strings.ReplaceAll(strings.ToLower(m[1]), `"`, ""), "public.")
			if _, ok := tables[name]; !ok {
				tables[name] = where
			}
		}
	}
	migrations, err := filepath.Glob(filepath.Join(root, "db", "migrations", "*.sql"))
	if err != nil || len(migrations) == 0 {
		t.Fatalf("no migrations found in db/migrations: %v", err)
	}
	for _, path := range migrations {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		add(string(b), rel(path))
	}
	for _, p := range pkgs {
		for _, s := range p.strings() {
			add(s.text, p.dir)
		}
	}
	return tables
}

// allWrites returns every statement of pkgs that writes a known table.
func allWrites(t *testing.T, pkgs map[string]*goPackage) []write {
	t.Helper()
	tables := allTables(t, pkgs)
	seen := map[write]bool{}
	var out []write
	for _, dir := range sortedKeys(pkgs) {
		p := pkgs[dir]
		for _, s := range p.strings() {
			for _, w := range writesIn(s.text, tables) {
				wr := write{pkg: p.dir, table: w.table, where: s.where(w.offset)}
				if !seen[wr] {
					seen[wr] = true
					out = append(out, wr)
				}
			}
		}
	}
	return out
}

// ---- Go code ----

// goPackage is the Go code of one folder, test files aside.
type goPackage struct {
	dir    string // from the repository's root: app/user (imported as tugi/app/user)
	fset   *token.FileSet
	files  []*ast.File
	consts map[string]ast.Expr // the values of its package-level constants, by name
	all    map[string]*goPackage
}

// goPackages parses every package under app/ and cmd/, by folder.
func goPackages(t *testing.T) map[string]*goPackage {
	t.Helper()
	fset := token.NewFileSet()
	pkgs := map[string]*goPackage{}
	for _, top := range []string{"app", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			dir := rel(path)
			if d.IsDir() {
				if d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || slices.Contains(skipped, dir) {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			dir = rel(filepath.Dir(path))
			p := pkgs[dir]
			if p == nil {
				p = &goPackage{dir: dir, fset: fset, consts: map[string]ast.Expr{}, all: pkgs}
				pkgs[dir] = p
			}
			p.files = append(p.files, f)
			for _, d := range f.Decls {
				if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
					for _, spec := range g.Specs {
						vs := spec.(*ast.ValueSpec)
						for i, name := range vs.Names {
							if i < len(vs.Values) {
								p.consts[name.Name] = vs.Values[i]
							}
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(pkgs) == 0 {
		t.Fatal("found no Go packages under app/ and cmd/")
	}
	return pkgs
}

// goString is the text of a string expression, with where each piece of it is written.
type goString struct {
	text   string
	pieces []piece
}

// piece is a part of a goString's text: a literal at pos, from offset on.
type piece struct {
	offset int
	pos    token.Position
	raw    bool // a raw literal: its line breaks are lines of the file
	value  string
}

// where returns the file and line at which offset of the text is written.
func (s goString) where(offset int) string {
	i := sort.Search(len(s.pieces), func(i int) bool { return s.pieces[i].offset > offset }) - 1
	p := s.pieces[max(i, 0)]
	line := p.pos.Line
	if p.raw {
		line += strings.Count(p.value[:min(offset-p.offset, len(p.value))], "\n")
	}
	return fmt.Sprintf("%s:%d", filepath.Base(p.pos.Filename), line)
}

// strings returns the string expressions of p: each string literal, and each chain of
// literals and constants joined with +, read as the text they make. A constant in a
// chain or alone, of this package or another one under app/ or cmd/, is read in its
// place: SQL is read where the constant is declared and again where it is used, so a
// statement written in one package and run from another counts against both.
func (p *goPackage) strings() []goString {
	var out []goString
	for _, f := range p.files {
		imports := fileImports(f)
		ast.Inspect(f, func(n ast.Node) bool {
			e, ok := n.(ast.Expr)
			if !ok {
				return true
			}
			var s goString
			if p.eval(e, imports, &s, 0) {
				out = append(out, s) // and its parts, each alone: a call in a chain may hold SQL
			}
			return true
		})
	}
	return out
}

// eval appends the text of the string expression e to s, and reports whether e is one:
// a string literal, a constant, or such joined with +. Another expression in a chain
// (a variable, a call) stands in as a space.
func (p *goPackage) eval(e ast.Expr, imports map[string]string, s *goString, depth int) bool {
	if depth > 20 {
		return false
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return false
		}
		v, err := strconv.Unquote(e.Value)
		if err != nil {
			return false
		}
		s.pieces = append(s.pieces, piece{offset: len(s.text), pos: p.fset.Position(e.Pos()), raw: e.Value[0] == '`', value: v})
		s.text += v
		return true
	case *ast.ParenExpr:
		return p.eval(e.X, imports, s, depth)
	case *ast.Ident:
		if c, ok := p.consts[e.Name]; ok {
			return p.eval(c, imports, s, depth+1)
		}
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			if q := p.all[strings.TrimPrefix(imports[x.Name], "tugi/")]; q != nil && imports[x.Name] != "" {
				// Written where it is used: the text, as one piece at the use.
				var c goString
				if v, ok := q.consts[e.Sel.Name]; ok && q.eval(v, nil, &c, depth+1) {
					s.pieces = append(s.pieces, piece{offset: len(s.text), pos: p.fset.Position(e.Pos()), value: c.text})
					s.text += c.text
					return true
				}
			}
		}
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return false
		}
		var left, right goString
		l := p.eval(e.X, imports, &left, depth)
		r := p.eval(e.Y, imports, &right, depth)
		if !l && !r {
			return false
		}
		for _, part := range []struct {
			ok bool
			s  goString
		}{{l, left}, {r, right}} {
			if !part.ok {
				s.text += " "
				continue
			}
			for _, pc := range part.s.pieces {
				pc.offset += len(s.text)
				s.pieces = append(s.pieces, pc)
			}
			s.text += part.s.text
		}
		return true
	}
	return false
}

// ---- Helpers ----

// fileImports maps the names f imports packages by to their paths.
func fileImports(f *ast.File) map[string]string {
	imports := map[string]string{}
	for _, is := range f.Imports {
		path, _ := strconv.Unquote(is.Path.Value)
		name := filepath.Base(path)
		if is.Name != nil {
			name = is.Name.Name
		}
		imports[name] = path
	}
	return imports
}

func rel(path string) string {
	r, err := filepath.Rel(root, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
