package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// Static serves the embedded files under /static/ and names each with a hash of its
// content (/static/css/tugi.css?v=1a2b3c4d5e6f), so browsers may keep them for a year and
// still fetch a changed file at once.
type Static struct {
	fsys   fs.FS
	hashes map[string]string // file path -> short content hash
}

// NewStatic hashes every file in fsys.
func NewStatic(fsys fs.FS) (*Static, error) {
	s := &Static{fsys: fsys, hashes: map[string]string{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		s.hashes[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	return s, err
}

// URL returns the versioned address of the file at p (relative to static/). An unknown
// file is a mistake in a template; it panics so start-up or the first test finds it.
func (s *Static) URL(p string) string {
	h, ok := s.hashes[p]
	if !ok {
		panic("web: no static file " + p)
	}
	return "/static/" + p + "?v=" + h
}

// Handler serves GET /static/*.
func (s *Static) Handler(c echo.Context) error {
	p := strings.TrimPrefix(path.Clean("/"+c.Param("*")), "/")
	h, ok := s.hashes[p]
	if !ok {
		return echo.ErrNotFound
	}
	b, err := fs.ReadFile(s.fsys, p)
	if err != nil {
		return err
	}
	hdr := c.Response().Header()
	if c.QueryParam("v") == h {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	hdr.Set("ETag", `"`+h+`"`)
	if c.Request().Header.Get("If-None-Match") == `"`+h+`"` {
		return c.NoContent(http.StatusNotModified)
	}
	ct := mime.TypeByExtension(path.Ext(p))
	if ct == "" {
		ct = http.DetectContentType(b)
	}
	return c.Blob(http.StatusOK, ct, b)
}
