package formats

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// ParseOptions says how to read an import file.
type ParseOptions struct {
	Format string          // "csv" | "geojson"; "" = from the file name's extension (.csv, .geojson/.json)
	CRS    string          // coordinates of the input (geo.ParseCRS): "wgs84" (default) | "cgcs2000" | "gcj02" | "bd09"; rows come out in WGS84
	Tree   *divisions.Tree // validates codes and places rows given only a village; required
	// Locator, when set, is divisions.NewLocator(Tree) made earlier (a server's snapshot has
	// one); nil = built on the first row with coordinates.
	Locator *divisions.Locator
	// Properties, when set, rewrites each GeoJSON feature's properties before they are read
	// (the API flattens what its GET answers); its error fails that feature.
	Properties func(props map[string]any) error
}

// ImportReport counts what an import did. Derived counts facilities placed at their
// village's (or township's) point because the row had no coordinates.
type ImportReport struct {
	Read      int `json:"read"`
	Inserted  int `json:"inserted"`
	Updated   int `json:"updated"`
	Deleted   int `json:"deleted"`
	Unchanged int `json:"unchanged"`
	Derived   int `json:"derived"`
	Located   int `json:"located"` // rows without a division, registered where their point lies
	// ReplaceScope lists what a replacing import replaced ("mutual_aid_elderly in 420526 兴山县").
	ReplaceScope []string `json:"replace_scope,omitempty"`
	DryRun       bool     `json:"dry_run,omitempty"` // nothing was written
	Warnings     []string `json:"warnings,omitempty"`
}

// maxWarnings caps ImportReport.Warnings; the last entry then says how many were dropped.
const maxWarnings = 200

// Warn adds a warning (up to maxWarnings, then one "further warnings omitted").
func (r *ImportReport) Warn(format string, args ...any) {
	switch {
	case len(r.Warnings) < maxWarnings:
		r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
	case len(r.Warnings) == maxWarnings:
		r.Warnings = append(r.Warnings, "further warnings omitted")
	}
}

// RowError is a bad value in an input file. For CSV, Row is the line on which the record
// starts (the header is line 1, so for files without line breaks inside quoted fields it is
// the row number Excel shows); for GeoJSON it is the 1-based feature number.
type RowError struct {
	Row   int
	Field string
	Value string
	Err   error
	// Feature is true for GeoJSON input (Row numbers features).
	Feature bool
}

