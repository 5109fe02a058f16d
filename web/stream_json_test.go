package web

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
)

// The province gap list on Hubei is streamed: the bytes are those json.Marshal gives for the
// whole answer, they parse, every feature's properties encode as the map the answer used to be
// built from, the count equals what the coverage endpoint says is uncovered, gzip gives the same
// bytes, and bad requests still get problem+json.
func TestGapsStreamedEqualsWhole(t *testing.T) {
	_, srv, ts := hubeiEnv(t)
	e := &testEnv{srv: srv, ts: ts}
	const path = "/api/v1/gaps?kind=mutual_aid_elderly&division=42"
	code, h, body := e.fetch(t, path)
	if code != 200 || h.Get("Content-Type") != geoJSONType {
		t.Fatalf("%s: %d %s %.300s", path, code, h.Get("Content-Type"), body)
	}

	// the non-streamed form of the same answer
	snap := srv.current()
	g, err := snap.analyzer.Gaps(facilities.Params{Kind: facilities.MutualAidElderly, Division: "420000000000"}, false)
	if err != nil {
		t.Fatal(err)
	}
	fc := gapsAnswer(g, g.Villages, false, geo.WGS84)
	fc["vintages"], fc["note"], fc["crs"], fc["plan"] = snap.vintages(), approxNote, geo.WGS84, nil
	whole, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, whole) {
		t.Errorf("streamed answer (%d bytes) differs from json.Marshal of the whole (%d bytes)", len(body), len(whole))
	}
	if len(body) < 1<<20 {
		t.Errorf("the province gap list is only %d bytes: not the large answer this test is about", len(body))
	}

	var got struct {
		NumberMatched  int `json:"numberMatched"`
		NumberReturned int `json:"numberReturned"`
		Features       []struct {
			ID         string         `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("streamed answer is not JSON: %v", err)
	}
	if got.NumberMatched != len(got.Features) || got.NumberReturned != len(got.Features) || len(got.Features) != len(g.Villages) {
		t.Errorf("numberMatched %d, numberReturned %d, %d features, %d uncovered villages", got.NumberMatched, got.NumberReturned, len(got.Features), len(g.Villages))
	}
	// the struct properties encode as the map they replace
	for i := range g.Villages {
		v := &g.Villages[i]
		m := map[string]any{"rank": i + 1, "code": v.Code, "name": v.Name, "short_name": v.ShortName, "kind": v.Kind, "rural": v.Rural,
			"elderly": v.Elderly, "nearest": v.Nearest, "detour": v.Detour, "has_point": v.HasPoint, "provenance": v.Provenance}
		mb, _ := json.Marshal(m)
		sb, _ := json.Marshal(fc["features"].(jsonArray).elem(i).(gapFeature).Properties)
		if !bytes.Equal(mb, sb) {
			t.Fatalf("village %s: properties %s, as a map %s", v.Code, sb, mb)
		}
	}
	// an independent count: the coverage endpoint's uncovered village committees
	_, _, cov := e.get(t, "/api/v1/coverage?kind=mutual_aid_elderly&division=42")
	sum := cov["coverage"].(map[string]any)["summary"].(map[string]any)
	uncovered := int(sum["villages"].(float64) - sum["covered"].(float64))
	if uncovered != got.NumberMatched {
		t.Errorf("coverage says %d uncovered village committees, the gap list has %d", uncovered, got.NumberMatched)
	}

	// gzip: the same bytes
	_, hz, gz := e.fetch(t, path, "Accept-Encoding", "gzip")
	if hz.Get("Content-Encoding") != "gzip" || !bytes.Equal(gunzip(t, gz), whole) {
		t.Errorf("gzipped gap list: Content-Encoding %q, differs from the whole", hz.Get("Content-Encoding"))
	}
	// a second call (the gap list memoised for the snapshot): the same bytes
	if _, _, again := e.fetch(t, path); !bytes.Equal(again, whole) {
		t.Error("second call differs")
	}

	for _, bad := range []struct {
		path string
		code int
		word string
	}{
		{"/api/v1/gaps?kind=nope&division=42", 400, "kind"},
		{"/api/v1/gaps?kind=mutual_aid_elderly&division=99", 404, "99"},
		{"/api/v1/gaps?kind=mutual_aid_elderly&division=42&limit=-1", 400, "limit"},
	} {
		code, h, b := e.fetch(t, bad.path)
		if code != bad.code || h.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(b), bad.word) {
			t.Errorf("%s: %d %s %s", bad.path, code, h.Get("Content-Type"), b)
		}
	}
}
