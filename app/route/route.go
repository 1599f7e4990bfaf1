// Package route holds what a route of Tugi is: its kind, the rule of who may use it, the sign-in
// strength it needs and its handler. Each feature exports its routes; app/server joins them into
// the one table and lets its middleware read each route's kind.
package route

import (
	"github.com/labstack/echo/v4"

	"tugi/app/access"
)

// Kind says what a route is, and so what the middleware does with its requests: whether it
// takes an admission slot, is compressed, how large a body it accepts and how long its
// connection may take to read the request and write the answer. The middleware reads the
// kind; no list of paths is kept beside the route table.
type Kind int

// The kinds of route.
const (
	// Page is a page or fragment read from the database and rendered: admitted, compressed,
	// short deadlines. A GET.
	Page Kind = iota
	// Form is a small form posted (2 MB at most): admitted, compressed, short deadlines.
	Form
	// Upload is a form that may carry files: its body may be as large as its files allow
	// and may take minutes to arrive, so it is read first, its files into temporary files;
	// then it takes a slot of the uploads' own (not the pages'), and gets the long read
	// deadline.
	Upload
	// Download is a file sent as stored (mostly compressed already): not compressed, no
	// admission slot, the long write deadline.
	Download
	// Stream is a long-lived response (server-sent events): no admission slot, never
	// compressed or buffered, and no write deadline at all.
	Stream
	// Infra is the infrastructure's own (health, readiness, metrics, static files): no
	// session, no CSRF, no admission slot.
	Infra
)

// String names the kind for route listings and tests.
func (k Kind) String() string {
	switch k {
	case Page:
		return "page"
	case Form:
		return "form"
	case Upload:
		return "upload"
	case Download:
		return "download"
	case Stream:
		return "stream"
	case Infra:
		return "infra"
	}
	return "unknown"
}

// Route is one entry of the route table: what it is, who may use it, how strong their
// sign-in must be, and its handler. Each feature exports its routes; app/server joins them.
type Route struct {
	Method   string
	Path     string
	Kind     Kind
	Rule     access.Rule
	Strength access.Strength
	Handler  echo.HandlerFunc
}
