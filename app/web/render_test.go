package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/static"
	"tugi/views"
)

func htmxContext(header ...string) echo.Context {
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return echo.New().NewContext(req, httptest.NewRecorder())
}

func TestIsPartial(t *testing.T) {
	for _, tt := range []struct {
		name    string
		header  []string
		htmx    bool
		partial bool
	}{
		{"plain", nil, false, false},
		{"htmx", []string{"HX-Request", "true"}, true, true},
		{"htmx false", []string{"HX-Request", "false"}, false, false},
		{"boosted", []string{"HX-Request", "true", "HX-Boosted", "true"}, true, false},
		{"history restore", []string{"HX-Request", "true", "HX-History-Restore-Request", "true"}, true, false},
		{"boosted header without htmx", []string{"HX-Boosted", "true"}, false, false},
	} {
		c := htmxContext(tt.header...)
		if IsHTMX(c) != tt.htmx || IsPartial(c) != tt.partial {
			t.Errorf("%s: IsHTMX %v, IsPartial %v; want %v, %v", tt.name, IsHTMX(c), IsPartial(c), tt.htmx, tt.partial)
		}
	}
}

func TestPageCurrent(t *testing.T) {
	for _, tt := range []struct {
		path, nav string
		want      bool
	}{
		{"/", "/", true},
		{"/account", "/", false},
		{"/admin/users", "/admin/users", true},
		{"/admin/users/7", "/admin/users", true},
		{"/admin/usersx", "/admin/users", false},
		{"/admin/organisations", "/admin/users", false},
	} {
		if got := (&Page{Path: tt.path}).Current(tt.nav); got != tt.want {
			t.Errorf("page %s, nav %s: Current = %v", tt.path, tt.nav, got)
		}
	}
}

