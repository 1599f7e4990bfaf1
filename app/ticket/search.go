package ticket

import (
	"context"
	"database/sql"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"tugi/app/i18n"
	"tugi/app/web"
)

const tplSearch = "ticket/search"

// SearchCap is how many matching messages, and how many tickets whose subject matches, a
// search through the GIN indexes considers at most. It caps the work a word costs that
// is more common than the statistics say, and the page says when the cap was reached.
const SearchCap = 500

// searchCommon is the share of rows from which a word is common: the rows are walked
// newest first for it rather than read through the GIN index (searchMatches). Walking
// finds a page of such a word's matches within a few thousand rows (26 in 1,300 at
// searchCommon), while the index would have PostgreSQL fetch all of its rows (100,000 of
// 5,000,000 messages) to find the newest.
const searchCommon = 0.02

// searchWalk is how many of the newest rows a walk considers: as many as hold twice
// SearchCap matches of a word at searchCommon. A first page's walk that reaches it short
// of the page's rows is read again by the index; a later page's ends the search there.
const searchWalk = int(2 * SearchCap / searchCommon)

// searchBatch is how many matches one statement of a search returns at most: a page of
// the search page and one more. It is written into the walks (searchMatches), so that
// PostgreSQL keeps a generic plan for them: with the count a parameter it planned every
// run (0.35 ms, as long as the walk took), its generic plan guessing a tenth of the rows.
const searchBatch = pageSize + 1

// SearchQuery is a full-text search, and where its page starts.
type SearchQuery struct {
	Text    string    // in websearch_to_tsquery's syntax: words, "a phrase", OR, -word
	After   time.Time // keyset: the match time and ticket id of the last row of the previous page
	AfterID int64
	Limit   int
	Lexemes *Lexemes // how common words are; nil: every search goes through the indexes
}

// Lexemes is how common words are in the searched columns, from PostgreSQL's statistics
// (searchStats): each of the most common lexemes with the share of rows it is in.
type Lexemes struct {
	Bodies, Subjects map[string]float64
	Messages         float64 // how many messages there are, as estimated
}

// walks returns whether a search for text walks the messages (bodies) and the tickets
// (subjects) newest first: when its words together are in at least searchCommon of the
// rows, estimated as if they were independent. A phrase, OR or a word left out is read
// through the index as before: a phrase of two common words may be in no row at all.
func (l *Lexemes) walks(text string) (bodies, subjects bool) {
	if l == nil || strings.ContainsAny(text, `"-`) {
		return false, false
	}
	for _, w := range strings.Fields(text) {
		if strings.EqualFold(w, "or") {
			return false, false
		}
	}
	terms := searchTerms(text)
	if len(terms) == 0 {
		return false, false
	}
	return share(l.Bodies, terms) >= searchCommon, share(l.Subjects, terms) >= searchCommon
}

// share is the share of rows that hold every one of terms, by freqs, as if the words
// were independent.
func share(freqs map[string]float64, terms []string) float64 {
	f := 1.0
	for _, t := range terms {
		f *= freqs[t]
	}
	return f
}

// Estimate is how many messages PostgreSQL's statistics say hold the words of text
// (as walks reads them), for a search whose messages are walked: the page cannot count
// them without reading them all.
func (l *Lexemes) Estimate(text string) int64 {
	if bodies, _ := l.walks(text); !bodies {
		return 0
	}
	return int64(share(l.Bodies, searchTerms(text)) * l.Messages)
}

