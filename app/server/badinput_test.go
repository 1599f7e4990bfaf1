package server_test

import (
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/route"
)

// badValues are what a fuzzer sends that Go reads but PostgreSQL refuses: a NUL and an
// invalid UTF-8 byte in any parameter, and in a list page's cursor (after=) also times
// and ids outside PostgreSQL's range.
func badValues(name string) []string {
	if name == "after" {
		return []string{"\x00ab", "ab\xff", "0000-01-01T00:00:00Z_1", "9999-12-31T23:00:00-05:00_1", "2024-01-01T00:00:00Z_0", "2024-01-01T00:00:00Z_-5"}
	}
	return []string{"\x00ab", "ab\xff"}
}

// parameterNames reads, from app's source, every query parameter and form field a handler
// reads: by QueryParam, FormValue, a Get on url.Values, or a struct's form or query tag.
func parameterNames(t *testing.T) []string {
	t.Helper()
	read := regexp.MustCompile(`(?:QueryParam|FormValue|[gG]et)\("([a-z_]+)"\)|(?:form|query):"([a-z_]+)`)
	seen := map[string]bool{}
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range read.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]+m[2]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, must := range []string{"q", "after", "org_name", "view", "name", "subject", "body", "person"} {
		if !seen[must] {
			t.Fatalf("the source scan missed %q: it finds %v", must, names)
		}
	}
	return names
}

// TestBadBytesAreRefusedNot500 walks the route table as each kind of person, sending each
// bad value in each query parameter of every page and each field of every form the
// person may use: nothing answers 500, as happened when the bytes reached PostgreSQL.
func TestBadBytesAreRefusedNot500(t *testing.T) {
	t.Parallel()
	names := parameterNames(t)
	// These end the session the walk goes on with.
	skip := []string{"/logout", "/admin/users/:id/deactivate", "/account/sessions/:id/revoke"}
	for _, email := range viewers {
		t.Run(email, func(t *testing.T) {
			t.Parallel()
			app := apptest.New(t)
			pp := person(email)
			viewer := &access.Viewer{Email: pp.Email, Roles: pp.Roles}
			c := app.SignIn(t, email)
			// A ticket the person may see, so ticket pages and forms read their input.
			var id int64
			if err := app.DB.Get(&id, `SELECT min(t.id) FROM tickets t JOIN users u ON u.email = $1
				WHERE NOT ('customer' = ANY (u.roles)) OR t.org_id = u.org_id`, email); err != nil {
				t.Fatal(err)
			}
			tried := 0
			for _, r := range app.Server.Routes {
				// A stream never ends; its query is read by app/live's startAfter alone.
				if !r.Rule.Allows(viewer) || strings.HasSuffix(r.Path, "*") || slices.Contains(skip, r.Path) || r.Kind == route.Stream {
					continue
				}
				p := path(r, id)
				for _, name := range names {
					for _, bad := range badValues(name) {
						var res *apptest.Page
						var err error
						if r.Method == http.MethodGet {
							res, err = c.Try(http.MethodGet, p+"?"+url.Values{name: {bad}}.Encode(), nil)
						} else {
							res, err = c.TryPost(p, url.Values{name: {bad}})
						}
						if err != nil {
							t.Fatal(err)
						}
						if res.Status >= 500 {
							t.Errorf("%s %s with %s=%q: %d", r.Method, p, name, bad, res.Status)
						}
						tried++
					}
				}
			}
			if tried < len(names)*2*3 {
				t.Errorf("only %d requests tried", tried)
			}
			if strings.Contains(app.Logs.String(), "level=ERROR") {
				t.Errorf("Tugi logged an error:\n%s", errorLines(app.Logs.String()))
			}
		})
	}
}

func errorLines(logs string) string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "level=ERROR") {
			out = append(out, l)
		}
	}
	if len(out) > 20 {
		out = append(out[:20], strconv.Itoa(len(out)-20)+" more")
	}
	return strings.Join(out, "\n")
}

// The cases the fuzz run found, as a person meets them: a search with a NUL says why
// beside the search box, and a cursor PostgreSQL cannot hold is a bad request.
func TestBadSearchAndCursorsAreRefused(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	agent := app.SignIn(t, "agent@tugi.example")
	p := agent.Get(t, "/tickets/search?q=%00ab", http.StatusUnprocessableEntity)
	if got := p.Text("#search-problem"); got != "This holds characters Tugi cannot use, such as a control character. Type it again as plain text." {
		t.Errorf("beside the search box: %q", got)
	}
	if p.Doc.Find("#search-results").Length() != 0 {
		t.Error("a search ran with the bad bytes")
	}
	for _, path := range []string{
		"/queue?view=all&after=0000-01-01T00:00:00Z_1",
		"/tickets/search?q=printer&after=0000-01-01T00:00:00Z_1",
	} {
		agent.Get(t, path, http.StatusBadRequest)
	}
	agent.Get(t, "/queue?view=all&after=infinity_1", http.StatusOK)
	customer := app.SignIn(t, "customer@demo-customer.example")
	customer.Get(t, "/tickets?after=0000-01-01T00:00:00Z_1", http.StatusBadRequest)
	customer.Get(t, "/tickets?after=2024-01-01T00:00:00Z_1", http.StatusOK)
	admin := app.SignIn(t, "admin@tugi.example")
	admin.Get(t, "/admin/users?q=%00ab", http.StatusUnprocessableEntity)
	admin.Get(t, "/audit?person=ab%FF", http.StatusUnprocessableEntity)
}