func (e *RowError) Error() string {
	unit := "row"
	if e.Feature {
		unit = "feature"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d", unit, e.Row)
	if e.Field != "" {
		fmt.Fprintf(&b, ", field %s", e.Field)
	}
	if e.Value != "" {
		v := e.Value
		if utf8.RuneCountInString(v) > 60 {
			v = string([]rune(v)[:60]) + "…"
		}
		fmt.Fprintf(&b, " (%q)", v)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *RowError) Unwrap() error { return e.Err }

// maxRowErrors is how many bad rows one failed import reports.
const maxRowErrors = 20

// rowErrors collects RowErrors up to maxRowErrors.
type rowErrors struct {
	errs    []error
	dropped int
}

func (r *rowErrors) add(e *RowError) {
	if len(r.errs) < maxRowErrors {
		r.errs = append(r.errs, e)
	} else {
		r.dropped++
	}
}

func (r *rowErrors) err() error {
	if len(r.errs) == 0 {
		return nil
	}
	errs := r.errs
	if r.dropped > 0 {
		errs = append(errs[:len(errs):len(errs)], fmt.Errorf("and %d more bad rows", r.dropped))
	}
	return errors.Join(errs...)
}

// inputFormat resolves o.Format against the file name.
func inputFormat(format, name string) (string, error) {
	f := strings.ToLower(strings.TrimSpace(format))
	if f == "" {
		switch strings.ToLower(filepath.Ext(name)) {
		case ".csv", ".txt":
			f = "csv"
		case ".geojson", ".json":
			f = "geojson"
		default:
			return "", fmt.Errorf("cannot tell the format of %q from its name: give csv or geojson", name)
		}
	}
	if f != "csv" && f != "geojson" {
		return "", fmt.Errorf("unknown format %q (want csv or geojson)", format)
	}
	return f, nil
}

// inputCRS reads an input file's CRS with geo.ParseCRS: wgs84 (the default), cgcs2000, gcj02
// or bd09, longitude first; rows are converted to WGS84 with its exact Inverse. Projected
// systems are refused (the importer checks lon/lat ranges before converting).
func inputCRS(s string) (geo.CRS, error) {
	c, err := geo.ParseCRS(s)
	if err == nil && !c.Projected() {
		return c, nil
	}
	return geo.WGS84, fmt.Errorf("unknown CRS %q (want wgs84, cgcs2000, gcj02 or bd09)", s)
}

// maxImportBytes bounds an input file (larger files should be split).
const maxImportBytes = 512 << 20

func readAllLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxImportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxImportBytes {
		return nil, fmt.Errorf("input larger than %d MiB", maxImportBytes>>20)
	}
	return b, nil
}

// decodeText turns CSV bytes into UTF-8: UTF-8 with or without a BOM is taken as is;
// anything else must be GB18030 (which includes GBK and GB2312, as Chinese Excel writes
// CSV). Bytes invalid in both are an error naming the line and byte offset.
func decodeText(b []byte) (text []byte, encoding string, err error) {
	if bytes.HasPrefix(b, []byte{0xFF, 0xFE}) || bytes.HasPrefix(b, []byte{0xFE, 0xFF}) {
		return nil, "", errors.New("input is UTF-16 (Excel \"Unicode text\"): save it as \"CSV UTF-8\" or plain CSV")
	}
	if rest, ok := bytes.CutPrefix(b, []byte{0xEF, 0xBB, 0xBF}); ok {
		if off := invalidUTF8(rest); off >= 0 {
			return nil, "", fmt.Errorf("line %d, byte offset %d: invalid UTF-8 after a UTF-8 byte-order mark", lineAt(b, off+3), off+3)
		}
		return rest, "utf-8-bom", nil
	}
	u := invalidUTF8(b)
	if u < 0 {
		return b, "utf-8", nil
	}
	if g := invalidGB18030(b); g >= 0 {
		return nil, "", fmt.Errorf("input is neither UTF-8 (bad byte 0x%02X at line %d, byte offset %d) nor GBK/GB18030 (bad byte 0x%02X at line %d, byte offset %d)",
			b[u], lineAt(b, u), u, b[g], lineAt(b, g), g)
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return nil, "", fmt.Errorf("decode GB18030: %w", err)
	}
	return out, "gb18030", nil
}

// invalidUTF8 is the offset of the first byte that is not valid UTF-8, or -1.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// invalidGB18030 is the offset of the first byte that does not start or continue a valid
// GB18030 sequence (1 byte 00–7F; 2 bytes 81–FE then 40–7E or 80–FE; 4 bytes 81–FE 30–39
// 81–FE 30–39), or -1.
func invalidGB18030(b []byte) int {
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			i++
		case c == 0x80 || c == 0xFF:
			return i
		case i+1 < len(b) && (b[i+1] >= 0x40 && b[i+1] <= 0x7E || b[i+1] >= 0x80 && b[i+1] <= 0xFE):
			i += 2
		case i+3 < len(b) && b[i+1] >= 0x30 && b[i+1] <= 0x39 && b[i+2] >= 0x81 && b[i+2] <= 0xFE && b[i+3] >= 0x30 && b[i+3] <= 0x39:
			i += 4
		default:
			return i
		}
	}
	return -1
}

func lineAt(b []byte, off int) int { return bytes.Count(b[:off], []byte{'\n'}) + 1 }

// record is one input row as field → raw text, in canonical (English) field names.
type record struct {
	row     int
	feature bool
	vals    map[string]string
	geom    *geometry // GeoJSON geometry, nil for CSV or a null geometry
}

func (r *record) get(field string) string { return strings.TrimSpace(r.vals[field]) }

func (r *record) errf(field string, format string, args ...any) *RowError {
	return &RowError{Row: r.row, Field: field, Value: r.get(field), Err: fmt.Errorf(format, args...), Feature: r.feature}
}

// normHeader folds a header for alias lookup: trimmed, lower case, full-width brackets and
// spaces removed.
func normHeader(h string) string {
	h = strings.TrimPrefix(h, "\uFEFF")
	h = strings.NewReplacer("（", "(", "）", ")", " ", "", "\u3000", "", "_", "", "-", "").Replace(h)
	return strings.ToLower(strings.TrimSpace(h))
}

// headerIndex maps folded aliases to canonical field names.
type headerIndex map[string]string

func newHeaderIndex(aliases map[string][]string) headerIndex {
	idx := headerIndex{}
	for canon, as := range aliases {
		idx[normHeader(canon)] = canon
		for _, a := range as {
			idx[normHeader(a)] = canon
		}
	}
	return idx
}

// lookup resolves a header, also after dropping a trailing "(unit)" such as 床位数(张).
func (idx headerIndex) lookup(h string) (string, bool) {
	n := normHeader(h)
	if c, ok := idx[n]; ok {
		return c, true
	}
	if i := strings.LastIndex(n, "("); i > 0 && strings.HasSuffix(n, ")") {
		c, ok := idx[n[:i]]
		return c, ok
	}
	return "", false
}

