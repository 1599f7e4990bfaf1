// Package auditpage serves the audit log to the people who may read it: the audit page,
// filtered and paged newest first, and its CSV export. What each person may read is
// decided by audit.ScopeOf.
package auditpage

import (
	"context"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/web"
)

// Template name of the audit page.
const tplAudit = "audit/audit"

// pageSize is how many events a page shows.
const pageSize = 50

// exportBatch is how many events the export reads per query.
const exportBatch = 1000

// Directory names the people and organisations the log refers to, and finds them for the
// filters; app/user's AuditDirectory is one.
type Directory interface {
	audit.Namer
	UserIDByEmail(ctx context.Context, email string) (id int64, ok bool, err error)
	// ReadOrganisation returns the id of the organisation typed: the one called so, or
	// the only one whose name begins so. When none or several fit, its error has a
	// Message (a fieldError), the sentence to show beside the field.
	ReadOrganisation(ctx context.Context, typed string) (id int64, err error)
	// OrganisationsNamed suggests at most limit organisations whose name begins so.
	OrganisationsNamed(ctx context.Context, name string, limit int) ([]audit.Named, error)
}

// fieldError is an error a person fixes in the field they typed: Message says how.
type fieldError interface {
	error
	Message() string
}

// Handler serves the audit page and its export.
type Handler struct {
	db      *sqlx.DB
	dir     Directory
	actions *audit.Actions
	render  *web.Renderer
	links   Links
}

// Links let the page link what its events name, where the viewer may follow: the server
// knows the other features' pages and who may open them.
type Links struct {
	// Objects sets the ObjectLink of each entry whose object has a page v may open.
	Objects func(ctx context.Context, v *access.Viewer, es []audit.Entry) error
	// MayOpen reports whether v may open the page at path, a route of the table.
	MayOpen func(v *access.Viewer, path string) bool
}

// WithLinks makes the page link its events' objects, people and organisations.
func (h *Handler) WithLinks(l Links) *Handler {
	h.links = l
	return h
}

// NewHandler returns the audit page's handlers, which label actions with actions.
func NewHandler(db *sqlx.DB, dir Directory, actions *audit.Actions, render *web.Renderer) *Handler {
	return &Handler{db: db, dir: dir, actions: actions, render: render}
}

// Page is the data of the audit page.
type Page struct {
	Entries     []audit.Entry
	Head        audit.Head
	Older       string // the address of the next, older page; "" on the last
	Newest      string // the address of the first page, when this is a later one
	Export      string // the address of the CSV export of this filter
	ExportExcel string // the same, separated by semicolons for Excel in locales like Estonian
	Actions     []Option
	ObjectTypes []string
	AdminScope  bool   // the viewer sees only the administration's events
	Zone        string // the zone times are shown and dates read in
	PeopleLinks bool   // the viewer may open a person's page (/admin/users/:id)
	OrgLinks    bool   // the viewer may open an organisation's page
}

// Option is an entry of a filter's list.
type Option struct {
	Value, Label string
}

// objectTypes are the kinds of object the filter suggests.
var objectTypes = []string{"user", "organisation", "settings", "session", "audit", "ticket", "incident"}

// filter is the audit page's filter as submitted: the form to show again, the filter it
// makes, and what it was, for the export's own event.
type filter struct {
	form  web.Form
	f     audit.Filter
	input map[string]string
}

