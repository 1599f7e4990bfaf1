package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
)

// Static serves the embedded files under /static/ and names each with a hash of its
// content (/static/css/tugi.css?v=1a2b3c4d5e6f), so browsers may keep them for a year and
// still fetch a changed file at once. A file of 1 KiB or more is compressed once, when
// Tugi starts, at gzip's best level, and sent so to a client that accepts gzip: no
// request compresses it again (the infrastructure's routes go without the compression
// middleware, which cost every /healthz as much as its log line).
type Static struct {
	hashes map[string]string      // file path -> short content hash
	files  map[string]*staticFile // file path -> its content
}

type staticFile struct {
	raw, gz     []byte // gz: nil when compressing does not pay
	contentType string
}

// NewStatic hashes and compresses every file in fsys.
func NewStatic(fsys fs.FS) (*Static, error) {
	s := &Static{hashes: map[string]string{}, files: map[string]*staticFile{}}
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
		f := &staticFile{raw: b, contentType: mime.TypeByExtension(path.Ext(p))}
		if f.contentType == "" {
			f.contentType = http.DetectContentType(b)
		}
		if len(b) >= 1024 {
			var z bytes.Buffer
			zw, err := gzip.NewWriterLevel(&z, gzip.BestCompression)
			if err != nil {
				return err
			}
			if _, err := zw.Write(b); err != nil {
				return err
			}
			if err := zw.Close(); err != nil {
				return err
			}
			if z.Len() < len(b)*9/10 {
				f.gz = z.Bytes()
			}
		}
		s.files[p] = f
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
	f := s.files[p]
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
	if f.gz == nil {
		return c.Blob(http.StatusOK, f.contentType, f.raw)
	}
	hdr.Add("Vary", "Accept-Encoding")
	if !acceptsGzip(c.Request().Header.Values("Accept-Encoding")) {
		return c.Blob(http.StatusOK, f.contentType, f.raw)
	}
	hdr.Set("Content-Encoding", "gzip")
	return c.Blob(http.StatusOK, f.contentType, f.gz)
}

// acceptsGzip reports whether Accept-Encoding values accept gzip: it, or *, named
// without q=0.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(item, ";")
			name = strings.TrimSpace(name)
			if !strings.EqualFold(name, "gzip") && name != "*" {
				continue
			}
			q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
			if !ok {
				return true
			}
			if f, err := strconv.ParseFloat(q, 64); err == nil && f > 0 {
				return true
			}
		}
	}
	return false
}