// readCSV decodes and splits a CSV file into records keyed by canonical field names.
// Unknown columns are reported as warnings and ignored; a header with tabs and no commas is
// read as tab-separated. need lists alternatives of which at least one column must exist
// (e.g. {"division_code", "village"}).
func readCSV(b []byte, idx headerIndex, need [][]string, rep *ImportReport) ([]record, error) {
	text, _, err := decodeText(b)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(text))
	firstLine, _, _ := bytes.Cut(text, []byte{'\n'})
	if bytes.IndexByte(firstLine, ',') < 0 && bytes.IndexByte(firstLine, '\t') >= 0 {
		cr.Comma = '\t'
	}
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("empty file: no header row")
	}
	if err != nil {
		return nil, csvErr(err)
	}
	cols := make([]string, len(header))
	seen := map[string]int{}
	for i, h := range header {
		c, ok := idx.lookup(h)
		if !ok {
			if strings.TrimSpace(h) != "" {
				rep.Warn("column %d %q is not a known field: ignored", i+1, h)
			}
			continue
		}
		if j, dup := seen[c]; dup {
			return nil, &RowError{Row: 1, Field: c, Value: h, Err: fmt.Errorf("columns %d and %d both mean %s", j+1, i+1, c)}
		}
		seen[c] = i
		cols[i] = c
	}
	for _, alts := range need {
		found := false
		for _, c := range alts {
			_, ok := seen[c]
			found = found || ok
		}
		if !found {
			return nil, &RowError{Row: 1, Err: fmt.Errorf("the header has no %s column (see docs/import.md for the accepted names)", strings.Join(alts, " or "))}
		}
	}
	var out []record
	for {
		fields, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		blank := true
		for _, f := range fields {
			if strings.TrimSpace(f) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		if len(fields) > len(header) {
			extra := strings.TrimSpace(strings.Join(fields[len(header):], ""))
			if extra != "" {
				return nil, &RowError{Row: line, Value: extra, Err: fmt.Errorf("%d fields, but the header has %d", len(fields), len(header))}
			}
		}
		r := record{row: line, vals: map[string]string{}}
		for i, f := range fields {
			if i < len(cols) && cols[i] != "" {
				r.vals[cols[i]] = f
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &RowError{Row: pe.Line, Err: fmt.Errorf("column %d: %w", pe.Column, pe.Err)}
	}
	return err
}

// geometry is a decoded GeoJSON geometry (WGS84 after conversion).
type geometry struct {
	typ   string
	point orb.Point
	multi orb.MultiPolygon
}

type geoJSONGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

type geoJSONFeature struct {
	Type       string           `json:"type"`
	Geometry   *geoJSONGeometry `json:"geometry"`
	Properties map[string]any   `json:"properties"`
}

// readGeoJSON decodes a FeatureCollection into records. allowed lists the geometry types
// accepted (others are an error naming the feature); properties are matched through idx.
func readGeoJSON(b []byte, idx headerIndex, allowed []string, props func(map[string]any) error, rep *ImportReport) ([]record, error) {
	b = bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF})
	if off := invalidUTF8(b); off >= 0 {
		return nil, fmt.Errorf("GeoJSON must be UTF-8: bad byte 0x%02X at line %d, byte offset %d", b[off], lineAt(b, off), off)
	}
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, jsonErr(b, 0, err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("GeoJSON type is %q, want FeatureCollection", fc.Type)
	}
	unknown := map[string]bool{}
	type canon struct {
		name string
		ok   bool
	}
	seen := map[string]canon{} // lookup per distinct property name, not per feature
	var out []record
	for i, raw := range fc.Features {
		r := record{row: i + 1, feature: true, vals: map[string]string{}}
		var f geoJSONFeature
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&f); err != nil {
			return nil, &RowError{Row: i + 1, Feature: true, Err: jsonErr(raw, 0, err)}
		}
		if f.Type != "Feature" {
			return nil, &RowError{Row: i + 1, Feature: true, Field: "type", Value: f.Type, Err: errors.New("want Feature")}
		}
		if props != nil && f.Properties != nil {
			if err := props(f.Properties); err != nil {
				return nil, &RowError{Row: i + 1, Feature: true, Field: "properties", Err: err}
			}
		}
		for k, v := range f.Properties {
			h, hit := seen[k]
			if !hit {
				h.name, h.ok = idx.lookup(k)
				seen[k] = h
			}
			c, ok := h.name, h.ok
			if !ok {
				if !unknown[k] {
					unknown[k] = true
					rep.Warn("property %q is not a known field: ignored", k)
				}
				continue
			}
			s, err := scalarString(v)
			if err != nil {
				return nil, &RowError{Row: i + 1, Feature: true, Field: c, Err: err}
			}
			r.vals[c] = s
		}
		// The feature-level "id" is deliberately not used: other tools number features 0…n,
		// and taking those as facility ids would overwrite unrelated facilities on merge.
		if f.Geometry != nil {
			g, err := decodeGeometry(f.Geometry, allowed)
			if err != nil {
				return nil, &RowError{Row: i + 1, Feature: true, Field: "geometry", Err: err}
			}
			r.geom = g
		}
		out = append(out, r)
	}
	return out, nil
}

