package arch_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/rsdata/rsdata"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "-deps=false", module+"/...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	// Deps (transitive) come from a second listing per core package below.
	return pkgs
}

func deps(t *testing.T, path string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", path).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", path, err)
	}
	return strings.Fields(string(out))
}

// Core packages hold the domain logic; they see neither the wire nor pgx.
var core = []string{"statement", "datastore", "results", "records", "arn", "sigv4", "ids", "policy", "identity", "dbcreds", "secrets", "sessiontoken", "seal", "sqlparams", "pagetoken", "dialect", "dialect/corpus"}

func TestCorePackagesStayPure(t *testing.T) {
	for _, c := range core {
		for _, d := range deps(t, module+"/internal/"+c) {
			if d == "net/http" || strings.HasPrefix(d, "github.com/jackc/") ||
				strings.HasPrefix(d, module+"/internal/awserr") || strings.HasPrefix(d, module+"/internal/api/") {
				t.Errorf("core package internal/%s depends on %s", c, d)
			}
		}
	}
}

func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("listed only %d packages", len(pkgs))
	}
	for _, p := range pkgs {
		for _, imp := range p.Imports {
			if imp == module+"/internal/app" && !strings.HasPrefix(p.ImportPath, module+"/cmd/") &&
				!strings.HasPrefix(p.ImportPath, module+"/internal/testutil/") {
				t.Errorf("%s imports the composition root internal/app; only cmd/ and test helpers may", p.ImportPath)
			}
			if strings.HasPrefix(p.ImportPath, module+"/internal/api/") && strings.HasPrefix(imp, module+"/internal/api/") &&
				imp != p.ImportPath {
				t.Errorf("%s imports another API package %s", p.ImportPath, imp)
			}
		}
	}
}

// TestPGFrontImportsOnlyTheDialect: the PostgreSQL wire front relays bytes
// and translates SQL; of rsdata it knows only the dialect layer, and only
// the composition root starts it.
func TestPGFrontImportsOnlyTheDialect(t *testing.T) {
	front := module + "/internal/pgfront"
	for _, p := range listPackages(t) {
		for _, imp := range p.Imports {
			if p.ImportPath == front && strings.HasPrefix(imp, module+"/") && imp != module+"/internal/dialect" {
				t.Errorf("internal/pgfront imports %s; it may import only internal/dialect of rsdata", imp)
			}
			if p.ImportPath == front && imp == "net/http" {
				t.Errorf("internal/pgfront imports net/http")
			}
			if imp == front && p.ImportPath != module+"/internal/app" {
				t.Errorf("%s imports internal/pgfront; only internal/app starts fronts", p.ImportPath)
			}
		}
	}
}
