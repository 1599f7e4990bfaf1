package i18n_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	pathpkg "path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template/parse"
	"time"

	"tugi/app/access"
	"tugi/app/i18n"
	"tugi/app/incident"
	"tugi/app/sla"
	"tugi/app/ticket"
)

// The repository's folders, relative to this package.
const (
	root     = "../.."
	viewsDir = root + "/views"
)

var goDirs = []string{root + "/app", root + "/cmd"}

// TestEveryMessageIsTranslated finds every English message a person can read, from the
// templates and the Go code (see collectMessages), and fails naming each one a
// catalogue lacks.
func TestEveryMessageIsTranslated(t *testing.T) {
	msgs := collectMessages(t)
	for _, l := range i18n.Languages {
		if l.Code == "en" {
			continue
		}
		cat := i18n.Catalogues[l.Code]
		var missing []string
		for _, m := range sortedKeys(msgs.where) {
			if _, ok := cat[m]; !ok {
				missing = append(missing, fmt.Sprintf("\t%q: \"\", // %s", m, msgs.describe(m)))
			}
		}
		if len(missing) > 0 {
			t.Errorf("%d of %d messages are missing from the %q catalogue (app/i18n/%s.go); each is shown in English:\n%s",
				len(missing), len(msgs.where), l.Code, l.Code, strings.Join(missing, "\n"))
		}
	}
}

// TestNoStaleTranslations fails on catalogue entries for messages Tugi no longer shows:
// an edited English text leaves its old translation behind, and the new text is shown
// in English until someone notices.
func TestNoStaleTranslations(t *testing.T) {
	msgs := collectMessages(t)
	if t.Failed() {
		t.Fatal("some messages could not be collected (see above), so no entry can be called stale")
	}
	for _, lang := range sortedKeys(i18n.Catalogues) {
		var stale []string
		for _, key := range sortedKeys(i18n.Catalogues[lang]) {
			if _, ok := msgs.where[key]; !ok {
				stale = append(stale, fmt.Sprintf("\t%q", key))
			}
		}
		if len(stale) > 0 {
			t.Errorf("%d entries of the %q catalogue are for messages no template or code shows any more. "+
				"Remove them, or, if one is still shown, teach collectMessages in this file where it comes from:\n%s",
				len(stale), lang, strings.Join(stale, "\n"))
		}
	}
}

// messages is what collectMessages found.
type messages struct {
	where   map[string][]string // each English message → where it comes from: a file, or file:line
	sources map[string][]string // each English message → the kinds of source it comes from
	counts  map[string][2]int   // per kind of source: places, distinct messages
	seen    map[string]map[string]bool
}

// describe says where msg comes from, briefly.
func (m *messages) describe(msg string) string {
	w := m.where[msg]
	if len(w) > 3 {
		w = append(w[:3:3], fmt.Sprintf("and %d more", len(m.where[msg])-3))
	}
	return strings.Join(w, ", ") + " (" + strings.Join(m.sources[msg], "; ") + ")"
}

func (m *messages) add(source, where, msg string) {
	if strings.TrimSpace(msg) == "" {
		return
	}
	if m.seen[source] == nil {
		m.seen[source] = map[string]bool{}
	}
	c := m.counts[source]
	if !m.seen[source][where+"\x00"+msg] {
		m.seen[source][where+"\x00"+msg] = true
		c[0]++
	}
	if !m.seen[source][msg] {
		m.seen[source][msg] = true
		c[1]++
	}
	m.counts[source] = c
	if !slices.Contains(m.where[msg], where) {
		m.where[msg] = append(m.where[msg], where)
	}
	if !slices.Contains(m.sources[msg], source) {
		m.sources[msg] = append(m.sources[msg], source)
	}
}

var (
	collectOnce sync.Once
	collected   *messages
	collectErrs []string
)

