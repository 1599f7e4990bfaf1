package server_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"tugi/app/server"
)

// TestEveryAuditActionIsLabelled reads the Go code under app/ and cmd/ (tests aside) for
// the actions it records, and fails on one that server.AuditActions does not label (its
// events would read as "ticket.escalate" on the audit page and a ticket's or a person's
// history) and on a label of an action that no code records any more.
//
// An action is what an audit.Event's Action field is given, in a literal or an assignment
// to ev.Action. A string literal counts; a variable brings in the literals assigned to it
// in its function; a parameter brings in what the function's callers in its package pass
// in its place (as ticket's change.record and routing's ruleEvent are given their
// actions). Anything else cannot be told without running the code, so it fails the test:
// write the action out as a literal there, or pass it through a variable or a parameter.
func TestEveryAuditActionIsLabelled(t *testing.T) {
	actions, err := server.AuditActions()
	if err != nil {
		t.Fatal(err)
	}
	recorded, errs := recordedActions(t, "../../app", "../../cmd")
	for _, e := range errs {
		t.Error(e)
	}
	// One action found each way, so that a change in how actions are written cannot
	// leave this test finding none.
	for action, how := range map[string]string{
		"auth.sign_in":    "a literal in an audit.Event",
		"user.deactivate": "an assignment to ev.Action",
		"canned.update":   "a variable",
		"ticket.reply":    "a method's parameter (change.record)",
		"ticket.link":     "a function's parameter (recordLink)",
	} {
		if _, ok := recorded[action]; !ok {
			t.Errorf("found no %s, recorded through %s: teach recordedActions where actions come from now", action, how)
		}
	}
	labelled := map[string]bool{}
	for _, l := range actions.List() {
		labelled[l.Action] = true
		if _, ok := recorded[l.Action]; !ok {
			t.Errorf("%s is labelled (%q) but no code records it: remove its label", l.Action, l.EN)
		}
	}
	for _, action := range sortedKeys(recorded) {
		if !labelled[action] {
			t.Errorf("%s (recorded at %s) has no label: add it, in English and Estonian, to the AuditActions "+
				"of the feature that records it (its audit_actions.go), and that list to server.AuditActions",
				action, strings.Join(recorded[action], ", "))
		}
	}
}

// goFunc is a function of a package, by name, for finding its callers.
type goFunc struct {
	decl   *ast.FuncDecl
	method bool
}

// goFile is a parsed file and its calls, each with the nodes around it.
type goFile struct {
	file  *ast.File
	calls []goCall
}

type goCall struct {
	expr  *ast.CallExpr
	stack []ast.Node
}

// recordedActions returns every action the Go code under dirs records, each with where,
// and what it could not follow (see TestEveryAuditActionIsLabelled).
func recordedActions(t *testing.T, dirs ...string) (map[string][]string, []string) {
	t.Helper()
	fset := token.NewFileSet()
	found := map[string][]string{}
	var errs []string
	pos := func(n ast.Node) string {
		p := fset.Position(n.Pos())
		return fmt.Sprintf("%s:%d", strings.TrimPrefix(filepath.ToSlash(p.Filename), "../../"), p.Line)
	}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			if d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			files, err := parsePackage(fset, path)
			if err != nil {
				return err
			}
			pkgErrs := actionsOfPackage(files, filepath.ToSlash(path) == "../../app/audit", pos, found)
			errs = append(errs, pkgErrs...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return found, errs
}

// parsePackage parses the Go files of dir, tests aside, resolving each file's local names.
func parsePackage(fset *token.FileSet, dir string) ([]*goFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []*goFile
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			return nil, err
		}
		gf := &goFile{file: f}
		var stack []ast.Node
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			if ce, ok := n.(*ast.CallExpr); ok {
				gf.calls = append(gf.calls, goCall{expr: ce, stack: slices.Clone(stack)})
			}
			stack = append(stack, n)
			return true
		})
		files = append(files, gf)
	}
	return files, nil
}

