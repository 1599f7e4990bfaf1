package web

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/i18n"
)

// NavItem is an entry of the main navigation, shown to those its Rule allows. Entries
// with a Group are folded under that label (the admin's pages under "Admin"), where the
// group keeps the place of its first entry; a group of one entry for the viewer is shown
// as that entry.
type NavItem struct {
	Label string
	Path  string
	Rule  access.Rule
	Group string
}

// NavEntry is an entry of the navigation a page shows: a link, or a group's label with
// its links (Items).
type NavEntry struct {
	NavItem
	Items []NavItem
}

// navFor returns the entries of nav that v may use, grouped.
func navFor(nav []NavItem, v *access.Viewer) []NavEntry {
	var out []NavEntry
	at := map[string]int{} // a group's place in out
	for _, n := range nav {
		if !n.Rule.Allows(v) {
			continue
		}
		if n.Group == "" {
			out = append(out, NavEntry{NavItem: n})
			continue
		}
		i, ok := at[n.Group]
		if !ok {
			at[n.Group] = len(out)
			out = append(out, NavEntry{NavItem: NavItem{Label: n.Group}})
			i = len(out) - 1
		}
		out[i].Items = append(out[i].Items, n)
	}
	for i := range out {
		if len(out[i].Items) == 1 {
			out[i] = NavEntry{NavItem: out[i].Items[0]}
		}
	}
	return out
}

// Support is the customer-support contact shown in the footer.
type Support struct {
	Phone string
	Email string
	// Hours tells, in a language, when support is open: the support calendar's weekly
	// hours, which an admin may change at any time. Nil: pages tell no hours.
	Hours func(ctx context.Context, lang string) (string, error)
	// Contact returns the phone and e-mail address in force, which an admin may change
	// at any time. Nil: Phone and Email.
	Contact func(ctx context.Context) (Contact, error)
	// Zone is the time zone pages show times in (the support calendar's), named beside
	// each. Nil: each time in its own zone.
	Zone func() *time.Location
}

// Contact is how customers reach support: its phone number and e-mail address.
type Contact struct {
	Phone string
	Email string
}

// Page is what every page template receives.
type Page struct {
	Title     string
	Viewer    *access.Viewer
	Nav       []NavEntry
	Path      string
	Flashes   []string
	CSRF      string
	RequestID string
	Lang      string
	Support   Support
	Form      Form
	Data      any

	ctx context.Context // the request's, for SupportHours
}

// SupportHours tells, in the page's language, when support is open, as the support
// calendar in force says. Only the pages that show the hours ask, so the others do not
// look the calendar up.
func (p *Page) SupportHours() (string, error) {
	if p.Support.Hours == nil {
		return "", nil
	}
	return p.Support.Hours(p.ctx, p.Lang)
}

// SupportContact returns the support contact in force: what the admin saved, or what
// Tugi was started with. Only the pages that show it ask.
func (p *Page) SupportContact() (Contact, error) {
	if p.Support.Contact == nil {
		return Contact{Phone: p.Support.Phone, Email: p.Support.Email}, nil
	}
	return p.Support.Contact(p.ctx)
}

// Field is one field of a page's form, for a partial that draws it: the page (its input
// and messages), the field's name and its label, already translated, and for a field that
// suggests values, where it gets them and what leaving it empty means. Templates make
// one with the "field" function: {{template "files-field" (field . "files" (.T
// "Attachments"))}}, or {{template "org-field" (field . "org_name" (.T "Organisation")
// "/queue/organisations" (.T "Any"))}}.
type Field struct {
	Page  *Page
	Name  string
	Label string
	URL   string // where a field that suggests values gets them, if it does
	Empty string // what an empty field means, translated (a placeholder), if it says
}

// Option is one choice of a <select>: its value and its label, already translated.
type Option struct {
	Value string
	Label string
}

