package assess_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/formats"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/facilities/assess"
)

var (
	dsOnce sync.Once
	dsTree *divisions.Tree
	dsFacs []facilities.Facility
	dsErr  error
)

func hubei(t testing.TB) (*divisions.Tree, []facilities.Facility) {
	t.Helper()
	dsOnce.Do(func() {
		var ds *dataset.Dataset
		ds, dsErr = dataset.EmbeddedHubei()
		if dsErr == nil {
			dsTree, dsErr = divisions.NewTree(ds.Divisions)
			dsFacs = ds.Facilities
		}
	})
	if dsErr != nil {
		t.Fatal(dsErr)
	}
	return dsTree, dsFacs
}

// repoRoot walks up to the directory holding go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("go.mod not found")
		}
		dir = filepath.Dir(dir)
	}
}

// outDir is the git-ignored test-output folder.
func outDir(t testing.TB) string {
	d := filepath.Join(repoRoot(t), "test-output")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// ensureChromium installs Debian's chromium and a CJK font when chromium is missing.
func ensureChromium(t testing.TB) string {
	t.Helper()
	const bin = "/usr/bin/chromium"
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	cmd := exec.Command("apt-get", "install", "-y", "-o", "DPkg::Lock::Timeout=600", "chromium", "fonts-wqy-zenhei")
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("apt-get install chromium fonts-wqy-zenhei: %v\n%s", err, out)
	}
	return bin
}

// screenshot renders an HTML file with headless Chromium and decodes the PNG.
func screenshot(t *testing.T, htmlPath, pngPath string, w, h int) image.Image {
	t.Helper()
	bin := ensureChromium(t)
	prof := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--user-data-dir="+prof,
		"--hide-scrollbars", "--screenshot="+pngPath, "--window-size="+itoa(w)+","+itoa(h), "file://"+htmlPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// countPixels counts pixels in r that are coloured (saturated) and that are dark (text).
func countPixels(img image.Image, r image.Rectangle) (coloured, dark int) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			R, G, B := int(cr>>8), int(cg>>8), int(cb>>8)
			mx, mn := max(R, G, B), min(R, G, B)
			if mx-mn > 50 {
				coloured++
			}
			if mx < 90 {
				dark++
			}
		}
	}
	return
}

func mergeScenario() divisions.Scenario {
	return divisions.Scenario{ID: 1, Name: "古夫镇、昭君镇合并", Status: divisions.StatusApproved, Author: "test", ApprovalDate: "2024-03-15",
		Ops: []divisions.Op{
			{Op: divisions.OpMerge, Units: []string{"420526101", "420526102"}, Into: "420526101", Name: "古夫镇"},
			{Op: divisions.OpChangeKind, Unit: "420526201", Kind: divisions.KindTown},
		},
		Inputs: &divisions.Inputs{Units: map[string]divisions.UnitInputs{"420526201": {SeatNonAgPop: ptr(int64(1500))}}}}
}

func ptr[T any](v T) *T { return &v }