// actionsOfPackage adds to found the actions the files of one package record. inAudit is
// whether the package is app/audit itself, where the type is written Event.
func actionsOfPackage(files []*goFile, inAudit bool, pos func(ast.Node) string, found map[string][]string) (errs []string) {
	isEvent := func(e ast.Expr) bool {
		if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
			e = u.X
		}
		if cl, ok := e.(*ast.CompositeLit); ok {
			e = cl.Type
		}
		if s, ok := e.(*ast.StarExpr); ok {
			e = s.X
		}
		switch e := e.(type) {
		case *ast.SelectorExpr:
			x, ok := e.X.(*ast.Ident)
			return ok && x.Name == "audit" && e.Sel.Name == "Event"
		case *ast.Ident:
			return inAudit && e.Name == "Event"
		}
		return false
	}
	funcs := map[string][]goFunc{}
	for _, f := range files {
		for _, d := range f.file.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok {
				funcs[fn.Name.Name] = append(funcs[fn.Name.Name], goFunc{decl: fn, method: fn.Recv != nil})
			}
		}
	}

	seen := map[ast.Node]bool{}
	var resolve func(e ast.Expr, stack []ast.Node)
	resolve = func(e ast.Expr, stack []ast.Node) {
		e = ast.Unparen(e)
		if seen[e] {
			return
		}
		seen[e] = true
		switch e := e.(type) {
		case *ast.BasicLit:
			if s, err := strconv.Unquote(e.Value); e.Kind == token.STRING && err == nil {
				if !slices.Contains(found[s], pos(e)) {
					found[s] = append(found[s], pos(e))
				}
				return
			}
		case *ast.Ident:
			if e.Obj == nil {
				break
			}
			switch d := e.Obj.Decl.(type) {
			case *ast.ValueSpec: // a constant or a variable declared with var
				for i, n := range d.Names {
					if n.Obj == e.Obj && i < len(d.Values) {
						resolve(d.Values[i], stack)
					}
				}
				if e.Obj.Kind == ast.Con {
					return
				}
				resolveAssignments(e.Obj, stack, resolve, &errs, pos)
				return
			case *ast.AssignStmt:
				resolveAssignments(e.Obj, stack, resolve, &errs, pos)
				return
			case *ast.Field:
				fn, i := paramOf(stack, d, e.Name)
				if fn == nil {
					break
				}
				callers := 0
				for _, f := range files {
					for _, c := range f.calls {
						if calls(c.expr, fn) && i < len(c.expr.Args) {
							callers++
							resolve(c.expr.Args[i], c.stack)
						}
					}
				}
				if callers == 0 {
					errs = append(errs, fmt.Sprintf("%s: found no caller of %s in its package to tell which actions %s takes", pos(e), fn.decl.Name.Name, e.Name))
				}
				return
			}
		}
		errs = append(errs, fmt.Sprintf("%s: cannot tell which action this records; write it as a string literal, a variable or a parameter", pos(e)))
	}

	for _, f := range files {
		var stack []ast.Node
		ast.Inspect(f.file, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			switch n := n.(type) {
			case *ast.CompositeLit:
				if isEvent(n) {
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Action" {
								resolve(kv.Value, stack)
							}
						}
					}
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					sel, ok := l.(*ast.SelectorExpr)
					if !ok || sel.Sel.Name != "Action" || len(n.Rhs) != len(n.Lhs) {
						continue
					}
					if x, ok := sel.X.(*ast.Ident); ok && x.Obj != nil && declaresEvent(x.Obj, isEvent) {
						resolve(n.Rhs[i], stack)
					}
				}
			}
			stack = append(stack, n)
			return true
		})
	}
	return errs
}

// declaresEvent reports whether obj is an audit.Event: a variable given an audit.Event
// literal, declared of that type, or a parameter of that type.
func declaresEvent(obj *ast.Object, isEvent func(ast.Expr) bool) bool {
	switch d := obj.Decl.(type) {
	case *ast.AssignStmt:
		for i, l := range d.Lhs {
			if id, ok := l.(*ast.Ident); ok && id.Obj == obj && len(d.Rhs) == len(d.Lhs) {
				return isEvent(d.Rhs[i])
			}
		}
	case *ast.ValueSpec:
		if d.Type != nil {
			return isEvent(d.Type)
		}
		for i, n := range d.Names {
			if n.Obj == obj && i < len(d.Values) {
				return isEvent(d.Values[i])
			}
		}
	case *ast.Field:
		return isEvent(d.Type)
	}
	return false
}

// resolveAssignments resolves what is assigned to the variable obj in the function
// around it (the outermost, so that a closure's variable is found too).
func resolveAssignments(obj *ast.Object, stack []ast.Node, resolve func(ast.Expr, []ast.Node), errs *[]string, pos func(ast.Node) string) {
	at := slices.IndexFunc(stack, func(n ast.Node) bool { _, ok := n.(*ast.FuncDecl); return ok })
	if at < 0 {
		return // a package-level var: its value was resolved from its declaration
	}
	scope := stack[at]
	var inner []ast.Node
	ast.Inspect(scope, func(n ast.Node) bool {
		if n == nil {
			inner = inner[:len(inner)-1]
			return true
		}
		if a, ok := n.(*ast.AssignStmt); ok {
			for i, l := range a.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Obj == obj {
					if len(a.Rhs) != len(a.Lhs) {
						*errs = append(*errs, fmt.Sprintf("%s: %s is assigned what a call returns; cannot tell which action it records", pos(a), id.Name))
						continue
					}
					resolve(a.Rhs[i], append(slices.Clone(stack[:at]), inner...))
				}
			}
		}
		inner = append(inner, n)
		return true
	})
}

// paramOf returns the function declaration whose parameter field is, and the parameter's
// index among its parameters; nil for a function literal's parameter.
func paramOf(stack []ast.Node, field *ast.Field, name string) (*goFunc, int) {
	for i := len(stack) - 1; i >= 0; i-- {
		fn, ok := stack[i].(*ast.FuncDecl)
		if !ok {
			continue
		}
		n := 0
		for _, f := range fn.Type.Params.List {
			for _, id := range f.Names {
				if f == field && id.Name == name {
					return &goFunc{decl: fn, method: fn.Recv != nil}, n
				}
				n++
			}
			if len(f.Names) == 0 {
				n++
			}
		}
	}
	return nil, 0
}

// calls reports whether ce calls fn, by name: f(…) for a function, x.f(…) for a method.
func calls(ce *ast.CallExpr, fn *goFunc) bool {
	switch f := ce.Fun.(type) {
	case *ast.Ident:
		return !fn.method && f.Name == fn.decl.Name.Name
	case *ast.SelectorExpr:
		return fn.method && f.Sel.Name == fn.decl.Name.Name
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
