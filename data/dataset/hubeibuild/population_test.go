package hubeibuild

import (
	"fmt"
	"testing"

	"github.com/civplan/civplan/divisions"
)

func TestLargestRemainder(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    []float64
		caps []int64
		n    int64
		want []int64
	}{
		{"exact", []float64{1, 2, 3}, nil, 6, []int64{1, 2, 3}},
		{"thirds", []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, nil, 1, []int64{1, 0, 0}},
		{"largest fraction wins", []float64{0.2, 0.7, 1.1}, nil, 2, []int64{0, 1, 1}},
		{"cap respected", []float64{0.9, 0.1}, []int64{0, 5}, 1, []int64{0, 1}},
		{"empty", nil, nil, 0, []int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := largestRemainder(tc.x, tc.caps, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := largestRemainder([]float64{1}, []int64{1}, 3); err == nil {
		t.Error("rounding 1 value capped at 1 to a sum of 3 should fail")
	}
}

func TestWaterfill(t *testing.T) {
	e := []float64{10, 1, 1, 1}
	caps := []int64{3, 100, 100, 100}
	got, err := waterfill(e, caps, 30)
	if err != nil {
		t.Fatal(err)
	}
	var s int64
	for i, v := range got {
		if v > caps[i] || v < 0 {
			t.Errorf("value %d = %d breaks cap %d", i, v, caps[i])
		}
		s += v
	}
	if s != 30 || got[0] != 3 || got[1] != 9 {
		t.Errorf("got %v (sum %d), want [3 9 9 9]", got, s)
	}
	if _, err := waterfill(e, caps, 400); err == nil {
		t.Error("more persons than the caps allow should fail")
	}
}

// TestSpreadPopulation checks the model on a synthetic county: sums exact, caps held, rural
// villages older than urban ones on average, urban/rural pools respected.
func TestSpreadPopulation(t *testing.T) {
	var vs []*village
	ur := map[divisions.Code]string{}
	for i := 0; i < 40; i++ {
		part := 1 + i // 居委会 001–040
		if i >= 10 {
			part = 200 + i // 村委会
		}
		c := divisions.MustCode(fmt.Sprintf("420102001%03d", part))
		vs = append(vs, &village{unit: unit{c, "x"}})
		if i == 12 {
			ur[c] = "112" // a 村委会 with an urban code counts as urban
		}
	}
	cs := census{total: 123457, age60: 25001, age65: 17777, urban: 50000, rural: 73457}
	ps, err := spreadPopulation(cs, vs, ur)
	if err != nil {
		t.Fatal(err)
	}
	var sum divisions.Population
	var urbanTotal int64
	var u60, uTot, r60, rTot float64
	for i, p := range ps {
		if p.Age65 > p.Age60 || p.Age60 > p.Total || p.Age65 < 0 {
			t.Errorf("village %d: %+v", i, p)
		}
		sum = sum.Add(p)
		if i < 10 || i == 12 {
			urbanTotal += p.Total
			u60 += float64(p.Age60)
			uTot += float64(p.Total)
		} else {
			r60 += float64(p.Age60)
			rTot += float64(p.Total)
		}
	}
	if sum != (divisions.Population{Total: 123457, Age60: 25001, Age65: 17777}) {
		t.Errorf("sum %+v", sum)
	}
	if d := urbanTotal - cs.urban; d < -11 || d > 11 {
		t.Errorf("urban villages hold %d, urban population %d", urbanTotal, cs.urban)
	}
	if u60/uTot >= r60/rTot {
		t.Errorf("urban 60+ share %.3f not below rural %.3f", u60/uTot, r60/rTot)
	}
}
