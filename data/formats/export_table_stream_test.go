package formats

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/xuri/excelize/v2"
)

// The previous encoders (before streaming), kept here only to compare the streamed output with:
// the whole table as rows in memory, the workbook built cell by cell, everything in one buffer.

func oldWriteTableCSV(w io.Writer, t facilities.Table) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	head := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		head[i] = col.TitleZH
	}
	_ = cw.Write(head)
	row := make([]string, len(t.Columns))
	for _, r := range t.Rows {
		for i := range row {
			row[i] = ""
			if i < len(r) {
				row[i] = csvValue(r[i], cellText)
			}
		}
		_ = cw.Write(row)
	}
	if len(t.Notes) > 0 {
		_ = cw.Write([]string{})
		for _, n := range t.Notes {
			_ = cw.Write([]string{CSVText(n)})
		}
	}
	cw.Flush()
	return cw.Error()
}

func oldWriteTableXLSX(w io.Writer, t facilities.Table) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	set := func(col, row int, v any) error {
		cell, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		return f.SetCellValue(sheet, cell, v)
	}
	for i, col := range t.Columns {
		if err := set(i+1, 1, col.TitleZH); err != nil {
			return err
		}
	}
	for ri, r := range t.Rows {
		for ci, v := range r {
			if v == nil {
				continue
			}
			if b, ok := v.(bool); ok {
				v = cellText(b)
			}
			if err := set(ci+1, ri+2, v); err != nil {
				return err
			}
		}
	}
	for i, n := range t.Notes {
		if err := set(1, len(t.Rows)+3+i, n); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// materialized is t with every row copied into Rows (what the tables were before streaming).
func materialized(t facilities.Table) facilities.Table {
	var rows [][]any
	for r := range t.All() {
		rows = append(rows, append([]any(nil), r...))
	}
	t.Rows, t.More = rows, nil
	return t
}

var hubeiCov struct {
	once sync.Once
	cov  *facilities.Coverage
	err  error
}

// hubeiVillageCoverage is the province-wide village coverage of mutual-aid sites on the embedded
// Hubei data (its 21,473 village committees with their nearest facility): the largest table the API answers.
func hubeiVillageCoverage(tb testing.TB) *facilities.Coverage {
	tb.Helper()
	hubeiCov.once.Do(func() {
		ds, err := dataset.EmbeddedHubei()
		if err != nil {
			hubeiCov.err = err
			return
		}
		tree, err := divisions.NewTree(ds.Divisions)
		if err != nil {
			hubeiCov.err = err
			return
		}
		an, err := facilities.NewAnalyzer(tree, facilities.NewRegistry(ds.Facilities), nil)
		if err != nil {
			hubeiCov.err = err
			return
		}
		hubeiCov.cov, hubeiCov.err = an.Coverage(facilities.Params{Kind: facilities.MutualAidElderly, Division: "42", Nearest: true})
	})
	if hubeiCov.err != nil {
		tb.Fatal(hubeiCov.err)
	}
	return hubeiCov.cov
}

// The streamed CSV of the province-wide village table equals, byte for byte, what the previous
// encoder made of the same table held in memory.
func TestStreamedTableCSVEqualsPrevious(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED under -short: loads the embedded Hubei dataset")
	}
	cov := hubeiVillageCoverage(t)
	var streamed, previous bytes.Buffer
	if err := WriteTableCSV(&streamed, cov.VillageTable()); err != nil {
		t.Fatal(err)
	}
	tb := materialized(cov.VillageTable())
	if len(tb.Rows) != len(cov.Villages) || len(tb.Rows) < 21000 {
		t.Fatalf("%d rows for %d villages: want the whole province", len(tb.Rows), len(cov.Villages))
	}
	if err := oldWriteTableCSV(&previous, tb); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(streamed.Bytes(), previous.Bytes()) {
		i := 0
		for i < min(streamed.Len(), previous.Len()) && streamed.Bytes()[i] == previous.Bytes()[i] {
			i++
		}
		t.Fatalf("streamed CSV (%d bytes) differs from the previous encoder's (%d bytes) at byte %d: %.80q vs %.80q",
			streamed.Len(), previous.Len(), i, streamed.Bytes()[i:], previous.Bytes()[i:])
	}
	// With a plan column added (WithColumn wraps the row producer) it still matches.
	col := facilities.Column{Key: "plan", TitleZH: "规划方案", TitleEN: "Plan"}
	streamed.Reset()
	previous.Reset()
	WriteTableCSV(&streamed, cov.VillageTable().WithColumn(col, "plan 1"))
	oldWriteTableCSV(&previous, materialized(cov.VillageTable()).WithColumn(col, "plan 1"))
	if !bytes.Equal(streamed.Bytes(), previous.Bytes()) {
		t.Errorf("with a plan column: streamed CSV differs from the previous encoder's")
	}
}