// options writes the <option> elements of a select, the one whose value is selected
// marked so. Templates call it as {{options .Data.Categories (.Form.Value "category")}}:
// a select of fifty agents is then one action instead of two hundred, each of which
// html/template runs through reflection and an escaper (a tenth of a queue page's cost).
// Values and labels are escaped here, as the template would have escaped them.
func options(opts []Option, selected string) template.HTML {
	var b strings.Builder
	for _, o := range opts {
		b.WriteString(`<option value="`)
		b.WriteString(html.EscapeString(o.Value))
		b.WriteString(`"`)
		if o.Value == selected {
			b.WriteString(" selected")
		}
		b.WriteString(">")
		b.WriteString(html.EscapeString(o.Label))
		b.WriteString("</option>")
	}
	return template.HTML(b.String())
}

// Part is a piece of a text in which some words are marked (a search result's snippet).
type Part struct {
	Text string
	Mark bool
}

// Marked writes parts as HTML, each escaped as the template would escape it and the
// marked ones in <mark>: the search page prints a snippet as one value (SearchItem)
// instead of three actions for each of its parts.
func Marked(parts []Part) template.HTML {
	var b strings.Builder
	for _, p := range parts {
		if p.Mark {
			b.WriteString("<mark>")
		}
		b.WriteString(htmlText.Replace(p.Text))
		if p.Mark {
			b.WriteString("</mark>")
		}
	}
	return template.HTML(b.String())
}

// Error is the message beside the field, if any.
func (f Field) Error() string { return f.Page.Form.Errors[f.Name] }

// T translates msg into the page's language (see package i18n).
func (p *Page) T(msg string, args ...any) string { return i18n.T(p.Lang, msg, args...) }

// Current reports whether the navigation entry at navPath is the page being shown.
func (p *Page) Current(navPath string) bool {
	return p.Path == navPath || (navPath != "/" && strings.HasPrefix(p.Path, navPath+"/"))
}

// CurrentIn reports whether one of a navigation group's entries is the page being shown.
func (p *Page) CurrentIn(e NavEntry) bool {
	for _, n := range e.Items {
		if p.Current(n.Path) {
			return true
		}
	}
	return false
}

// Renderer renders Tugi's templates. It implements echo.Renderer.
//
// Templates come from one file system: layouts/ and partials/ form the base set, parsed
// once; every other folder holds page files, each parsed into its own clone of the base,
// because every page defines "content" and one shared set would keep only the last.
// Parsing everything at start-up means a broken template stops start-up, not a request.
//
// Every template is parsed once for each language (i18n.Languages), with its fixed texts
// already translated (see translated): a page then runs no action for them.
type Renderer struct {
	pages   map[string]map[string]*template.Template // by language, then by page
	nav     []NavItem
	support Support
}

