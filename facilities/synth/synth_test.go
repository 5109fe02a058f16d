package synth

import (
	"testing"

	"github.com/civplan/civplan/divisions"
)

func TestGenerate(t *testing.T) {
	for _, c := range []Config{
		{Villages: 5000, Facilities: 3000, Seed: 3},
		{Villages: 2000, Facilities: 100, Counties: 2, OnlyVillageCommittees: true},
	} {
		d, err := Generate(c)
		if err != nil {
			t.Fatal(err)
		}
		vs := d.Villages()
		if len(vs) != c.Villages || len(d.Facilities) != c.Facilities {
			t.Fatalf("%+v: %d villages, %d facilities", c, len(vs), len(d.Facilities))
		}
		tr, err := divisions.NewTree(d.Divisions)
		if err != nil {
			t.Fatalf("%+v: not a tree: %v", c, err)
		}
		committees := 0
		for _, v := range vs {
			if _, err := divisions.ParseCode(string(v.Code)); err != nil {
				t.Fatalf("bad code %s: %v", v.Code, err)
			}
			if v.Kind.IsVillageCommittee(false) {
				committees++
			}
			if p := v.Seat; p[0] < 70 || p[0] > 140 || p[1] < 15 || p[1] > 56 {
				t.Errorf("village %s at %v, outside China's box", v.Code, p)
			}
		}
		if c.OnlyVillageCommittees && committees != len(vs) || !c.OnlyVillageCommittees && committees == len(vs) {
			t.Errorf("%+v: %d of %d are village committees", c, committees, len(vs))
		}
		for _, f := range d.Facilities {
			if tr.Get(f.DivisionCode) == nil {
				t.Fatalf("facility %d registered in unknown %s", f.ID, f.DivisionCode)
			}
		}
		again, _ := Generate(c)
		if again.Facilities[len(again.Facilities)-1] != d.Facilities[len(d.Facilities)-1] || again.Divisions[len(again.Divisions)-1].Seat != d.Divisions[len(d.Divisions)-1].Seat {
			t.Errorf("%+v: not deterministic", c)
		}
	}
}
