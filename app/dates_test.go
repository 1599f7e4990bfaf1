package app_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNoEnglishDatesOutsideWeb fails when Go code outside app/web writes a month's or a
// weekday's name itself: a Format layout with "Jan" or "Mon" in it (January, Monday, and
// time.RFC1123 and the like), or a Month's or Weekday's String. Such a date reaches an
// Estonian reader in English (issue 21); app/web's DateIn, DayIn, ShortIn and WhenIn
// write it in the reader's language. Machine data has layouts without names (ISO 8601:
// time.RFC3339, time.DateOnly).
func TestNoEnglishDatesOutsideWeb(t *testing.T) {
	pkgs := goPackages(t)
	checked := 0
	for _, dir := range sortedKeys(pkgs) {
		if dir == "app/web" {
			continue
		}
		for _, bad := range englishDates(pkgs[dir]) {
			t.Errorf("%s: %s: write dates for people with app/web's DateIn, DayIn, ShortIn or WhenIn, in the reader's language", dir, bad)
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("checked %d packages; the walk found too few", checked)
	}
	// Templates print dates with date, second, day and weekday (app/web/render.go), not
	// with a layout of their own that names months or weekdays.
	views, err := filepath.Glob(filepath.Join(root, "views", "*", "*.html"))
	if err != nil || len(views) < 20 {
		t.Fatalf("found %d templates (%v)", len(views), err)
	}
	for _, v := range views {
		b, err := os.ReadFile(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range templateLayout.FindAllStringSubmatch(string(b), -1) {
			if strings.Contains(m[1], "Jan") || strings.Contains(m[1], "Mon") {
				t.Errorf("%s: .Format %q: print dates with date, second, day or weekday, in the page's language", rel(v), m[1])
			}
		}
	}
}

// templateLayout finds a template's own date layout: {{.At.Format "2 Jan 2006"}}.
var templateLayout = regexp.MustCompile(`\.Format\s+"([^"]*)"`)

// TestEnglishDatesFound shows that englishDates finds what it looks for, however the
// layout is written, and lets ISO 8601 and times without names be.
func TestEnglishDatesFound(t *testing.T) {
	src := `package x

import "time"

const layout = "2 Jan 2006"
const clock = "15:04 MST"

func f(t time.Time, b []byte) {
	_ = t.Format("2 Jan 2006 15:04 MST") // 1
	_ = t.Format(layout)                  // 2
	_ = t.Format("Monday " + clock)       // 3
	_ = t.Format(time.RFC1123)            // 4
	_ = t.AppendFormat(b, "January 2")    // 5
	_ = t.Month().String()                // 6
	_ = t.Weekday().String()              // 7
	_ = t.Format(clock)
	_ = t.Format(time.RFC3339)
	_ = t.Format("2006-01-02T15:04")
	_ = t.AppendFormat(b, time.DateOnly)
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	p := &goPackage{dir: "x", fset: fset, files: []*ast.File{f}, consts: map[string]ast.Expr{}, all: map[string]*goPackage{}}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				p.consts[vs.Names[0].Name] = vs.Values[0]
			}
		}
	}
	var lines []int
	for _, bad := range englishDates(p) {
		_, at, _ := strings.Cut(bad, ":")
		n, err := strconv.Atoi(strings.Fields(at)[0])
		if err != nil {
			t.Fatalf("%q: %v", bad, err)
		}
		lines = append(lines, n)
	}
	if want := []int{9, 10, 11, 12, 13, 14, 15}; !slices.Equal(lines, want) {
		t.Errorf("found English dates on lines %v, want %v", lines, want)
	}
}

// timeLayouts are the time package's layouts, by name.
var timeLayouts = map[string]string{
	"Layout": time.Layout, "ANSIC": time.ANSIC, "UnixDate": time.UnixDate, "RubyDate": time.RubyDate,
	"RFC822": time.RFC822, "RFC822Z": time.RFC822Z, "RFC850": time.RFC850, "RFC1123": time.RFC1123,
	"RFC1123Z": time.RFC1123Z, "RFC3339": time.RFC3339, "RFC3339Nano": time.RFC3339Nano, "Kitchen": time.Kitchen,
	"Stamp": time.Stamp, "StampMilli": time.StampMilli, "StampMicro": time.StampMicro, "StampNano": time.StampNano,
	"DateTime": time.DateTime, "DateOnly": time.DateOnly, "TimeOnly": time.TimeOnly,
}

// englishDates lists where p writes an English month or weekday name ("file:line what"):
// a Format or AppendFormat whose layout names one ("Jan", "January", "Mon", "Monday"),
// or cannot be read (a layout in a variable), and a Month().String() or Weekday().String().
func englishDates(p *goPackage) []string {
	var out []string
	for _, f := range p.files {
		imports := fileImports(f)
		at := func(n ast.Node) string {
			pos := p.fset.Position(n.Pos())
			return filepath.Base(pos.Filename) + ":" + strconv.Itoa(pos.Line)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			var layout ast.Expr
			switch {
			case sel.Sel.Name == "Format" && len(call.Args) == 1:
				layout = call.Args[0]
			case sel.Sel.Name == "AppendFormat" && len(call.Args) == 2:
				layout = call.Args[1]
			case sel.Sel.Name == "String" && len(call.Args) == 0:
				if inner, ok := sel.X.(*ast.CallExpr); ok {
					if s, ok := inner.Fun.(*ast.SelectorExpr); ok && (s.Sel.Name == "Month" || s.Sel.Name == "Weekday") && len(inner.Args) == 0 {
						out = append(out, at(call)+" "+s.Sel.Name+"().String()")
					}
				}
				return true
			default:
				return true
			}
			text, ok := "", false
			if s, isSel := layout.(*ast.SelectorExpr); isSel {
				if x, isIdent := s.X.(*ast.Ident); isIdent && imports[x.Name] == "time" {
					text, ok = timeLayouts[s.Sel.Name]
				}
			}
			if !ok {
				var s goString
				ok = p.eval(layout, imports, &s, 0)
				text = s.text
			}
			switch {
			case !ok:
				out = append(out, at(call)+" a layout this test cannot read")
			case strings.Contains(text, "Jan") || strings.Contains(text, "Mon"):
				out = append(out, at(call)+" "+strconv.Quote(text))
			}
			return true
		})
	}
	return out
}
