package report

import (
	"math"
	"strconv"
	"strings"
	"time"

	"tugi/app/i18n"
)

// durText writes a number of seconds as people read a time: "45 s", "25 min", "3 h 5 min".
func durText(lang string, secs int32) string {
	switch {
	case secs < 60:
		return i18n.T(lang, "%d s", secs)
	case secs < 3600:
		return i18n.T(lang, "%d min", secs/60)
	case secs%3600/60 == 0:
		return i18n.T(lang, "%d h", secs/3600)
	}
	return i18n.T(lang, "%d h %d min", secs/3600, secs%3600/60)
}

// distText writes a distribution's median or 90th percentile, "–" for none.
func distText(lang string, d Dist, p90 bool) string {
	if d.N == 0 {
		return "–"
	}
	if p90 {
		return durText(lang, d.P90)
	}
	return durText(lang, d.P50)
}

// metText writes the share of SLA targets met: "93 % (56 of 60)", "–" for none decided.
func metText(lang string, s Stat) string {
	pct, ok := s.MetPercent()
	if !ok {
		return "–"
	}
	met, all := s.FRMet+s.ResMet, s.FRMet+s.ResMet+s.FRMissed+s.ResMissed
	return i18n.T(lang, "%d %% (%d of %d)", int(math.Floor(pct)), met, all)
}

func pctText(lang string, n, of int) string {
	if of == 0 {
		return "–"
	}
	return i18n.T(lang, "%d %%", int(math.Round(100*float64(n)/float64(of))))
}

func hours(secs int32) float64 { return float64(secs) / 3600 }

// hoursLabel labels a gridline of business hours, shortly: "2.5 h", "15 min".
func hoursLabel(lang string) func(float64) string {
	return func(v float64) string {
		if v < 1 {
			return i18n.T(lang, "%d min", int(math.Round(v*60)))
		}
		h := strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
		if lang == "et" {
			h = strings.ReplaceAll(h, ".", ",")
		}
		return h + " h"
	}
}

// summary is the headline figures.
func summary(lang string, fig Figures) []Figure {
	t := fig.Total
	open := "–"
	if len(fig.Backlog) > 0 {
		open = strconv.Itoa(fig.Backlog[len(fig.Backlog)-1].N)
	}
	return []Figure{
		{ID: "tickets", Label: i18n.T(lang, "Tickets"), Value: strconv.Itoa(t.N)},
		{ID: "first-response", Label: i18n.T(lang, "First response, median"), Value: distText(lang, t.FR, false),
			Note: i18n.T(lang, "90th percentile %s", distText(lang, t.FR, true))},
		{ID: "resolution", Label: i18n.T(lang, "Resolution, median"), Value: distText(lang, t.Res, false),
			Note: i18n.T(lang, "90th percentile %s", distText(lang, t.Res, true))},
		{ID: "sla-met", Label: i18n.T(lang, "SLA targets met"), Value: metText(lang, t)},
		{ID: "open", Label: i18n.T(lang, "Open at the end"), Value: open},
		{ID: "chat-wait", Label: i18n.T(lang, "Chat wait, median"), Value: distText(lang, fig.Chat.Wait, false),
			Note: i18n.T(lang, "90th percentile %s", distText(lang, fig.Chat.Wait, true))},
		{ID: "chat-duration", Label: i18n.T(lang, "Chat duration, median"), Value: distText(lang, fig.Chat.Duration, false),
			Note: i18n.T(lang, "90th percentile %s", distText(lang, fig.Chat.Duration, true))},
	}
}

// statHead and statRow are the table of a grouping's figures.
func statHead(lang, first string) []string {
	return []string{first, i18n.T(lang, "Tickets"), i18n.T(lang, "First response, median"), i18n.T(lang, "First response, 90th percentile"),
		i18n.T(lang, "Resolution, median"), i18n.T(lang, "Resolution, 90th percentile"), i18n.T(lang, "SLA targets met")}
}

func statRow(lang, label string, s Stat) []string {
	return []string{label, strconv.Itoa(s.N), distText(lang, s.FR, false), distText(lang, s.FR, true),
		distText(lang, s.Res, false), distText(lang, s.Res, true), metText(lang, s)}
}

// responseBars charts a grouping's first-response times: the median solid, the 90th
// percentile hatched.
func responseBars(lang string, c Chart, stats []Stat, label func(int64) string) Chart {
	var rows []barRow
	c.Table.Head = statHead(lang, c.Table.Head[0])
	for _, s := range stats {
		name := label(s.Key)
		rows = append(rows, barRow{Label: name, Values: []float64{hours(s.FR.P50), hours(s.FR.P90)},
			Titles: []string{i18n.T(lang, "%s: median %s", name, distText(lang, s.FR, false)), i18n.T(lang, "%s: 90th percentile %s", name, distText(lang, s.FR, true))},
			Text:   distText(lang, s.FR, false) + " · " + distText(lang, s.FR, true)})
		c.Table.Rows = append(c.Table.Rows, statRow(lang, name, s))
	}
	return bars(c, []string{i18n.T(lang, "First response, median"), i18n.T(lang, "First response, 90th percentile")}, rows)
}

