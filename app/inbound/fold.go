package inbound

import (
	"regexp"
	"strings"
)

// Folded is a message's text split for display: what the sender wrote now, and the
// quoted history and signature below it, folded away (shown on request). Nothing is
// dropped: Latest and Folded together are the whole text, and the raw message is kept.
type Folded struct {
	Latest string
	Folded string
}

// The lines where mail clients start the quoted history of a reply:
var (
	// Gmail, Apple Mail, Thunderbird: "On Mon, 7 Dec 2026 at 10:02, Mari <mari@x.ee> wrote:",
	// which Gmail may break over two lines; in Estonian, "kirjutas".
	attribution = regexp.MustCompile(`(?i)^(on\b.{0,200}\bwrote:|.{0,200}\b(kirjutas|schrieb|a écrit)\s?:?)\s*$`)
	// the first line of a two-line attribution: "On ... <mari@" then "x.ee> wrote:"
	attributionStart = regexp.MustCompile(`(?i)^on\b.{0,200}$`)
	attributionEnd   = regexp.MustCompile(`(?i)\bwrote:\s*$`)
	// Outlook: "-----Original Message-----", or a rule of underscores over a header
	// block ("From: ... Sent: ..."); in Estonian "Saatja:", "Saadetud:".
	originalMessage = regexp.MustCompile(`(?i)^\s*-{2,}\s*(original message|algne kiri|ursprüngliche nachricht)\s*-{2,}\s*$`)
	outlookRule     = regexp.MustCompile(`^\s*_{10,}\s*$`)
	headerFrom      = regexp.MustCompile(`(?i)^\s*\*?(from|saatja|von):\*?\s`)
	headerSent      = regexp.MustCompile(`(?i)^\s*\*?(sent|date|saadetud|kuupäev|gesendet):\*?\s`)
	// signatures: the "-- " delimiter, and the mobile clients' lines.
	sigDelimiter = regexp.MustCompile(`^-- ?$`)
	mobileSig    = regexp.MustCompile(`(?i)^(sent from my (iphone|ipad|android|mobile)|get outlook for (ios|android)|saadetud minu iphone'ist)`)
)

// Fold splits text at the first line where quoted history or a signature starts. A
// forwarded message ("---------- Forwarded message ---------") is not folded: it is what
// the sender wants support to read. Quoted lines (">") fold only when nothing the sender
// wrote follows them (a reply written between the quotes is kept whole).
func Fold(text string) Folded {
	lines := strings.Split(text, "\n")
	cut := -1
	for i, l := range lines {
		t := strings.TrimRight(l, " \r")
		switch {
		case attribution.MatchString(t) && !strings.HasPrefix(t, ">"):
			cut = i
		case attributionStart.MatchString(t) && i+1 < len(lines) && attributionEnd.MatchString(lines[i+1]):
			cut = i
		case originalMessage.MatchString(t):
			cut = i
		case outlookRule.MatchString(t) && i+1 < len(lines) && headerFrom.MatchString(lines[i+1]):
			cut = i
		case headerFrom.MatchString(t) && sentWithin(lines[i+1:]):
			cut = i
		case sigDelimiter.MatchString(t), mobileSig.MatchString(t):
			cut = i
		case strings.HasPrefix(t, ">") && onlyQuotesFollow(lines[i:]):
			cut = i
		}
		if cut >= 0 {
			break
		}
	}
	if cut < 0 {
		return Folded{Latest: strings.TrimSpace(text)}
	}
	latest := strings.TrimSpace(strings.Join(lines[:cut], "\n"))
	folded := strings.TrimSpace(strings.Join(lines[cut:], "\n"))
	if latest == "" {
		// Nothing above the history (a bare forward, or a top-quote): nothing to fold.
		return Folded{Latest: strings.TrimSpace(text)}
	}
	return Folded{Latest: latest, Folded: folded}
}

// sentWithin reports whether a "Sent:" or "Date:" line follows within the next four
// lines: an Outlook header block of a quoted message.
func sentWithin(lines []string) bool {
	for i := 0; i < len(lines) && i < 4; i++ {
		if headerSent.MatchString(lines[i]) {
			return true
		}
	}
	return false
}

// onlyQuotesFollow reports whether every non-blank line of lines is quoted or a
// signature.
func onlyQuotesFollow(lines []string) bool {
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, ">") {
			continue
		}
		if sigDelimiter.MatchString(strings.TrimRight(l, " \r")) || mobileSig.MatchString(t) {
			return true
		}
		return false
	}
	return true
}
