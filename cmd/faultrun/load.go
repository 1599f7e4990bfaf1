package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// request is one form a customer sent that changes something: a ticket opened or a reply.
type request struct {
	kind     string // "ticket" or "reply"
	key      string // the ticket's subject, or the reply's text: unique in the run
	ticketID int64  // the ticket opened (from the redirect), or replied to
	acked    bool   // a 303 came back: Tugi said it was saved
	outcome  string // for an unacknowledged request: its status or error
}

// load is the customers working during the run.
type load struct {
	base     string
	seed     uint64
	accounts []string
	password string
	budget   atomic.Int64 // requests that change something, left to send

	mu       sync.Mutex
	requests []request
}

func (l *load) record(r request) {
	l.mu.Lock()
	l.requests = append(l.requests, r)
	l.mu.Unlock()
}

func (l *load) taken() []request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]request(nil), l.requests...)
}

var ticketPath = regexp.MustCompile(`^/tickets/(\d+)$`)

// customer is one browser: its own cookies, signed in as one account.
type customer struct {
	l       *load
	n       int
	email   string
	http    *http.Client
	rnd     *rand.Rand
	tickets []int64 // acknowledged, to reply to
	sent    int
}

func (l *load) customer(n int) *customer {
	jar, _ := cookiejar.New(nil)
	return &customer{l: l, n: n, email: l.accounts[n%len(l.accounts)], rnd: rand.New(rand.NewPCG(l.seed, uint64(n))),
		http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// work sends requests until ctx ends or the run's budget is spent. A failure (Tugi down,
// the database gone) is a pause, then the next try, signing in again when the session
// is gone.
func (c *customer) work(ctx context.Context) {
	signedIn := false
	for ctx.Err() == nil {
		if !signedIn {
			if err := c.signIn(ctx); err != nil {
				c.pause(ctx)
				continue
			}
			signedIn = true
		}
		if c.l.budget.Add(-1) < 0 {
			return
		}
		var err error
		if len(c.tickets) > 0 && c.rnd.IntN(10) < 4 {
			err = c.reply(ctx, c.tickets[c.rnd.IntN(len(c.tickets))])
		} else {
			err = c.open(ctx)
		}
		if errors.Is(err, errSignedOut) {
			signedIn = false
		}
		if err != nil {
			c.pause(ctx)
		}
	}
}

var errSignedOut = errors.New("signed out")

func (c *customer) pause(ctx context.Context) {
	select {
	case <-time.After(time.Duration(100+c.rnd.IntN(300)) * time.Millisecond):
	case <-ctx.Done():
	}
}

// form GETs path and returns the fields of the form sel as the browser would send them
// (hidden inputs, the CSRF token among them), and the first option of each select and
// radio group.
func (c *customer) form(ctx context.Context, path, sel string) (url.Values, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.l.base+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/login") {
		return nil, errSignedOut
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d", path, res.StatusCode)
	}
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		return nil, err
	}
	f := doc.Find(sel)
	if f.Length() == 0 {
		return nil, fmt.Errorf("GET %s: no %s", path, sel)
	}
	v := url.Values{}
	f.Find("input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
		v.Set(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	f.Find("select").Each(func(_ int, s *goquery.Selection) {
		if o := s.Find("option[value!='']").First(); o.Length() == 1 {
			v.Set(s.AttrOr("name", ""), o.AttrOr("value", ""))
		}
	})
	f.Find("input[type=radio]").Each(func(_ int, s *goquery.Selection) {
		if name := s.AttrOr("name", ""); v.Get(name) == "" {
			v.Set(name, s.AttrOr("value", ""))
		}
	})
	return v, nil
}

// post sends form to path as multipart/form-data, as the pages' forms do, and returns the
// status and the redirect.
func (c *customer) post(ctx context.Context, path string, form url.Values, multi bool) (int, string, error) {
	var body bytes.Buffer
	ctype := "application/x-www-form-urlencoded"
	if multi {
		w := multipart.NewWriter(&body)
		for k, vs := range form {
			for _, v := range vs {
				if err := w.WriteField(k, v); err != nil {
					return 0, "", err
				}
			}
		}
		if err := w.Close(); err != nil {
			return 0, "", err
		}
		ctype = w.FormDataContentType()
	} else {
		body.WriteString(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.l.base+path, &body)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", ctype)
	res, err := c.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode, res.Header.Get("Location"), nil
}

func (c *customer) signIn(ctx context.Context) error {
	f, err := c.form(ctx, "/login", "form[action='/login']")
	if err != nil {
		return err
	}
	f.Set("email", c.email)
	f.Set("password", c.l.password)
	status, _, err := c.post(ctx, "/login", f, false)
	if err != nil {
		return err
	}
	if status != http.StatusSeeOther {
		return fmt.Errorf("sign in: %d", status)
	}
	return nil
}

// open opens a ticket, through the form a person fills in.
func (c *customer) open(ctx context.Context) error {
	f, err := c.form(ctx, "/tickets/new", "form#new-ticket")
	if err != nil {
		return err
	}
	c.sent++
	key := fmt.Sprintf("faultrun %d-%d-%d", c.l.seed, c.n, c.sent)
	f.Set("subject", key)
	f.Set("body", "Opened by the fault run: "+key)
	r := request{kind: "ticket", key: key}
	status, loc, err := c.post(ctx, "/tickets", f, true)
	if m := ticketPath.FindStringSubmatch(loc); err == nil && status == http.StatusSeeOther && m != nil {
		r.acked = true
		r.ticketID, _ = strconv.ParseInt(m[1], 10, 64)
		c.tickets = append(c.tickets, r.ticketID)
	}
	return c.done(r, status, err)
}

// reply replies to one of the customer's tickets.
func (c *customer) reply(ctx context.Context, id int64) error {
	path := "/tickets/" + strconv.FormatInt(id, 10)
	f, err := c.form(ctx, path, "form#reply-form")
	if err != nil {
		return err
	}
	c.sent++
	key := fmt.Sprintf("faultrun reply %d-%d-%d", c.l.seed, c.n, c.sent)
	f.Set("body", key)
	r := request{kind: "reply", key: key, ticketID: id}
	status, loc, err := c.post(ctx, path+"/reply", f, true)
	r.acked = err == nil && status == http.StatusSeeOther && strings.HasPrefix(loc, path)
	return c.done(r, status, err)
}

func (c *customer) done(r request, status int, err error) error {
	switch {
	case err != nil:
		r.outcome = "error"
	case !r.acked:
		r.outcome = strconv.Itoa(status)
	}
	c.l.record(r)
	if err == nil && !r.acked {
		err = fmt.Errorf("%s: %d", r.kind, status)
		if status == http.StatusSeeOther {
			err = errSignedOut
		}
	}
	return err
}
