package web

import (
	"fmt"
	"strings"
)

// badInputLimits is the second part of the HTTP bad-input corpus (issue 14): text limits
// (names ≤ 200 characters on one line, notes ≤ 10,000), JSON escapes of lone UTF-16
// surrogates, statutory inputs out of range, and more malformed requests on every route —
// unknown parameters, formats, ids, collections, tokens and methods.
func badInputLimits(scenarioID int64) []badCase {
	sc := fmt.Sprintf("/api/v1/scenarios/%d", scenarioID)
	long := strings.Repeat("名", maxNameRunes+1)
	scen := func(extra string) string { return `{"name":"限制测试"` + extra + `}` }
	rename := func(name string) string {
		return `{"name":"改名","ops":[{"op":"rename","unit":"420526100","name":"` + name + `"}]}`
	}
	input := func(field, v string) string {
		return `{"name":"法定指标","ops":[],"inputs":{"units":{"420526101":{"` + field + `":` + v + `}}}}`
	}
	plan := func(name string) string {
		return `{"name":"` + name + `","siting":{"kind":"mutual_aid_elderly","division":"420526","objective":"mclp","p":1,"radius_m":5000}}`
	}
	const okFac = `"kind":"welfare_home","division_code":"420526100","lon":110.3,"lat":31.5`
	const okSiting = `"kind":"mutual_aid_elderly","division":"420526","objective":"mclp","p":1,"radius_m":5000`
	return []badCase{
		// Scenario names and notes.
		{name: "scenario: 1 MiB name", method: "POST", path: "/api/v1/scenarios", body: scen(`,"name":"` + strings.Repeat("x", 1<<20) + `"`), role: "planner", want: 400},
		{name: "scenario: 201-character name", method: "POST", path: "/api/v1/scenarios", body: `{"name":"` + long + `","ops":[]}`, role: "planner", want: 400},
		{name: "scenario: name with NUL", method: "POST", path: "/api/v1/scenarios", body: `{"name":"方案\u0000一","ops":[]}`, role: "planner", want: 400},
		{name: "scenario: name with CR/LF", method: "POST", path: "/api/v1/scenarios", body: `{"name":"方案\r\nX-Injected: 1","ops":[]}`, role: "planner", want: 400},
		{name: "scenario: name with a tab", method: "POST", path: "/api/v1/scenarios", body: `{"name":"方案\t一","ops":[]}`, role: "planner", want: 400},
		{name: "scenario: name with ESC", method: "POST", path: "/api/v1/scenarios", body: `{"name":"方案\u001b[31m","ops":[]}`, role: "planner", want: 400},
		{name: "scenario: blank name", method: "POST", path: "/api/v1/scenarios", body: `{"name":"   ","ops":[]}`, role: "planner", want: 400},
		{name: "scenario: name is a number", method: "POST", path: "/api/v1/scenarios", body: `{"name":42,"ops":[]}`, role: "planner", want: 400},
		{name: "scenario: 5 MB notes", method: "POST", path: "/api/v1/scenarios", body: scen(`,"notes":"` + strings.Repeat("注", 5<<20/3) + `"`), role: "planner", want: 400},
		{name: "scenario: 10,001-character notes", method: "POST", path: "/api/v1/scenarios", body: scen(`,"notes":"` + strings.Repeat("a", maxNoteRunes+1) + `"`), role: "planner", want: 400},
		{name: "scenario: notes with NUL", method: "POST", path: "/api/v1/scenarios", body: scen(`,"notes":"a\u0000b"`), role: "planner", want: 400},
		{name: "scenario: lone low surrogate in name", method: "POST", path: "/api/v1/scenarios", body: `{"name":"方案\udc00","ops":[]}`, role: "planner", want: 400},
		{name: "scenario: lone high surrogate in name", method: "POST", path: "/api/v1/scenarios", body: `{"name":"方案\ud83d","ops":[]}`, role: "planner", want: 400},
		{name: "scenario: reversed surrogate pair", method: "POST", path: "/api/v1/scenarios", body: `{"name":"\ude00\ud83d","ops":[]}`, role: "planner", want: 400},
		{name: "scenario: high surrogate then a letter escape", method: "POST", path: "/api/v1/scenarios", body: `{"name":"\uD83D\u0041","ops":[]}`, role: "planner", want: 400},
		{name: "scenario: lone surrogate in notes", method: "POST", path: "/api/v1/scenarios", body: scen(`,"notes":"\udfff"`), role: "planner", want: 400},
		{name: "scenario: put a 1 MiB name", method: "PUT", path: sc, body: `{"name":"` + strings.Repeat("y", 1<<20) + `","ops":[]}`, role: "planner", want: 400},
		{name: "scenario: put a name with LF", method: "PUT", path: sc, body: `{"name":"a\nb","ops":[]}`, role: "planner", want: 400},
		{name: "scenario: put a lone surrogate", method: "PUT", path: sc, body: `{"name":"\udc00","ops":[]}`, role: "planner", want: 400},
		// Names given by operations.
		{name: "rename: 1 MiB target", method: "POST", path: "/api/v1/scenarios", body: rename(strings.Repeat("镇", 1<<18)), role: "planner", want: 400},
		{name: "rename: 201-character target", method: "POST", path: "/api/v1/scenarios", body: rename(long), role: "planner", want: 400},
		{name: "rename: target with NUL", method: "POST", path: "/api/v1/scenarios", body: rename(`某\u0000镇`), role: "planner", want: 400},
		{name: "rename: target with CR", method: "POST", path: "/api/v1/scenarios", body: rename(`某\r镇`), role: "planner", want: 400},
		{name: "rename: target with LF", method: "POST", path: "/api/v1/scenarios", body: rename(`某\n镇`), role: "planner", want: 400},
		{name: "rename: target with a lone surrogate", method: "POST", path: "/api/v1/scenarios", body: rename(`某\udc00镇`), role: "planner", want: 400},
		{name: "rename: blank target", method: "POST", path: "/api/v1/scenarios", body: rename(`   `), role: "planner"},
		{name: "merge: new name with LF", method: "POST", path: "/api/v1/scenarios", body: `{"name":"合并","ops":[{"op":"merge","units":["420526100","420526101"],"into":"420526100","name":"新\n镇"}]}`, role: "planner", want: 400},
		{name: "merge: 201-character new name", method: "POST", path: "/api/v1/scenarios", body: `{"name":"合并","ops":[{"op":"merge","units":["420526100","420526101"],"into":"420526100","name":"` + long + `"}]}`, role: "planner", want: 400},
		{name: "change_kind: name with NUL", method: "POST", path: "/api/v1/scenarios", body: `{"name":"改类","ops":[{"op":"change_kind","unit":"420526101","kind":"town","name":"x\u0000"}]}`, role: "planner", want: 400},
		// Statutory inputs.
		{name: "inputs: negative seat_non_ag_pop", method: "POST", path: "/api/v1/scenarios", body: input("seat_non_ag_pop", "-5"), role: "planner", want: 400},
		{name: "inputs: seat_non_ag_pop above any country", method: "POST", path: "/api/v1/scenarios", body: input("seat_non_ag_pop", "9000000000000"), role: "planner", want: 400},
		{name: "inputs: seat_non_ag_pop as a fraction", method: "POST", path: "/api/v1/scenarios", body: input("seat_non_ag_pop", "2.5"), role: "planner", want: 400},
		{name: "inputs: seat_non_ag_pop as a string", method: "POST", path: "/api/v1/scenarios", body: input("seat_non_ag_pop", `"many"`), role: "planner", want: 400},
		{name: "inputs: negative urban_pop", method: "POST", path: "/api/v1/scenarios", body: input("urban_pop", "-1"), role: "planner", want: 400},
		{name: "inputs: negative county_non_ag_pop", method: "POST", path: "/api/v1/scenarios", body: input("county_non_ag_pop", "-100"), role: "planner", want: 400},
		{name: "inputs: negative GDP", method: "POST", path: "/api/v1/scenarios", body: input("gdp", "-1e9"), role: "planner", want: 400},
		{name: "inputs: GDP of 1e300", method: "POST", path: "/api/v1/scenarios", body: input("gdp", "1e300"), role: "planner", want: 400},
		{name: "inputs: negative industrial output", method: "POST", path: "/api/v1/scenarios", body: input("industrial_output", "-3"), role: "planner", want: 400},
		{name: "inputs: negative fiscal revenue", method: "POST", path: "/api/v1/scenarios", body: input("fiscal_revenue", "-3"), role: "planner", want: 400},
		{name: "inputs: tertiary share in percent", method: "POST", path: "/api/v1/scenarios", body: input("tertiary_share", "35"), role: "planner", want: 400},
		{name: "inputs: negative water supply", method: "POST", path: "/api/v1/scenarios", body: input("water_supply", "-0.1"), role: "planner", want: 400},
		{name: "inputs: road paving above 1", method: "POST", path: "/api/v1/scenarios", body: input("road_paving", "1.5"), role: "planner", want: 400},
		{name: "inputs: unknown price basis", method: "POST", path: "/api/v1/scenarios", body: input("price_basis", `"2020"`), role: "planner", want: 400},
		{name: "inputs: negative deflator", method: "POST", path: "/api/v1/scenarios", body: input("deflator_1990", "-2"), role: "planner", want: 400},
		{name: "inputs: unit that does not exist", method: "POST", path: "/api/v1/scenarios", body: `{"name":"x","ops":[],"inputs":{"units":{"420526999":{"urban_pop":1}}}}`, role: "planner", want: 400},
		{name: "inputs: unknown indicator", method: "POST", path: "/api/v1/scenarios", body: input("population_wish", "1"), role: "planner", want: 400},
		{name: "inputs: put a negative seat_non_ag_pop", method: "PUT", path: sc, body: input("seat_non_ag_pop", "-5"), role: "planner", want: 400},
		{name: "scenario: impossible approval date", method: "POST", path: "/api/v1/scenarios", body: scen(`,"approval_date":"2024-02-30"`), role: "planner", want: 400},
		// Plans and siting.
		{name: "plan: 1 MiB name", method: "POST", path: "/api/v1/plans", body: plan(strings.Repeat("p", 1<<20)), role: "planner", want: 400},
		{name: "plan: 201-character name", method: "POST", path: "/api/v1/plans", body: plan(long), role: "planner", want: 400},
		{name: "plan: name with NUL", method: "POST", path: "/api/v1/plans", body: plan(`规划\u0000`), role: "planner", want: 400},
		{name: "plan: name with CR/LF", method: "POST", path: "/api/v1/plans", body: plan(`规划\r\n`), role: "planner", want: 400},
		{name: "plan: name with a lone surrogate", method: "POST", path: "/api/v1/plans", body: plan(`规划\udc00`), role: "planner", want: 400},
		{name: "plan: blank name", method: "POST", path: "/api/v1/plans", body: plan(`  `), role: "planner", want: 400},
		{name: "plan: list with an unknown parameter", method: "GET", path: "/api/v1/plans?all=1", role: "planner", want: 400},
		{name: "plan: word id", method: "GET", path: "/api/v1/plans/abc", role: "planner", want: 400},
		{name: "plan: unknown crs", method: "GET", path: "/api/v1/plans/1?crs=epsg:3857", role: "planner", want: 400},
		{name: "plan: no token", method: "GET", path: "/api/v1/plans", want: 401},
		{name: "siting: candidate name with LF", method: "POST", path: "/api/v1/siting", body: `{` + okSiting + `,"candidates":[{"name":"旧\n学校","lon":110.3,"lat":31.5}]}`, want: 400},
		{name: "siting: 201-character candidate name", method: "POST", path: "/api/v1/siting", body: `{` + okSiting + `,"candidates":[{"name":"` + long + `","lon":110.3,"lat":31.5}]}`, want: 400},
		{name: "siting: lone surrogate in a candidate name", method: "POST", path: "/api/v1/siting", body: `{` + okSiting + `,"candidates":[{"name":"\ud800","lon":110.3,"lat":31.5}]}`, want: 400},
		{name: "siting: 100,001 exclusions", method: "POST", path: "/api/v1/siting", body: `{` + okSiting + `,"exclude":[` + strings.TrimSuffix(strings.Repeat(`"420526100201",`, maxSitingCandidates+1), ",") + `]}`, want: 400},
		{name: "siting: exclusion that is not a code", method: "POST", path: "/api/v1/siting", body: `{` + okSiting + `,"exclude":["古夫镇"]}`, want: 400},
		{name: "siting: p of 5001", method: "POST", path: "/api/v1/siting", body: `{"kind":"mutual_aid_elderly","objective":"mclp","p":5001}`, want: 400},
		{name: "siting: no objective", method: "POST", path: "/api/v1/siting", body: `{"kind":"mutual_aid_elderly","division":"420526","p":1}`, want: 400},
		{name: "siting: no kind", method: "POST", path: "/api/v1/siting", body: `{"division":"420526","objective":"mclp","p":1}`, want: 400},
		{name: "siting: unknown crs", method: "POST", path: "/api/v1/siting", body: `{` + okSiting + `,"crs":"epsg:3857"}`, want: 400},
		{name: "siting: missing plan", method: "POST", path: "/api/v1/siting", body: `{` + okSiting + `,"plan":99999}`, want: 404},
		{name: "siting: capacity for a village kind", method: "POST", path: "/api/v1/siting", body: `{` + okSiting + `,"capacity":{"beds_per_site":30}}`, want: 400},
		{name: "siting: unknown weight", method: "POST", path: "/api/v1/siting", body: `{` + okSiting + `,"weight":"money"}`, want: 400},
		{name: "siting: target of zero", method: "POST", path: "/api/v1/siting", body: `{"kind":"mutual_aid_elderly","division":"420526","objective":"lscp","target":0}`, want: 400},
		{name: "siting: query string instead of a body", method: "POST", path: "/api/v1/siting?kind=mutual_aid_elderly", want: 415},
		{name: "siting: form body", method: "POST", path: "/api/v1/siting", body: `kind=mutual_aid_elderly&p=1`, ctype: "application/x-www-form-urlencoded", want: 415},
		// Facilities.
		{name: "facility: name with a lone surrogate", method: "POST", path: "/api/v1/facilities", body: `{` + okFac + `,"name":"敬老院\udc00"}`, role: "planner", want: 400},
		{name: "facility: 201-character name", method: "POST", path: "/api/v1/facilities", body: `{` + okFac + `,"name":"` + long + `"}`, role: "planner", want: 400},
		{name: "facility: name with NUL", method: "POST", path: "/api/v1/facilities", body: `{` + okFac + `,"name":"敬老院\u0000"}`, role: "planner", want: 400},
		{name: "facility: name with CR/LF", method: "POST", path: "/api/v1/facilities", body: `{` + okFac + `,"name":"敬老院\r\n"}`, role: "planner", want: 400},
		{name: "facility: no token", method: "POST", path: "/api/v1/facilities", body: `{` + okFac + `,"name":"敬老院"}`, want: 401},
		{name: "facility: forged token", method: "POST", path: "/api/v1/facilities", body: `{` + okFac + `,"name":"敬老院"}`, hdr: []string{"Authorization", "Bearer forged-token-0000000000000000"}, want: 401},
		{name: "facility: Basic auth", method: "POST", path: "/api/v1/facilities", body: `{` + okFac + `,"name":"敬老院"}`, hdr: []string{"Authorization", "Basic YWRtaW46YWRtaW4="}, want: 401},
		{name: "patch: name with a lone surrogate", method: "PATCH", path: "/api/v1/facilities/1", body: `{"name":"\udc00"}`, role: "planner", hdr: []string{"If-Match", `"1"`}, want: 400},
		{name: "patch: name with LF", method: "PATCH", path: "/api/v1/facilities/1", body: `{"name":"a\nb"}`, role: "planner", hdr: []string{"If-Match", `"1"`}, want: 400},
		{name: "facilities: unknown parameter", method: "GET", path: "/api/v1/facilities?owner=me", want: 400},
		{name: "facilities: limit of a million", method: "GET", path: "/api/v1/facilities?limit=1000000", want: 400},
		{name: "facilities: word after", method: "GET", path: "/api/v1/facilities?after=abc", want: 400},
		{name: "facility: read with an unknown crs", method: "GET", path: "/api/v1/facilities/1?crs=bd11", want: 400},
		{name: "facility: read with an unknown parameter", method: "GET", path: "/api/v1/facilities/1?x=1", want: 400},
		// Divisions, locate, analyses.
		{name: "division: unknown parameter", method: "GET", path: "/api/v1/divisions/42?x=1", want: 400},
		{name: "division: unknown crs", method: "GET", path: "/api/v1/divisions/42?crs=utm", want: 400},
		{name: "division: 13 digits", method: "GET", path: "/api/v1/divisions/4205261002011", want: 400},
		{name: "children: unknown parameter", method: "GET", path: "/api/v1/divisions/42/children?deep=1", want: 400},
		{name: "search: negative offset", method: "GET", path: "/api/v1/divisions?q=古夫&offset=-1", want: 400},
		{name: "search: word limit", method: "GET", path: "/api/v1/divisions?q=古夫&limit=ten", want: 400},
		{name: "locate: latitude 91", method: "GET", path: "/api/v1/locate?lon=110.3&lat=91", want: 400},
		{name: "locate: unknown parameter", method: "GET", path: "/api/v1/locate?lon=110.3&lat=31.5&zoom=3", want: 400},
		{name: "coverage: unknown parameter", method: "GET", path: "/api/v1/coverage?kind=mutual_aid_elderly&division=420526&x=1", want: 400},
		{name: "coverage: unknown group_by", method: "GET", path: "/api/v1/coverage?kind=mutual_aid_elderly&division=420526&group_by=planet", want: 400},
		{name: "coverage: word rural", method: "GET", path: "/api/v1/coverage?kind=mutual_aid_elderly&division=420526&rural=maybe", want: 400},
		{name: "coverage: unknown elderly", method: "GET", path: "/api/v1/coverage?kind=mutual_aid_elderly&division=420526&elderly=age99", want: 400},
		{name: "coverage: missing plan", method: "GET", path: "/api/v1/coverage?kind=mutual_aid_elderly&division=420526&plan=99999", want: 404},
		{name: "gaps: word clusters", method: "GET", path: "/api/v1/gaps?kind=mutual_aid_elderly&division=420526&clusters=often", want: 400},
		{name: "gaps: unknown crs", method: "GET", path: "/api/v1/gaps?kind=mutual_aid_elderly&division=420526&crs=x", want: 400},
		{name: "scorecard: missing division", method: "GET", path: "/api/v1/scorecard/4399", want: 404},
		{name: "scorecard: unknown format", method: "GET", path: "/api/v1/scorecard/420526?f=pdf", want: 400},
		{name: "accessibility: unknown kind", method: "GET", path: "/api/v1/accessibility?kind=x&division=420526", want: 400},
		// Scenario reads.
		{name: "scenario: word id", method: "GET", path: "/api/v1/scenarios/abc", role: "planner", want: 400},
		{name: "scenario: missing id", method: "GET", path: "/api/v1/scenarios/99999", role: "planner", want: 404},
		{name: "scenario: list with an unknown parameter", method: "GET", path: "/api/v1/scenarios?x=1", role: "planner", want: 400},
		{name: "scenario: impact of a missing scenario", method: "GET", path: "/api/v1/scenarios/99999/impact", role: "planner", want: 404},
		{name: "scenario: impact with an unknown parameter", method: "GET", path: sc + "/impact?x=1", role: "planner", want: 400},
		{name: "scenario: impact with an unknown mode", method: "GET", path: sc + "/impact?mode=x", role: "planner", want: 400},
		{name: "scenario: impact with an unknown elderly", method: "GET", path: sc + "/impact?elderly=x", role: "planner", want: 400},
		{name: "scenario: report of a missing scenario", method: "GET", path: "/api/v1/scenarios/99999/report.html", role: "planner", want: 404},
		{name: "scenario: codes.xlsx of a missing scenario", method: "GET", path: "/api/v1/scenarios/99999/codes.xlsx", role: "planner", want: 404},
		{name: "scenario: codes.csv with a parameter", method: "GET", path: sc + "/codes.csv?x=1", role: "planner", want: 400},
		{name: "scenario: compare a missing scenario", method: "GET", path: fmt.Sprintf("/api/v1/scenarios/compare?a=%d&b=99999", scenarioID), role: "planner", want: 404},
		{name: "scenario: no token", method: "GET", path: "/api/v1/scenarios", want: 401},
		{name: "scenario: delete a word id", method: "DELETE", path: "/api/v1/scenarios/abc", role: "planner", want: 400},
		{name: "audit: planner token", method: "GET", path: "/api/v1/audit", role: "planner", want: 403},
		{name: "audit: unknown parameter", method: "GET", path: "/api/v1/audit?x=1", role: "admin", want: 400},
		// OGC API and tiles.
		{name: "ogc: landing with an unknown format", method: "GET", path: "/ogc?f=xml", want: 406},
		{name: "ogc: conformance with an unknown parameter", method: "GET", path: "/ogc/conformance?x=1", want: 400},
		{name: "ogc: api with an unknown parameter", method: "GET", path: "/ogc/api?x=1", want: 400},
		{name: "ogc: unknown collection", method: "GET", path: "/ogc/collections/hospitals", want: 404},
		{name: "ogc: queryables of an unknown collection", method: "GET", path: "/ogc/collections/hospitals/queryables", want: 404},
		{name: "ogc: items with an unknown format", method: "GET", path: "/ogc/collections/villages/items?f=shp", want: 406},
		{name: "ogc: limit of zero", method: "GET", path: "/ogc/collections/villages/items?limit=0", want: 400},
		{name: "ogc: CQL2 unknown property", method: "GET", path: "/ogc/collections/villages/items?filter=colour%3D%27red%27", want: 400},
		{name: "ogc: CQL2 number against text", method: "GET", path: "/ogc/collections/villages/items?filter=population%3D%27many%27", want: 400},
		{name: "ogc: CQL2 unbalanced parentheses", method: "GET", path: "/ogc/collections/villages/items?filter=((age60%3E1)", want: 400},
		{name: "ogc: unknown filter-crs", method: "GET", path: "/ogc/collections/villages/items?filter=age60%3E1&filter-crs=EPSG%3A3857", want: 400},
		{name: "ogc: unknown bbox-crs", method: "GET", path: "/ogc/collections/villages/items?bbox=1,2,3,4&bbox-crs=EPSG%3A3857", want: 400},
		{name: "ogc: item with an unknown crs", method: "GET", path: "/ogc/collections/villages/items/1?crs=EPSG%3A3857", want: 400},
		{name: "ogc: missing item", method: "GET", path: "/ogc/collections/villages/items/99999999", want: 404},
		{name: "tiles: unknown tileset JSON", method: "GET", path: "/tiles/hospitals.json", want: 404},
		{name: "tiles: TileJSON with a parameter", method: "GET", path: "/tiles/counties.json?x=1", want: 400},
		{name: "tiles: unknown tileset", method: "GET", path: "/tiles/hospitals/5/25/13.mvt", want: 404},
		{name: "tiles: tile with a parameter", method: "GET", path: "/tiles/counties/5/25/13.mvt?x=1", want: 400},
		// Routing: unknown paths and methods get problems too.
		{name: "route: unknown path", method: "GET", path: "/api/v2/divisions/42", want: 404},
		{name: "route: DELETE a division", method: "DELETE", path: "/api/v1/divisions/42", want: 405},
		{name: "route: PUT the coverage", method: "PUT", path: "/api/v1/coverage", body: `{}`, want: 405},
		{name: "route: POST to OGC items of villages", method: "POST", path: "/ogc/collections/villages/items", body: `{}`},
		{name: "route: POST to the health check", method: "POST", path: "/healthz", body: `{}`, want: 405},
		{name: "route: PUT readiness", method: "PUT", path: "/readyz", body: `{}`, want: 405},
		{name: "route: DELETE the metrics", method: "DELETE", path: "/metrics", want: 405},
		{name: "route: POST to the web map", method: "POST", path: "/", body: `{}`, want: 405},
		{name: "route: DELETE the favicon", method: "DELETE", path: "/favicon.ico", want: 405},
		{name: "ui: path traversal", method: "GET", path: "/ui/..%2F..%2F..%2Fgo.mod", want: 404},
		{name: "ui: missing asset", method: "GET", path: "/ui/no-such-file.js", want: 404},
		{name: "ogc: landing with an unknown parameter", method: "GET", path: "/ogc?x=1", want: 400},
		{name: "ogc: collections with an unknown parameter", method: "GET", path: "/ogc/collections?x=1", want: 400},
		{name: "ogc: collection with an unknown parameter", method: "GET", path: "/ogc/collections/villages?x=1", want: 400},
		{name: "ogc: queryables with an unknown format", method: "GET", path: "/ogc/collections/villages/queryables?f=xml", want: 406},
	}
}
