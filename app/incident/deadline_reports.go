package incident

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tugi/app/audit"
	"tugi/app/i18n"
	"tugi/app/web"
)

// The breach register (GDPR Art. 33(5)) and the monthly figures, each a page and a CSV
// export. Both read through the scope: the CISO's cover every incident, a handler's only
// the incidents that name them.

// registerLimit is how many breaches a page of the register shows; the CSV holds all.
const registerLimit = 100

// registerRow is a breach as the register's query reads it.
type registerRow struct {
	ID                  int64      `db:"id"`
	Reference           string     `db:"reference"`
	Summary             string     `db:"summary"`
	SystemOrData        string     `db:"system_or_data"`
	State               State      `db:"state"`
	OccurredAt          *time.Time `db:"occurred_at"`
	DetectedAt          *time.Time `db:"detected_at"`
	ReportedAt          time.Time  `db:"reported_at"`
	AwareAt             time.Time  `db:"aware_at"`
	Rationale           string     `db:"personal_breach_rationale"`
	DecidedAt           *time.Time `db:"personal_breach_decided_at"`
	Effects             string     `db:"breach_effects"`
	RemedialAction      string     `db:"breach_remedial_action"`
	NotNotifiedReason   string     `db:"breach_not_notified_reason"`
	VendorController    bool       `db:"vendor_controller"`
	ControllerRationale string     `db:"vendor_controller_rationale"`
	Organisations       string     `db:"organisations"`
	CustomersTold       string     `db:"customers_told"`
	AuthorityTold       *time.Time `db:"authority_told"`
}

// Register lists the breaches scope sees in full, newest first: at most limit, those
// before incident before (0: from the newest).
func (st *Store) Register(ctx context.Context, scope Scope, before int64, limit int) ([]registerRow, error) {
	if scope.None() {
		return nil, nil
	}
	if before <= 0 {
		before = math.MaxInt64
	}
	var rs []registerRow
	if err := st.q.SelectContext(ctx, &rs, selectRegister, scope.args(before, limit)...); err != nil {
		return nil, fmt.Errorf("incident store: register: %w", err)
	}
	return rs, nil
}

// RegisterRow is a breach of the register, ready to print.
type RegisterRow struct {
	Path, Reference, Facts, SystemOrData, State, Occurred, Detected, Reported, Aware string
	Rationale, Effects, RemedialAction, Organisations, CustomersTold, Authority      string
	NotNotifiedReason                                                                string
}

// RegisterPage is the data of /incidents/register.
type RegisterPage struct {
	Rows []RegisterRow
	Next string // the next page's address, if there is one
}

func opt(lang string, t *time.Time) string {
	if t == nil {
		return ""
	}
	return When(lang, *t)
}

// authorityText says whether and when the supervisory authority was told.
func authorityText(lang string, r registerRow) string {
	switch {
	case r.AuthorityTold != nil:
		return i18n.T(lang, "Notified %s", When(lang, *r.AuthorityTold))
	case r.VendorController:
		return i18n.T(lang, "Not notified")
	}
	return i18n.T(lang, "Not the controller: the customers notify their authorities")
}

// Register shows the breach register.
func (h *Handler) Register(c echo.Context) error {
	v := web.ViewerOf(c)
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	rs, err := NewStore(h.db).Register(c.Request().Context(), ScopeOf(v), before, registerLimit+1)
	if err != nil {
		return err
	}
	var data RegisterPage
	if len(rs) > registerLimit {
		rs = rs[:registerLimit]
		data.Next = "/incidents/register?before=" + strconv.FormatInt(rs[len(rs)-1].ID, 10)
	}
	for _, r := range rs {
		data.Rows = append(data.Rows, RegisterRow{Path: Path(r.ID), Reference: r.Reference, Facts: r.Summary,
			SystemOrData: r.SystemOrData, State: i18n.T(v.Lang, r.State.Label()), Occurred: opt(v.Lang, r.OccurredAt),
			Detected: opt(v.Lang, r.DetectedAt), Reported: When(v.Lang, r.ReportedAt), Aware: When(v.Lang, r.AwareAt),
			Rationale: r.Rationale, Effects: r.Effects, RemedialAction: r.RemedialAction, Organisations: r.Organisations,
			CustomersTold: r.CustomersTold, Authority: authorityText(v.Lang, r), NotNotifiedReason: r.NotNotifiedReason})
	}
	p := h.render.NewPage(c, "Breach register")
	p.Data = data
	return c.Render(http.StatusOK, tplRegister, p)
}

// utf8BOM begins each export, as the audit log's does: without it Excel reads the file in
// the computer's legacy code page ("OÜ" shows as "OÃœ").
const utf8BOM = "\ufeff"

