package report

import (
	"cmp"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"tugi/app/audit"
	"tugi/app/ticket"
	"tugi/app/web"
)

// The CSV behind each chart: the rows it was drawn from (a ticket, or a chat, a line),
// with the page's range and filters, in English column names for spreadsheets. Like the
// audit log's export it begins with a UTF-8 byte order mark, so Excel keeps "OÜ", and a
// cell that would read as a formula is defused. Each download is audited (report.export).

// utf8BOM begins each export: without it Excel reads the file in the computer's legacy
// code page ("OÜ" shows as "OÃœ").
const utf8BOM = "\ufeff"

// defuse keeps a spreadsheet from reading a cell as a formula (OWASP's advice).
func defuse(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// ticketColumns are the columns of a ticket's line, after the chart's own first column.
var ticketColumns = []string{"ticket", "created", "organisation", "team", "agent", "priority", "channel", "category",
	"first response (business seconds)", "first response target", "resolved", "resolution (business seconds)", "resolution target"}

var chartKey = map[string]string{"weeks": "week of", "priorities": "priority", "teams": "team", "agents": "agent",
	"organisations": "organisation", "backlog": "open from", "channels": "channel", "categories": "category"}

func outcomeName(o uint8) string {
	switch o {
	case slaMet:
		return "met"
	case slaMissed:
		return "missed"
	case slaOpen:
		return "open"
	}
	return ""
}

// csv returns the handler of chart name's CSV.
func (h *Handler) csv(name string) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := web.CheckQuery(c); err != nil {
			return err
		}
		ctx := c.Request().Context()
		loc := h.calendars.Location()
		form := web.Form{Values: url.Values{}}
		f, err := h.readFilter(c, loc, &form)
		if err != nil {
			return err
		}
		if len(form.Errors) > 0 {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "the range or a filter is not valid: correct it on the reports page")
		}
		s, err := h.copies.current(ctx)
		if err != nil {
			return err
		}
		policy, err := h.chatTarget(ctx)
		if err != nil {
			return err
		}
		now := h.now()
		rows := [][]string{}
		if name == "chats" {
			rows, err = h.chatLines(c, s, f, loc, policy)
		} else {
			rows, err = h.ticketLines(c, name, s, f, loc, now)
		}
		if err != nil {
			return err
		}
		ev := audit.Event{Action: "report.export", ObjectType: "report", ObjectID: name, OrgID: f.OrgID,
			Changes: map[string]audit.Change{"filter": {New: csvQuery(f)}, "rows": {New: len(rows) - 1}}}
		if err := audit.Record(ctx, h.db, web.Actor(c), ev); err != nil {
			return err
		}
		res := c.Response()
		res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		res.Header().Set(echo.HeaderContentDisposition,
			`attachment; filename="tugi-report-`+name+`-`+now.In(loc).Format("20060102-150405")+`.csv"`)
		res.Header().Set("Cache-Control", "no-store")
		res.WriteHeader(http.StatusOK)
		if _, err := res.Write([]byte(utf8BOM)); err != nil {
			return err
		}
		w := csv.NewWriter(res)
		for _, r := range rows {
			for i := range r {
				r[i] = defuse(r[i])
			}
		}
		return w.WriteAll(rows) // the response has begun: an error is logged, the download cut short
	}
}

func stamp(unix int64, loc *time.Location) string {
	if unix == 0 {
		return ""
	}
	return time.Unix(unix, 0).In(loc).Format(time.RFC3339)
}

func secText(s int32) string {
	if s < 0 {
		return ""
	}
	return strconv.Itoa(int(s))
}

