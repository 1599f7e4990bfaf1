package web

import (
	"fmt"

	"github.com/labstack/echo/v4"
)

// Flash keeps a message for the person's next page (after a redirect). It needs a session;
// without one (nobody signed in and none started) the message is dropped.
func Flash(c echo.Context, msg string) error {
	s := SessionOf(c)
	if s == nil {
		return nil
	}
	s.AddFlash(msg)
	if err := s.Save(c.Request(), c.Response()); err != nil {
		return fmt.Errorf("web: save flash: %w", err)
	}
	return nil
}

// takeFlashes removes and returns the messages kept for this page.
func takeFlashes(c echo.Context) ([]string, error) {
	s := SessionOf(c)
	if s == nil {
		return nil, nil
	}
	fs := s.Flashes()
	if len(fs) == 0 {
		return nil, nil
	}
	if err := s.Save(c.Request(), c.Response()); err != nil {
		return nil, fmt.Errorf("web: save session after reading flashes: %w", err)
	}
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		if s, ok := f.(string); ok {
			out = append(out, s)
		}
	}
	return out, nil
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
