package web

import "testing"

func TestAcceptedLang(t *testing.T) {
	for header, want := range map[string]string{
		"":                        "en",
		"et":                      "et",
		"et-EE,et;q=0.9,en;q=0.8": "et",
		"en-GB,en;q=0.9,et;q=0.8": "en",
		"fi,et;q=0.7":             "et",
		"de,fr;q=0.5":             "en",
		"en;q=0.3, et;q=0.9":      "et",
		"et;q=0, en;q=0.1":        "en",
		"ET-ee":                   "et",
		"et;q=bad,en":             "en",
	} {
		if got := acceptedLang(header); got != want {
			t.Errorf("Accept-Language %q: %q, want %q", header, got, want)
		}
	}
}