func scalarString(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	}
	return "", fmt.Errorf("want a string, number or boolean, got %T", v)
}

// jsonErr renders a JSON decoding error with its line and column in b.
func jsonErr(b []byte, base int64, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var off int64 = -1
	switch {
	case errors.As(err, &se):
		off = se.Offset - 1 // the offending byte; Offset counts the bytes read including it
		if off < 0 {
			off = 0
		}
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(b)) {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	line := bytes.Count(b[:off], []byte{'\n'}) + 1
	col := int(off) - bytes.LastIndexByte(b[:off], '\n')
	return fmt.Errorf("invalid JSON at line %d, column %d (byte offset %d): %w", line, col, base+off, err)
}

func decodeGeometry(g *geoJSONGeometry, allowed []string) (*geometry, error) {
	ok := false
	for _, a := range allowed {
		ok = ok || a == g.Type
	}
	if !ok {
		return nil, fmt.Errorf("geometry type %q not accepted here (want %s)", g.Type, strings.Join(allowed, " or "))
	}
	out := &geometry{typ: g.Type}
	switch g.Type {
	case "Point":
		var c []float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fmt.Errorf("point coordinates: %w", err)
		}
		if len(c) < 2 {
			return nil, fmt.Errorf("a point has %d coordinates, want [lon, lat]", len(c))
		}
		out.point = orb.Point{c[0], c[1]}
	case "Polygon":
		var c [][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fmt.Errorf("polygon coordinates: %w", err)
		}
		p, err := toPolygon(c, 0)
		if err != nil {
			return nil, err
		}
		out.multi = orb.MultiPolygon{p}
	case "MultiPolygon":
		var c [][][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fmt.Errorf("MultiPolygon coordinates: %w", err)
		}
		for i, pc := range c {
			p, err := toPolygon(pc, i)
			if err != nil {
				return nil, err
			}
			out.multi = append(out.multi, p)
		}
	}
	return out, nil
}

func toPolygon(c [][][]float64, pi int) (orb.Polygon, error) {
	if len(c) == 0 {
		return nil, fmt.Errorf("polygon %d has no rings", pi)
	}
	p := make(orb.Polygon, len(c))
	for ri, ring := range c {
		r := make(orb.Ring, len(ring))
		for vi, v := range ring {
			if len(v) < 2 {
				return nil, fmt.Errorf("polygon %d ring %d vertex %d has %d coordinates, want 2", pi, ri, vi, len(v))
			}
			if !finite(v[0]) || !finite(v[1]) || math.Abs(v[0]) > 180 || math.Abs(v[1]) > 90 {
				return nil, fmt.Errorf("polygon %d ring %d vertex %d (%g, %g) is not a lon/lat in degrees", pi, ri, vi, v[0], v[1])
			}
			r[vi] = orb.Point{v[0], v[1]}
		}
		p[ri] = r
	}
	return p, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// parseCoord reads lon or lat text: a finite decimal number of degrees within ±limit.
func parseCoord(s string, limit float64) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, errors.New("not a decimal number of degrees")
	}
	if !finite(v) {
		return 0, errors.New("not a finite number")
	}
	if math.Abs(v) > limit {
		return 0, fmt.Errorf("outside [-%g, %g]", limit, limit)
	}
	return v, nil
}

// parsePoint validates a lon/lat pair as read (before CRS conversion): both or neither,
// in range, and within the rough box where China lies (a swapped pair gets a hint).
func parsePoint(r *record, lonField, latField string) (p orb.Point, ok bool, err *RowError) {
	los, las := r.get(lonField), r.get(latField)
	if los == "" && las == "" {
		return p, false, nil
	}
	if los == "" {
		return p, false, r.errf(lonField, "missing while %s is given", latField)
	}
	if las == "" {
		return p, false, r.errf(latField, "missing while %s is given", lonField)
	}
	lon, e := parseCoord(los, 180)
	if e != nil {
		return p, false, r.errf(lonField, "%v", e)
	}
	lat, e := parseCoord(las, 90)
	if e != nil {
		return p, false, r.errf(latField, "%v", e)
	}
	return checkChina(r, orb.Point{lon, lat}, lonField, latField)
}

