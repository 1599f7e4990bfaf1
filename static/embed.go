// Package static holds the files Tugi serves under /static/: its stylesheet and script,
// and vendored front-end libraries (see vendor/README.md), embedded into the binary.
package static

import "embed"

// FS holds the static files, by their path under static/.
//
//go:embed css/*.css js/*.js img/*.svg vendor/*.js
var FS embed.FS
