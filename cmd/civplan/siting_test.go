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
	// lscp to 0.8 of the village committees: the indicator line says met, apart from optimality;
	// csv lists the sites under the column titles with the indicator in the notes.
	code, out, stderr = runCLI(t, append(base, "--objective", "lscp", "--target", "0.8")...)
	if ind := regexp.MustCompile(`(?m)^indicator: .*village_committee_share ([\d.]+)% / target 80\.0%: (met|not met)`).FindStringSubmatch(out); code != 0 || ind == nil || ind[2] != "met" {
		t.Errorf("lscp text: exit %d, indicator %v\n%s%s", code, ind, out, stderr)
	}
	code, out, _ = runCLI(t, append(base, "--objective", "lscp", "--target", "0.8", "--format", "json")...)
	var lscp struct {
		Sites     []struct{ Code string }
		Indicator struct {
			Name   string
			Value  float64
			Target *float64
			Met    *bool
		}
	}
	if err := json.Unmarshal([]byte(out), &lscp); code != 0 || err != nil || lscp.Indicator.Name != "village_committee_share" ||
		lscp.Indicator.Value < 0.8 || lscp.Indicator.Met == nil || !*lscp.Indicator.Met {
		t.Errorf("lscp json: exit %d, %v, indicator %+v", code, err, lscp.Indicator)
	}
	code, out, stderr = runCLI(t, append(base, "--objective", "lscp", "--target", "0.8", "--format", "csv")...)
	lines := strings.Split(strings.TrimPrefix(out, "\ufeff"), "\n")
	if code != 0 || !strings.HasPrefix(lines[0], "排序,区划代码") || len(lines) < len(lscp.Sites)+2 ||
		!strings.Contains(out, "village_committee_share") || !strings.HasPrefix(lines[1], "1,"+lscp.Sites[0].Code) {
		t.Errorf("lscp csv: exit %d\n%s%s", code, out, stderr)
	}
	// One site: the objective is proven optimal, the indicator is not met.
	code, out, _ = runCLI(t, append(base, "--objective", "mclp", "--p", "1")...)
	if code != 0 || !strings.Contains(out, "(proven optimal)") || !regexp.MustCompile(`(?m)^indicator: .*: not met`).MatchString(out) {
		t.Errorf("mclp p=1 text: exit %d\n%s", code, out)
	}
	for _, bad := range [][]string{{"--p", "3"}, {"--objective", "mclp", "--p", "99999"}, {"--objective", "mclp", "--p", "1", "--format", "pdf"},
		{"--objective", "lscp", "--target", "0.8", "--target-of", "people"}} {
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