// defuse keeps a spreadsheet from reading a cell as a formula (OWASP's advice, as the audit
// export does).
func defuse(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// csvTime writes a moment for the CSV exports: RFC 3339 with the Tallinn offset.
func csvTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(deadlineZone).Format(time.RFC3339)
}

// startCSV records the export's audit event, then begins a CSV download named name.
func (h *Handler) startCSV(c echo.Context, action, name string) (*csv.Writer, error) {
	if err := audit.Record(c.Request().Context(), h.db, web.Actor(c), audit.Event{Action: action, ObjectType: "incident"}); err != nil {
		return nil, err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition,
		`attachment; filename="`+name+`-`+h.svc.now().In(deadlineZone).Format("20060102-150405")+`.csv"`)
	res.Header().Set("Cache-Control", "no-store")
	res.WriteHeader(http.StatusOK)
	if _, err := res.Write([]byte(utf8BOM)); err != nil {
		return nil, err
	}
	return csv.NewWriter(res), nil
}

// registerColumns are the register export's columns, in English for the authority.
var registerColumns = []string{"reference", "state", "facts", "systems or data", "occurred", "detected", "reported",
	"became aware", "why it is a personal-data breach", "effects", "remedial action", "affected organisations",
	"customers notified", "vendor is controller", "controller rationale", "supervisory authority notified",
	"reason for not notifying"}