func TestReportRendersInChromium(t *testing.T) {
	tree, fs := hubei(t)
	ev, err := assess.Evaluate(tree, fs, mergeScenario(), assess.Options{Vintages: map[string]string{"codes": "2023-06-30"}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ev.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{"<svg", "变更前", "变更后", "古夫镇", "法定标准核查", "1984年建镇标准", "申请材料清单", "420526102201",
		assess.Disclaimer, "2025-03-15", "2024-04-15"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	dir := outDir(t)
	htmlPath := filepath.Join(dir, "scenario_merge.html")
	if err := os.WriteFile(htmlPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	img := screenshot(t, htmlPath, filepath.Join(dir, "scenario_merge.png"), 1240, 1800)
	// The two maps sit side by side below the header and the operations (about y 150–700).
	col, _ := countPixels(img, image.Rect(0, 120, 1240, 760))
	if col < 20000 {
		t.Errorf("map area has %d coloured pixels: the maps did not render", col)
	}
	_, dark := countPixels(img, image.Rect(0, 760, 1240, 1800))
	if dark < 5000 {
		t.Errorf("table area has %d dark pixels: the tables did not render", dark)
	}
	t.Logf("coloured map pixels %d, dark table pixels %d; screenshot in %s", col, dark, dir)
}

func TestEvaluateBadInput(t *testing.T) {
	tree, fs := hubei(t)
	cases := map[string]divisions.Scenario{
		"missing unit": {Name: "x", Ops: []divisions.Op{{Op: divisions.OpMerge, Units: []string{"420526101", "420526199"}, Into: "420526101"}}},
		"bad inputs":   {Name: "x", Inputs: &divisions.Inputs{Units: map[string]divisions.UnitInputs{"429999": {}}}},
		"bad date":     {Name: "x", ApprovalDate: "2024-02-30"},
		"unknown plan": {Name: "x", Ops: []divisions.Op{{Op: divisions.OpApplyPlan, Plan: 999999}}},
	}
	for name, sc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := assess.Evaluate(tree, fs, sc, assess.Options{})
			if !errors.Is(err, assess.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestCodeTableCSV(t *testing.T) {
	tree, fs := hubei(t)
	ev, err := assess.Evaluate(tree, fs, mergeScenario(), assess.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := formats.WriteTableCSV(&buf, ev.CodeTable()); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	if !strings.HasPrefix(s, "\ufeff层级,原代码") {
		t.Errorf("csv head %q", s[:40])
	}
	// Every village of 昭君镇 appears with its new code under 古夫镇.
	for _, v := range tree.Children(divisions.MustCode("420526102")) {
		if !strings.Contains(s, string(v.Code)+","+v.Name+","+string(ev.Result.FateOf(v.Code))) {
			t.Errorf("code table lacks %s → %s", v.Code, ev.Result.FateOf(v.Code))
		}
	}
	var x bytes.Buffer
	if err := formats.WriteTableXLSX(&x, ev.CodeTable()); err != nil || x.Len() < 1000 {
		t.Errorf("xlsx: %v, %d bytes", err, x.Len())
	}
}

func TestCompare(t *testing.T) {
	tree, fs := hubei(t)
	a, err := assess.Evaluate(tree, fs, mergeScenario(), assess.Options{})
	if err != nil {
		t.Fatal(err)
	}
	moved := tree.Children(divisions.MustCode("420526102"))[0].Code
	b, err := assess.Evaluate(tree, fs, divisions.Scenario{Name: "b", Ops: []divisions.Op{
		{Op: divisions.OpTransfer, Units: []string{string(moved)}, To: "420526103"}}}, assess.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := assess.Compare(a, b)
	found := false
	for _, s := range c.Shared {
		found = found || s == moved
	}
	if !found {
		t.Errorf("shared units %v lack %s", c.Shared, moved)
	}
	if c.A.Ops != 2 || c.B.Ops != 1 || c.A.Villages <= c.B.Villages {
		t.Errorf("summaries %+v %+v", c.A, c.B)
	}
}

func TestReplayReport(t *testing.T) {
	tree, fs := hubei(t)
	p := filepath.Join(repoRoot(t), "data", "sources", "hubei", "divisions", "hubei_code_changes_2022_to_2023.csv")
	f, err := os.Open(p)
	if err != nil {
		t.Fatalf("the replay needs %s: %v", p, err)
	}
	defer f.Close()
	start := time.Now()
	ev, err := assess.EvaluateReplay(tree, fs, f, "2022→2023 区划代码变更回放", assess.Options{})
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	if el > 60*time.Second { // the < 5 s goal is measured by BenchmarkReplayProvince
		t.Errorf("replay with impact took %v (goal < 5 s)", el)
	}
	if ev.Replay == nil || ev.Replay.Counts.Mapped+ev.Replay.Counts.Unmapped != ev.Replay.Counts.VillagesRemoved {
		t.Fatalf("replay summary %+v", ev.Replay)
	}
	if len(ev.Impact.Villages) < ev.Replay.Counts.RestoredVillages {
		t.Errorf("impact lists %d villages, fewer than the %d restored", len(ev.Impact.Villages), ev.Replay.Counts.RestoredVillages)
	}
	var buf bytes.Buffer
	if err := ev.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	dir := outDir(t)
	htmlPath := filepath.Join(dir, "replay_2022_2023.html")
	if err := os.WriteFile(htmlPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "代码变更清单回放") {
		t.Error("replay section missing")
	}
	if testing.Short() {
		return // the screenshot of the merge report is enough in short runs
	}
	img := screenshot(t, htmlPath, filepath.Join(dir, "replay_2022_2023.png"), 1240, 1400)
	if col, _ := countPixels(img, image.Rect(0, 120, 1240, 760)); col < 3000 { // a sparse province-wide map
		t.Errorf("replay map area has %d coloured pixels", col)
	}
	t.Logf("replay evaluated in %v: %d villages, %d flags, %d bytes of HTML", el, len(ev.Impact.Villages), len(ev.Impact.Flags), buf.Len())
}
