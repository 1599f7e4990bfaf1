package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestAssignRequestIDKeepsOnlySaneIncomingIDs(t *testing.T) {
	e := echo.New()
	var seen string
	h := AssignRequestID()(func(c echo.Context) error {
		seen = RequestID(c)
		return c.NoContent(http.StatusNoContent)
	})
	for _, tt := range []struct {
		incoming string
		kept     bool
	}{
		{"", false},
		{"abc", false},
		{"proxy-1234.abcd_EF", true},
		{"evil\nlevel=ERROR msg=forged", false},
		{"0123456789012345678901234567890123456789012345678901234567890123456789", false},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if tt.incoming != "" {
			req.Header.Set(echo.HeaderXRequestID, tt.incoming)
		}
		rec := httptest.NewRecorder()
		if err := h(e.NewContext(req, rec)); err != nil {
			t.Fatal(err)
		}
		got := rec.Header().Get(echo.HeaderXRequestID)
		if got != seen || !validRequestID(got) {
			t.Errorf("incoming %q: response id %q, handler saw %q", tt.incoming, got, seen)
		}
		if kept := got == tt.incoming; kept != tt.kept {
			t.Errorf("incoming %q: kept = %v, want %v", tt.incoming, kept, tt.kept)
		}
	}
}