// collectMessages finds every English message a person can read:
//
//   - in the templates under views/, the string literal given to .T or $.T;
//   - in the Go code under app/ and cmd/ (test files aside), the string literals given
//     as the message to i18n.T, as the title to NewPage, and as the message to Fail
//     (web.Form's) and to the sign-in handler's fail. A variable given there brings in
//     the literals assigned to it in that function; a parameter brings in what the
//     function's callers pass in its place (as renderUserForm's title does); a call of
//     a function of the same package brings in what that function returns;
//   - the literals returned or assigned in message (app/web: validation messages),
//     errorMessage (app/user: directory errors), the Heading and Message of the error
//     pages (app/web ErrorHandler), the Labels of the navigation (NavItem), the About of
//     the background jobs (job.Job) and those returned by Role.Label (app/access);
//   - at run time: every role's Label.
//
// The names of i18n.Languages are exempt: each is written in its own language. A
// template that translates something other than a literal or one of the values known
// above is reported, so a new source of messages cannot slip past this test.
func collectMessages(t *testing.T) *messages {
	t.Helper()
	collectOnce.Do(func() {
		m := &messages{where: map[string][]string{}, sources: map[string][]string{}, counts: map[string][2]int{},
			seen: map[string]map[string]bool{}}
		var errs []string
		errs = append(errs, collectTemplates(m)...)
		errs = append(errs, collectGo(m)...)
		errs = append(errs, collectRunTime(m)...)
		for _, l := range i18n.Languages {
			delete(m.where, l.Name)
		}
		collected, collectErrs = m, errs
	})
	for _, e := range collectErrs {
		t.Error(e)
	}
	if collected == nil || len(collected.where) == 0 {
		t.Fatal("found no messages at all")
	}
	if testing.Verbose() {
		var b strings.Builder
		for _, s := range sortedKeys(collected.counts) {
			c := collected.counts[s]
			fmt.Fprintf(&b, "\n\t%-40s %4d places, %4d messages", s, c[0], c[1])
		}
		t.Logf("%d distinct messages:%s", len(collected.where), b.String())
	}
	return collected
}

// ---- Templates ----

// knownDynamic are the non-literal arguments templates give .T, and where their
// messages come from; collectGo and collectRunTime collect those.
var knownDynamic = []struct{ re, source string }{
	{`^\.Title$`, "page titles given to NewPage"},
	{`^\.Data\.(Heading|Message)$`, "error pages of ErrorHandler"},
	{`^\.Label$`, "NavItem labels"},
	{`^\.$`, "form field messages given to Fail"},
	{`^\(?roleLabel .+$`, "Role.Label"}, // a parenthesised pipeline prints without its parentheses
	{`^\.Priority\.Label$`, "sla.Priority.Label"},
	{`^\.Weekday$`, "weekday names"},
	{`^\.About$`, "job descriptions (job.Job)"},
	{`^(\$t)?\.(Status\.(Label|CustomerLabel)|OtherStatus\.Label|Priority\.Label|Impact\.Label|Channel\.Label)$`, "ticket labels (app/ticket)"},
	{`^\$i\.(State|PersonalData)\.Label$`, "incident labels (app/incident)"},
}

func collectTemplates(m *messages) (errs []string) {
	err := filepath.WalkDir(viewsDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".html" {
			return err
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(filepath.ToSlash(path), root+"/")
		tree := parse.New(name)
		tree.Mode = parse.SkipFuncCheck
		trees := map[string]*parse.Tree{}
		if _, err := tree.Parse(string(text), "", "", trees); err != nil {
			return err
		}
		for _, tr := range trees {
			walkTemplate(tr.Root, func(cmd, prev *parse.CommandNode) {
				if len(cmd.Args) == 0 || !isT(cmd.Args[0]) {
					return
				}
				if len(cmd.Args) == 1 && prev != nil && len(prev.Args) == 1 {
					// {{"…" | .T}}: the message comes down the pipeline.
					if s, ok := prev.Args[0].(*parse.StringNode); ok {
						m.add("templates", name, s.Text)
						return
					}
				}
				if len(cmd.Args) < 2 {
					errs = append(errs, fmt.Sprintf("%s:%d: %s: T without a message (given by a pipeline?); the test cannot see it",
						name, lineOf(text, cmd.Position()), cmd))
					return
				}
				switch arg := cmd.Args[1].(type) {
				case *parse.StringNode:
					m.add("templates", name, arg.Text)
				default:
					for _, k := range knownDynamic {
						if regexp.MustCompile(k.re).MatchString(arg.String()) {
							return
						}
					}
					errs = append(errs, fmt.Sprintf("%s:%d: {{%s}} translates %s, which this test does not know: "+
						"add where its messages come from to knownDynamic and collectMessages in app/i18n/messages_test.go",
						name, lineOf(text, cmd.Position()), cmd, arg))
				}
			})
		}
		return nil
	})
	if err != nil {
		errs = append(errs, "templates: "+err.Error())
	}
	if m.counts["templates"][0] == 0 {
		errs = append(errs, "found no {{.T \"…\"}} in "+viewsDir)
	}
	return errs
}

