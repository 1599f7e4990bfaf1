package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// csrfStateKey is where the CSRF middleware leaves what a page needs to make its token.
const csrfStateKey = "tugi.csrf"

// csrfSecretLen is the length in bytes of a CSRF secret, of its pre-session cookie's
// random value, and of each response's one-time pad.
const csrfSecretLen = 32

// CSRFOptions configure the CSRF middleware.
type CSRFOptions struct {
	// Key is the server's secret key; a token is an HMAC under it, so nobody without it
	// can make one.
	Key []byte
	// Secure marks the pre-session cookie Secure and names it with the __Host- prefix,
	// which a sibling site cannot set.
	Secure bool
	// MaxAge is how long the pre-session cookie lasts.
	MaxAge time.Duration
}

// csrfState is what the middleware learnt of the request, for NewPage and RenewCSRF.
type csrfState struct {
	key    []byte
	cookie string // the pre-session cookie's name
	secure bool
	pre    string // the pre-session value, "" when renewed
}

// CSRFCookieName is the name of the pre-session cookie: __Host-tugi_csrf over HTTPS,
// which only Tugi's own host may set, tugi_csrf otherwise.
func CSRFCookieName(secure bool) string {
	if secure {
		return "__Host-" + CSRFCookie
	}
	return CSRFCookie
}

// CSRF is middleware that refuses a state-changing request without a token bound to the
// person's session. It must run after the session is loaded (SetSession).
//
// The secret a token proves is an HMAC under the server key of the session's cookie
// token, or, before sign-in, of a random pre-session cookie: a token from another session
// (or a cookie another site of the same domain planted) does not match. The secret is
// never sent as is: each page gets a fresh one-time pad and the pad XORed with the secret,
// so no two responses carry the same token and compression beside reflected input learns
// nothing of it (BREACH). The token is read only from the X-CSRF-Token header or the
// form field _csrf of the request's body, never from the URL.
//
// A browser that says the request came from Tugi's own pages (Sec-Fetch-Site:
// same-origin, or none for one the person typed) needs no token; one from a sibling site
// (same-site) needs it; any other is refused (CSRFSecFetchSite).
func CSRF(o CSRFOptions) echo.MiddlewareFunc {
	name := CSRFCookieName(o.Secure)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			st := &csrfState{key: o.Key, cookie: name, secure: o.Secure}
			c.Set(csrfStateKey, st)
			c.Response().Header().Add(echo.HeaderVary, echo.HeaderCookie)
			if ck, err := c.Cookie(name); err == nil && validPreSession(ck.Value) {
				st.pre = ck.Value
			} else if !hasSession(c) {
				st.pre = randomToken()
				c.SetCookie(&http.Cookie{Name: name, Value: st.pre, Path: "/", MaxAge: int(o.MaxAge.Seconds()),
					HttpOnly: true, Secure: o.Secure, SameSite: http.SameSiteLaxMode})
			}
			if safeMethod(c.Request().Method) {
				return next(c)
			}
			switch c.Request().Header.Get(echo.HeaderSecFetchSite) {
			case "same-origin", "none":
				return next(c)
			case "", "same-site":
			default:
				return CSRFError(errors.New("cross-site request"), c)
			}
			secret, ok := st.secret(c)
			if !ok {
				return CSRFError(errors.New("no session and no pre-session cookie"), c)
			}
			// Either may be stale while the other is fresh (a page that htmx swapped in
			// under an older body's hx-headers): one token that matches is enough.
			if unmaskMatches(c.Request().Header.Get("X-CSRF-Token"), secret) ||
				unmaskMatches(c.Request().PostFormValue(CSRFField), secret) {
				return next(c)
			}
			return CSRFError(errors.New("no token matching the session"), c)
		}
	}
}

// CSRFToken returns a token for the page the request is answered with: freshly masked,
// so it differs on every call, and "" on a request the CSRF middleware did not see.
func CSRFToken(c echo.Context) string {
	st, _ := c.Get(csrfStateKey).(*csrfState)
	if st == nil {
		return ""
	}
	secret, ok := st.secret(c)
	if !ok {
		return ""
	}
	pad := make([]byte, csrfSecretLen)
	_, _ = rand.Read(pad) // crypto/rand.Read does not fail on Linux
	out := make([]byte, 2*csrfSecretLen)
	copy(out, pad)
	subtle.XORBytes(out[csrfSecretLen:], pad, secret)
	return base64.RawURLEncoding.EncodeToString(out)
}

// RenewCSRF drops the request's pre-session CSRF cookie, so that a token seen before
// sign-in or sign-out is worth nothing after it: done at both. Signed in, tokens are bound
// to the session, which sign-in and sign-out replace.
func RenewCSRF(c echo.Context) {
	st, _ := c.Get(csrfStateKey).(*csrfState)
	if st == nil {
		return
	}
	st.pre = ""
	c.SetCookie(&http.Cookie{Name: st.cookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: st.secure, SameSite: http.SameSiteLaxMode})
}

// secret is the request's CSRF secret: bound to its session when it has one that is
// stored, else to its pre-session cookie. ok is false when it has neither.
func (st *csrfState) secret(c echo.Context) ([]byte, bool) {
	m := hmac.New(sha256.New, st.key)
	switch s := SessionOf(c); {
	case s != nil && !s.IsNew && s.ID != "":
		m.Write([]byte("tugi-csrf-session\x00" + s.ID))
	case st.pre != "":
		m.Write([]byte("tugi-csrf-pre-session\x00" + st.pre))
	default:
		return nil, false
	}
	return m.Sum(nil), true
}

// hasSession reports whether the request has a stored session.
func hasSession(c echo.Context) bool {
	s := SessionOf(c)
	return s != nil && !s.IsNew
}

// unmaskMatches reports whether tok is a pad and the pad XORed with secret.
func unmaskMatches(tok string, secret []byte) bool {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 2*csrfSecretLen {
		return false
	}
	got := make([]byte, csrfSecretLen)
	subtle.XORBytes(got, b[:csrfSecretLen], b[csrfSecretLen:])
	return subtle.ConstantTimeCompare(got, secret) == 1
}

// validPreSession reports whether v looks like a value randomToken made.
func validPreSession(v string) bool {
	b, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil && len(b) == csrfSecretLen
}

// randomToken returns csrfSecretLen random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, csrfSecretLen)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail on Linux
	return base64.RawURLEncoding.EncodeToString(b)
}

// safeMethod reports whether method changes nothing, and so needs no token.
func safeMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}