// ticketLines are the lines of a ticket chart's CSV: the tickets created in the range
// (for the backlog, those open at the end of one of its days or weeks), with the
// chart's own column first.
func (h *Handler) ticketLines(c echo.Context, name string, s *snapshot, f filter, loc *time.Location, now time.Time) ([][]string, error) {
	ctx := c.Request().Context()
	prio := indexOf(priorities, f.Priority)
	var facts []*fact
	if name == "backlog" {
		starts := periodsOf(f.Query, loc)
		last := f.To.Unix()
		firstEnd := last
		if len(starts) > 1 {
			firstEnd = starts[1].Unix()
		}
		for i := range s.tickets {
			t := &s.tickets[i]
			if t.created >= last {
				break
			}
			if t.resolved != 0 && t.resolved <= firstEnd || !f.matches(t, prio) {
				continue
			}
			if openAtAnEnd(t, starts, last) {
				facts = append(facts, t)
			}
		}
	} else {
		lo, _ := slices.BinarySearchFunc(s.tickets, f.From.Unix(), func(x fact, t int64) int { return cmp.Compare(x.created, t) })
		for i := lo; i < len(s.tickets) && s.tickets[i].created < f.To.Unix(); i++ {
			if t := &s.tickets[i]; f.matches(t, prio) {
				facts = append(facts, t)
			}
		}
	}
	orgSet := map[int64]bool{}
	for _, t := range facts {
		orgSet[int64(t.org)] = true
	}
	orgs := make([]int64, 0, len(orgSet))
	for id := range orgSet {
		orgs = append(orgs, id)
	}
	l, err := h.readLabels(ctx, "en", orgs)
	if err != nil {
		return nil, err
	}
	weeks := weekStarts(f.From, f.To, loc)
	name2 := func(m map[int64]string, id int32) string {
		if id == 0 {
			return ""
		}
		return m[int64(id)]
	}
	rows := [][]string{append([]string{chartKey[name]}, ticketColumns...)}
	nowUnix := now.Unix()
	for _, t := range facts {
		created := time.Unix(t.created, 0).In(loc)
		line := []string{ticket.Reference(t.id, created), created.Format(time.RFC3339), l.org[int64(t.org)], name2(l.team, t.team),
			name2(l.agent, t.agent), priorities[min(int(t.prio), len(priorities)-1)], channels[min(int(t.channel), len(channels)-1)],
			l.category[int64(t.category)], secText(t.fr), outcomeName(outcome(t.frSLA, t.frDue, nowUnix)), stamp(t.resolved, loc),
			secText(t.res), outcomeName(outcome(t.resSLA, t.resDue, nowUnix))}
		var key string
		switch name {
		case "weeks":
			i, _ := slices.BinarySearchFunc(weeks, created, func(w time.Time, t time.Time) int { return w.Compare(t) })
			if i == len(weeks) || !weeks[i].Equal(created) {
				i--
			}
			key = weeks[max(i, 0)].Format(time.DateOnly)
		case "priorities":
			key = line[5]
		case "teams":
			key = line[3]
		case "agents":
			key = line[4]
		case "organisations":
			key = line[2]
		case "channels":
			key = line[6]
		case "categories":
			key = line[7]
		case "backlog":
			key = created.Format(time.DateOnly)
		}
		rows = append(rows, append([]string{key}, line...))
	}
	return rows, nil
}

// periodsOf are the starts of the backlog's periods of q.
func periodsOf(q Query, loc *time.Location) []time.Time {
	if q.To.Sub(q.From) <= backlogDays*24*time.Hour+time.Hour {
		var out []time.Time
		for d := q.From.In(loc); d.Before(q.To); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
			out = append(out, d)
		}
		return out
	}
	return weekStarts(q.From, q.To, loc)
}

// openAtAnEnd reports whether t was open at the end of one of the periods starting at
// starts (the last ending at last).
func openAtAnEnd(t *fact, starts []time.Time, last int64) bool {
	for i := range starts {
		end := last
		if i+1 < len(starts) {
			end = starts[i+1].Unix()
		}
		if t.created < end && (t.resolved == 0 || t.resolved > end) {
			return true
		}
	}
	return false
}

// chatLines are the lines of the chats' CSV: the chats begun in the range.
func (h *Handler) chatLines(c echo.Context, s *snapshot, f filter, loc *time.Location, target time.Duration) ([][]string, error) {
	ctx := c.Request().Context()
	lo, _ := slices.BinarySearchFunc(s.chats, f.From.Unix(), func(x chatFact, t int64) int { return cmp.Compare(x.created, t) })
	var cs []*chatFact
	orgSet := map[int64]bool{}
	for i := lo; i < len(s.chats) && s.chats[i].created < f.To.Unix(); i++ {
		if ch := &s.chats[i]; f.OrgID == 0 || int64(ch.org) == f.OrgID {
			cs = append(cs, ch)
			orgSet[int64(ch.org)] = true
		}
	}
	orgs := make([]int64, 0, len(orgSet))
	for id := range orgSet {
		orgs = append(orgs, id)
	}
	l, err := h.readLabels(ctx, "en", orgs)
	if err != nil {
		return nil, err
	}
	weeks := weekStarts(f.From, f.To, loc)
	rows := [][]string{{"week of", "chat", "created", "organisation", "agent", "wait (business seconds)", "answered within the target", "duration (seconds)"}}
	for _, ch := range cs {
		created := time.Unix(ch.created, 0).In(loc)
		i := 0
		for i+1 < len(weeks) && !created.Before(weeks[i+1]) {
			i++
		}
		within := ""
		if ch.wait >= 0 {
			within = strconv.FormatBool(time.Duration(ch.wait)*time.Second <= target)
		}
		agent := ""
		if ch.agent != 0 {
			agent = l.agent[int64(ch.agent)]
		}
		rows = append(rows, []string{weeks[i].Format(time.DateOnly), strconv.FormatInt(ch.id, 10), created.Format(time.RFC3339),
			l.org[int64(ch.org)], agent, secText(ch.wait), within, secText(ch.duration)})
	}
	return rows, nil
}
