package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/civplan/civplan/data/store"
)

// flagsInSource reads the flags each FlagSet of this command's source files defines, as the
// oracle for --help: the FlagSet name → its flag names, from the text, not from the code's own
// flag sets.
func flagsInSource(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	newSet := regexp.MustCompile(`flag\.NewFlagSet\("([a-z-]+)"`)
	def := regexp.MustCompile(`fs\.(?:String|Bool|Int|Int64|Uint|Float64|Duration|Var|Func|TextVar|BoolFunc)\(\s*(?:[^,"]+,\s*)?"([a-z0-9-]+)"`)
	out := map[string][]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		sets := newSet.FindAllStringSubmatchIndex(src, -1)
		for i, m := range sets {
			end := len(src)
			if i+1 < len(sets) {
				end = sets[i+1][0]
			}
			name := src[m[2]:m[3]]
			for _, d := range def.FindAllStringSubmatch(src[m[1]:end], -1) {
				out[name] = append(out[name], d[1])
			}
		}
	}
	return out
}

func TestHelpDescribesEveryFlagAndTouchesNothing(t *testing.T) {
	want := flagsInSource(t)
	if len(want) < len(commands()) || len(want["serve"]) == 0 {
		t.Fatalf("source scan found flag sets %v; want one per command", want)
	}
	for cmd := range commands() {
		for _, args := range [][]string{{cmd, "--help"}, {cmd, "-h"}} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				dir := t.TempDir()
				t.Chdir(dir)
				code, stdout, stderr := runCLI(t, args...)
				if code != 0 || stderr != "" {
					t.Fatalf("exit %d, stderr %q; want 0 and no error", code, stderr)
				}
				if !strings.Contains(stdout, "civplan "+cmd) {
					t.Errorf("help does not show the synopsis of %s:\n%s", cmd, stdout)
				}
				for _, f := range want[cmd] {
					i := strings.Index(stdout, "  -"+f+" ")
					if i < 0 {
						i = strings.Index(stdout, "  -"+f+"\n")
					}
					if i < 0 {
						t.Errorf("help of %s does not list --%s:\n%s", cmd, f, stdout)
						continue
					}
					rest := stdout[i:]
					lines := strings.SplitN(rest, "\n", 3)
					if len(lines) < 2 || strings.TrimSpace(lines[1]) == "" {
						t.Errorf("--%s has no description", f)
					}
				}
				if ents, _ := os.ReadDir(dir); len(ents) != 0 {
					t.Errorf("--help wrote %d files into the working directory (first %s)", len(ents), ents[0].Name())
				}
			})
		}
	}
}

func TestRestoreRefusedWhileOpen(t *testing.T) {
	dir := t.TempDir()
	db, bak := filepath.Join(dir, "c.db"), filepath.Join(dir, "c.bak")
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "backup", bak, "--db", db); code != 0 {
		t.Fatalf("backup: exit %d %s", code, stderr)
	}
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	// st stands for a running server: it holds the database open.
	code, _, stderr := runCLI(t, "restore", bak, "--db", db, "--force")
	if code != 1 || !strings.Contains(stderr, "stop the server") {
		t.Errorf("restore while open: exit %d, stderr %q; want 1 telling to stop the server", code, stderr)
	}
	after, _ := os.ReadFile(db)
	if string(after) != string(before) {
		t.Error("refused restore changed the database file")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "restore", bak, "--db", db, "--force"); code != 0 {
		t.Errorf("restore after the server stopped: exit %d %s", code, stderr)
	}
	// A second opener shares the lock: two servers or a server and a CLI writer coexist.
	a, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(db)
	if err != nil {
		t.Fatalf("second open of a database in use: %v", err)
	}
	b.Close()
}

func TestOutputFilesFollowUmask(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	dir := t.TempDir()
	db, out := filepath.Join(dir, "c.db"), filepath.Join(dir, "audit.csv")
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if code, _, stderr := runCLI(t, "audit", "--format", "csv", "--out", out, "--db", db); code != 0 {
		t.Fatalf("audit: exit %d %s", code, stderr)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o640 {
		t.Errorf("mode %o; want 0640 (0666 less umask 027)", got)
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 4 {
		t.Errorf("left temporary files: %v", ents)
	}
}
