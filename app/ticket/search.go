package ticket

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"tugi/app/i18n"
	"tugi/app/web"
)

const tplSearch = "ticket/search"

// SearchCap is how many matching messages, and how many tickets whose subject matches, a
// search considers at most: the first found through the GIN indexes. It caps the work a
// common word costs; the page sorts the candidates by last activity, and says when the
// cap was reached.
const SearchCap = 500

// The markers ts_headline puts around a matched word: two characters of Unicode's
// private use area, taken out of the text first so that no text can forge one. The
// snippet is split on them in Go and every part escaped by the template: ts_headline's
// output is never trusted as HTML. ts_headline drops what looks like an HTML tag, so
// every "<" goes in as a third such character and is put back in Go: the snippet shows
// a pasted "<script>" as written, as text.
const (
	markStart = "\ue000"
	markStop  = "\ue001"
	lessThan  = "\ue002"
)

const headlineOptions = `StartSel="` + markStart + `", StopSel="` + markStop + `", MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "`

// SearchQuery is a full-text search, and where its page starts.
type SearchQuery struct {
	Text    string    // in websearch_to_tsquery's syntax: words, "a phrase", OR, -word
	After   time.Time // keyset: the updated_at and id of the last ticket of the previous page
	AfterID int64
	Limit   int
}

// SearchRow is a ticket that matches a search, with a snippet of the text that matched.
type SearchRow struct {
	Ticket
	Internal bool   `db:"internal"` // the snippet is from an internal note
	Snippet  string `db:"snippet"`  // ts_headline's output, with markStart and markStop
	Capped   bool   `db:"capped"`   // SearchCap was reached: older matches are not considered
}

// Part is a piece of a snippet: matched words are marked.
type Part struct {
	Text string
	Mark bool
}

// Parts splits the snippet at its markers.
func (r SearchRow) Parts() []Part {
	var parts []Part
	s := r.Snippet
	for s != "" {
		before, rest, found := strings.Cut(s, markStart)
		if before != "" {
			parts = append(parts, Part{Text: strings.ReplaceAll(before, lessThan, "<")})
		}
		if !found {
			break
		}
		marked, after, _ := strings.Cut(rest, markStop)
		if marked != "" {
			parts = append(parts, Part{Text: strings.ReplaceAll(marked, lessThan, "<"), Mark: true})
		}
		s = after
	}
	return parts
}

// The search. matches takes up to SearchCap messages whose body matches and as many
// tickets whose subject matches, in no order, so that the scan can stop there (see Search
// for how it is kept on the GIN indexes). Only then are their tickets joined, checked
// with visible, sorted by last activity and cut to a page, and only the page's rows get a
// snippet, from the newest matching message. A customer never matches an internal note
// nor another organisation's message (searchableMessage).
const searchTickets = `
WITH matches AS MATERIALIZED (
    (SELECT m.ticket_id, m.id AS message_id
     FROM ticket_messages m
     WHERE m.body_tsv @@ websearch_to_tsquery('simple', $5::text) AND ` + searchableMessage + `
     LIMIT $6)
    UNION ALL
    (SELECT t.id, NULL
     FROM tickets t
     WHERE t.subject_tsv @@ websearch_to_tsquery('simple', $5::text) AND ` + visible + `
     LIMIT $6)
), hits AS (
    SELECT ticket_id, max(message_id) AS message_id FROM matches GROUP BY ticket_id
), page AS (
    SELECT t.id, h.message_id
    FROM hits h JOIN tickets t ON t.id = h.ticket_id
    WHERE ` + visible + `
      AND ($7::timestamptz IS NULL OR (t.updated_at, t.id) < ($7::timestamptz, $8::bigint))
    ORDER BY t.updated_at DESC, t.id DESC
    LIMIT $9
)
SELECT ` + ticketColumns + `, coalesce(m.internal, false) AS internal,
       ts_headline('simple', translate(coalesce(m.body, t.subject), E'<\uE000\uE001\uE002', E'\uE002'),
                   websearch_to_tsquery('simple', $5::text), $10::text) AS snippet,
       ((SELECT count(*) FROM matches WHERE message_id IS NOT NULL) >= $6
        OR (SELECT count(*) FROM matches WHERE message_id IS NULL) >= $6) AS capped
FROM page p
JOIN tickets t ON t.id = p.id` + ticketJoins + `
LEFT JOIN ticket_messages m ON m.id = p.message_id
ORDER BY t.updated_at DESC, t.id DESC`