// readFilter reads the filter from the query string. Dates are days in audit.TimeZone;
// "to" includes its whole day.
func (h *Handler) readFilter(c echo.Context) (filter, error) {
	q := c.QueryParams()
	fl := filter{form: web.Form{Values: url.Values{}}, input: map[string]string{}}
	if err := web.CheckQuery(c); err != nil {
		return fl, err
	}
	get := func(name string) string {
		v := strings.TrimSpace(q.Get(name))
		if v != "" {
			fl.form.Values.Set(name, v)
			fl.input[name] = v
		}
		return v
	}
	if p := get("person"); p != "" {
		switch {
		case isDigits(p):
			fl.f.ActorUserID, _ = strconv.ParseInt(p, 10, 64)
		case strings.Contains(p, "@"):
			id, ok, err := h.dir.UserIDByEmail(c.Request().Context(), p)
			if err != nil {
				return fl, err
			}
			if !ok {
				fl.form.Fail("person", "No one has this e-mail address.")
			}
			fl.f.ActorUserID = id
		default:
			fl.f.ActorJob = p
		}
	}
	fl.f.Action = get("action")
	fl.f.ObjectType = get("object_type")
	fl.f.ObjectID = get("object_id")
	if fl.f.ObjectID != "" && fl.f.ObjectType == "" {
		fl.form.Fail("object_type", "Choose the type of object too.")
	}
	// The organisation is typed (org_name), or named by id in a link (org): the form then
	// shows its name, and the page's own links carry that.
	if o := get("org"); o != "" && strings.TrimSpace(q.Get("org_name")) == "" {
		fl.form.Values.Del("org")
		id, err := strconv.ParseInt(o, 10, 64)
		_, orgs, nerr := h.dir.Names(c.Request().Context(), nil, []int64{id})
		switch {
		case nerr != nil:
			return fl, nerr
		case err != nil || orgs[id] == "":
			fl.form.Values.Set("org_name", o)
			fl.form.Fail("org_name", "No organisation has a name beginning so.")
		default:
			fl.form.Values.Set("org_name", orgs[id])
		}
		fl.f.OrgID = id
	} else if n := get("org_name"); n != "" {
		id, err := h.dir.ReadOrganisation(c.Request().Context(), n)
		var fe fieldError
		switch {
		case errors.As(err, &fe):
			fl.form.Fail("org_name", fe.Message())
		case err != nil:
			return fl, err
		default:
			fl.f.OrgID = id
		}
	}
	day := func(name string) time.Time {
		v := get(name)
		if v == "" {
			return time.Time{}
		}
		d, err := time.ParseInLocation(time.DateOnly, v, audit.Zone())
		if err != nil {
			fl.form.Fail(name, "Enter a date as YYYY-MM-DD.")
		}
		return d
	}
	fl.f.From = day("from")
	if to := day("to"); !to.IsZero() {
		fl.f.To = to.AddDate(0, 0, 1)
		if to.Before(fl.f.From) {
			fl.form.Fail("to", "The end date is before the start date.")
		}
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return fl, echo.ErrNotFound
		}
		fl.f.Before = n
	}
	return fl, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != "" && len(s) < 19
}

// scope returns what the viewer may read; the route lets only those through who may
// read something.
func scope(c echo.Context) (audit.Scope, error) {
	s := audit.ScopeOf(web.ViewerOf(c))
	if s == audit.ScopeNone {
		return s, echo.ErrForbidden
	}
	return s, nil
}

// Audit shows the log, newest first, fifty events a page, as the filter selects.
func (h *Handler) Audit(c echo.Context) error {
	sc, err := scope(c)
	if err != nil {
		return err
	}
	fl, err := h.readFilter(c)
	if err != nil {
		return err
	}
	return h.renderPage(c, sc, fl)
}

func (h *Handler) renderPage(c echo.Context, sc audit.Scope, fl filter) error {
	ctx := c.Request().Context()
	lang := web.ViewerOf(c).Lang
	data := Page{AdminScope: sc == audit.ScopeAdmin, Zone: audit.TimeZone, ObjectTypes: objectTypes}
	if may := h.links.MayOpen; may != nil {
		data.PeopleLinks = may(web.ViewerOf(c), "/admin/users/:id")
		data.OrgLinks = may(web.ViewerOf(c), "/admin/organisations/:id")
	}
	status := http.StatusOK
	if fl.form.Invalid() {
		status = http.StatusUnprocessableEntity
	} else {
		fl.f.Limit = pageSize
		es, more, err := audit.List(ctx, h.db, sc, fl.f)
		if err != nil {
			return err
		}
		if err := audit.Describe(ctx, h.dir, h.actions, lang, es); err != nil {
			return err
		}
		if err := audit.Unseal(ctx, h.db, es); err != nil {
			return err
		}
		if h.links.Objects != nil {
			if err := h.links.Objects(ctx, web.ViewerOf(c), es); err != nil {
				return err
			}
		}
		data.Entries = es
		if more {
			data.Older = "/audit?" + withParam(fl.form.Values, "before", strconv.FormatInt(es[len(es)-1].Seq, 10))
		}
		if fl.f.Before != 0 {
			data.Newest = withQuery("/audit", fl.form.Values)
		}
		data.Export = withQuery("/audit/export.csv", fl.form.Values)
		data.ExportExcel = "/audit/export.csv?" + withParam(fl.form.Values, "sep", "semicolon")
	}
	var err error
	if data.Head, err = audit.CurrentHead(ctx, h.db); err != nil {
		return err
	}
	for _, a := range h.actions.List() {
		data.Actions = append(data.Actions, Option{Value: a.Action, Label: a.In(lang)})
	}
	p := h.render.NewPage(c, "Audit log")
	p.Form = fl.form
	p.Data = data
	return c.Render(status, tplAudit, p)
}

func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

func withParam(v url.Values, name, value string) string {
	out := url.Values{}
	for k, vs := range v {
		out[k] = vs
	}
	out.Set(name, value)
	return out.Encode()
}

// csvColumns are the export's columns.
var csvColumns = []string{"seq", "time", "actor_user_id", "actor_name", "actor_roles", "actor_job", "client_ip",
	"request_id", "action", "object_type", "object_id", "org_id", "organisation", "changes", "hash"}

