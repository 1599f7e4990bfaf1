// Package views holds Tugi's html/template files, embedded into the binary: layouts/ and
// partials/ shared by every page, and one folder of pages per feature.
package views

import "embed"

// FS holds the templates.
//
//go:embed */*.html
var FS embed.FS
