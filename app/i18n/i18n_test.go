package i18n_test

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"tugi/app/i18n"
)

func TestT(t *testing.T) {
	tests := []struct {
		name, lang, msg string
		args            []any
		want            string
	}{
		{"English is the message itself", "en", "Sign in", nil, "Sign in"},
		{"a translated message", "et", "Sign in", nil, "Logi sisse"},
		{"an unknown language falls back to English", "xx", "Sign in", nil, "Sign in"},
		{"no language falls back to English", "", "Sign in", nil, "Sign in"},
		{"a missing key falls back to English", "et", "No such message in any catalogue", nil, "No such message in any catalogue"},
		{"English is formatted", "en", "Welcome, %s", []any{"Mari"}, "Welcome, Mari"},
		{"a translation is formatted", "et", "Welcome, %s", []any{"Mari"}, i18n.Catalogues["et"]["Welcome, %s"]},
		{"a missing key is formatted in English", "et", "%d apples and %s", []any{3, "pears"}, "3 apples and pears"},
		{"an unknown language is formatted in English", "xx", "Welcome, %s", []any{"Mari"}, "Welcome, Mari"},
		{"without arguments a per cent sign stays as written", "en", "100% sure", nil, "100% sure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if strings.Contains(want, "%") && tt.args != nil {
				want = fmt.Sprintf(want, tt.args...)
			}
			if got := i18n.T(tt.lang, tt.msg, tt.args...); got != want {
				t.Errorf("T(%q, %q, %v) = %q, want %q", tt.lang, tt.msg, tt.args, got, want)
			}
		})
	}
	if got := i18n.T("et", "Welcome, %s", "Mari"); !strings.Contains(got, "Mari") || strings.Contains(got, "%") {
		t.Errorf(`T("et", "Welcome, %%s", "Mari") = %q: the argument is not in it`, got)
	}
}

// TestCatalogueLanguages checks that every language but English has a catalogue and
// every catalogue belongs to a language Tugi offers.
func TestCatalogueLanguages(t *testing.T) {
	for _, l := range i18n.Languages {
		if _, ok := i18n.Catalogues[l.Code]; !ok && l.Code != "en" {
			t.Errorf("language %s (%s) has no catalogue", l.Code, l.Name)
		}
	}
	for code := range i18n.Catalogues {
		if code == "en" {
			t.Errorf(`there is an "en" catalogue: English is the key and needs none`)
		} else if !i18n.Supported(code) {
			t.Errorf("catalogue %q is for a language not in i18n.Languages", code)
		}
	}
}

// TestCatalogueFormatting checks that no translation can break formatting: each one
// formats every argument with the same verb as its English key (%s, %d, %v…, in the
// same order or by explicit index, like %[2]s), and has no stray per cent sign. It also
// catches empty translations, stray spaces and a lost full stop or question mark.
func TestCatalogueFormatting(t *testing.T) {
	for lang, cat := range i18n.Catalogues {
		for _, key := range sortedKeys(cat) {
			tr := cat[key]
			want, err := verbs(key)
			if err != nil {
				t.Errorf("%s: English key %q: %v", lang, key, err)
				continue
			}
			got, err := verbs(tr)
			switch {
			case err != nil:
				t.Errorf("%s: translation of %q: %v\n\t%q", lang, key, err, tr)
			case !slices.Equal(got, want):
				t.Errorf("%s: translation of %q formats its arguments as %s, the English as %s\n\t%q",
					lang, key, showVerbs(got), showVerbs(want), tr)
			}
			if strings.TrimSpace(tr) == "" {
				t.Errorf("%s: translation of %q is empty", lang, key)
			} else if tr != strings.TrimSpace(tr) && key == strings.TrimSpace(key) {
				t.Errorf("%s: translation of %q starts or ends with white space: %q", lang, key, tr)
			}
			if end(key) != end(tr) {
				t.Errorf("%s: translation of %q ends with %q, the English with %q\n\t%q", lang, key, end(tr), end(key), tr)
			}
		}
	}
}

func TestVerbs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"no verbs", nil, false},
		{"%s and %d", []string{"s", "d"}, false},
		{"%[2]d before %[1]s", []string{"s", "d"}, false},
		{"%-5.2f%% of %v", []string{"f", "v"}, false},
		{"100% sure", []string{"s"}, false}, // fmt reads "% s" as a verb too
		{"ends in %", nil, true},
		{"50%.", nil, true},
		{"%s twice %[1]s", nil, true},
		{"%[2]s leaves a gap", nil, true},
	}
	for _, tt := range tests {
		got, err := verbs(tt.in)
		if (err != nil) != tt.err || (err == nil && !slices.Equal(got, tt.want)) {
			t.Errorf("verbs(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// verb is one printf directive: flags, an optional argument index, width, precision
// and the verb letter.
var verb = regexp.MustCompile(`%[-+# 0]*(?:\[(\d+)\])?(?:\d+|\*)?(?:\.(?:\d+|\*)?)?([a-zA-Z%])`)

// verbs returns the verb letter that formats each argument of s, in argument order.
// A per cent sign that starts no verb, an argument formatted twice and an argument left
// out between others are errors: fmt would print %!…(MISSING) or %!(EXTRA …) text.
func verbs(s string) ([]string, error) {
	byArg := map[int]string{}
	next := 0
	rest := s
	for {
		i := strings.IndexByte(rest, '%')
		if i < 0 {
			break
		}
		m := verb.FindStringSubmatchIndex(rest[i:])
		if m == nil || m[0] != 0 {
			return nil, fmt.Errorf("a %% at %q starts no printf verb (write %%%% for a per cent sign)", rest[i:])
		}
		d := rest[i : i+m[1]]
		letter := d[len(d)-1:]
		rest = rest[i+m[1]:]
		if letter == "%" {
			continue
		}
		if strings.Contains(d, "*") {
			return nil, fmt.Errorf("%q takes its width or precision from an argument; the tests do not follow that", d)
		}
		if m[2] >= 0 {
			n, _ := strconv.Atoi(d[m[2]:m[3]])
			next = n - 1
		}
		if _, twice := byArg[next]; twice {
			return nil, fmt.Errorf("argument %d is formatted twice", next+1)
		}
		byArg[next] = letter
		next++
	}
	out := make([]string, len(byArg))
	for i := range out {
		l, ok := byArg[i]
		if !ok {
			return nil, fmt.Errorf("argument %d is not formatted, but a later one is", i+1)
		}
		out[i] = l
	}
	return out, nil
}

func showVerbs(vs []string) string {
	if len(vs) == 0 {
		return "(no arguments)"
	}
	return "%" + strings.Join(vs, ", %")
}

// end returns the sentence-final punctuation of s, if any.
func end(s string) string {
	r, _ := utf8.DecodeLastRuneInString(strings.TrimSpace(s))
	if strings.ContainsRune(".?!:;…", r) {
		return string(r)
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
