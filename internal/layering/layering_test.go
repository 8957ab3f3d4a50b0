package layering

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/scopegate/scopegate/"

// allowed lists, for each package, the module packages its non-test files
// may import. A package missing from the map may import nothing of the
// module, so a new package must be added here deliberately.
var allowed = map[string][]string{
	"scope":                       {},
	"internal/problem":            {},
	"internal/deadline":           {},
	"internal/waittest":           {},
	"bearer":                      {"scope", "internal/problem"},
	"token":                       {"scope"},
	"password":                    {},
	"password/hashproc":           {"password"},
	"store":                       {"scope"},
	"store/sqlite":                {"store", "scope"},
	"store/postgres":              {"store", "scope"},
	"store/postgres/postgrestest": {},
	"store/storetest":             {"store", "scope"},
	"authserver":                  {"store", "scope", "password", "token"},
	"api":                         {"bearer", "scope", "internal/problem"},
	"server": {"api", "authserver", "bearer", "password", "scope", "store", "token", "internal/problem",
		"internal/deadline", "store/sqlite", "store/postgres"},
	"cmd/scopegate": {"server", "store", "store/sqlite", "store/postgres", "scope", "password",
		"password/hashproc", "token", "bearer", "api"},
	"internal/layering": {},
}

func TestImportDirections(t *testing.T) {
	root := filepath.Join("..", "..")
	checked := map[string]bool{}

	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}

		skipped := strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "bench"
		if d.IsDir() && path != root && skipped {
			return filepath.SkipDir
		}

		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}

		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}

		checkFile(t, filepath.ToSlash(rel), path)
		checked[filepath.ToSlash(rel)] = true

		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The walk must have reached the packages, or the test proves nothing.
	for _, pkg := range []string{"scope", "bearer", "token", "server", "cmd/scopegate"} {
		if !checked[pkg] {
			t.Errorf("package %s was not checked; the walk missed it", pkg)
		}
	}
}

func checkFile(t *testing.T, pkg, path string) {
	t.Helper()

	file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}

	permitted, known := allowed[pkg]
	if !known {
		t.Errorf("package %s is not in the layering table; add it with the packages it may import", pkg)
		return
	}

	for _, spec := range file.Imports {
		imported := strings.Trim(spec.Path.Value, `"`)
		if !strings.HasPrefix(imported, module) {
			continue
		}

		target := strings.TrimPrefix(imported, module)
		if !contains(permitted, target) {
			t.Errorf("%s imports %s, which package %s may not import", path, target, pkg)
		}
	}
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}

	return false
}