// countBars charts counts, each with its share.
func countBars(lang string, c Chart, counts []Count, total int, label func(int64) string) Chart {
	var rows []barRow
	c.Table.Head = []string{c.Table.Head[0], i18n.T(lang, "Tickets"), i18n.T(lang, "Share")}
	for _, n := range counts {
		name := label(n.Key)
		text := i18n.T(lang, "%d (%s)", n.N, pctText(lang, n.N, total))
		rows = append(rows, barRow{Label: name, Values: []float64{float64(n.N)}, Titles: []string{name + ": " + text}, Text: text})
		c.Table.Rows = append(c.Table.Rows, []string{name, strconv.Itoa(n.N), pctText(lang, n.N, total)})
	}
	return bars(c, []string{i18n.T(lang, "Tickets")}, rows)
}

// charts lays out every chart of the page; query is the CSV links' query string.
func charts(lang string, fig Figures, l labels, loc *time.Location, query string) []Chart {
	csv := func(name string) string { return "/reports/" + name + ".csv?" + query }
	named := func(m map[int64]string, none string) func(int64) string {
		return func(id int64) string {
			if id == 0 {
				return none
			}
			if n, ok := m[id]; ok {
				return n
			}
			return "#" + strconv.FormatInt(id, 10)
		}
	}
	week := func(i int64) string { return fig.Weekly[i].In(loc).Format(time.DateOnly) }
	var out []Chart

	// By week: first response and resolution, medians.
	c := Chart{ID: "weeks", Title: i18n.T(lang, "Response and resolution by week"), CSV: csv("weeks"),
		Desc:  i18n.T(lang, "Median business time to the first response (solid) and to resolution (hatched) of the tickets created each week; the table gives the 90th percentiles and SLA targets met."),
		Table: Table{Head: statHead(lang, i18n.T(lang, "Week of"))}}
	var cols []colRow
	for _, s := range fig.Weeks {
		name := week(s.Key)
		cols = append(cols, colRow{Label: name, Values: []float64{hours(s.FR.P50), hours(s.Res.P50)},
			Titles: []string{i18n.T(lang, "Week of %s: first response, median %s", name, distText(lang, s.FR, false)),
				i18n.T(lang, "Week of %s: resolution, median %s", name, distText(lang, s.Res, false))}})
		c.Table.Rows = append(c.Table.Rows, statRow(lang, name, s))
	}
	out = append(out, columns(c, []string{i18n.T(lang, "First response, median"), i18n.T(lang, "Resolution, median")}, cols, hoursLabel(lang)))

	// By priority: SLA targets met.
	c = Chart{ID: "priorities", Title: i18n.T(lang, "SLA targets met by priority"), CSV: csv("priorities"),
		Desc:  i18n.T(lang, "Share of first-response and resolution targets met, of those met or missed, per priority."),
		Table: Table{Head: statHead(lang, i18n.T(lang, "Priority"))}}
	var rows []barRow
	for _, s := range fig.Priorities {
		name := i18n.T(lang, priorityLabel(priorities[min(int(s.Key), len(priorities)-1)]))
		pct, _ := s.MetPercent()
		rows = append(rows, barRow{Label: name, Values: []float64{pct}, Titles: []string{name + ": " + metText(lang, s)}, Text: metText(lang, s)})
		c.Table.Rows = append(c.Table.Rows, statRow(lang, name, s))
	}
	out = append(out, bars(c, []string{i18n.T(lang, "SLA targets met")}, rows))

	out = append(out,
		responseBars(lang, Chart{ID: "teams", Title: i18n.T(lang, "First response by team"), CSV: csv("teams"),
			Desc:  i18n.T(lang, "Median (solid) and 90th percentile (hatched) business time to the first response, per team."),
			Table: Table{Head: []string{i18n.T(lang, "Team")}}}, fig.Teams, named(l.team, i18n.T(lang, "No team"))),
		responseBars(lang, Chart{ID: "agents", Title: i18n.T(lang, "First response by agent"), CSV: csv("agents"),
			Desc:  i18n.T(lang, "Median (solid) and 90th percentile (hatched) business time to the first response, per assigned agent."),
			Table: Table{Head: []string{i18n.T(lang, "Agent")}}}, fig.Agents, named(l.agent, i18n.T(lang, "Unassigned"))),
	)
	orgs := fig.Orgs
	orgTitle := i18n.T(lang, "First response by organisation")
	if len(orgs) > topOrgs {
		orgs = orgs[:topOrgs]
		orgTitle = i18n.T(lang, "First response by organisation (the %d with most tickets)", topOrgs)
	}
	out = append(out, responseBars(lang, Chart{ID: "organisations", Title: orgTitle, CSV: csv("organisations"),
		Desc:  i18n.T(lang, "Median (solid) and 90th percentile (hatched) business time to the first response, per organisation; the CSV has every organisation."),
		Table: Table{Head: []string{i18n.T(lang, "Organisation")}}}, orgs, named(l.org, "")))

	// Backlog.
	c = Chart{ID: "backlog", Title: i18n.T(lang, "Open tickets"), CSV: csv("backlog"),
		Desc:  i18n.T(lang, "Tickets open at the end of each day (each week for a range over three months)."),
		Table: Table{Head: []string{i18n.T(lang, "Day"), i18n.T(lang, "Open")}}}
	if !fig.BacklogDaily {
		c.Table.Head[0] = i18n.T(lang, "Week of")
	}
	cols = nil
	for _, p := range fig.Backlog {
		name := p.Start.In(loc).Format(time.DateOnly)
		cols = append(cols, colRow{Label: name, Values: []float64{float64(p.N)}, Titles: []string{i18n.T(lang, "%s: %d open", name, p.N)}, Text: strconv.Itoa(p.N)})
		c.Table.Rows = append(c.Table.Rows, []string{name, strconv.Itoa(p.N)})
	}
	out = append(out, columns(c, []string{i18n.T(lang, "Open")}, cols, func(v float64) string { return strconv.Itoa(int(math.Round(v))) }))

	// Channels and categories.
	out = append(out,
		countBars(lang, Chart{ID: "channels", Title: i18n.T(lang, "Tickets by channel"), CSV: csv("channels"),
			Desc: i18n.T(lang, "How the tickets came: web, e-mail, phone or chat."), Table: Table{Head: []string{i18n.T(lang, "Channel")}}},
			fig.Channels, fig.Total.N, func(i int64) string { return i18n.T(lang, channelLabel(channels[i])) }),
		countBars(lang, Chart{ID: "categories", Title: i18n.T(lang, "Tickets by category"), CSV: csv("categories"),
			Desc: i18n.T(lang, "What the tickets were about."), Table: Table{Head: []string{i18n.T(lang, "Category")}}},
			fig.Categories, fig.Total.N, named(l.category, "")),
	)

	// Chats.
	c = Chart{ID: "chats", Title: i18n.T(lang, "Chat wait by week"), CSV: csv("chats"),
		Desc: i18n.T(lang, "Median (solid) and 90th percentile (hatched) business time chats waited for an agent, per week; the table gives how long they lasted. Chats have no team or priority: only the organisation filter applies."),
		Table: Table{Head: []string{i18n.T(lang, "Week of"), i18n.T(lang, "Chats"), i18n.T(lang, "Answered"), i18n.T(lang, "Wait, median"),
			i18n.T(lang, "Wait, 90th percentile"), i18n.T(lang, "Answered within the target"), i18n.T(lang, "Duration, median"), i18n.T(lang, "Duration, 90th percentile")}}}
	cols = nil
	for _, s := range fig.ChatWeeks {
		name := week(s.Key)
		cols = append(cols, colRow{Label: name, Values: []float64{hours(s.Wait.P50), hours(s.Wait.P90)},
			Titles: []string{i18n.T(lang, "Week of %s: wait, median %s", name, distText(lang, s.Wait, false)),
				i18n.T(lang, "Week of %s: wait, 90th percentile %s", name, distText(lang, s.Wait, true))}})
		c.Table.Rows = append(c.Table.Rows, []string{name, strconv.Itoa(s.N), strconv.Itoa(s.Answered), distText(lang, s.Wait, false),
			distText(lang, s.Wait, true), pctText(lang, s.WithinTarget, s.Answered), distText(lang, s.Duration, false), distText(lang, s.Duration, true)})
	}
	out = append(out, columns(c, []string{i18n.T(lang, "Wait, median"), i18n.T(lang, "Wait, 90th percentile")}, cols, hoursLabel(lang)))
	for i := range out {
		if len(out[i].Table.Rows) == 0 {
			out[i].Empty = i18n.T(lang, "No tickets in this range.")
			if out[i].ID == "chats" {
				out[i].Empty = i18n.T(lang, "No chats in this range.")
			}
		}
	}
	return out
}
