package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// flashServer answers POST /say?m=... with a flash of each m and a redirect, and GET /
// with the flashes it takes, one a line; flashes are signed with key.
func flashServer(key string) *echo.Echo {
	e := echo.New()
	e.Use(NewFlashes([]byte(key), false).Middleware())
	e.POST("/say", func(c echo.Context) error {
		for _, m := range c.QueryParams()["m"] {
			Flash(c, m)
		}
		return Redirect(c, "/")
	})
	e.GET("/", func(c echo.Context) error {
		return c.String(http.StatusOK, strings.Join(takeFlashes(c), "\n"))
	})
	return e
}

// browser keeps the cookies a server sets, as a browser does, for one test.
type browser struct {
	t       *testing.T
	e       *echo.Echo
	cookies map[string]string
}

// do sends a request and fails the test unless the answer's status is want.
func (b *browser) do(method, target string, want int) *httptest.ResponseRecorder {
	b.t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for name, value := range b.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	rec := httptest.NewRecorder()
	b.e.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 {
			delete(b.cookies, ck.Name)
		} else {
			b.cookies[ck.Name] = ck.Value
		}
	}
	if rec.Code != want {
		b.t.Fatalf("%s %s: status %d, want %d", method, target, rec.Code, want)
	}
	return rec
}

func (b *browser) page() []string {
	b.t.Helper()
	body := b.do(http.MethodGet, "/", http.StatusOK).Body.String()
	if body == "" {
		return nil
	}
	return strings.Split(body, "\n")
}

const testKey = "0123456789abcdef0123456789abcdef"

func TestFlashShownOnceOnTheNextPage(t *testing.T) {
	b := &browser{t: t, e: flashServer(testKey), cookies: map[string]string{}}
	if got := b.page(); got != nil {
		t.Fatalf("flashes before any: %q", got)
	}
	rec := b.do(http.MethodPost, "/say?m=Saved.&m=Support+is+closed+now.", http.StatusSeeOther)
	if n := strings.Count(strings.Join(rec.Header().Values("Set-Cookie"), "\n"), FlashCookie+"="); n != 1 {
		t.Errorf("two flashes of one request set the cookie %d times, want once", n)
	}
	if got, want := b.page(), []string{"Saved.", "Support is closed now."}; !slices.Equal(got, want) {
		t.Errorf("next page: %q, want %q", got, want)
	}
	if got := b.page(); got != nil {
		t.Errorf("the page after: %q, want none", got)
	}
	if _, ok := b.cookies[FlashCookie]; ok {
		t.Error("the flash cookie is still kept after its messages were shown")
	}
}

func TestFlashKeptUntilShown(t *testing.T) {
	b := &browser{t: t, e: flashServer(testKey), cookies: map[string]string{}}
	for i := 1; i <= maxFlashes+2; i++ {
		b.do(http.MethodPost, fmt.Sprintf("/say?m=Ticket+%d+saved.", i), http.StatusSeeOther)
	}
	got := b.page()
	var want []string
	for i := 3; i <= maxFlashes+2; i++ {
		want = append(want, fmt.Sprintf("Ticket %d saved.", i))
	}
	if !slices.Equal(got, want) {
		t.Errorf("after %d changes without a page between: %q, want the newest %d: %q", maxFlashes+2, got, maxFlashes, want)
	}
	long := strings.Repeat("x", 2*maxFlashLen)
	b.do(http.MethodPost, "/say?m="+long, http.StatusSeeOther)
	if got := b.page(); len(got) != 1 || len(got[0]) != maxFlashLen {
		t.Errorf("a long message: %d messages, the first %d bytes; want one of %d", len(got), len(got[0]), maxFlashLen)
	}
}

func TestFlashRefusesForgedCookies(t *testing.T) {
	b := &browser{t: t, e: flashServer(testKey), cookies: map[string]string{}}
	b.do(http.MethodPost, "/say?m=Saved.", http.StatusSeeOther)
	signed := b.cookies[FlashCookie]

	// Signed with another key: another installation, or someone guessing.
	other := &browser{t: t, e: flashServer(strings.Repeat("k", 32)), cookies: map[string]string{}}
	other.do(http.MethodPost, "/say?m=Call+0800+123+456+now.", http.StatusSeeOther)
	for name, value := range map[string]string{
		"another key":          other.cookies[FlashCookie],
		"altered":              signed[:len(signed)-2] + "AA",
		"not a cookie of ours": "WyJDYWxsIDA4MDAgMTIzIDQ1NiBub3cuIl0",
	} {
		b.cookies = map[string]string{FlashCookie: value}
		if got := b.page(); got != nil {
			t.Errorf("%s: shown %q", name, got)
		}
		if _, ok := b.cookies[FlashCookie]; ok {
			t.Errorf("%s: the cookie is kept", name)
		}
	}
	b.cookies = map[string]string{FlashCookie: signed}
	if got := b.page(); !slices.Equal(got, []string{"Saved."}) {
		t.Errorf("the genuine cookie: %q", got)
	}
}
