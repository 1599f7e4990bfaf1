package audit

import "testing"

func TestValueText(t *testing.T) {
	for raw, want := range map[string]string{
		``:                      "",
		`null`:                  "",
		`42`:                    "42",
		`-7`:                    "-7",
		`9007199254740993`:      "9007199254740993", // beyond a float64's integers
		`true`:                  "true",
		`"open"`:                "open",
		`"a \"quoted\" \u00f5"`: `a "quoted" õ`,
		`["agent","admin"]`:     "agent, admin",
		`[1, 2]`:                "[1,2]",
		`{"a": 1, "b": [true]}`: `{"a":1,"b":[true]}`,
	} {
		if got := valueText([]byte(raw)); got != want {
			t.Errorf("valueText(%s) = %q, want %q", raw, got, want)
		}
	}
}
