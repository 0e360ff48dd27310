package provision_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneWritePath checks the source of the package: a use case writes only through
// writeOrg, writeInstallation or writeAccess (write.go), so that every directory write locks
// its organization first. A new use case that called Store.Write itself, or kept the store in
// a variable, field or parameter of its own to call it there, fails here.
func TestOneWritePath(t *testing.T) {
	t.Parallel()
	helpers := map[string]bool{"writeOrg": true, "writeInstallation": true, "writeAccess": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var writes, stores int
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, isFunc := decl.(*ast.FuncDecl)
			ast.Inspect(decl, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					if n.Sel.Name == "Write" && namesStore(n.X) {
						writes++
						if !isFunc || !helpers[fn.Name.Name] || name != "write.go" {
							t.Errorf("%s: Store.Write outside the write helpers of write.go; write through writeOrg (a directory write), writeInstallation or writeAccess",
								fset.Position(n.Pos()))
						}
					}
				case *ast.Field:
					if isRosterStore(n.Type) {
						stores++
						// The Service keeps the store, and New receives it; nothing else holds
						// one, so nothing else can write with it.
						newParam := isFunc && fn.Name.Name == "New"
						serviceField := len(n.Names) == 1 && n.Names[0].Name == "store" && name == "service.go"
						if !newParam && !serviceField {
							t.Errorf("%s: a roster.Store outside Service.store; pass a roster.Reader to read", fset.Position(n.Pos()))
						}
					}
				case *ast.ValueSpec:
					if isRosterStore(n.Type) {
						t.Errorf("%s: a variable of type roster.Store; pass a roster.Reader to read", fset.Position(n.Pos()))
					}
				case *ast.AssignStmt:
					for _, rhs := range n.Rhs {
						if sel, ok := rhs.(*ast.SelectorExpr); ok && sel.Sel.Name == "store" {
							t.Errorf("%s: the store kept in a variable; read through s.store, write through write.go", fset.Position(n.Pos()))
						}
					}
				}
				return true
			})
		}
	}
	// The check must have seen the helpers' own calls and the Service's field, or it checks
	// nothing (a renamed field would make every use invisible to it).
	if writes != 3 || stores < 2 {
		t.Errorf("saw %d calls of Store.Write and %d declarations of roster.Store; want the 3 of write.go and Service.store with New's parameter", writes, stores)
	}
}

// namesStore reports whether x is a store: a variable named store, or a field s.store.
func namesStore(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.Ident:
		return x.Name == "store"
	case *ast.SelectorExpr:
		return x.Sel.Name == "store"
	}
	return false
}

func isRosterStore(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "roster" && sel.Sel.Name == "Store"
}
