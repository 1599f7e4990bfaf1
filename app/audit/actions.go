package audit

import (
	"fmt"
	"regexp"
	"strings"
)

// ActionLabel is an action's name for people, in each language Tugi speaks
// (i18n.Languages). Each feature lists the actions it records, with their labels, in its
// own audit_actions.go; the server joins the lists with NewActions.
type ActionLabel struct {
	Action string // as recorded: "object.verb", e.g. "ticket.reply"
	EN     string // in English: "Reply"
	ET     string // in Estonian: "Vastus"
}

// In returns the label in lang, in English for a language it has no field for.
func (l ActionLabel) In(lang string) string {
	if lang == "et" {
		return l.ET
	}
	return l.EN
}

// actionName is the shape of an action's name: "object.verb", lower case, words joined
// by underscores.
var actionName = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*\.[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// Actions are the labels of the actions Tugi records, joined from its features' lists.
// Made once at start-up by NewActions and only read after, so any number of requests
// share one.
type Actions struct {
	labels map[string]ActionLabel
	order  []ActionLabel
}

// NewActions joins the features' lists of labelled actions. It refuses an action
// labelled twice, a name not of the form "object.verb", and a label missing in a
// language or with spaces around it.
func NewActions(lists ...[]ActionLabel) (*Actions, error) {
	a := &Actions{labels: map[string]ActionLabel{}}
	for _, list := range lists {
		for _, l := range list {
			if !actionName.MatchString(l.Action) {
				return nil, fmt.Errorf("audit: action %q: a name is object.verb, in lower case with underscores", l.Action)
			}
			if _, ok := a.labels[l.Action]; ok {
				return nil, fmt.Errorf("audit: action %q labelled twice", l.Action)
			}
			for _, in := range []struct{ lang, label string }{{"en", l.EN}, {"et", l.ET}} {
				if in.label == "" || strings.TrimSpace(in.label) != in.label {
					return nil, fmt.Errorf("audit: action %q: label %q in %s", l.Action, in.label, in.lang)
				}
			}
			a.labels[l.Action] = l
			a.order = append(a.order, l)
		}
	}
	return a, nil
}

// Label is action's name for people, in lang. An action without a label (an old event of
// a feature since removed) is shown by its name as recorded.
func (a *Actions) Label(lang, action string) string {
	if l, ok := a.labels[action]; ok {
		return l.In(lang)
	}
	return action
}

// List returns the labelled actions in the order of the lists given to NewActions, for
// the audit page's filter.
func (a *Actions) List() []ActionLabel {
	return append([]ActionLabel(nil), a.order...)
}