// RegisterCSV exports the whole register the viewer sees, for the supervisory authority.
// The export is audited.
func (h *Handler) RegisterCSV(c echo.Context) error {
	ctx := c.Request().Context()
	scope := ScopeOf(web.ViewerOf(c))
	w, err := h.startCSV(c, "incident.register_export", "tugi-breach-register")
	if err != nil {
		return err
	}
	if err := w.Write(registerColumns); err != nil {
		return err
	}
	st := NewStore(h.db)
	for before := int64(0); ; {
		rs, err := st.Register(ctx, scope, before, 1000)
		if err != nil {
			return err // the response has begun: logged, the download cut short
		}
		for _, r := range rs {
			row := []string{r.Reference, string(r.State), r.Summary, r.SystemOrData, csvTime(r.OccurredAt),
				csvTime(r.DetectedAt), csvTime(&r.ReportedAt), csvTime(&r.AwareAt), r.Rationale, r.Effects,
				r.RemedialAction, r.Organisations, r.CustomersTold, strconv.FormatBool(r.VendorController),
				r.ControllerRationale, csvTime(r.AuthorityTold), r.NotNotifiedReason}
			for i := range row {
				row[i] = defuse(row[i])
			}
			if err := w.Write(row); err != nil {
				return err
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		if len(rs) < 1000 {
			return nil
		}
		before = rs[len(rs)-1].ID
	}
}

// ---- Figures ----

// figureMonths is how many months the figures cover, this one included.
const figureMonths = 12

// MonthFigures are one month's figures.
type MonthFigures struct {
	Month        string // 2026-11
	Reported     int
	NotIncidents int
	ByClass      []Count
	BySeverity   []Count
	TriageHours  string // median hours from the report, "" when none got there
	ContainHours string
	CloseHours   string
	Met, Missed  int
}

// Count is a number of incidents with a label.
type Count struct {
	Key   string
	Label string
	N     int
}

// figures reads the figures of the incidents scope sees in full, reported in the last
// figureMonths months (Tallinn's calendar), newest month first; the deadlines missed
// include the clocks of open incidents overdue now.
func (h *Handler) figures(ctx context.Context, scope Scope, lang string, now time.Time) ([]MonthFigures, error) {
	local := now.In(deadlineZone)
	from := time.Date(local.Year(), local.Month()-figureMonths+1, 1, 0, 0, 0, 0, deadlineZone)
	st := NewStore(h.db)
	months := map[string]*MonthFigures{}
	month := func(m string) *MonthFigures {
		if months[m] == nil {
			months[m] = &MonthFigures{Month: m}
		}
		return months[m]
	}
	for t := from; !t.After(local); t = t.AddDate(0, 1, 0) {
		month(t.Format("2006-01"))
	}
	if scope.None() {
		return sortedMonths(months), nil
	}
	var times []struct {
		Month        string          `db:"month"`
		Reported     int             `db:"reported"`
		NotIncidents int             `db:"not_incidents"`
		Triage       sql.NullFloat64 `db:"triage_hours"`
		Contain      sql.NullFloat64 `db:"contain_hours"`
		Close        sql.NullFloat64 `db:"close_hours"`
	}
	if err := st.q.SelectContext(ctx, &times, selectFiguresTimes, scope.args(from)...); err != nil {
		return nil, fmt.Errorf("incident store: figures: %w", err)
	}
	hours := func(f sql.NullFloat64) string {
		if !f.Valid {
			return ""
		}
		return i18n.T(lang, "%.1f h", f.Float64)
	}
	for _, t := range times {
		m := month(t.Month)
		m.Reported, m.NotIncidents = t.Reported, t.NotIncidents
		m.TriageHours, m.ContainHours, m.CloseHours = hours(t.Triage), hours(t.Contain), hours(t.Close)
	}
	var counts []struct {
		Month    string `db:"month"`
		Class    string `db:"class"`
		Severity string `db:"severity"`
		N        int    `db:"n"`
	}
	if err := st.q.SelectContext(ctx, &counts, selectFiguresCounts, scope.args(from)...); err != nil {
		return nil, fmt.Errorf("incident store: figures: %w", err)
	}
	add := func(cs []Count, key, label string, n int) []Count {
		for i := range cs {
			if cs[i].Key == key {
				cs[i].N += n
				return cs
			}
		}
		return append(cs, Count{Key: key, Label: label, N: n})
	}
	for _, x := range counts {
		m := month(x.Month)
		m.ByClass = add(m.ByClass, x.Class, classLabel(lang, x.Class), x.N)
		m.BySeverity = add(m.BySeverity, x.Severity, i18n.T(lang, Severity(x.Severity).Label()), x.N)
	}
	var notices []struct {
		Month  string `db:"month"`
		Met    int    `db:"met"`
		Missed int    `db:"missed"`
	}
	if err := st.q.SelectContext(ctx, &notices, selectFiguresNotices, scope.args(from)...); err != nil {
		return nil, fmt.Errorf("incident store: figures: %w", err)
	}
	for _, n := range notices {
		m := month(n.Month)
		m.Met, m.Missed = m.Met+n.Met, m.Missed+n.Missed
	}
	open, err := st.OpenClocks(ctx, scope, now)
	if err != nil {
		return nil, err
	}
	for _, c := range open {
		if c.State(now) == ClockOverdue && !c.Due.Before(from) {
			month(c.Due.In(deadlineZone).Format("2006-01")).Missed++
		}
	}
	for _, m := range months {
		slices.SortFunc(m.ByClass, func(a, b Count) int { return b.N - a.N })
		slices.SortFunc(m.BySeverity, func(a, b Count) int { return Severity(b.Key).Rank() - Severity(a.Key).Rank() })
	}
	return sortedMonths(months), nil
}

func sortedMonths(ms map[string]*MonthFigures) []MonthFigures {
	out := make([]MonthFigures, 0, len(ms))
	for _, m := range ms {
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b MonthFigures) int { return strings.Compare(b.Month, a.Month) })
	return out
}

// classLabel names an ENISA class; "" is an incident not yet classified.
func classLabel(lang, code string) string {
	if code == "" {
		return i18n.T(lang, "Not classified")
	}
	for _, c := range Taxonomy {
		if c.Code == code {
			return i18n.T(lang, c.Label)
		}
	}
	return code
}

// FiguresPage is the data of /incidents/figures.
type FiguresPage struct {
	Months []MonthFigures
}

// Figures shows the monthly figures.
func (h *Handler) Figures(c echo.Context) error {
	v := web.ViewerOf(c)
	ms, err := h.figures(c.Request().Context(), ScopeOf(v), v.Lang, h.svc.now())
	if err != nil {
		return err
	}
	p := h.render.NewPage(c, "Incident figures")
	p.Data = FiguresPage{Months: ms}
	return c.Render(http.StatusOK, tplFigures, p)
}

// FiguresCSV exports the monthly figures: one row per month and count.
func (h *Handler) FiguresCSV(c echo.Context) error {
	v := web.ViewerOf(c)
	ms, err := h.figures(c.Request().Context(), ScopeOf(v), "en", h.svc.now())
	if err != nil {
		return err
	}
	w, err := h.startCSV(c, "incident.figures_export", "tugi-incident-figures")
	if err != nil {
		return err
	}
	rows := [][]string{{"month", "figure", "key", "value"}}
	for _, m := range ms {
		put := func(figure, key, value string) { rows = append(rows, []string{m.Month, figure, key, value}) }
		put("reported", "", strconv.Itoa(m.Reported))
		put("not an incident", "", strconv.Itoa(m.NotIncidents))
		for _, x := range m.ByClass {
			put("class", x.Key, strconv.Itoa(x.N))
		}
		for _, x := range m.BySeverity {
			put("severity", x.Key, strconv.Itoa(x.N))
		}
		put("median hours to triage", "", strings.TrimSuffix(m.TriageHours, " h"))
		put("median hours to contain", "", strings.TrimSuffix(m.ContainHours, " h"))
		put("median hours to close", "", strings.TrimSuffix(m.CloseHours, " h"))
		put("deadlines met", "", strconv.Itoa(m.Met))
		put("deadlines missed", "", strconv.Itoa(m.Missed))
	}
	for _, r := range rows {
		for i := range r {
			r[i] = defuse(r[i])
		}
	}
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	return nil
}