// OrganisationOptions suggests the organisations whose name begins with ?org_name=, for
// the filter's organisation field.
func (h *Handler) OrganisationOptions(c echo.Context) error {
	if err := web.CheckQuery(c); err != nil {
		return err
	}
	var os []audit.Named
	if name := strings.TrimSpace(c.QueryParam("org_name")); name != "" {
		var err error
		if os, err = h.dir.OrganisationsNamed(c.Request().Context(), name, 20); err != nil {
			return err
		}
	}
	return c.Render(http.StatusOK, "audit/audit#org-options", os)
}

// utf8BOM begins the export: without it Excel reads a CSV file in the computer's legacy
// code page, and "Demo Customer OÜ" shows as "Demo Customer OÃœ".
const utf8BOM = "\ufeff"

// separator is the export's field separator as ?sep= asks: a comma, or with "semicolon" a
// semicolon, which Excel expects where the decimal mark is a comma (Estonian, German,
// Finnish ... locales) and otherwise puts each whole row in the first column.
func separator(c echo.Context) (rune, error) {
	switch c.QueryParam("sep") {
	case "":
		return ',', nil
	case "semicolon":
		return ';', nil
	}
	return 0, echo.NewHTTPError(http.StatusBadRequest, "sep may only be semicolon")
}

// Export sends every event the filter selects as CSV, newest first, streamed, after the
// UTF-8 byte order mark. The export is itself an audited operation: its event, with the
// filter, is written first.
func (h *Handler) Export(c echo.Context) error {
	sc, err := scope(c)
	if err != nil {
		return err
	}
	comma, err := separator(c)
	if err != nil {
		return err
	}
	fl, err := h.readFilter(c)
	if err != nil {
		return err
	}
	if fl.form.Invalid() {
		return h.renderPage(c, sc, fl)
	}
	ctx := c.Request().Context()
	scopeName := "all"
	if sc == audit.ScopeAdmin {
		scopeName = "admin"
	}
	ev := audit.Event{Action: "audit.export", ObjectType: "audit", OrgID: fl.f.OrgID,
		Changes: map[string]audit.Change{"filter": {New: fl.input}, "scope": {New: scopeName}}}
	if p := fl.input["person"]; strings.Contains(p, "@") && fl.f.ActorUserID != 0 {
		// The log names people by id: the e-mail address typed is sealed under the
		// person's own key (audit.Personal), beside the filter.
		filter := maps.Clone(fl.input)
		delete(filter, "person")
		ev.Changes["filter"] = audit.Change{New: filter}
		ev.Changes["person"] = audit.Change{New: audit.Personal{UserID: fl.f.ActorUserID, Value: p}}
	}
	if err := audit.Record(ctx, h.db, web.Actor(c), ev); err != nil {
		return err
	}

	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition,
		`attachment; filename="tugi-audit-`+time.Now().In(audit.Zone()).Format("20060102-150405")+`.csv"`)
	res.Header().Set("Cache-Control", "no-store")
	res.WriteHeader(http.StatusOK)
	if _, err := res.Write([]byte(utf8BOM)); err != nil {
		return err
	}
	w := csv.NewWriter(res)
	w.Comma = comma
	if err := w.Write(csvColumns); err != nil {
		return err
	}
	f := fl.f
	f.Limit = exportBatch
	for {
		es, more, err := audit.List(ctx, h.db, sc, f)
		if err != nil {
			return err // the response has begun: the error is logged, the download cut short
		}
		if err := audit.Describe(ctx, h.dir, h.actions, "en", es); err != nil {
			return err
		}
		for _, e := range es {
			if err := w.Write(csvRow(e)); err != nil {
				return err
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		res.Flush()
		if !more {
			return nil
		}
		f.Before = es[len(es)-1].Seq
	}
}

func csvRow(e audit.Entry) []string {
	id := func(n int64, ok bool) string {
		if !ok {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	row := []string{
		strconv.FormatInt(e.Seq, 10), e.At.Format(time.RFC3339Nano), id(e.ActorUserID.Int64, e.ActorUserID.Valid), e.ActorName,
		strings.Join(e.ActorRoles, " "), e.ActorJob, e.ClientIP, e.RequestID, e.Action, e.ObjectType, e.ObjectID,
		id(e.OrgID.Int64, e.OrgID.Valid), e.OrgName, string(e.RawChanges), hex.EncodeToString(e.Hash),
	}
	for i, cell := range row {
		row[i] = defuse(cell)
	}
	return row
}

// defuse keeps a spreadsheet from reading a cell as a formula: a cell that starts with
// =, +, -, @, a tab or a carriage return gets a leading apostrophe (OWASP's advice).
func defuse(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
