package web

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/civplan/civplan/data/store"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// badCase is one malformed request of the corpus: it must get a 4xx problem answer (want, or
// any 4xx when want is 0) and change nothing.
type badCase struct {
	name, method, path, body string
	ctype                    string // Content-Type; "" = application/json when there is a body
	role                     string // "planner", "admin" or "" (no token; reads are open)
	hdr                      []string
	want                     int
}

// gbk encodes s as GBK (what Chinese Excel writes); a test fixture builder, not a code under test.
func gbk(t *testing.T, s string) string {
	b, err := simplifiedchinese.GBK.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// badInputCorpus is the HTTP part of the bad-input corpus (issue 8): broken JSON and GeoJSON,
// wrong CRS, huge and NaN coordinates, wrong codes, broken encodings, oversized bodies, SQL-ish
// strings, path traversal, bad scenario operations and bad query parameters, over every write
// and read endpoint. scenarioID is a stored scenario to PUT against.
func badInputCorpus(t *testing.T, scenarioID int64) []badCase {
	const okFacility = `"kind":"welfare_home","name":"坏输入测试","division_code":"420526100"`
	sc := fmt.Sprintf("/api/v1/scenarios/%d", scenarioID)
	huge := `{"kind":"welfare_home","name":"` + strings.Repeat("大", 3<<20) + `","division_code":"420526100","lon":110.3,"lat":31.5}`
	siting := func(body string) string { return `{"name":"坏规划","siting":` + body + `}` }
	return []badCase{
		// Facility create: broken bodies.
		{name: "facility: truncated JSON", method: "POST", path: "/api/v1/facilities", body: `{"kind":"welfare_home",`, role: "planner", want: 400},
		{name: "facility: empty body", method: "POST", path: "/api/v1/facilities", body: ` `, role: "planner", want: 400},
		{name: "facility: array body", method: "POST", path: "/api/v1/facilities", body: `[{"kind":"welfare_home"}]`, role: "planner", want: 400},
		{name: "facility: two objects", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":110.3,"lat":31.5}{}`, role: "planner", want: 400},
		{name: "facility: unknown field", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":110.3,"lat":31.5,"admin":true}`, role: "planner", want: 400},
		{name: "facility: text/plain", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":110.3,"lat":31.5}`, ctype: "text/plain", role: "planner", want: 415},
		{name: "facility: GeoJSON Feature instead of the registry shape", method: "POST", path: "/api/v1/facilities", body: `{"type":"Feature","geometry":{"type":"Point","coordinates":[110.3,31.5]},"properties":{"kind":"welfare_home"}}`, role: "planner", want: 400},
		{name: "facility: oversized body (12 MiB)", method: "POST", path: "/api/v1/facilities", body: huge, role: "planner", want: 413},
		// Coordinates.
		{name: "facility: NaN literal", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":NaN,"lat":31.5}`, role: "planner", want: 400},
		{name: "facility: NaN as a string", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":"NaN","lat":31.5}`, role: "planner", want: 400},
		{name: "facility: number beyond float64", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":1e309,"lat":31.5}`, role: "planner", want: 400},
		{name: "facility: huge coordinates", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":1e300,"lat":-1e300}`, role: "planner", want: 400},
		{name: "facility: lon/lat out of range", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":200,"lat":95}`, role: "planner", want: 400},
		{name: "facility: lat/lon swapped", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":31.5,"lat":110.3}`, role: "planner", want: 400},
		{name: "facility: point in Beijing for a Hubei town", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":116.4,"lat":39.9}`, role: "planner", want: 400},
		{name: "facility: projected metres (wrong CRS)", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":12279000,"lat":3690000}`, role: "planner", want: 400},
		{name: "facility: unknown crs", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":110.3,"lat":31.5,"crs":"EPSG:3857"}`, role: "planner", want: 400},
		{name: "facility: path traversal as crs", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":110.3,"lat":31.5,"crs":"../../../etc/passwd"}`, role: "planner", want: 400},
		// Attributes and codes.
		{name: "facility: unknown kind", method: "POST", path: "/api/v1/facilities", body: `{"kind":"hospital","name":"x","division_code":"420526100","lon":110.3,"lat":31.5}`, role: "planner", want: 400},
		{name: "facility: SQL in kind", method: "POST", path: "/api/v1/facilities", body: `{"kind":"welfare_home'; DROP TABLE facilities; --","name":"x","division_code":"420526100","lon":110.3,"lat":31.5}`, role: "planner", want: 400},
		{name: "facility: SQL in division code", method: "POST", path: "/api/v1/facilities", body: `{"kind":"welfare_home","name":"x","division_code":"420526100' OR '1'='1","lon":110.3,"lat":31.5}`, role: "planner", want: 400},
		{name: "facility: 13-digit code", method: "POST", path: "/api/v1/facilities", body: `{"kind":"welfare_home","name":"x","division_code":"4205261002011","lon":110.3,"lat":31.5}`, role: "planner", want: 400},
		{name: "facility: code of no division", method: "POST", path: "/api/v1/facilities", body: `{"kind":"welfare_home","name":"x","division_code":"430000","lon":110.3,"lat":31.5}`, role: "planner", want: 400},
		{name: "facility: full-width digits in code", method: "POST", path: "/api/v1/facilities", body: `{"kind":"welfare_home","name":"x","division_code":"４２０５２６１００","lon":110.3,"lat":31.5}`, role: "planner", want: 400},
		{name: "facility: kind null", method: "POST", path: "/api/v1/facilities", body: `{"kind":null,"name":"x","division_code":"420526100","lon":110.3,"lat":31.5}`, role: "planner", want: 400},
		{name: "facility: empty name", method: "POST", path: "/api/v1/facilities", body: `{"kind":"welfare_home","name":"  ","division_code":"420526100","lon":110.3,"lat":31.5}`, role: "planner", want: 400},
		{name: "facility: negative beds", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":110.3,"lat":31.5,"beds":-1}`, role: "planner", want: 400},
		{name: "facility: beds beyond int64", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":110.3,"lat":31.5,"beds":1e20}`, role: "planner", want: 400},
		{name: "facility: NaN floor area as string", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":110.3,"lat":31.5,"floor_area_m2":"NaN"}`, role: "planner", want: 400},
		{name: "facility: 30 February", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":110.3,"lat":31.5,"opened":"2020-02-30"}`, role: "planner", want: 400},
		{name: "facility: unknown status", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":110.3,"lat":31.5,"status":"demolished"}`, role: "planner", want: 400},
		{name: "facility: renovated not a tri-state", method: "POST", path: "/api/v1/facilities", body: `{` + okFacility + `,"lon":110.3,"lat":31.5,"renovated":{"fire_safety":"maybe"}}`, role: "planner", want: 400},
		// Encodings: JSON is UTF-8; invalid byte sequences and GBK bytes are not UTF-8.
		{name: "facility: invalid UTF-8 in name", method: "POST", path: "/api/v1/facilities", body: `{"kind":"welfare_home","name":"敬老院` + "\xff\xfe\x80" + `","division_code":"420526100","lon":110.3,"lat":31.5}`, role: "planner", want: 400},
		{name: "facility: GBK bytes in a JSON body", method: "POST", path: "/api/v1/facilities", body: `{"kind":"welfare_home","name":"` + gbk(t, "古夫镇敬老院") + `","division_code":"420526100","lon":110.3,"lat":31.5}`, role: "planner", want: 400},
		{name: "facility: UTF-16 body", method: "POST", path: "/api/v1/facilities", body: "\xff\xfe{\x00}\x00", role: "planner", want: 400},
		// Facility update and delete.
		{name: "patch: no If-Match", method: "PATCH", path: "/api/v1/facilities/1", body: `{"beds":5}`, role: "planner", want: 428},
		{name: "patch: stale If-Match", method: "PATCH", path: "/api/v1/facilities/1", body: `{"beds":5}`, role: "planner", hdr: []string{"If-Match", `"99"`}, want: 412},
		{name: "patch: garbage If-Match", method: "PATCH", path: "/api/v1/facilities/1", body: `{"beds":5}`, role: "planner", hdr: []string{"If-Match", `W/"x'; --"`}},
		{name: "patch: coordinates as words", method: "PATCH", path: "/api/v1/facilities/1", body: `{"lat":"north"}`, role: "planner", hdr: []string{"If-Match", `"1"`}, want: 400},
		{name: "patch: moved to a code of no division", method: "PATCH", path: "/api/v1/facilities/1", body: `{"division_code":"420526999201"}`, role: "planner", hdr: []string{"If-Match", `"1"`}, want: 400},
		{name: "patch: invalid UTF-8 name", method: "PATCH", path: "/api/v1/facilities/1", body: `{"name":"` + "\xc3\x28" + `"}`, role: "planner", hdr: []string{"If-Match", `"1"`}, want: 400},
		{name: "patch: id that does not exist", method: "PATCH", path: "/api/v1/facilities/99999", body: `{"beds":5}`, role: "planner", hdr: []string{"If-Match", `"1"`}, want: 404},
		{name: "patch: id overflows int64", method: "PATCH", path: "/api/v1/facilities/99999999999999999999", body: `{"beds":5}`, role: "planner", hdr: []string{"If-Match", `"1"`}, want: 400},
		{name: "patch: negative id", method: "PATCH", path: "/api/v1/facilities/-1", body: `{"beds":5}`, role: "planner", hdr: []string{"If-Match", `"1"`}, want: 400},
		{name: "put: partial body", method: "PUT", path: "/api/v1/facilities/1", body: `{"beds":5}`, role: "planner", hdr: []string{"If-Match", `"1"`}, want: 400},
		{name: "delete: no If-Match", method: "DELETE", path: "/api/v1/facilities/1", role: "planner", want: 428},
		{name: "delete: path traversal id", method: "DELETE", path: "/api/v1/facilities/..%2F..%2Fetc%2Fpasswd", role: "planner", hdr: []string{"If-Match", `"1"`}},
		{name: "delete: SQL id", method: "DELETE", path: "/api/v1/facilities/1%20OR%201=1", role: "planner", hdr: []string{"If-Match", `"1"`}, want: 400},
		// Plans and siting.
		{name: "plan: broken JSON", method: "POST", path: "/api/v1/plans", body: `{"name":"p","siting":{`, role: "planner", want: 400},
		{name: "plan: no name", method: "POST", path: "/api/v1/plans", body: `{"siting":{"kind":"welfare_home","division":"420526","p":1}}`, role: "planner", want: 400},
		{name: "plan: siting is a string", method: "POST", path: "/api/v1/plans", body: siting(`"mclp"`), role: "planner", want: 400},
		{name: "plan: unknown kind", method: "POST", path: "/api/v1/plans", body: siting(`{"kind":"hospital","division":"420526","objective":"mclp","p":1}`), role: "planner", want: 400},
		{name: "plan: path traversal division", method: "POST", path: "/api/v1/plans", body: siting(`{"kind":"welfare_home","division":"../../etc/passwd","objective":"mclp","p":1}`), role: "planner", want: 400},
		{name: "plan: negative p", method: "POST", path: "/api/v1/plans", body: siting(`{"kind":"welfare_home","division":"420526","objective":"mclp","p":-5}`), role: "planner", want: 400},
		{name: "plan: unknown siting field", method: "POST", path: "/api/v1/plans", body: siting(`{"kind":"welfare_home","division":"420526","objective":"mclp","p":1,"drop":"table"}`), role: "planner", want: 400},
		{name: "plan: get id 0", method: "GET", path: "/api/v1/plans/0", role: "planner", want: 400},
		{name: "plan: delete a missing plan", method: "DELETE", path: "/api/v1/plans/99999", role: "planner", want: 404},
		{name: "siting: unknown objective", method: "POST", path: "/api/v1/siting", body: `{"kind":"welfare_home","division":"420526","objective":"magic","p":1}`, want: 400},
		{name: "siting: negative radius", method: "POST", path: "/api/v1/siting", body: `{"kind":"mutual_aid_elderly","division":"420526","radius_m":-1000,"objective":"mclp","p":1}`, want: 400},
		{name: "siting: candidate at 1e308", method: "POST", path: "/api/v1/siting", body: `{"kind":"welfare_home","division":"420526","objective":"mclp","p":1,"candidates":[{"name":"x","lon":1e308,"lat":1e308}]}`, want: 400},
		{name: "siting: unknown mode", method: "POST", path: "/api/v1/siting", body: `{"kind":"welfare_home","division":"420526","mode":"teleport","objective":"mclp","p":1}`, want: 400},
		{name: "siting: target above 1", method: "POST", path: "/api/v1/siting", body: `{"kind":"welfare_home","division":"420526","objective":"lscp","target":80}`, want: 400},
		// Scenarios.
		{name: "scenario: unknown op", method: "POST", path: "/api/v1/scenarios", body: `{"name":"s","ops":[{"op":"explode","unit":"420526"}]}`, role: "planner", want: 400},
		{name: "scenario: merge of units that do not exist", method: "POST", path: "/api/v1/scenarios", body: `{"name":"s","ops":[{"op":"merge","units":["420526900","420526901"]}]}`, role: "planner", want: 400},
		{name: "scenario: merge of one unit", method: "POST", path: "/api/v1/scenarios", body: `{"name":"s","ops":[{"op":"merge","units":["420526100"]}]}`, role: "planner", want: 400},
		{name: "scenario: transfer a unit into itself", method: "POST", path: "/api/v1/scenarios", body: `{"name":"s","ops":[{"op":"transfer","units":["420526100"],"to":"420526100"}]}`, role: "planner", want: 400},
		{name: "scenario: seat at 1e308", method: "POST", path: "/api/v1/scenarios", body: `{"name":"s","ops":[{"op":"move_seat","unit":"420526100","seat":[1e308,1e308]}]}`, role: "planner", want: 400},
		{name: "scenario: seat with one number", method: "POST", path: "/api/v1/scenarios", body: `{"name":"s","ops":[{"op":"move_seat","unit":"420526100","seat":[110.3]}]}`, role: "planner", want: 400},
		{name: "scenario: change to an unknown kind", method: "POST", path: "/api/v1/scenarios", body: `{"name":"s","ops":[{"op":"change_kind","unit":"420526100","kind":"metropolis"}]}`, role: "planner", want: 400},
		{name: "scenario: SQL in unit", method: "POST", path: "/api/v1/scenarios", body: `{"name":"s","ops":[{"op":"rename","unit":"420526100'; DELETE FROM scenarios; --","name":"x"}]}`, role: "planner", want: 400},
		{name: "scenario: apply a missing plan", method: "POST", path: "/api/v1/scenarios", body: `{"name":"s","ops":[{"op":"apply_plan","plan":99999}]}`, role: "planner", want: 400},
		{name: "scenario: no name", method: "POST", path: "/api/v1/scenarios", body: `{"ops":[]}`, role: "planner", want: 400},
		{name: "scenario: unknown status", method: "POST", path: "/api/v1/scenarios", body: `{"name":"s","status":"published","ops":[]}`, role: "planner", want: 400},
		{name: "scenario: ops is an object", method: "POST", path: "/api/v1/scenarios", body: `{"name":"s","ops":{"op":"rename"}}`, role: "planner", want: 400},
		{name: "scenario: replay of garbage", method: "POST", path: "/api/v1/scenarios", body: `{"name":"s","replay_csv":"a,b,c\n1,2"}`, role: "planner", want: 400},
		{name: "scenario: put a bad op", method: "PUT", path: sc, body: `{"name":"s","ops":[{"op":"rename","unit":"420599","name":"x"}]}`, role: "planner", want: 400},
		{name: "scenario: put to a word id", method: "PUT", path: "/api/v1/scenarios/abc", body: `{"name":"s","ops":[]}`, role: "planner", want: 400},
		{name: "scenario: delete a missing scenario", method: "DELETE", path: "/api/v1/scenarios/99999", role: "planner", want: 404},
		{name: "scenario: compare without ids", method: "GET", path: "/api/v1/scenarios/compare?a=x&b=", role: "planner", want: 400},
		{name: "scenario: impact for an unknown kind", method: "GET", path: sc + "/impact?kind=hospital", role: "planner", want: 400},
		{name: "scenario: negative seat growth", method: "GET", path: sc + "/impact?seat_growth_m=-3", role: "planner", want: 400},
		{name: "scenario: codes of a missing scenario", method: "GET", path: "/api/v1/scenarios/99999/codes.csv", role: "planner", want: 404},
		// Reads: divisions, locate, facilities, coverage.
		{name: "division: letters in code", method: "GET", path: "/api/v1/divisions/4205a", want: 400},
		{name: "division: path traversal", method: "GET", path: "/api/v1/divisions/..%2F..%2Fetc%2Fpasswd"},
		{name: "division: SQL-ish search and unknown level", method: "GET", path: "/api/v1/divisions?q=%27%20OR%201%3D1%20--&level=galaxy", want: 400},
		{name: "division: children of a missing code", method: "GET", path: "/api/v1/divisions/99/children", want: 404},
		{name: "locate: NaN", method: "GET", path: "/api/v1/locate?lon=NaN&lat=31.5", want: 400},
		{name: "locate: beyond float64", method: "GET", path: "/api/v1/locate?lon=1e999&lat=31.5", want: 400},
		{name: "locate: unknown crs", method: "GET", path: "/api/v1/locate?lon=110.3&lat=31.5&crs=epsg:3857", want: 400},
		{name: "locate: no lon", method: "GET", path: "/api/v1/locate?lat=31.5", want: 400},
		{name: "facilities: bbox of three numbers", method: "GET", path: "/api/v1/facilities?bbox=110,31,111", want: 400},
		{name: "facilities: NaN bbox", method: "GET", path: "/api/v1/facilities?bbox=NaN,31,111,32", want: 400},
		{name: "facilities: inverted bbox", method: "GET", path: "/api/v1/facilities?bbox=111,32,110,31", want: 400},
		{name: "facilities: unknown kind", method: "GET", path: "/api/v1/facilities?kind=hospital", want: 400},
		{name: "facilities: unknown status", method: "GET", path: "/api/v1/facilities?status=x", want: 400},
		{name: "facilities: negative limit", method: "GET", path: "/api/v1/facilities?limit=-1", want: 400},
		{name: "facilities: NUL in division", method: "GET", path: "/api/v1/facilities?division=%00", want: 400},
		{name: "facilities: path traversal crs", method: "GET", path: "/api/v1/facilities?crs=..%2F..%2Fx", want: 400},
		{name: "facility: word id", method: "GET", path: "/api/v1/facilities/abc", want: 400},
		{name: "coverage: negative radius", method: "GET", path: "/api/v1/coverage?kind=mutual_aid_elderly&division=420526&radius_m=-5", want: 400},
		{name: "coverage: unknown kind", method: "GET", path: "/api/v1/coverage?kind=x&division=420526", want: 400},
		{name: "coverage: unknown mode", method: "GET", path: "/api/v1/coverage?kind=mutual_aid_elderly&division=420526&mode=x", want: 400},
		{name: "coverage: unknown format", method: "GET", path: "/api/v1/coverage?kind=mutual_aid_elderly&division=420526&f=pdf", want: 400},
		{name: "gaps: NaN radius", method: "GET", path: "/api/v1/gaps?kind=mutual_aid_elderly&division=420526&radius_m=NaN", want: 400},
		{name: "scorecard: word code", method: "GET", path: "/api/v1/scorecard/abc", want: 400},
		{name: "accessibility: unknown method", method: "GET", path: "/api/v1/accessibility?kind=welfare_home&division=420526&method=3sfca", want: 400},
		{name: "audit: bad since", method: "GET", path: "/api/v1/audit?since=yesterday", role: "admin", want: 400},
		{name: "audit: negative limit", method: "GET", path: "/api/v1/audit?limit=-3", role: "admin", want: 400},
		// OGC API – Features and tiles.
		{name: "ogc: bbox of three numbers", method: "GET", path: "/ogc/collections/villages/items?bbox=1,2,3", want: 400},
		{name: "ogc: CQL2 syntax error", method: "GET", path: "/ogc/collections/villages/items?filter=name%20%3D", want: 400},
		{name: "ogc: CQL2 self-intersecting polygon", method: "GET", path: "/ogc/collections/villages/items?filter=S_INTERSECTS(geometry%2CPOLYGON((110%2031%2C111%2032%2C111%2031%2C110%2032%2C110%2031)))", want: 400},
		{name: "ogc: CQL2 unclosed ring", method: "GET", path: "/ogc/collections/villages/items?filter=S_INTERSECTS(geometry%2CPOLYGON((110%2031%2C111%2032%2C111%2031)))", want: 400},
		{name: "ogc: CQL2 NaN coordinate", method: "GET", path: "/ogc/collections/villages/items?filter=S_INTERSECTS(geometry%2CPOINT(NaN%2031))", want: 400},
		{name: "ogc: CQL2 SQL injection", method: "GET", path: "/ogc/collections/villages/items?filter=name%3D%27x%27%3B%20DROP%20TABLE%20divisions%3B%20--", want: 400},
		{name: "ogc: unknown filter-lang", method: "GET", path: "/ogc/collections/villages/items?filter-lang=sql&filter=1%3D1", want: 400},
		{name: "ogc: word limit", method: "GET", path: "/ogc/collections/villages/items?limit=abc", want: 400},
		{name: "ogc: unsupported crs", method: "GET", path: "/ogc/collections/villages/items?crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F3857", want: 400},
		{name: "ogc: garbage cursor", method: "GET", path: "/ogc/collections/villages/items?cursor=%27%3B--", want: 400},
		{name: "ogc: path traversal collection", method: "GET", path: "/ogc/collections/..%2F..%2Fetc%2Fpasswd/items", want: 404},
		{name: "ogc: word feature id", method: "GET", path: "/ogc/collections/welfare_home/items/abc"},
		{name: "tiles: zoom 99", method: "GET", path: "/tiles/counties/99/0/0.mvt", want: 400},
		{name: "tiles: negative x", method: "GET", path: "/tiles/counties/5/-1/13.mvt", want: 400},
		{name: "tiles: word y", method: "GET", path: "/tiles/counties/5/25/abc.mvt", want: 400},
		{name: "tiles: x beyond the zoom", method: "GET", path: "/tiles/counties/2/9/1.mvt", want: 400},
		{name: "tiles: path traversal tileset", method: "GET", path: "/tiles/..%2F..%2Fetc%2Fpasswd/5/25/13.mvt", want: 404},
	}
}

// checkpointedDump checkpoints a SQLite store's WAL into the main file (a separate connection)
// and dumps every table.
func checkpointedDump(t *testing.T, st store.Handle) map[string][]string {
	t.Helper()
	if _, ok := st.(*store.SQLite); ok {
		db, err := sql.Open("sqlite3", "file:"+st.Path()+"?_busy_timeout=5000")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var busy, logFrames, done int
		if err := db.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
			t.Fatal(err)
		}
	}
	d, err := st.DumpTables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Every request of the corpus gets a 4xx problem answer, none a 5xx, and the data is the same
// afterwards (audit entries of rejected attempts aside).
func TestBadInputCorpus(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true, MaxBodyBytes: 8 << 20})
	ctx := context.Background()
	plannerTok, _, _ := e.store.CreateToken(ctx, "planner", store.RolePlanner)
	adminTok, _, _ := e.store.CreateToken(ctx, "admin", store.RoleAdmin)
	code, _, m := e.do(t, "POST", "/api/v1/scenarios", `{"name":"基准方案","ops":[{"op":"rename","unit":"420526100","name":"新古夫镇"}]}`, "Authorization", "Bearer "+plannerTok)
	if code != 201 {
		t.Fatalf("create the scenario to PUT against: %d %v", code, m)
	}
	scID := int64(m["scenario"].(map[string]any)["id"].(float64))
	cases := append(badInputCorpus(t, scID), badInputLimits(scID)...)
	if len(cases) < 200 {
		t.Fatalf("corpus has %d requests, want ≥ 200", len(cases))
	}
	seen := map[string]bool{}
	for _, bc := range cases {
		if seen[bc.name] {
			t.Fatalf("two corpus cases are named %q", bc.name)
		}
		seen[bc.name] = true
	}
	before := checkpointedDump(t, e.store)
	for _, bc := range cases {
		t.Run(bc.name, func(t *testing.T) {
			var rd io.Reader
			if bc.body != "" {
				rd = strings.NewReader(bc.body)
			}
			req, err := http.NewRequest(bc.method, e.ts.URL+bc.path, rd)
			if err != nil {
				t.Fatal(err)
			}
			if bc.body != "" {
				ct := bc.ctype
				if ct == "" {
					ct = "application/json"
				}
				req.Header.Set("Content-Type", ct)
			}
			switch bc.role {
			case "planner":
				req.Header.Set("Authorization", "Bearer "+plannerTok)
			case "admin":
				req.Header.Set("Authorization", "Bearer "+adminTok)
			}
			for i := 0; i+1 < len(bc.hdr); i += 2 {
				req.Header.Set(bc.hdr[i], bc.hdr[i+1])
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			switch {
			case res.StatusCode >= 500:
				t.Errorf("%s %s: %d (server error) %.300s", bc.method, bc.path, res.StatusCode, body)
			case bc.want != 0 && res.StatusCode != bc.want:
				t.Errorf("%s %s: %d, want %d: %.300s", bc.method, bc.path, res.StatusCode, bc.want, body)
			case res.StatusCode < 400:
				t.Errorf("%s %s: accepted (%d): %.300s", bc.method, bc.path, res.StatusCode, body)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("%s %s: Content-Type %q, want application/problem+json", bc.method, bc.path, ct)
			}
			if !bytes.Contains(body, []byte(`"detail"`)) {
				t.Errorf("%s %s: problem without detail: %.300s", bc.method, bc.path, body)
			}
		})
	}
	after := checkpointedDump(t, e.store)
	for _, d := range []map[string][]string{before, after} {
		delete(d, "audit_log")
	}
	if !reflect.DeepEqual(before, after) {
		for table := range before {
			if !reflect.DeepEqual(before[table], after[table]) {
				t.Errorf("table %s changed: %d rows before, %d after", table, len(before[table]), len(after[table]))
			}
		}
	}
}

// The file part of the corpus goes through the importer `civplan import` calls (Store.ImportFacilities
// and ImportDivisions with the tree): each bad file fails naming what and where, and nothing is
// written. A GBK file is valid input and imports.
func TestBadImportFiles(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	ctx := context.Background()
	tree := e.srv.current().tree
	const hdr = "kind,name,division_code,lon,lat,status\n"
	fc := func(geom string, props string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":` + geom + `,"properties":` + props + `}]}`
	}
	okProps := `{"kind":"welfare_home","name":"导入测试","division_code":"420526100","status":"operating"}`
	files := []struct {
		name, what, body, crs string
	}{
		{"broken.geojson", "facilities", `{"type":"FeatureCollection","features":[{"type":"Feature",`, ""},
		{"not-a-collection.geojson", "facilities", `{"type":"Topology","objects":{}}`, ""},
		{"line.geojson", "facilities", fc(`{"type":"LineString","coordinates":[[110.3,31.5],[110.4,31.6]]}`, okProps), ""},
		{"nan.geojson", "facilities", fc(`{"type":"Point","coordinates":["NaN",31.5]}`, okProps), ""},
		{"huge.geojson", "facilities", fc(`{"type":"Point","coordinates":[1e300,1e300]}`, okProps), ""},
		{"metres.geojson", "facilities", fc(`{"type":"Point","coordinates":[12279000,3690000]}`, okProps), ""},
		{"epsg3857.geojson", "facilities", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},"features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[12279000,3690000]},"properties":` + okProps + `}]}`, ""},
		{"wrong-code.geojson", "facilities", fc(`{"type":"Point","coordinates":[110.3,31.5]}`, `{"kind":"welfare_home","name":"x","division_code":"439999","status":"operating"}`), ""},
		{"sql.csv", "facilities", hdr + "welfare_home,x,420526100' OR 1=1 --,110.3,31.5,operating\n", ""},
		{"nan.csv", "facilities", hdr + "welfare_home,x,420526100,NaN,31.5,operating\n", ""},
		{"inf.csv", "facilities", hdr + "welfare_home,x,420526100,+Inf,31.5,operating\n", ""},
		{"bad-kind.csv", "facilities", hdr + "hospital,x,420526100,110.3,31.5,operating\n", ""},
		{"short-row.csv", "facilities", hdr + "welfare_home,x\n", ""},
		{"quote.csv", "facilities", hdr + "welfare_home,\"x,420526100,110.3,31.5,operating\n", ""},
		{"invalid-bytes.csv", "facilities", hdr + "welfare_home,敬老院\x80\xff\xfe\xfd,420526100,110.3,31.5,operating\n", ""},
		{"no-header.csv", "facilities", "welfare_home,x,420526100,110.3,31.5,operating\n", ""},
		{"../../etc/passwd.csv", "facilities", hdr + "welfare_home,x,420526999,110.3,31.5,operating\n", ""},
		{"bowtie.geojson", "divisions", fc(`{"type":"Polygon","coordinates":[[[110.1,31.1],[110.5,31.9],[110.5,31.1],[110.1,31.9],[110.1,31.1]]]}`, `{"code":"420526100"}`), ""},
		{"open-ring.geojson", "divisions", fc(`{"type":"Polygon","coordinates":[[[110.1,31.1],[110.5,31.1],[110.5,31.9]]]}`, `{"code":"420526100"}`), ""},
		{"nan-polygon.geojson", "divisions", fc(`{"type":"Polygon","coordinates":[[[110.1,31.1],["NaN",31.1],[110.5,31.9],[110.1,31.1]]]}`, `{"code":"420526100"}`), ""},
		{"division-bad-code.geojson", "divisions", fc(`{"type":"Polygon","coordinates":[[[110.1,31.1],[110.5,31.1],[110.5,31.9],[110.1,31.9],[110.1,31.1]]]}`, `{"code":"42x526100"}`), ""},
	}
	before := checkpointedDump(t, e.store)
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			opts := store.ImportOptions{CRS: f.crs, Tree: tree}
			var err error
			if f.what == "facilities" {
				_, err = e.store.ImportFacilities(ctx, strings.NewReader(f.body), f.name, opts, store.CLIActor())
			} else {
				_, err = e.store.ImportDivisions(ctx, strings.NewReader(f.body), f.name, opts, store.CLIActor())
			}
			if err == nil {
				t.Fatalf("import %s %s accepted", f.what, f.name)
			}
			if len(err.Error()) < 10 {
				t.Errorf("error %q does not say what was wrong", err)
			}
		})
	}
	after := checkpointedDump(t, e.store)
	delete(before, "audit_log")
	delete(after, "audit_log")
	if !reflect.DeepEqual(before, after) {
		t.Error("rejected imports changed the data")
	}
	// GBK (as Chinese Excel saves CSV) is valid input: it imports, names intact.
	csv := gbk(t, "类型,名称,区划代码,经度,纬度,状态\n农村福利院/敬老院,古夫镇第二敬老院,420526100000,110.3,31.5,运营\n")
	rep, err := e.store.ImportFacilities(ctx, strings.NewReader(csv), "gbk.csv", store.ImportOptions{Tree: tree}, store.CLIActor())
	if err != nil || rep.Inserted != 1 {
		t.Fatalf("GBK import: %+v %v", rep, err)
	}
	var name string
	if err := e.store.DB().QueryRow("SELECT name FROM facilities WHERE name LIKE '%第二敬老院'").Scan(&name); err != nil || name != "古夫镇第二敬老院" {
		t.Errorf("GBK name stored as %q (%v)", name, err)
	}
}