// Lexemes reads how common the searched words are.
func (s *Store) Lexemes(ctx context.Context) (*Lexemes, error) {
	rows, err := s.q.QueryContext(ctx, searchStats)
	if err != nil {
		return nil, fmt.Errorf("ticket store: search statistics: %w", err)
	}
	defer rows.Close()
	l := &Lexemes{Bodies: map[string]float64{}, Subjects: map[string]float64{}}
	for rows.Next() {
		var table string
		var lexeme sql.NullString
		var freq float64
		if err := rows.Scan(&table, &lexeme, &freq); err != nil {
			return nil, fmt.Errorf("ticket store: search statistics: %w", err)
		}
		switch {
		case !lexeme.Valid:
			l.Messages = freq
		case table == "tickets":
			l.Subjects[lexeme.String] = freq
		default:
			l.Bodies[lexeme.String] = freq
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ticket store: search statistics: %w", err)
	}
	return l, nil
}

// lexemesFor is how long the service keeps the statistics it read: ANALYZE renews them
// as the tables grow, far more slowly.
const lexemesFor = 10 * time.Minute

// lexemes returns the words' frequencies, read again when older than lexemesFor.
func (s *Service) lexemes(ctx context.Context) (*Lexemes, error) {
	s.lexMu.Lock()
	defer s.lexMu.Unlock()
	if s.lex != nil && time.Since(s.lexAt) < lexemesFor {
		return s.lex, nil
	}
	l, err := NewStore(s.reads).Lexemes(ctx)
	if err != nil {
		return nil, err
	}
	s.lex, s.lexAt = l, time.Now()
	return l, nil
}

// SearchRow is a ticket that matches a search, with a snippet of the text that matched:
// its newest matching message, or its subject.
type SearchRow struct {
	ID        int64
	CreatedAt time.Time
	Subject   string
	OrgName   string
	Status    Status
	MatchedAt time.Time  // when the text that matched was written; rows come newest first
	Internal  bool       // the snippet is from an internal note
	Parts     []web.Part // the snippet, its matched words marked
}

// Reference is the ticket's reference as people quote it.
func (r SearchRow) Reference() string { return Reference(r.ID, r.CreatedAt) }

// match is a row of searchMatches.
type match struct {
	ticketID int64
	at       time.Time
}

// SearchResult is a page of a search.
type SearchResult struct {
	Rows   []SearchRow
	More   bool // more rows follow
	Capped bool // SearchCap was reached: older matches are not considered
}

// Search returns up to q.Limit tickets scope may see that match q.Text in their subject
// or in a message scope may see, the newest match first.
func (s *Store) Search(ctx context.Context, scope Scope, q SearchQuery) (SearchResult, error) {
	var res SearchResult
	if scope.None() {
		return res, nil
	}
	terms := searchTerms(q.Text)
	after, afterID := q.After, q.AfterID
	walkBodies, walkSubjects := q.Lexemes.walks(q.Text)
	want := q.Limit + 1 // a row more than a page: whether more follow
	for len(res.Rows) < want {
		n := min(want-len(res.Rows), searchBatch)
		found, err := s.matches(ctx, scope, q.Text, after, afterID, n, walkBodies, walkSubjects)
		if err != nil {
			return res, err
		}
		short := found.bodiesShort || found.subjectsShort
		if short && after.IsZero() {
			// The word is rarer than the statistics said: read it through the index.
			walkBodies = walkBodies && !found.bodiesShort
			walkSubjects = walkSubjects && !found.subjectsShort
			continue
		}
		ms := found.matches
		// A walk that reached its end past the first page has shown what it considers.
		res.Capped = res.Capped || found.capped || short
		for _, r := range found.rows {
			r.Parts = snippet(r.text, terms)
			res.Rows = append(res.Rows, r.SearchRow)
		}
		// For an organisation-wide scope (every customer's today) searchableMessage is the
		// whole rule and every match is shown; a scope that may see only some of its
		// organisation's tickets reads on past those it may not.
		if len(ms) < n || short {
			break
		}
		last := ms[len(ms)-1]
		after, afterID = last.at, last.ticketID
	}
	if len(res.Rows) > q.Limit {
		res.Rows, res.More = res.Rows[:q.Limit], true
	}
	return res, nil
}

// b2i is 1 for true and 0 for false: an index of searchMatchesSQL.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// found is what searchMatches returned: a page of matches, the rows of those the scope
// may see, in their order, whether the search reached SearchCap, and whether a walk (of
// the messages, of the tickets) stopped short of it.
type found struct {
	matches                    []match
	rows                       []foundRow
	capped                     bool
	bodiesShort, subjectsShort bool
}

// foundRow is a row of the page with the text that matched, whose snippet Search makes.
type foundRow struct {
	SearchRow
	text string
}

// matches returns up to n matches after the keyset (after, afterID), the bodies and the
// subjects walked newest first or read through their index (searchMatches).
func (s *Store) matches(ctx context.Context, scope Scope, text string, after time.Time, afterID int64, n int, walkBodies, walkSubjects bool) (found, error) {
	var f found
	var afterArg any
	if !after.IsZero() {
		afterArg = after
	}
	args := []any{text, afterArg, afterID, n}
	if !scope.Staff() {
		args = append([]any{scope.OrgID, scope.UserID, scope.OrgWide}, args...)
	}
	rows, err := s.q.QueryContext(ctx, searchMatchesSQL[b2i(scope.Staff())][b2i(walkBodies)][b2i(walkSubjects)], args...)
	if err != nil {
		return f, fmt.Errorf("ticket store: search: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m match
		var r foundRow
		var ticket, shown sql.NullInt64
		var at, created sql.NullTime
		var subject, org, status, text sql.NullString
		if err := rows.Scan(m.dest(&ticket, &at, &f.capped, &f.bodiesShort, &f.subjectsShort,
			&r.SearchRow, &shown, &created, &subject, &org, &status, &text)...); err != nil {
			return f, fmt.Errorf("ticket store: search: %w", err)
		}
		if !ticket.Valid {
			continue
		}
		m.ticketID, m.at = ticket.Int64, at.Time
		f.matches = append(f.matches, m)
		if shown.Valid {
			r.ID, r.CreatedAt, r.Subject, r.OrgName, r.Status, r.MatchedAt = shown.Int64, created.Time, subject.String,
				org.String, Status(status.String), m.at
			r.text = text.String
			f.rows = append(f.rows, r)
		}
	}
	if err := rows.Err(); err != nil {
		return f, fmt.Errorf("ticket store: search: %w", err)
	}
	return f, nil
}

// Snippets: at most snippetWords words of the text, in one fragment from snippetContext
// words before the first matched word, or in two of half as many words each when
// another matched word lies beyond the first half; a text that short is shown whole.
// (As ts_headline's MaxWords=30, MinWords=12 and MaxFragments=2 did.)
const (
	snippetWords   = 30
	snippetContext = 6
	snippetGap     = " … "
)

// searchTerms returns the words a search text looks for, in lower case, as
// websearch_to_tsquery reads it with the 'simple' configuration: every word, those of a
// "quoted phrase" too, but not one after a minus (left out), nor the operator or.
func searchTerms(text string) []string {
	var terms []string
	var tok strings.Builder
	quoted := false
	flush := func() {
		t := tok.String()
		tok.Reset()
		if !quoted && (strings.EqualFold(t, "or") || strings.HasPrefix(t, "-")) {
			return
		}
		for _, w := range words(t) {
			terms = append(terms, strings.ToLower(t[w[0]:w[1]]))
		}
	}
	for _, r := range text {
		switch {
		case r == '"':
			flush()
			quoted = !quoted
		case unicode.IsSpace(r) && !quoted:
			flush()
		default:
			tok.WriteRune(r)
		}
	}
	flush()
	return terms
}

// words returns the byte ranges of the words of s: runs of letters and digits, as the
// text search parser finds most words.
func words(s string) [][2]int {
	ws := make([][2]int, 0, len(s)/5+1) // words of about five characters and a space
	start := -1
	for i, r := range s {
		in := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			ws = append(ws, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		ws = append(ws, [2]int{start, len(s)})
	}
	return ws
}

// snippet returns the part of text a search result shows, as written, with the words
// of terms marked (the template escapes every part).
func snippet(text string, terms []string) []web.Part {
	ws := words(text)
	if len(ws) == 0 {
		return []web.Part{{Text: text}}
	}
	marked := make([]bool, len(ws))
	var hits []int
	for i, w := range ws {
		word := text[w[0]:w[1]]
		for _, t := range terms {
			if strings.EqualFold(word, t) {
				marked[i] = true
				hits = append(hits, i)
				break
			}
		}
	}
	type span struct{ from, to int } // word indexes, to exclusive
	var spans []span
	switch {
	case len(ws) <= snippetWords:
		spans = []span{{0, len(ws)}}
	case len(hits) == 0:
		spans = []span{{0, snippetWords}}
	default:
		first := span{from: max(0, hits[0]-snippetContext)}
		first.to = min(len(ws), first.from+snippetWords/2)
		spans = []span{first}
		for _, h := range hits {
			if h >= first.to {
				second := span{from: max(first.to, h-snippetContext)}
				second.to = min(len(ws), second.from+snippetWords/2)
				spans = append(spans, second)
				break
			}
		}
		if len(spans) == 1 {
			spans[0].to = min(len(ws), first.from+snippetWords)
		}
	}
	// Each part is a slice of text (or the gap): a run of unmarked words and what lies
	// between them is one slice, extended as the words come, not a string built up.
	parts := make([]web.Part, 0, 8)
	from, to := 0, -1 // the last part is text[from:to]; to is -1 when it is a gap
	add := func(a, b int, mark bool) {
		if a == b {
			return
		}
		if n := len(parts); n > 0 && parts[n-1].Mark == mark && to == a {
			to = b
			parts[n-1].Text = text[from:to]
			return
		}
		from, to = a, b
		parts = append(parts, web.Part{Text: text[a:b], Mark: mark})
	}
	gap := func() {
		parts = append(parts, web.Part{Text: snippetGap})
		to = -1
	}
	for k, sp := range spans {
		switch {
		case sp.from == 0:
			add(0, ws[0][0], false)
		case k == 0 || sp.from > spans[k-1].to:
			gap()
		default: // it goes on where the one before stopped
			add(ws[sp.from-1][1], ws[sp.from][0], false)
		}
		pos := ws[sp.from][0]
		for i := sp.from; i < sp.to; i++ {
			add(pos, ws[i][0], false)
			add(ws[i][0], ws[i][1], marked[i])
			pos = ws[i][1]
		}
		if sp.to == len(ws) {
			add(pos, len(text), false)
		}
	}
	if last := spans[len(spans)-1]; last.to < len(ws) {
		gap()
	}
	return parts
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
	Rows    []SearchItem
	Capped  bool
	About   string // staff's: how many messages match, as PostgreSQL estimates, for a common word
	Next    string // the query string of the next page, if there is one
}

// SearchItem is a row of the search page with every cell ready to print, as the queue's
// and the list's rows are: the template then calls no method or function for a row (each
// such call goes through reflection, and the rows' calls were most of the page's).
type SearchItem struct {
	ID          int64
	Path        string
	Reference   string
	Subject     string
	OrgName     string
	Status      Status
	StatusLabel string // as the viewer names it (staff's or customers' label), translated
	Internal    bool
	Snippet     template.HTML // the snippet, escaped, its matched words in <mark>
	Written     string        // when the text that matched was written, in the viewer's language
}

// NewSearchItem is row r of a search as the page prints it for a viewer reading lang,
// staff or not, with r.MatchedAt already in the zone to show.
func NewSearchItem(r *SearchRow, lang string, staff bool) SearchItem {
	label := r.Status.CustomerLabel()
	if staff {
		label = r.Status.Label()
	}
	return SearchItem{ID: r.ID, Path: ticketPath(r.ID), Reference: r.Reference(), Subject: r.Subject, OrgName: r.OrgName,
		Status: r.Status, StatusLabel: i18n.T(lang, label), Internal: r.Internal, Snippet: web.Marked(r.Parts),
		Written: web.DateIn(lang, r.MatchedAt)}
}

// about writes an estimate as people read one: two significant digits, in groups of
// three set apart by a narrow space, as both English and Estonian may ("450 000").
func about(n int64) string {
	for unit := int64(1); ; unit *= 10 {
		if n < 100*unit {
			n = (n + unit/2) / unit * unit
			break
		}
	}
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "\u202f" + s[i:]
	}
	return s
}

// Search shows the tickets that match the words in ?q=, in the viewer's scope.
func (h *Handler) Search(c echo.Context) error {
	v := web.ViewerOf(c)
	scope := ScopeOf(v)
	text := strings.TrimSpace(c.QueryParam("q"))
	data := SearchPage{Query: text, Staff: scope.Staff()}
	status := http.StatusOK
	switch n := utf8.RuneCountInString(text); {
	case !web.Storable(text):
		data.Query = strings.ToValidUTF8(strings.ReplaceAll(text, "\x00", ""), "")
		data.Problem = i18n.T(v.Lang, "This holds characters Tugi cannot use, such as a control character. Type it again as plain text.")
		status = http.StatusUnprocessableEntity
	case n == 0:
		data.Problem = i18n.T(v.Lang, "Type a word or two to search for.")
	case n < searchMin:
		data.Problem = i18n.T(v.Lang, "Type at least %d characters.", searchMin)
	case n > searchMax:
		data.Problem = i18n.T(v.Lang, "Type at most %d characters.", searchMax)
	}
	if data.Problem == "" {
		if err := web.CheckQuery(c); err != nil {
			return err
		}
		page, err := listCursor(c.QueryParam("after"))
		if err != nil {
			return err
		}
		lexemes, err := h.svc.lexemes(c.Request().Context())
		if err != nil {
			return err
		}
		res, err := NewStore(h.svc.reads).Search(c.Request().Context(), scope, SearchQuery{
			Text: text, After: page.After, AfterID: page.AfterID, Limit: pageSize, Lexemes: lexemes})
		if err != nil {
			return err
		}
		ci, err := h.calendar(c)
		if err != nil {
			return err
		}
		rows := res.Rows
		data.Rows = make([]SearchItem, len(rows))
		for i := range rows {
			rows[i].MatchedAt = rows[i].MatchedAt.In(ci.cal.Location())
			data.Rows[i] = NewSearchItem(&rows[i], v.Lang, scope.Staff())
		}
		data.Ran, data.Capped = true, res.Capped
		if n := lexemes.Estimate(text); n > 0 && scope.Staff() {
			data.About = about(n)
		}
		if res.More {
			last := rows[len(rows)-1]
			data.Next = url.Values{"q": {text}, "after": {last.MatchedAt.UTC().Format(time.RFC3339Nano) + "_" + strconv.FormatInt(last.ID, 10)}}.Encode()
		}
	}
	p := h.render.NewPage(c, "Search tickets")
	p.Form = web.Form{Values: url.Values{"q": {data.Query}}}
	p.Data = data
	return c.Render(status, tplSearch, p)
}