// xlsxCells (Python's zipfile and xml.etree: an independent reader) lists every cell of the first
// sheet of each workbook as [reference, type, value], shared strings resolved, inline strings
// read, numbers as written.
const xlsxCells = `
import json, sys, zipfile, xml.etree.ElementTree as ET
ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
out = []
for path in sys.argv[1:]:
    z = zipfile.ZipFile(path)
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns):
            shared.append("".join(t.text or "" for t in si.iter("{%s}t" % ns["m"])))
    cells = []
    for c in ET.fromstring(z.read("xl/worksheets/sheet1.xml")).iter("{%s}c" % ns["m"]):
        t, v = c.get("t", "n"), c.find("m:v", ns)
        if t == "s":
            cells.append([c.get("r"), "str", shared[int(v.text)]])
        elif t in ("str", "inlineStr"):
            text = v.text if v is not None else "".join(x.text or "" for x in c.iter("{%s}t" % ns["m"]))
            cells.append([c.get("r"), "str", text or ""])
        elif v is not None:
            cells.append([c.get("r"), t, float(v.text) if t == "n" else v.text])
    out.append(cells)
json.dump(out, sys.stdout)
`

// The streamed xlsx of the province-wide village table holds, cell for cell (reference, type,
// value), what the previous encoder wrote, as Python's zipfile reads them. The sheet XML itself
// differs: the stream writer stores strings inline, the previous encoder in a shared table.
func TestStreamedTableXLSXEqualsPrevious(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED under -short: loads the embedded Hubei dataset")
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 (the independent xlsx reader) is not on PATH")
	}
	cov := hubeiVillageCoverage(t)
	dir := t.TempDir()
	write := func(name string, enc func(io.Writer, facilities.Table) error, tb facilities.Table) string {
		p := filepath.Join(dir, name)
		var buf bytes.Buffer
		if err := enc(&buf, tb); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	newer := write("streamed.xlsx", WriteTableXLSX, cov.VillageTable())
	older := write("previous.xlsx", oldWriteTableXLSX, materialized(cov.VillageTable()))
	out, err := exec.Command(py, "-c", xlsxCells, newer, older).Output()
	if err != nil {
		t.Fatalf("python3 xlsx reader: %v", err)
	}
	var sheets [2][][3]any
	if err := json.Unmarshal(out, &sheets); err != nil {
		t.Fatal(err)
	}
	if n := len(sheets[1]); n < 21000*5 {
		t.Fatalf("the previous workbook has %d cells: not the whole province", n)
	}
	if len(sheets[0]) != len(sheets[1]) {
		t.Fatalf("streamed workbook has %d cells, previous %d", len(sheets[0]), len(sheets[1]))
	}
	for i := range sheets[0] {
		if sheets[0][i] != sheets[1][i] {
			t.Fatalf("cell %d: streamed %v, previous %v", i, sheets[0][i], sheets[1][i])
		}
	}
}

// firstByteWriter discards what it is given and notes when the first byte came.
type firstByteWriter struct {
	start time.Time
	first time.Duration
	n     int64
}

func (w *firstByteWriter) Write(p []byte) (int, error) {
	if w.n == 0 && len(p) > 0 {
		w.first = time.Since(w.start)
	}
	w.n += int64(len(p))
	return len(p), nil
}

// heapPeak samples the heap's live objects (runtime/metrics, no stop-the-world) every 200 µs
// while run runs and returns the peak above the level before it.
func heapPeak(run func()) uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	runtime.GC()
	metrics.Read(s)
	base := s[0].Value.Uint64()
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > base && v-base > peak.Load() {
				peak.Store(v - base)
			}
			select {
			case <-done:
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	run()
	close(done)
	<-stopped
	return peak.Load()
}

// BenchmarkTableExport encodes the province-wide village coverage table of the embedded Hubei
// data (21,473 rows × 14 columns) the previous way (rows materialised, whole answer in a buffer,
// then sent) and streamed (rows produced as encoded, straight to the writer): time, allocation,
// time to the first byte, and the peak heap above the start (sampled in one extra, untimed run).
func BenchmarkTableExport(b *testing.B) {
	cov := hubeiVillageCoverage(b)
	for _, c := range []struct {
		name string
		run  func(w io.Writer) error
	}{
		{"csv/previous", func(w io.Writer) error {
			var buf bytes.Buffer
			if err := oldWriteTableCSV(&buf, materialized(cov.VillageTable())); err != nil {
				return err
			}
			_, err := w.Write(buf.Bytes())
			return err
		}},
		{"csv/streamed", func(w io.Writer) error { return WriteTableCSV(w, cov.VillageTable()) }},
		{"xlsx/previous", func(w io.Writer) error {
			var buf bytes.Buffer
			if err := oldWriteTableXLSX(&buf, materialized(cov.VillageTable())); err != nil {
				return err
			}
			_, err := w.Write(buf.Bytes())
			return err
		}},
		{"xlsx/streamed", func(w io.Writer) error { return WriteTableXLSX(w, cov.VillageTable()) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.StopTimer() // the peak is sampled in a run of its own, outside the timed ones
			peak := heapPeak(func() {
				if err := c.run(io.Discard); err != nil {
					b.Fatal(err)
				}
			})
			b.StartTimer()
			var first time.Duration
			for i := 0; i < b.N; i++ {
				w := &firstByteWriter{start: time.Now()}
				if err := c.run(w); err != nil {
					b.Fatal(err)
				}
				first += w.first
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(first.Microseconds())/1000/float64(b.N), "first-byte-ms")
		})
	}
}