// Search returns up to q.Limit tickets scope may see that match q.Text in their subject
// or in a message scope may see, latest activity first, and whether more follow.
//
// The pages run it through database.Prepared, but PostgreSQL still plans each run for
// the words given (a plan made without them looks costlier). For a rare word, even one
// it has no statistics for, it reads the GIN indexes, a few pages (BenchmarkScale prints
// the plan); a common word it reads by a scan of the messages that stops at SearchCap
// matches, which is quicker than the word's whole list in the index.
func (s *Store) Search(ctx context.Context, scope Scope, q SearchQuery) ([]SearchRow, bool, error) {
	if scope.None() {
		return nil, false, nil
	}
	var after any
	if !q.After.IsZero() {
		after = q.After
	}
	var rows []SearchRow
	if err := s.q.SelectContext(ctx, &rows, searchTickets, scope.args(q.Text, SearchCap, after, q.AfterID, q.Limit+1, headlineOptions)...); err != nil {
		return nil, false, fmt.Errorf("ticket store: search: %w", err)
	}
	if len(rows) > q.Limit {
		return rows[:q.Limit], true, nil
	}
	return rows, false, nil
}

// Lengths of a search's text, in characters.
const (
	searchMin = 2
	searchMax = 200
)

// SearchPage is the data of the search page.
type SearchPage struct {
	Query   string // as typed
	Problem string // why no search ran: nothing typed, too short, too long (translated)
	Ran     bool   // a search ran
	Staff   bool   // the viewer is staff: the organisation column and internal notes
	Rows    []SearchRow
	Capped  bool
	Next    string // the query string of the next page, if there is one
}

// Search shows the tickets that match the words in ?q=, in the viewer's scope.
func (h *Handler) Search(c echo.Context) error {
	v := web.ViewerOf(c)
	scope := ScopeOf(v)
	text := strings.TrimSpace(c.QueryParam("q"))
	data := SearchPage{Query: text, Staff: scope.Staff()}
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		data.Problem = i18n.T(v.Lang, "Type a word or two to search for.")
	case n < searchMin:
		data.Problem = i18n.T(v.Lang, "Type at least %d characters.", searchMin)
	case n > searchMax:
		data.Problem = i18n.T(v.Lang, "Type at most %d characters.", searchMax)
	}
	if data.Problem == "" {
		page := listCursor(c.QueryParam("after"))
		rows, more, err := NewStore(h.svc.reads).Search(c.Request().Context(), scope, SearchQuery{
			Text: text, After: page.After, AfterID: page.AfterID, Limit: pageSize})
		if err != nil {
			return err
		}
		ci, err := h.calendar(c)
		if err != nil {
			return err
		}
		for i := range rows {
			rows[i].localize(ci.cal.Location())
			data.Capped = data.Capped || rows[i].Capped
		}
		data.Ran, data.Rows = true, rows
		if more {
			last := rows[len(rows)-1]
			data.Next = url.Values{"q": {text}, "after": {last.UpdatedAt.UTC().Format(time.RFC3339Nano) + "_" + strconv.FormatInt(last.ID, 10)}}.Encode()
		}
	}
	p := h.render.NewPage(c, "Search tickets")
	p.Form = web.Form{Values: url.Values{"q": {text}}}
	p.Data = data
	return c.Render(http.StatusOK, tplSearch, p)
}