// isT reports whether n is the page's T method: .T or $.T, or .Page.T and $.Page.T in a
// partial given a web.Field.
func isT(n parse.Node) bool {
	switch n := n.(type) {
	case *parse.FieldNode:
		return slices.Equal(n.Ident, []string{"T"}) || slices.Equal(n.Ident, []string{"Page", "T"})
	case *parse.VariableNode:
		return slices.Equal(n.Ident, []string{"$", "T"}) || slices.Equal(n.Ident, []string{"$", "Page", "T"})
	}
	return false
}

// walkTemplate calls visit with every command in n, and the command before it in its
// pipeline, if any.
func walkTemplate(n parse.Node, visit func(cmd, prev *parse.CommandNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				walkTemplate(c, visit)
			}
		}
	case *parse.ActionNode:
		walkTemplate(n.Pipe, visit)
	case *parse.PipeNode:
		if n != nil {
			for i, c := range n.Cmds {
				var prev *parse.CommandNode
				if i > 0 {
					prev = n.Cmds[i-1]
				}
				visit(c, prev)
				for _, a := range c.Args {
					walkTemplate(a, visit)
				}
			}
		}
	case *parse.ChainNode:
		walkTemplate(n.Node, visit)
	case *parse.IfNode:
		walkBranch(&n.BranchNode, visit)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, visit)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, visit)
	case *parse.TemplateNode:
		walkTemplate(n.Pipe, visit)
	}
}

func walkBranch(b *parse.BranchNode, visit func(cmd, prev *parse.CommandNode)) {
	walkTemplate(b.Pipe, visit)
	walkTemplate(b.List, visit)
	walkTemplate(b.ElseList, visit)
}

func lineOf(text []byte, pos parse.Pos) int {
	return 1 + strings.Count(string(text[:min(int(pos), len(text))]), "\n")
}

// ---- Go code ----

// goPackage is one folder of Go files.
type goPackage struct {
	dir   string
	files []*ast.File
	funcs map[string][]*ast.FuncDecl // by name; methods too
	calls []call
}

// call is a call expression with the nodes around it, outermost first.
type call struct {
	expr    *ast.CallExpr
	stack   []ast.Node
	imports map[string]bool // the names of the packages its file imports
}

// sink is an argument that is shown to people: the argument at index arg of calls of
// name (a function, a method or a variable holding a function). A sink found by
// following a parameter holds only within its package (pkg).
type sink struct {
	source string
	name   string
	qual   string // for calls written qual.name; "" matches any
	nargs  int    // the calls' number of arguments; 0 for any above arg
	arg    int
	pkg    string
	method bool // calls written pkg.name, for an imported package, are not this one
}