// NewRenderer parses every template in fsys.
func NewRenderer(fsys fs.FS, static *Static, nav []NavItem, support Support) (*Renderer, error) {
	funcs := template.FuncMap{
		"static":    static.URL,
		"roleLabel": func(r access.Role) string { return r.Label() },
		"list":      func(items ...string) []string { return items },
		"languages": func() []struct{ Code, Name string } { return i18n.Languages },
		"options":   options,
		"field": func(p *Page, name, label string, suggest ...string) Field {
			f := Field{Page: p, Name: name, Label: label}
			if len(suggest) > 0 {
				f.URL = suggest[0]
			}
			if len(suggest) > 1 {
				f.Empty = suggest[1]
			}
			return f
		},
	}
	// Times in the support zone, in the page's language (DateIn): each language's
	// templates get their own.
	inZone := func(t time.Time) time.Time {
		if support.Zone != nil {
			t = t.In(support.Zone())
		}
		return t
	}
	dated := func(lang string) template.FuncMap {
		return template.FuncMap{
			"date":    func(t time.Time) string { return DateIn(lang, inZone(t)) },
			"second":  func(t time.Time) string { return SecondIn(lang, t) },
			"weekday": func(d time.Weekday) string { return WeekdayIn(lang, d) },
			"day":     func(t time.Time) string { return DayIn(lang, t) }, // a calendar day, no zone
		}
	}
	shared, err := fs.Glob(fsys, "layouts/*.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	partials, err := fs.Glob(fsys, "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	shared = append(shared, partials...)
	files, err := fs.Glob(fsys, "*/*.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	r := &Renderer{pages: map[string]map[string]*template.Template{}, nav: nav, support: support}
	for _, l := range i18n.Languages {
		base := template.New("").Funcs(funcs).Funcs(dated(l.Code))
		for _, f := range shared {
			if err := parseFile(base, fsys, f, l.Code); err != nil {
				return nil, err
			}
		}
		pages := map[string]*template.Template{}
		for _, f := range files {
			dir := path.Dir(f)
			if dir == "layouts" || dir == "partials" {
				continue
			}
			t, err := base.Clone()
			if err != nil {
				return nil, fmt.Errorf("templates: %w", err)
			}
			if err := parseFile(t, fsys, f, l.Code); err != nil {
				return nil, err
			}
			if t.Lookup("content") == nil {
				return nil, fmt.Errorf("templates: %s defines no \"content\"", f)
			}
			pages[strings.TrimSuffix(f, ".html")] = t
		}
		r.pages[l.Code] = pages
	}
	return r, nil
}

// parseFile parses file f of fsys into set as a template named after the file (as
// template.ParseFS names them), its fixed texts translated into lang.
func parseFile(set *template.Template, fsys fs.FS, f, lang string) error {
	src, err := fs.ReadFile(fsys, f)
	if err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	if _, err := set.New(path.Base(f)).Parse(translated(string(src), lang)); err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	return nil
}

// fixedText is a translation of a fixed text, {{.T "Queue"}} or {{$.T "Queue"}}: a
// message with no arguments, which reads the same on every page of one language.
var fixedText = regexp.MustCompile(`\{\{\s*\$?\.T\s+("(?:[^"\\\n]|\\.)*")\s*\}\}`)

// htmlText escapes as html/template escapes text and quoted attribute values, where
// templates put their fixed texts (aria-label, placeholder, hx-confirm).
var htmlText = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// translated returns src, a template's text, with each of its fixed texts replaced by
// its translation into lang, escaped: html/template evaluates every action through
// reflection and an escaper, and a page has dozens of fixed texts (the queue page spent
// a tenth of its rendering on them). The result is what the action would have printed.
func translated(src, lang string) string {
	return fixedText.ReplaceAllStringFunc(src, func(action string) string {
		literal := fixedText.FindStringSubmatch(action)[1]
		msg, err := strconv.Unquote(literal)
		if err != nil {
			return action // left to the template, which will say what is wrong
		}
		out := htmlText.Replace(i18n.T(lang, msg))
		if strings.Contains(out, "{{") || strings.Contains(out, "}}") {
			return action
		}
		return out
	})
}

// NewPage starts the data of a page titled title for the request: who is viewing, the
// navigation they may use, the CSRF token, and the flash messages kept for them.
func (r *Renderer) NewPage(c echo.Context, title string) *Page {
	v := ViewerOf(c)
	p := &Page{
		Title:     title,
		Viewer:    v,
		Path:      c.Request().URL.Path,
		RequestID: RequestID(c),
		Lang:      "en",
		Support:   r.support,
		ctx:       c.Request().Context(),
	}
	p.CSRF = CSRFToken(c)
	if v == nil {
		p.Lang = anonymousLang(c)
	}
	if v != nil {
		if v.Lang != "" {
			p.Lang = v.Lang
		}
		p.Nav = navFor(r.nav, v)
	}
	if !IsPartial(c) { // a fragment has no place for them: keep them for the next page
		p.Flashes = takeFlashes(c)
	}
	return p
}

// Render implements echo.Renderer. name is a page ("auth/login") or a page's fragment
// ("admin/users#user-row"). For a page, a partial request (see IsPartial) gets its
// "content" template and any other request the whole layout. Echo renders into a buffer
// before writing, so a failing template never sends half a page.
func (r *Renderer) Render(w io.Writer, name string, data any, c echo.Context) error {
	page, fragment, _ := strings.Cut(name, "#")
	lang := "en"
	if p, ok := data.(*Page); ok && p.Lang != "" {
		lang = p.Lang
	}
	t, ok := r.pages[lang][page]
	if !ok {
		return fmt.Errorf("render: no template %q", page)
	}
	c.Response().Header().Add("Vary", "HX-Request")
	switch {
	case fragment != "":
	case IsPartial(c):
		fragment = "content"
	default:
		fragment = "layout"
	}
	if err := t.ExecuteTemplate(w, fragment, data); err != nil {
		return fmt.Errorf("render %s#%s: %w", page, fragment, err)
	}
	return nil
}
