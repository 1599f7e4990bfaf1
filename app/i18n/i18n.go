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