func collectGo(m *messages) (errs []string) {
	fset := token.NewFileSet()
	var pkgs []*goPackage
	for _, dir := range goDirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				p, err := parseDir(fset, path)
				if p != nil {
					pkgs = append(pkgs, p)
				}
				return err
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	pos := func(n ast.Node) string {
		p := fset.Position(n.Pos())
		return fmt.Sprintf("%s:%d", strings.TrimPrefix(filepath.ToSlash(p.Filename), root+"/"), p.Line)
	}

	// Calls whose argument is shown, and those found by following parameters.
	sinks := []sink{
		{source: "i18n.T", qual: "i18n", name: "T", arg: 1},
		{source: "NewPage titles", name: "NewPage", nargs: 2, arg: 1},
		{source: "Fail messages", name: "Fail", nargs: 2, arg: 1},
		{source: "sign-in fail messages", qual: "-", name: "fail", nargs: 2, arg: 1},
		{source: "incident timeline (app/incident)", name: "timelineAction", nargs: 7, arg: 5},
	}
	done := map[string]bool{}
	var returnsOf func(p *goPackage, fn *ast.FuncDecl, source string)
	var resolve func(p *goPackage, c call, e ast.Expr, s sink)
	resolve = func(p *goPackage, c call, e ast.Expr, s sink) {
		switch e := ast.Unparen(e).(type) {
		case *ast.BasicLit:
			if msg, ok := stringLit(e); ok {
				m.add(s.source, pos(e), msg)
			}
		case *ast.CallExpr:
			// A function of this package: what it returns is shown.
			if id, ok := e.Fun.(*ast.Ident); ok {
				for _, fn := range p.funcs[id.Name] {
					if fn.Recv == nil {
						returnsOf(p, fn, s.source+" via "+fn.Name.Name)
					}
				}
			}
			if isSprintf(e) {
				errs = append(errs, fmt.Sprintf("%s: a message formatted before it is translated (%s): "+
					"no catalogue entry can match it; give T the format and its arguments", pos(e), s.source))
			}
		case *ast.Ident:
			fn, params := enclosingFunc(c.stack)
			if fn == nil {
				return
			}
			if i := slices.Index(params, e.Name); i >= 0 {
				// A parameter: what the callers in this package pass in its place is shown.
				// A function is called as name(…), a method as x.name(…) (x not a
				// package), a function literal as the variable it is assigned to.
				d := sink{source: s.source, arg: i, pkg: p.dir, qual: "-"}
				switch fn := fn.(type) {
				case *ast.FuncDecl:
					d.name = fn.Name.Name
					if fn.Recv != nil {
						d.qual, d.method = "", true
					}
				case *ast.FuncLit:
					d.name = assignedName(c.stack, fn)
				}
				if d.name != "" {
					sinks = append(sinks, d)
				}
				return
			}
			// A variable: the literals assigned to it in the function are shown.
			scope := outermostFunc(c.stack)
			if scope == nil {
				return
			}
			ast.Inspect(scope, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					for i, l := range n.Lhs {
						if id, ok := l.(*ast.Ident); ok && id.Name == e.Name && len(n.Rhs) == len(n.Lhs) {
							if msg, ok := stringLit(n.Rhs[i]); ok {
								m.add(s.source, pos(n.Rhs[i]), msg)
							}
						}
					}
				case *ast.ValueSpec:
					for i, id := range n.Names {
						if id.Name == e.Name && len(n.Values) == len(n.Names) {
							if msg, ok := stringLit(n.Values[i]); ok {
								m.add(s.source, pos(n.Values[i]), msg)
							}
						}
					}
				}
				return true
			})
		}
	}
	// returnsOf adds the string literals fn returns or assigns: the messages it chooses
	// between (those given to fmt.Sprintf included).
	returnsOf = func(p *goPackage, fn *ast.FuncDecl, source string) {
		key := p.dir + "." + fn.Name.Name + "/" + source
		if done[key] {
			return
		}
		done[key] = true
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			var exprs []ast.Expr
			switch n := n.(type) {
			case *ast.ReturnStmt:
				exprs = n.Results
			case *ast.AssignStmt:
				exprs = n.Rhs
			default:
				return true
			}
			for _, e := range exprs {
				ast.Inspect(e, func(n ast.Node) bool {
					if msg, ok := stringLit(n); ok {
						m.add(source, pos(n), msg)
					}
					return true
				})
			}
			return true
		})
	}

	for i := 0; i < len(sinks); i++ {
		s := sinks[i]
		key := fmt.Sprintf("%s.%s/%d/%s", s.pkg, s.name, s.arg, s.source)
		if done[key] {
			continue
		}
		done[key] = true
		for _, p := range pkgs {
			if s.pkg != "" && p.dir != s.pkg {
				continue
			}
			for _, c := range p.calls {
				qual, name := callee(c.expr)
				if name != s.name || (s.qual == "-" && qual != "") || (s.qual != "" && s.qual != "-" && qual != s.qual) ||
					(s.method && c.imports[qual]) || (s.nargs != 0 && len(c.expr.Args) != s.nargs) || len(c.expr.Args) <= s.arg {
					continue
				}
				resolve(p, c, c.expr.Args[s.arg], s)
			}
		}
	}

	// The functions that choose messages, named. Each must be found, so that renaming
	// one cannot silently empty this test.
	named := []struct {
		pkg, recv, name, source string
	}{
		{"app/web", "", "message", "validation messages (message)"},
		{"app/user", "", "errorMessage", "directory errors (errorMessage)"},
		{"app/access", "Role", "Label", "role labels (Role.Label)"},
		{"app/ticket", "Link", "Label", "ticket link labels (Link.Label)"},
		{"app/incident", "Store", "CloseRefusals", "incident closing rules (CloseRefusals)"},
	}
	for _, nf := range named {
		found := false
		for _, p := range pkgs {
			if p.dir != root+"/"+nf.pkg {
				continue
			}
			for _, fn := range p.funcs[nf.name] {
				if recvName(fn) == nf.recv {
					found = true
					returnsOf(p, fn, nf.source)
				}
			}
		}
		if !found {
			errs = append(errs, fmt.Sprintf("found no func %s in %s: update collectMessages", nf.name, nf.pkg))
		}
	}

	// The error pages: Heading and Message set in ErrorHandler, or in an ErrorPage
	// literal anywhere.
	for _, p := range pkgs {
		for _, fn := range p.funcs["ErrorHandler"] {
			ast.Inspect(fn, func(n ast.Node) bool {
				if a, ok := n.(*ast.AssignStmt); ok && len(a.Lhs) == len(a.Rhs) {
					for i, l := range a.Lhs {
						if sel, ok := l.(*ast.SelectorExpr); ok && (sel.Sel.Name == "Heading" || sel.Sel.Name == "Message") {
							if msg, ok := stringLit(a.Rhs[i]); ok {
								m.add("error pages (ErrorHandler)", pos(a.Rhs[i]), msg)
							}
						}
					}
				}
				return true
			})
		}
		for _, f := range p.files {
			forEachLiteralOf(f, "ErrorPage", func(fields map[string]ast.Expr) {
				for _, k := range []string{"Heading", "Message"} {
					if msg, ok := stringLit(fields[k]); ok {
						m.add("error pages (ErrorPage)", pos(fields[k]), msg)
					}
				}
			})
			forEachLiteralOf(f, "NavItem", func(fields map[string]ast.Expr) {
				if msg, ok := stringLit(fields["Label"]); ok {
					m.add("navigation (NavItem)", pos(fields["Label"]), msg)
				}
			})
			forEachLiteralOf(f, "Job", func(fields map[string]ast.Expr) {
				if msg, ok := stringLit(fields["About"]); ok {
					m.add("job descriptions (job.Job)", pos(fields["About"]), msg)
				}
			})
		}
	}
	for _, s := range []string{"error pages (ErrorHandler)", "navigation (NavItem)", "job descriptions (job.Job)"} {
		if m.counts[s][0] == 0 {
			errs = append(errs, fmt.Sprintf("found no %s: update collectMessages", s))
		}
	}
	return errs
}

