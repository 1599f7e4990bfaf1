package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/labstack/echo/v4"

	"tugi/static"
)

// The vendored htmx is the file its README pins: someone updating it must update the
// table, and a file changed by accident (or on purpose) is noticed.
func TestVendoredFilesMatchREADME(t *testing.T) {
	readme, err := os.ReadFile("../../static/vendor/README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\|.*\\| `([0-9a-f]{64})` \\|")
	rows := row.FindAllStringSubmatch(string(readme), -1)
	if len(rows) == 0 {
		t.Fatal("no file with a SHA-256 in static/vendor/README.md")
	}
	listed := map[string]bool{}
	for _, r := range rows {
		name, want := r[1], r[2]
		listed[name] = true
		b, err := fs.ReadFile(static.FS, "vendor/"+name)
		if err != nil {
			t.Errorf("%s is in the README but not embedded: %v", name, err)
			continue
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: SHA-256 %s, README says %s", name, got, want)
		}
	}
	vendored, _ := fs.Glob(static.FS, "vendor/*")
	for _, f := range vendored {
		if !listed[strings.TrimPrefix(f, "vendor/")] {
			t.Errorf("%s is vendored but not in the README", f)
		}
	}
	if !listed["htmx-2.0.11.min.js"] {
		t.Error("htmx-2.0.11.min.js is not in the README")
	}
}

func TestStaticURL(t *testing.T) {
	fsys := fstest.MapFS{"css/a.css": {Data: []byte("body{}")}, "js/b.js": {Data: []byte("1")}}
	s, err := NewStatic(fsys)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("body{}"))
	if got, want := s.URL("css/a.css"), "/static/css/a.css?v="+hex.EncodeToString(sum[:6]); got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	if s.URL("css/a.css") == strings.Replace(s.URL("js/b.js"), "js/b.js", "css/a.css", 1) {
		t.Error("two different files have the same version")
	}
	defer func() {
		if recover() == nil {
			t.Error("URL of a missing file did not panic")
		}
	}()
	s.URL("css/missing.css")
}

func TestStaticHandler(t *testing.T) {
	s, err := NewStatic(static.FS)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.GET("/static/*", s.Handler)
	get := func(target string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	versioned := s.URL("css/tugi.css")
	rec := get(versioned)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("%s: %d, Cache-Control %q", versioned, rec.Code, rec.Header().Get("Cache-Control"))
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type %q", ct)
	}
	if rec := get("/static/css/tugi.css"); rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("unversioned: %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	if rec := get(versioned, "If-None-Match", rec.Header().Get("ETag")); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d with %d bytes", rec.Code, rec.Body.Len())
	}
	// Compressed once at start-up, sent so to a client that accepts gzip.
	raw, err := fs.ReadFile(static.FS, "css/tugi.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		accept string
		gzip   bool
	}{{"gzip", true}, {"br, gzip;q=0.5", true}, {"*", true}, {"", false}, {"identity", false}, {"gzip;q=0", false}} {
		rec := get(versioned, "Accept-Encoding", tt.accept)
		body := rec.Body.Bytes()
		if got := rec.Header().Get("Content-Encoding") == "gzip"; got != tt.gzip {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q", tt.accept, rec.Header().Get("Content-Encoding"))
			continue
		}
		if tt.gzip {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(body, raw) || rec.Header().Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: %d bytes (Vary %q), not the file's %d", tt.accept, len(body), rec.Header().Get("Vary"), len(raw))
		}
	}
	for _, p := range []string{"/static/embed.go", "/static/../../go.mod", "/static/css", "/static/", "/static/vendor/README.md"} {
		if rec := get(p); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, rec.Code)
		}
	}
}
