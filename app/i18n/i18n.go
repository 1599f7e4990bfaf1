// Package i18n is the one translation function every text a person reads goes through.
// Messages are written in English in the code and templates; the English text is the key
// into each other language's catalogue, and a message missing there is shown in English.
package i18n

import "fmt"

// Languages Tugi speaks, with their names as their speakers write them.
var Languages = []struct{ Code, Name string }{
	{"en", "English"},
	{"et", "Eesti"},
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l.Code == lang {
			return true
		}
	}
	return false
}

// T returns msg in lang, formatted with args when there are any.
func T(lang, msg string, args ...any) string {
	if tr, ok := catalogues[lang][msg]; ok {
		msg = tr
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// add merges a feature's own translations into lang's catalogue. A feature keeps its
// Estonian texts in a file of its own here (et_<feature>.go, calling add from init), so
// features added side by side do not all edit one map. The same message translated two
// ways is a mistake that no page could show consistently: it stops the program at start.
func add(lang string, entries map[string]string) {
	cat := catalogues[lang]
	if cat == nil {
		cat = map[string]string{}
		catalogues[lang] = cat
	}
	for msg, tr := range entries {
		if old, ok := cat[msg]; ok && old != tr {
			panic(fmt.Sprintf("i18n: %q is translated to %s both as %q and as %q", msg, lang, old, tr))
		}
		cat[msg] = tr
	}
}
