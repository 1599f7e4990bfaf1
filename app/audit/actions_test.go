package audit_test

import (
	"slices"
	"strings"
	"testing"

	"tugi/app/audit"
	"tugi/app/i18n"
)

func TestActionsLabel(t *testing.T) {
	actions, err := audit.NewActions(
		[]audit.ActionLabel{{Action: "ticket.reply", EN: "Reply", ET: "Vastus"}, {Action: "ticket.note", EN: "Internal note added", ET: "Sisemärkus lisatud"}},
		nil,
		[]audit.ActionLabel{{Action: "auth.sign_in", EN: "Signed in", ET: "Sisse logitud"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lang, action, want string }{
		{"en", "ticket.reply", "Reply"},
		{"et", "ticket.reply", "Vastus"},
		{"et", "auth.sign_in", "Sisse logitud"},
		{"fi", "ticket.note", "Internal note added"},   // a language without labels reads English
		{"et", "ticket.hand_back", "ticket.hand_back"}, // an old event of a feature since removed
		{"en", "", ""},
	} {
		if got := actions.Label(tc.lang, tc.action); got != tc.want {
			t.Errorf("Label(%q, %q) = %q, want %q", tc.lang, tc.action, got, tc.want)
		}
	}
	var order []string
	for _, l := range actions.List() {
		order = append(order, l.Action)
	}
	if want := []string{"ticket.reply", "ticket.note", "auth.sign_in"}; !slices.Equal(order, want) {
		t.Errorf("the filter offers %v, want the lists' order %v", order, want)
	}
}

func TestNewActionsRefuses(t *testing.T) {
	ok := audit.ActionLabel{Action: "ticket.reply", EN: "Reply", ET: "Vastus"}
	with := func(change func(*audit.ActionLabel)) []audit.ActionLabel {
		l := ok
		change(&l)
		return []audit.ActionLabel{l}
	}
	for _, tc := range []struct {
		name  string
		lists [][]audit.ActionLabel
		want  string // in the error
	}{
		{"twice in one list", [][]audit.ActionLabel{{ok, ok}}, "labelled twice"},
		{"in two features' lists", [][]audit.ActionLabel{{ok}, {{Action: "ticket.reply", EN: "Answer", ET: "Vastus"}}}, "labelled twice"},
		{"no name", [][]audit.ActionLabel{with(func(l *audit.ActionLabel) { l.Action = "" })}, "object.verb"},
		{"no verb", [][]audit.ActionLabel{with(func(l *audit.ActionLabel) { l.Action = "ticket" })}, "object.verb"},
		{"no object", [][]audit.ActionLabel{with(func(l *audit.ActionLabel) { l.Action = ".reply" })}, "object.verb"},
		{"three parts", [][]audit.ActionLabel{with(func(l *audit.ActionLabel) { l.Action = "ticket.reply.sent" })}, "object.verb"},
		{"capitals", [][]audit.ActionLabel{with(func(l *audit.ActionLabel) { l.Action = "Ticket.reply" })}, "object.verb"},
		{"a hyphen", [][]audit.ActionLabel{with(func(l *audit.ActionLabel) { l.Action = "ticket.sla-warning" })}, "object.verb"},
		{"a space", [][]audit.ActionLabel{with(func(l *audit.ActionLabel) { l.Action = "ticket.reply " })}, "object.verb"},
		{"doubled underscores", [][]audit.ActionLabel{with(func(l *audit.ActionLabel) { l.Action = "ticket.sla__warning" })}, "object.verb"},
		{"no English", [][]audit.ActionLabel{with(func(l *audit.ActionLabel) { l.EN = "" })}, "in en"},
		{"no Estonian", [][]audit.ActionLabel{with(func(l *audit.ActionLabel) { l.ET = "" })}, "in et"},
		{"a space after the Estonian", [][]audit.ActionLabel{with(func(l *audit.ActionLabel) { l.ET = "Vastus " })}, "in et"},
	} {
		a, err := audit.NewActions(tc.lists...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || a != nil {
			t.Errorf("%s: %v, %v; want an error saying %q", tc.name, a, err, tc.want)
		}
	}
	if _, err := audit.NewActions([]audit.ActionLabel{ok, {Action: "ticket.sla_warning", EN: "SLA warning sent", ET: "SLA hoiatus saadetud"}}); err != nil {
		t.Errorf("well-formed labels refused: %v", err)
	}
}

// TestEveryLanguageHasItsLabel fails when a language joins i18n.Languages before
// ActionLabel has a field for it: its pages would show every action in English.
func TestEveryLanguageHasItsLabel(t *testing.T) {
	l := audit.ActionLabel{Action: "ticket.reply", EN: "Reply", ET: "Vastus"}
	seen := map[string]string{}
	for _, lang := range i18n.Languages {
		got := l.In(lang.Code)
		if other, ok := seen[got]; ok {
			t.Errorf("%s reads the label of %s (%q): ActionLabel has no field for %s", lang.Code, other, got, lang.Name)
		}
		seen[got] = lang.Code
	}
}
