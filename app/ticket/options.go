package ticket

import (
	"strconv"

	"tugi/app/i18n"
	"tugi/app/sla"
	"tugi/app/web"
)

// The choices of the ticket pages' selects, labelled in the viewer's language, for the
// templates' options function (see web.Option).

// CategoryOptions are the categories, by id.
func CategoryOptions(cats []Category, lang string) []web.Option {
	opts := make([]web.Option, len(cats))
	for i, c := range cats {
		opts[i] = web.Option{Value: strconv.FormatInt(c.ID, 10), Label: c.Label(lang)}
	}
	return opts
}

// PriorityOptions are the priorities ps.
func PriorityOptions(ps []sla.Priority, lang string) []web.Option {
	opts := make([]web.Option, len(ps))
	for i, p := range ps {
		opts[i] = web.Option{Value: string(p), Label: i18n.T(lang, p.Label())}
	}
	return opts
}

// StatusOptions are the statuses ss.
func StatusOptions(ss []Status, lang string) []web.Option {
	opts := make([]web.Option, len(ss))
	for i, s := range ss {
		opts[i] = web.Option{Value: string(s), Label: i18n.T(lang, s.Label())}
	}
	return opts
}

// AgentOptions are the agents, by id.
func AgentOptions(agents []Agent) []web.Option {
	opts := make([]web.Option, len(agents))
	for i, a := range agents {
		opts[i] = web.Option{Value: strconv.FormatInt(a.ID, 10), Label: a.Name}
	}
	return opts
}

// TeamOptions are the teams, by id.
func TeamOptions(teams []Team) []web.Option {
	opts := make([]web.Option, len(teams))
	for i, t := range teams {
		opts[i] = web.Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name}
	}
	return opts
}