// parseDir parses the Go files of dir, test files aside; nil when there are none.
func parseDir(fset *token.FileSet, dir string) (*goPackage, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	p := &goPackage{dir: filepath.ToSlash(dir), funcs: map[string][]*ast.FuncDecl{}}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		p.files = append(p.files, f)
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok {
				p.funcs[fn.Name.Name] = append(p.funcs[fn.Name.Name], fn)
			}
		}
		imports := map[string]bool{}
		for _, is := range f.Imports {
			path, _ := strconv.Unquote(is.Path.Value)
			name := pathpkg.Base(path)
			if regexp.MustCompile(`^v[0-9]+$`).MatchString(name) {
				name = pathpkg.Base(pathpkg.Dir(path))
			}
			if is.Name != nil {
				name = is.Name.Name
			}
			imports[name] = true
		}
		var stack []ast.Node
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			if ce, ok := n.(*ast.CallExpr); ok {
				p.calls = append(p.calls, call{expr: ce, stack: slices.Clone(stack), imports: imports})
			}
			stack = append(stack, n)
			return true
		})
	}
	if len(p.files) == 0 {
		return nil, nil
	}
	return p, nil
}

// stringLit returns the value of a string literal.
func stringLit(n ast.Node) (string, bool) {
	lit, ok := n.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// callee returns the name a call is written with: ("", "f") for f(…), ("x", "f") for
// x.f(…) and ("?", "f") for other receivers, such as g().f(…).
func callee(ce *ast.CallExpr) (qual, name string) {
	switch f := ce.Fun.(type) {
	case *ast.Ident:
		return "", f.Name
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok {
			return x.Name, f.Sel.Name
		}
		return "?", f.Sel.Name
	}
	return "?", ""
}

func isSprintf(ce *ast.CallExpr) bool {
	q, n := callee(ce)
	return q == "fmt" && strings.HasSuffix(n, "printf")
}

// enclosingFunc returns the innermost function around a call, and its parameters'
// names in order (receiver aside).
func enclosingFunc(stack []ast.Node) (ast.Node, []string) {
	for i := len(stack) - 1; i >= 0; i-- {
		var ft *ast.FuncType
		switch fn := stack[i].(type) {
		case *ast.FuncDecl:
			ft = fn.Type
		case *ast.FuncLit:
			ft = fn.Type
		default:
			continue
		}
		var names []string
		for _, f := range ft.Params.List {
			if len(f.Names) == 0 {
				names = append(names, "_")
			}
			for _, n := range f.Names {
				names = append(names, n.Name)
			}
		}
		return stack[i], names
	}
	return nil, nil
}

// outermostFunc returns the top-level declaration around a call.
func outermostFunc(stack []ast.Node) ast.Node {
	for _, n := range stack {
		if fn, ok := n.(*ast.FuncDecl); ok {
			return fn
		}
	}
	if len(stack) > 1 {
		return stack[1] // a var declaration's value
	}
	return nil
}

// assignedName returns the variable a function literal is assigned to, if any.
func assignedName(stack []ast.Node, fl *ast.FuncLit) string {
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.AssignStmt:
			for j, r := range n.Rhs {
				if r == fl && j < len(n.Lhs) {
					if id, ok := n.Lhs[j].(*ast.Ident); ok {
						return id.Name
					}
				}
			}
		case *ast.ValueSpec:
			for j, v := range n.Values {
				if v == fl && j < len(n.Names) {
					return n.Names[j].Name
				}
			}
		}
	}
	return ""
}

