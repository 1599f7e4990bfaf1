package web

import (
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/labstack/echo/v4"
)

// FlashCookie is the cookie that carries flash messages to the person's next page.
const FlashCookie = "tugi_flash"

// Limits of the flash cookie: the newest maxFlashes messages are kept, each cut to
// maxFlashLen bytes, for flashMaxAge (a message not shown by then is dropped).
const (
	maxFlashes  = 5
	maxFlashLen = 500
	flashMaxAge = 10 * time.Minute
)

const flashesKey = "tugi.flashes"

// Flashes keeps flash messages for a person's next page in a cookie, signed (HMAC-SHA256,
// gorilla/securecookie) with a key every process of one database shares, so that nobody
// can make a page show a message Tugi did not write. They are not kept in the session: a
// change then costs no session write for its "saved" message, nor does the page after it
// for taking the message, and a message reaches a person who has just signed out.
type Flashes struct {
	codec  *securecookie.SecureCookie
	secure bool
}

// NewFlashes returns flashes signed with key (32 bytes or more); secure marks the cookie
// Secure, for HTTPS.
func NewFlashes(key []byte, secure bool) *Flashes {
	codec := securecookie.New(key, nil)
	codec.SetSerializer(securecookie.JSONEncoder{})
	codec.MaxAge(int(flashMaxAge.Seconds()))
	return &Flashes{codec: codec, secure: secure}
}

// Middleware makes the flashes available to Flash and to the pages of the request.
func (f *Flashes) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set(flashesKey, &flashState{flashes: f, c: c})
			return next(c)
		}
	}
}

// flashState is a request's flash messages: those its cookie brought, and what the
// response's cookie will carry.
type flashState struct {
	flashes *Flashes
	c       echo.Context
	read    bool
	sent    bool     // the request brought a flash cookie
	in      []string // the cookie's messages, once read and checked
	out     []string // what the response's cookie carries
	hooked  bool     // the cookie is written just before the response
}

// incoming returns the messages the request's cookie carries, if its signature holds.
func (s *flashState) incoming() []string {
	if !s.read {
		s.read = true
		if ck, err := s.c.Cookie(FlashCookie); err == nil {
			s.sent = true
			if s.flashes.codec.Decode(FlashCookie, ck.Value, &s.in) != nil {
				s.in = nil // forged, damaged or too old: dropped
			}
		}
	}
	return s.in
}

// send sets the response's cookie to out (none: the cookie is removed), just before the
// response is written, so several messages of one request make one cookie.
func (s *flashState) send(out []string) {
	s.out = out
	if s.hooked {
		return
	}
	s.hooked = true
	s.c.Response().Before(func() {
		ck := &http.Cookie{Name: FlashCookie, Path: "/", HttpOnly: true, Secure: s.flashes.secure, SameSite: http.SameSiteLaxMode}
		if len(s.out) == 0 {
			ck.MaxAge = -1
		} else if v, err := s.flashes.codec.Encode(FlashCookie, s.out); err == nil {
			ck.Value, ck.MaxAge = v, int(flashMaxAge.Seconds())
		} else {
			return // cannot happen with strings and a JSON serializer; the messages are lost
		}
		http.SetCookie(s.c.Response().Writer, ck)
	})
}

func stateOf(c echo.Context) *flashState {
	s, _ := c.Get(flashesKey).(*flashState)
	return s
}

// Flash keeps a message for the person's next page (after a redirect). Messages not yet
// shown are kept with it, the newest maxFlashes.
func Flash(c echo.Context, msg string) {
	s := stateOf(c)
	if s == nil {
		return
	}
	if len(msg) > maxFlashLen {
		msg = msg[:maxFlashLen]
	}
	out := s.out
	if !s.hooked {
		out = append([]string(nil), s.incoming()...)
	}
	out = append(out, msg)
	if len(out) > maxFlashes {
		out = out[len(out)-maxFlashes:]
	}
	s.send(out)
}

// takeFlashes removes and returns the messages kept for this page.
func takeFlashes(c echo.Context) []string {
	s := stateOf(c)
	if s == nil || s.hooked {
		return nil // set by this request: they are for the next page
	}
	in := s.incoming()
	if s.sent {
		s.send(nil) // taken, or not to be trusted: either way gone
	}
	return in
}

// Redirect ends a successful POST: a 303 to url, or for an htmx fragment request an
// HX-Redirect, so htmx loads url as a whole page.
func Redirect(c echo.Context, url string) error {
	if IsPartial(c) {
		c.Response().Header().Set("HX-Redirect", url)
		return c.NoContent(200)
	}
	return c.Redirect(303, url)
}
