package divisions

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzScenarioOps feeds arbitrary scenario bodies through the path POST /api/v1/scenarios takes
// (a strict JSON decode of {"ops": […]}, then Apply on a small tree). It checks: no panic; a
// rejected list fails with an *OpError naming an operation that exists; an accepted list gives a
// tree whose every unit has a parsable code and an existing parent, leaves the base tree alone,
// and survives the JSON round trip the store does (encode, decode, apply again → the same units).
func FuzzScenarioOps(f *testing.F) {
	for _, s := range []string{
		`{"ops":[{"op":"merge","units":["420526100","420526101"],"into":"420526100","name":"新镇","seat":[110.55,31.25]}]}`,
		`{"ops":[{"op":"transfer","units":["420526100201"],"to":"420526101"}]}`,
		`{"ops":[{"op":"transfer","units":["420526200"],"to":"420527"}]}`,
		`{"ops":[{"op":"change_kind","unit":"420526200","kind":"town"}]}`,
		`{"ops":[{"op":"change_kind","unit":"420526","kind":"district","parent":"4205"}]}`,
		`{"ops":[{"op":"move_seat","unit":"420526100","seat":[110.56,31.26]}]}`,
		`{"ops":[{"op":"rename","unit":"420526100","name":"某镇"}]}`,
		`{"ops":[{"op":"apply_plan","plan":7}]}`,
		`{"ops":[{"op":"merge","units":["420527100200","420527100201"],"name":"新村村委会"},{"op":"rename","unit":"420527100","name":"茅坪新镇"}]}`,
		`{"ops":[{"op":"merge","units":["420526100","420527100"],"cross_parent":true,"parent":"420526"}]}`,
		`{"ops":[{"op":"merge","units":["420526100","420526101"],"new_code":"420526102"}]}`,
		`{"ops":[{"op":"move_seat","unit":"420526100","seat":[1e308,-1e308]}]}`,
		`{"ops":[{"op":"rename","unit":"420526100","name":""}]}`,
		`{"ops":[{"op":"explode","unit":"42"}]}`,
		`{"ops":[{"op":"merge","units":[]}]}`,
		`{"ops":[{"op":"transfer","units":["42"],"to":"42"}]}`,
		`{"ops":[{"op":"change_kind","unit":"420526100201","kind":"residents_committee"}]}`,
		`{"ops":[]}`, `{"ops":null}`, `{}`, `[]`, `{"ops":[{"op":"rename","unit":"' OR 1=1 --","name":"x"}]}`,
	} {
		f.Add([]byte(s))
	}
	base := scenTree(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in struct {
			Ops []Op `json:"ops"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return // the handler answers 400 before Apply
		}
		if len(in.Ops) > 50 {
			return // the handler's work limit is not this test's business; keep iterations fast
		}
		res, err := Apply(base, in.Ops, ApplyOptions{})
		if err != nil {
			var oe *OpError
			if !errors.As(err, &oe) {
				t.Fatalf("%s: error %v is not an *OpError", body, err)
			}
			if oe.Index < 0 || oe.Index >= len(in.Ops) || oe.Reason == "" {
				t.Fatalf("%s: error names operation %d of %d, reason %q", body, oe.Index, len(in.Ops), oe.Reason)
			}
			return
		}
		units := map[Code]bool{}
		for _, d := range res.After.All() {
			if _, err := ParseCode(string(d.Code)); err != nil {
				t.Fatalf("%s: unit code %q does not parse: %v", body, d.Code, err)
			}
			if d.Parent != d.Code.Parent() || (d.Parent != "" && res.After.Get(d.Parent) == nil) {
				t.Fatalf("%s: unit %s has parent %q, missing or not its code's parent", body, d.Code, d.Parent)
			}
			units[d.Code] = true
		}
		if base.Len() != 20 || base.Get(MustCode("420526100")).Name != "古夫镇" {
			t.Fatalf("%s: the base tree changed", body)
		}
		// The stored form: ops are saved as JSON and applied again when the scenario is read.
		enc, err := json.Marshal(in.Ops)
		if err != nil {
			t.Fatalf("%s: encode ops: %v", body, err)
		}
		var again []Op
		if err := json.Unmarshal(enc, &again); err != nil {
			t.Fatalf("%s: decode %s: %v", body, enc, err)
		}
		res2, err := Apply(base, again, ApplyOptions{})
		if err != nil {
			t.Fatalf("%s: accepted, but its stored form %s is rejected: %v", body, enc, err)
		}
		units2 := map[Code]bool{}
		for _, d := range res2.After.All() {
			units2[d.Code] = true
		}
		if !reflect.DeepEqual(units, units2) {
			t.Fatalf("%s: the stored form gives other units", body)
		}
	})
}
