package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScenarioCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the whole embedded dataset")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	sc := filepath.Join(dir, "s.json")
	os.WriteFile(sc, []byte(`{"name":"古夫昭君合并","ops":[{"op":"merge","units":["420526101","420526102"],"into":"420526101","name":"古夫镇"}]}`), 0o644)
	if code, out, errs := runCLI(t, "scenario", "create", "--db", db, "--file", sc); code != 0 || !strings.Contains(out, "created scenario 1") {
		t.Fatalf("create: %d %q %q", code, out, errs)
	}
	if code, out, _ := runCLI(t, "scenario", "list", "--db", db); code != 0 || !strings.Contains(out, "古夫昭君合并") {
		t.Errorf("list: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "scenario", "show", "1", "--db", db); code != 0 || !strings.Contains(out, `"420526102"`) {
		t.Errorf("show: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "scenario", "impact", "1", "--db", db, "--format", "csv"); code != 0 || !strings.Contains(out, "420526102000") {
		t.Errorf("impact csv: %d %.200q", code, out)
	}
	if code, out, _ := runCLI(t, "scenario", "impact", "1", "--db", db, "--kind", "welfare_home"); code != 0 || !strings.Contains(out, `"statutory"`) {
		t.Errorf("impact json: %d %.200q", code, out)
	}
	html := filepath.Join(dir, "r.html")
	if code, _, errs := runCLI(t, "scenario", "report", "1", "--db", db, "--out", html); code != 0 {
		t.Fatalf("report: %d %q", code, errs)
	}
	if b, err := os.ReadFile(html); err != nil || !strings.Contains(string(b), "<svg") {
		t.Errorf("report file: %v", err)
	}
	// Bad scenarios are usage errors naming the operation; nothing is stored.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"name":"x","ops":[{"op":"merge","units":["420526101","420527101"],"into":"420526101"}]}`), 0o644)
	if code, _, errs := runCLI(t, "scenario", "create", "--db", db, "--file", bad); code != 2 || !strings.Contains(errs, "operation 1 (merge)") {
		t.Errorf("bad create: %d %q", code, errs)
	}
	if code, out, _ := runCLI(t, "scenario", "list", "--db", db); code != 0 || strings.Count(out, "\n") != 2 {
		t.Errorf("after a bad create: %q", out)
	}
	if code, _, _ := runCLI(t, "scenario", "impact", "7", "--db", db); code != 1 {
		t.Errorf("unknown id: %d", code)
	}
	if code, _, _ := runCLI(t, "scenario", "frobnicate", "--db", db); code != 2 {
		t.Errorf("unknown subcommand: %d", code)
	}
}