func testRenderer(t *testing.T) *Renderer {
	t.Helper()
	s, err := NewStatic(static.FS)
	if err != nil {
		t.Fatal(err)
	}
	nav := []NavItem{{Label: "Home", Path: "/", Rule: access.SignedIn}, {Label: "Users", Path: "/admin/users", Rule: access.AnyOf(access.Admin)}}
	r, err := NewRenderer(views.FS, s, nav, Support{Phone: "+372 000", Email: "help@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRendererFullPageAndFragment(t *testing.T) {
	r := testRenderer(t)
	for _, tt := range []struct {
		name   string
		header []string
		full   bool
	}{
		{"plain", nil, true},
		{"htmx", []string{"HX-Request", "true"}, false},
		{"boosted", []string{"HX-Request", "true", "HX-Boosted", "true"}, true},
	} {
		c := htmxContext(tt.header...)
		SetViewer(c, &access.Viewer{Name: "Eva Employee", Roles: []access.Role{access.Employee}})
		p := r.NewPage(c, "Error")
		p.Data = ErrorPage{Status: 404, Heading: "Not found", Message: "Nothing here."}
		var buf bytes.Buffer
		if err := r.Render(&buf, "errors/error", p, c); err != nil {
			t.Fatal(err)
		}
		html := buf.String()
		if full := strings.Contains(html, "<html"); full != tt.full {
			t.Errorf("%s: whole page %v, want %v", tt.name, full, tt.full)
		}
		if !strings.Contains(html, "Nothing here.") {
			t.Errorf("%s: the content is missing", tt.name)
		}
		if tt.full && (!strings.Contains(html, ">Home</a>") || strings.Contains(html, ">Users</a>")) {
			t.Errorf("%s: navigation should offer Home and not Users to an employee", tt.name)
		}
		if !strings.Contains(c.Response().Header().Get("Vary"), "HX-Request") {
			t.Errorf("%s: no Vary: HX-Request", tt.name)
		}
	}
	if err := r.Render(&bytes.Buffer{}, "no/such", nil, htmxContext()); err == nil {
		t.Error("rendering an unknown template did not fail")
	}
}

// A broken or incomplete template stops start-up rather than a request.
func TestNewRendererRefusesBrokenTemplates(t *testing.T) {
	s, err := NewStatic(static.FS)
	if err != nil {
		t.Fatal(err)
	}
	base := `{{define "layout"}}<html>{{template "content" .}}</html>{{end}}`
	for name, page := range map[string]string{
		"syntax error":     `{{define "content"}}{{if}}{{end}}`,
		"no content":       `{{define "other"}}x{{end}}`,
		"unknown function": `{{define "content"}}{{nope}}{{end}}`,
		"missing static":   `{{define "content"}}{{static "css/nope.css"}}{{end}}`,
	} {
		fsys := fstest.MapFS{
			"layouts/base.html":   {Data: []byte(base)},
			"partials/empty.html": {Data: []byte(`{{define "empty"}}{{end}}`)},
			"pages/page.html":     {Data: []byte(page)},
		}
		_, err := NewRenderer(fsys, s, nil, Support{})
		if name == "missing static" {
			// A missing static file is found when the page is first rendered (URL panics).
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: NewRenderer accepted it", name)
		}
	}
	// Each page has its own "content": the last parsed does not win.
	fsys := fstest.MapFS{
		"layouts/base.html":   {Data: []byte(base)},
		"partials/empty.html": {Data: []byte(`{{define "empty"}}{{end}}`)},
		"a/one.html":          {Data: []byte(`{{define "content"}}one{{end}}`)},
		"b/two.html":          {Data: []byte(`{{define "content"}}two{{end}}`)},
	}
	r, err := NewRenderer(fsys, s, nil, Support{})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"a/one": "one", "b/two": "two"} {
		var buf bytes.Buffer
		if err := r.Render(&buf, name, &Page{}, htmxContext()); err != nil || buf.String() != "<html>"+want+"</html>" {
			t.Errorf("%s rendered %q (%v), want its own content", name, buf.String(), err)
		}
	}
}

// options marks the chosen option and escapes values and labels as the template would:
// a label or value cannot close the element or add an attribute.
func TestOptions(t *testing.T) {
	got := string(options([]Option{{"1", "Billing"}, {`2" onclick="x`, "<b>Tom & Jerry</b>"}, {"3", "Third"}}, "3"))
	want := `<option value="1">Billing</option>` +
		`<option value="2&#34; onclick=&#34;x">&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</option>` +
		`<option value="3" selected>Third</option>`
	if got != want {
		t.Errorf("options:\n got %s\nwant %s", got, want)
	}
	if got := options(nil, ""); got != "" {
		t.Errorf("no options: %q", got)
	}
}

// Fixed texts are translated when the templates are parsed, and print exactly what the
// template's own call of T would have printed, in text and in the attributes templates
// translate, whatever the text holds.
func TestFixedTextsTranslatedAtParse(t *testing.T) {
	src := `{{define "content"}}<h1>{{.T "Queue"}}</h1>` +
		`<input aria-label="{{$.T "Queue"}}" placeholder="{{.T "Tom & Jerry's \"1+1\" <b>x</b>"}}">` +
		`<button hx-confirm="{{.T "Delete it?"}}">{{ .T "Sign out" }}</button>` +
		`<title>{{.T "A < B"}}</title><textarea>{{.T "Nul\x00 here"}}</textarea>` +
		`<p>{{.T "Welcome, %s" .Title}}</p>{{end}}`
	for _, lang := range []string{"en", "et"} {
		p := &Page{Lang: lang, Title: "Mari"}
		run := func(src string) string {
			t.Helper()
			tpl, err := template.New("").Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := tpl.ExecuteTemplate(&b, "content", p); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}
		fixed := translated(src, lang)
		if strings.Count(fixed, ".T ") != 1 {
			t.Errorf("%s: not every fixed text was translated, or the one with an argument was: %s", lang, fixed)
		}
		if got, want := run(fixed), run(src); got != want {
			t.Errorf("%s: translated at parse\n%s\nwant what T prints\n%s", lang, got, want)
		}
	}
	if got := translated(`<p>{{.T "Queue"}}</p>`, "et"); got != "<p>Järjekord</p>" {
		t.Errorf("in Estonian: %s", got)
	}
}

// marked escapes every part as the template would and marks the marked ones: a text
// cannot close the element or add one.
func TestMarked(t *testing.T) {
	got := string(Marked([]Part{{`Pasting <script>alert("x")</script> into the `, false}, {"Kolibrium", true}, {` & "1+1"`, false}}))
	want := `Pasting &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; into the <mark>Kolibrium</mark> &amp; &#34;1&#43;1&#34;`
	if got != want {
		t.Errorf("marked:\n%s\nwant\n%s", got, want)
	}
}
