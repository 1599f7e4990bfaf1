// Package person describes the erasure of one person to the features that hold their data
// (app/user, app/auth, app/ticket, app/chat, app/incident, app/inbound, app/mail): each
// feature erases what it owns, in the erasure's transaction, with the Erasure app/privacy
// hands it. It imports nothing of Tugi's, so every feature may import it.
package person

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// Removed is what replaces a text whose personal content was removed.
const Removed = "[removed]"

// Erasure is one person's erasure, as each feature applies it to its own tables.
type Erasure struct {
	UserID int64
	Name   string // the name being erased
	Email  string // the e-mail address being erased (lower case)

	Alias      string // the stable pseudonym that replaces the name: Pseudonym(UserID)
	AliasEmail string // the address that replaces the e-mail: PseudonymEmail(UserID)

	// Per kind of text: remove the person's own texts (true), or keep them with their name
	// and e-mail replaced by the pseudonym (false).
	RemoveTicketText   bool // ticket subjects they wrote, their messages, their attachments' names
	RemoveChatText     bool // their chat messages
	RemoveIncidentText bool // what their incident reports said
	RemoveRawMail      bool // the mail they sent in: the raw message and its intake record
}

// Counts are what an erasure changed (or, in a preview, would change), by kind: a kind's
// key says what it counts, e.g. "ticket_messages.removed".
type Counts map[string]int64

// Add adds n to kind when n is not 0.
func (c Counts) Add(kind string, n int64) {
	if n != 0 {
		c[kind] += n
	}
}

// Pseudonym is the stable name an erased person is shown by: derived from their user id
// alone (never from their name or address, which it must not let anyone confirm), so the
// same person reads the same everywhere and in every later export.
func Pseudonym(userID int64) string { return "Erased person " + tag(userID) }

// PseudonymEmail is the address that replaces an erased person's (never deliverable:
// .invalid is reserved).
func PseudonymEmail(userID int64) string { return "erased-" + tag(userID) + "@erased.invalid" }

func tag(userID int64) string {
	sum := sha256.Sum256([]byte("tugi erased person " + strconv.FormatInt(userID, 10)))
	return hex.EncodeToString(sum[:4])
}

// Pattern is a PostgreSQL regular expression (ARE) that finds the person's name or e-mail
// address in a text, used with regexp_replace(text, Pattern, Alias, 'gi'). Each character
// that is not a letter or digit is escaped, so the name and address match literally.
func (e Erasure) Pattern() string {
	var parts []string
	for _, s := range []string{e.Email, e.Name} { // the address first: it may hold the name
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, literal(s))
		}
	}
	if len(parts) == 0 {
		return "(?!)" // matches nothing
	}
	return strings.Join(parts, "|")
}

// literal escapes s for an ARE: a backslash before a character that is neither a letter
// nor a digit makes it stand for itself; runs of white space match any white space.
func literal(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if !space {
				b.WriteString(`\s+`)
			}
			space = true
			continue
		case r > 127, r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('\\')
			b.WriteRune(r)
		}
		space = false
	}
	return b.String()
}
