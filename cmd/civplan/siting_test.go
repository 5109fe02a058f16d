package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// civplan siting on the embedded data: text and JSON answers, bad input as usage errors, and a
// plan saved with --save that a later run counts with --plan.
func TestSitingCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a database from the embedded dataset")
	}
	db := filepath.Join(t.TempDir(), "c.db")
	base := []string{"siting", "--db", db, "--kind", "mutual_aid_elderly", "--division", "420526", "--mode", "radius", "--radius-m", "1000"}
	code, out, stderr := runCLI(t, append(base, "--objective", "mclp", "--p", "3")...)
	if code != 0 || !strings.Contains(out, "rank") || !strings.Contains(out, "gap") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, _ = runCLI(t, append(base, "--objective", "mclp", "--p", "3", "--format", "json")...)
	var ans struct {
		Sites  []struct{ Code string } `json:"sites"`
		Before struct{ Covered int }   `json:"before"`
		After  struct{ Covered int }   `json:"after"`
	}
	if err := json.Unmarshal([]byte(out), &ans); code != 0 || err != nil || len(ans.Sites) != 3 || ans.After.Covered <= ans.Before.Covered {
		t.Fatalf("json answer: exit %d, %v, %+v", code, err, ans)
	}
	for _, bad := range [][]string{{"--p", "3"}, {"--objective", "mclp", "--p", "99999"}} {
		if code, _, stderr := runCLI(t, append(base, bad...)...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", bad, code, stderr)
		}
	}
	code, _, stderr = runCLI(t, append(base, "--objective", "mclp", "--p", "3", "--save", "一期")...)
	m := regexp.MustCompile(`saved plan (\d+) "一期" with 3 planned facilities`).FindStringSubmatch(stderr)
	if code != 0 || m == nil {
		t.Fatalf("--save: exit %d, %s", code, stderr)
	}
	code, out, _ = runCLI(t, append(base, "--objective", "mclp", "--p", "3", "--format", "json", "--plan", m[1])...)
	var with struct{ Before struct{ Covered int } }
	if err := json.Unmarshal([]byte(out), &with); code != 0 || err != nil || with.Before.Covered != ans.After.Covered {
		t.Errorf("with plan %s: before covers %d, want the saved plan's %d", m[1], with.Before.Covered, ans.After.Covered)
	}
}