func checkChina(r *record, p orb.Point, lonField, latField string) (orb.Point, bool, *RowError) {
	if geo.OutsideChina(p) {
		if !geo.OutsideChina(orb.Point{p[1], p[0]}) {
			return p, false, r.errf(lonField, "point (%g, %g) lies outside China; lon and lat look swapped", p[0], p[1])
		}
		return p, false, r.errf(lonField, "point (%g, %g) lies outside China", p[0], p[1])
	}
	return p, true, nil
}

// parseCount reads a non-negative whole number ("" = 0); Excel's "12.0" is accepted.
func parseCount(r *record, field string) (int64, *RowError) {
	s := strings.ReplaceAll(r.get(field), ",", "")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || !finite(f) || f != math.Trunc(f) || math.Abs(f) > 1e15 {
			return 0, r.errf(field, "not a whole number")
		}
		n = int64(f)
	}
	if n < 0 {
		return 0, r.errf(field, "negative")
	}
	return n, nil
}

// parseArea reads a non-negative finite decimal ("" = 0).
func parseArea(r *record, field string) (float64, *RowError) {
	s := strings.ReplaceAll(r.get(field), ",", "")
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, r.errf(field, "not a number")
	}
	if !finite(v) {
		return 0, r.errf(field, "not a finite number")
	}
	if v < 0 {
		return 0, r.errf(field, "negative")
	}
	return v, nil
}

// dateLayouts are the accepted spellings of a date, with the ISO form each normalises to.
var dateLayouts = []struct{ in, out string }{
	{"2006-01-02", "2006-01-02"}, {"2006-1-2", "2006-01-02"}, {"2006/1/2", "2006-01-02"}, {"2006.1.2", "2006-01-02"},
	{"2006年1月2日", "2006-01-02"}, {"20060102", "2006-01-02"},
	{"2006-01", "2006-01"}, {"2006-1", "2006-01"}, {"2006/1", "2006-01"}, {"2006.1", "2006-01"}, {"2006年1月", "2006-01"},
	{"2006", "2006"}, {"2006年", "2006"},
}

// parseDate normalises a date to ISO 8601 (YYYY-MM-DD, YYYY-MM or YYYY); years 1900–2100.
func parseDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	for _, l := range dateLayouts {
		t, err := time.Parse(l.in, s)
		if err != nil {
			continue
		}
		if t.Year() < 1900 || t.Year() > 2100 {
			return "", fmt.Errorf("year %d outside 1900–2100", t.Year())
		}
		return t.Format(l.out), nil
	}
	return "", errors.New("not a date (want YYYY-MM-DD, YYYY-MM or YYYY; 2019/6/1 and 2019年6月1日 are accepted)")
}

// importInput is what every importer reads first.
type importInput struct {
	format string                    // "csv" or "geojson"
	crs    geo.CRS                   // the file's CRS
	conv   func(orb.Point) orb.Point // the file's CRS to WGS84 (crs.Inverse)
	tree   *divisions.Tree           // to check codes against
	recs   []record                  // at least one
}

// readImport resolves the format (from o or the file name) and the conversion to WGS84,
// then reads the file's records: CSV with the required columns (each inner list: one of these
// names), or GeoJSON features with the allowed geometry types. An empty file is an error.
func readImport(r io.Reader, name string, o ParseOptions, aliases map[string][]string, required [][]string,
	geometries []string, rep *ImportReport) (in importInput, err error) {
	if in.format, err = inputFormat(o.Format, name); err != nil {
		return in, err
	}
	if in.crs, err = inputCRS(o.CRS); err != nil {
		return in, err
	}
	in.conv = in.crs.Inverse
	if in.tree = o.Tree; in.tree == nil {
		return in, fmt.Errorf("import %s: no division tree to check codes against", name)
	}
	b, err := readAllLimited(r)
	if err != nil {
		return in, fmt.Errorf("import %s: %w", name, err)
	}
	idx := newHeaderIndex(aliases)
	if in.format == "csv" {
		in.recs, err = readCSV(b, idx, required, rep)
	} else {
		in.recs, err = readGeoJSON(b, idx, geometries, o.Properties, rep)
	}
	if err != nil {
		return in, fmt.Errorf("import %s: %w", name, err)
	}
	if len(in.recs) == 0 {
		return in, fmt.Errorf("import %s: no data rows", name)
	}
	return in, nil
}
