package main

import (
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The coverage command answers every report on the embedded Hubei data: coverage, gaps
// (elderly descending), clusters, scorecard and accessibility; bad input is a usage error.
func TestCoverageReports(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	readCSV := func(args ...string) [][]string {
		t.Helper()
		code, out, stderr := runCLI(t, append(append([]string{"coverage"}, args...), "--db", db)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if !strings.HasPrefix(out, "\ufeff") {
			t.Fatalf("%v: CSV without BOM", args)
		}
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff")))
		r.FieldsPerRecord = -1 // the notes under the table are one-cell rows
		rows, err := r.ReadAll()
		if err != nil || len(rows) < 2 {
			t.Fatalf("%v: %d rows, %v", args, len(rows), err)
		}
		return rows
	}
	cov := readCSV("--kind", "mutual_aid_elderly", "--division", "420526", "--group-by", "township")
	if cov[0][0] != "区划代码" || len(cov) < 3 {
		t.Fatalf("coverage table %v", cov)
	}
	gaps := readCSV("--report", "gaps", "--kind", "mutual_aid_elderly", "--division", "420526")
	col := -1
	for i, h := range gaps[0] {
		if h == "老年人口" {
			col = i
		}
	}
	if col < 0 || len(gaps) < 3 {
		t.Fatalf("gaps header %v", gaps[0])
	}
	prev := int64(1 << 62)
	for _, r := range gaps[1:] {
		if len(r) <= col || r[col] == "" {
			break // the notes after the rows
		}
		e, err := strconv.ParseInt(r[col], 10, 64)
		if err != nil {
			break
		}
		if e > prev {
			t.Fatalf("gaps not in elderly-descending order: %d after %d", e, prev)
		}
		prev = e
	}
	if cl := readCSV("--report", "clusters", "--kind", "mutual_aid_elderly", "--division", "420526", "--mode", "radius", "--radius-m", "5000"); cl[0][0] != "序号" {
		t.Errorf("clusters %v", cl[0])
	}
	code, out, stderr := runCLI(t, "coverage", "--report", "scorecard", "--division", "420526", "--format", "json", "--db", db)
	if code != 0 {
		t.Fatal(stderr)
	}
	var sc struct {
		Code  string `json:"code"`
		Items []struct {
			ID     string   `json:"id"`
			Value  *float64 `json:"value"`
			Target float64  `json:"target"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &sc); err != nil || sc.Code != "420526000000" || len(sc.Items) < 5 || sc.Items[0].ID != "mutual_aid_coverage" || sc.Items[0].Target != 0.8 {
		t.Errorf("scorecard %v %+v", err, sc)
	}
	if acc := readCSV("--report", "accessibility", "--kind", "welfare_home", "--division", "4228", "--method", "e2sfca"); !strings.Contains(strings.Join(acc[0], ","), "每千名老年人可达床位") {
		t.Errorf("accessibility header %v", acc[0])
	}
	for _, bad := range [][]string{
		{"--report", "heatmap", "--kind", "mutual_aid_elderly"},
		{"--report", "scorecard"},
		{"--report", "gaps"},
		{"--kind", "hospital"},
		{"--kind", "mutual_aid_elderly", "--radius-m", "-1"},
		{"--report", "scorecard", "--division", "4299"},
		{"--report", "accessibility", "--kind", "welfare_home", "--method", "3sfca"},
		{"--report", "scorecard", "--division", "420526", "--format", "geojson"},
	} {
		code, _, stderr := runCLI(t, append(append([]string{"coverage"}, bad...), "--db", db)...)
		if code == 0 || strings.Count(strings.TrimSpace(stderr), "\n") > 0 && !strings.Contains(stderr, "civplan coverage:") {
			t.Errorf("%v: exit %d, stderr %q", bad, code, stderr)
		}
	}
}
