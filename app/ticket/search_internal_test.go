package ticket

import (
	"slices"
	"strings"
	"testing"

	"tugi/app/web"
)

func TestSearchTerms(t *testing.T) {
	for q, want := range map[string][]string{
		"Invoice":                            {"invoice"},
		`"blue Plotterix" -red or scannerix`: {"blue", "plotterix", "scannerix"},
		`"or -quoted" OR x`:                  {"or", "quoted", "x"},
		"ARVED jõua, e-mail!":                {"arved", "jõua", "e", "mail"},
		`"unbalanced quote`:                  {"unbalanced", "quote"},
		"!!! ???":                            nil,
	} {
		if got := searchTerms(q); !slices.Equal(got, want) {
			t.Errorf("searchTerms(%q) = %q, want %q", q, got, want)
		}
	}
}

// show writes parts as the page shows them, marks in [brackets].
func show(parts []web.Part) string {
	var b strings.Builder
	for _, p := range parts {
		if p.Mark {
			b.WriteString("[" + p.Text + "]")
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

func numbered(from, to int) string {
	var ws []string
	for i := from; i <= to; i++ {
		ws = append(ws, "w"+strings.Repeat("x", i%3)+string(rune('a'+i%26)))
	}
	return strings.Join(ws, " ")
}

func TestSnippet(t *testing.T) {
	long := numbered(1, 20) + " the ZANZIBAR export, " + numbered(21, 60) + " zanzibar again. " + numbered(61, 80) + "."
	for _, c := range []struct {
		name, text string
		terms      []string
		want       string
	}{
		{"a short text, whole", `Pasting <b>x</b> into the Kolibrium field.`, []string{"kolibrium"},
			`Pasting <b>x</b> into the [Kolibrium] field.`},
		{"no word", "…!", []string{"x"}, "…!"},
		{"two matches far apart: two fragments", long, []string{"zanzibar"},
			" … " + numbered(16, 20) + " the [ZANZIBAR] export, " + numbered(21, 27) +
				" … " + numbered(55, 60) + " [zanzibar] again. " + numbered(61, 67) + " … "},
		{"a match at the start", "Zanzibar " + numbered(1, 40), []string{"zanzibar"},
			"[Zanzibar] " + numbered(1, 29) + " … "},
		{"a match near the end", numbered(1, 40) + " zanzibar.", []string{"zanzibar"},
			" … " + numbered(35, 40) + " [zanzibar]."},
		{"no word marked: the beginning", numbered(1, 40), []string{"nowhere"}, numbered(1, 30) + " … "},
		{"every matched word, in any case", "Arve ja ARVE ja arve", []string{"arve"}, "[Arve] ja [ARVE] ja [arve]"},
	} {
		if got := show(snippet(c.text, c.terms)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}
