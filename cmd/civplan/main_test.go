package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "usage"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"serve", "--nope"}, 2, "flag provided but not defined"},
		{[]string{"serve", "--open-reads", "maybe"}, 2, "--open-reads"},
		{[]string{"serve", "--trusted-proxies", "10.0.0.0/33"}, 2, "--trusted-proxies"},
		{[]string{"serve", "--pprof", "0.0.0.0:6060"}, 2, "--pprof"},
		{[]string{"serve", "--trusted-proxies", "127.0.0.1,proxy.example"}, 2, "proxy.example"},
		{[]string{"serve", "--max-lag", "0s"}, 2, "--max-lag 0s"},
		{[]string{"serve", "--max-lag", "soon"}, 2, "max-lag"},
		{[]string{"import"}, 2, "import facilities|divisions"},
		{[]string{"import", "facilities"}, 2, "exactly one FILE"},
		{[]string{"import", "facilities", "a.csv", "--crs", "utm"}, 2, "--crs"},
		{[]string{"token"}, 2, "create|list|revoke"},
		{[]string{"token", "create"}, 2, "--name"},
		{[]string{"token", "create", "--name", "x", "--role", "root"}, 2, "role"},
		{[]string{"token", "revoke", "abc"}, 2, "not a number"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.msg) {
				t.Errorf("exit %d stderr %q; want %d containing %q", code, stderr, tt.code, tt.msg)
			}
			if tt.args != nil && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("error is not one line: %q", stderr)
			}
		})
	}
}

func TestImportMissingFile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	code, _, stderr := runCLI(t, "import", "facilities", filepath.Join(t.TempDir(), "missing.csv"), "--db", db)
	if code != 1 || !strings.Contains(stderr, "missing.csv") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestTokenLifecycle(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	code, out, stderr := runCLI(t, "token", "create", "--name", "ops", "--role", "admin", "--db", db)
	if code != 0 || !strings.Contains(out, "cvp_") {
		t.Fatalf("create: %d %q %q", code, out, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	secret := lines[len(lines)-1]
	code, out, _ = runCLI(t, "token", "list", "--db", db)
	if code != 0 || !strings.Contains(out, "ops") || !strings.Contains(out, "admin") || strings.Contains(out, secret) {
		t.Fatalf("list (must not show the secret): %d %q", code, out)
	}
	code, out, stderr = runCLI(t, "token", "revoke", "1", "--db", db)
	if code != 0 || !strings.Contains(out, "revoked token 1") {
		t.Fatalf("revoke: %d %q %q", code, out, stderr)
	}
	code, _, stderr = runCLI(t, "token", "revoke", "99", "--db", db)
	if code != 1 || stderr == "" {
		t.Errorf("revoking an unknown token: %d %q", code, stderr)
	}
}

func TestBackupRestoreAuditRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db, bak, restored := filepath.Join(dir, "c.db"), filepath.Join(dir, "c.bak"), filepath.Join(dir, "r.db")
	if code, _, stderr := runCLI(t, "token", "create", "--name", "ops", "--role", "admin", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	if code, out, stderr := runCLI(t, "backup", bak, "--db", db); code != 0 || !strings.Contains(out, "backed up") {
		t.Fatalf("backup: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "restore", bak, "--db", db); code != 1 || !strings.Contains(stderr, "--force") {
		t.Errorf("restore over an existing db without --force: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "restore", bak, "--db", restored); code != 0 {
		t.Fatalf("restore: %q", stderr)
	}
	code, out, stderr := runCLI(t, "audit", "--db", restored, "--format", "csv")
	if code != 0 || !strings.Contains(out, "token.create") {
		t.Errorf("audit of the restored db: %d %q %q", code, out, stderr)
	}
	if code, _, stderr := runCLI(t, "restore", filepath.Join(dir, "c.db-nonexistent"), "--db", filepath.Join(dir, "x.db")); code != 1 || stderr == "" {
		t.Errorf("restore of a missing file: %d", code)
	}
	notDB := filepath.Join(dir, "junk.db")
	_ = os.WriteFile(notDB, []byte("not sqlite at all, just text"), 0o644)
	if code, _, stderr := runCLI(t, "restore", notDB, "--db", filepath.Join(dir, "y.db")); code != 1 || !strings.Contains(stderr, "restore") {
		t.Errorf("restore of junk: %d %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "y.db")); err == nil {
		t.Error("a failed restore left a database behind")
	}
}