func recvName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return ""
	}
	t := fn.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return "?"
}

// namesType reports whether the type expression e is typeName or pkg.typeName.
func namesType(e ast.Expr, typeName string) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == typeName
	case *ast.SelectorExpr:
		return e.Sel.Name == typeName
	case *ast.StarExpr:
		return namesType(e.X, typeName)
	}
	return false
}

// forEachLiteralOf calls fn with the fields of each composite literal of the named
// struct type in f, those whose type is elided in a slice, array or map literal too.
func forEachLiteralOf(f *ast.File, typeName string, fn func(fields map[string]ast.Expr)) {
	fieldsOf := func(cl *ast.CompositeLit) {
		fields := map[string]ast.Expr{}
		for _, e := range cl.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				if k, ok := kv.Key.(*ast.Ident); ok {
					fields[k.Name] = kv.Value
				}
			}
		}
		fn(fields)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		cl, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		if namesType(cl.Type, typeName) {
			fieldsOf(cl)
			return true
		}
		var elem ast.Expr
		switch t := cl.Type.(type) {
		case *ast.ArrayType:
			elem = t.Elt
		case *ast.MapType:
			elem = t.Value
		}
		if elem == nil || !namesType(elem, typeName) {
			return true
		}
		for _, e := range cl.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				e = kv.Value
			}
			if u, ok := e.(*ast.UnaryExpr); ok {
				e = u.X
			}
			if inner, ok := e.(*ast.CompositeLit); ok && inner.Type == nil {
				fieldsOf(inner)
			}
		}
		return true
	})
}

// ---- Run time ----

func collectRunTime(m *messages) (errs []string) {
	for _, r := range access.Roles {
		m.add("role labels (run time)", "access.Roles", r.Label())
	}
	for _, p := range sla.Priorities {
		m.add("priority labels (run time)", "sla.Priorities", p.Label())
	}
	for _, r := range sla.Recipients {
		m.add("SLA recipients (run time)", "sla.Recipients", r.Label())
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		m.add("weekday names (run time)", "time.Weekday", d.String())
	}
	for _, s := range ticket.Statuses {
		m.add("ticket labels (run time)", "ticket.Statuses", s.Label())
		m.add("ticket labels (run time)", "ticket.Statuses", s.CustomerLabel())
	}
	for _, i := range ticket.Impacts {
		m.add("ticket labels (run time)", "ticket.Impacts", i.Label())
	}
	for _, c := range ticket.Channels {
		m.add("ticket labels (run time)", "ticket.Channels", c.Label())
	}
	for _, mt := range ticket.Metrics {
		m.add("ticket labels (run time)", "ticket.Metrics", mt.Label())
	}
	for _, st := range incident.States {
		m.add("incident labels (run time)", "incident.States", st.Label())
		m.add("incident labels (run time)", "incident.States", st.ReporterLabel())
	}
	for _, l := range incident.Levels {
		m.add("incident labels (run time)", "incident.Levels", l.Label())
	}
	for _, sv := range append([]incident.Severity{""}, incident.Severities...) {
		m.add("incident labels (run time)", "incident.Severities", sv.Label())
	}
	for _, p := range incident.PersonalDataAnswers {
		m.add("incident labels (run time)", "incident.PersonalDataAnswers", p.Label())
	}
	for _, c := range incident.Taxonomy {
		m.add("incident labels (run time)", "incident.Taxonomy", c.Label)
		for _, t := range c.Types {
			m.add("incident labels (run time)", "incident.Taxonomy", t.Label)
		}
	}
	return errs
}
