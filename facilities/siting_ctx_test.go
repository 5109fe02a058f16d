package facilities_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// countdownCtx is a context whose Err turns to Canceled after n calls: it cancels a search in
// the middle, wherever the n-th check happens to be, without any timing.
type countdownCtx struct {
	context.Context
	n     atomic.Int64
	calls atomic.Int64
}

func newCountdown(n int64) *countdownCtx {
	c := &countdownCtx{Context: context.Background()}
	c.n.Store(n)
	return c
}

func (c *countdownCtx) Err() error {
	c.calls.Add(1)
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// Every objective checks its context during the search: with plenty of budget the answer is the
// same as without a context, and cut short at any point it fails with context.Canceled.
func TestSitingContextCancelled(t *testing.T) {
	a, _ := sitingSynth(t, 400, 40, 7, false)
	base := facilities.Params{Kind: facilities.MutualAidElderly, Mode: facilities.ModeRadius, RadiusM: 1500}
	for _, sp := range []facilities.SitingParams{
		{Params: base, Objective: facilities.ObjectiveMCLP, P: 10},
		{Params: base, Objective: facilities.ObjectiveLSCP, Target: 0.7},
		{Params: base, Objective: facilities.ObjectivePCenter, P: 6},
		{Params: facilities.Params{Kind: facilities.WelfareHome, Mode: facilities.ModeRadius, RadiusM: 3000}, Objective: facilities.ObjectiveMCLP, P: 4,
			Capacity: &facilities.CapacityParams{BedsPerSite: 30}},
	} {
		want, err := a.Siting(sp)
		if err != nil {
			t.Fatalf("%s: %v", sp.Objective, err)
		}
		full := newCountdown(1 << 40)
		got, err := a.SitingContext(full, sp)
		if err != nil {
			t.Fatalf("%s with a live context: %v", sp.Objective, err)
		}
		if !slices.EqualFunc(want.Sites, got.Sites, func(x, y facilities.ProposedSite) bool { return x.Code == y.Code }) {
			t.Errorf("%s: a live context changed the answer", sp.Objective)
		}
		checks := full.calls.Load()
		if checks < 3 {
			t.Errorf("%s: only %d context checks in the whole search", sp.Objective, checks)
		}
		for _, n := range []int64{0, 1, checks / 2, checks - 1} {
			cd := newCountdown(n)
			if _, err := a.SitingContext(cd, sp); !errors.Is(err, context.Canceled) {
				t.Errorf("%s cancelled after %d of %d checks: err %v, want context.Canceled", sp.Objective, n, checks, err)
			}
			// Once cancelled the search winds down: a few more checks on the way out, not the
			// rest of the run's.
			if after := cd.calls.Load() - n; n < checks/2 && after > 1+(checks-n)/2 {
				t.Errorf("%s cancelled after %d checks went on for %d more (a full run makes %d)", sp.Objective, n, after, checks)
			}
		}
		t.Logf("%s: %d checks", sp.Objective, checks)
	}
}

// Exclusions drop exactly the candidates lying in an excluded unit (checked against a direct
// prefix test), and 100,000 exclusion codes cost a set lookup per candidate, not a scan.
func TestSitingExcludeMatchesBruteForce(t *testing.T) {
	a, d := sitingSynth(t, 500, 30, 11, false)
	rng := rand.New(rand.NewPCG(3, 4))
	var below []divisions.Division // townships and villages
	for _, v := range d.Divisions {
		if v.Level >= divisions.Township {
			below = append(below, v)
		}
	}
	var ex []divisions.Code
	for len(ex) < 25 {
		ex = append(ex, below[rng.IntN(len(below))].Code)
	}
	// 100,000 codes of nowhere beside them (valid codes of another province).
	for k := 0; len(ex) < 100000; k++ {
		ex = append(ex, divisions.Code(fmt.Sprintf("430102%03d%03d", 100+k/500, 1+k%500)))
	}
	sp := facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly, Mode: facilities.ModeRadius, RadiusM: 1500},
		Objective: facilities.ObjectiveMCLP, P: 5, Exclude: ex}
	s, err := a.Siting(sp)
	if err != nil {
		t.Fatal(err)
	}
	within := func(c divisions.Code) bool {
		for _, e := range ex[:25] {
			if c.Within(e) {
				return true
			}
		}
		return false
	}
	wantExcl, wantCands := 0, 0
	for _, v := range d.Divisions {
		if v.Level == divisions.Village && v.HasSeat {
			if within(v.Code) {
				wantExcl++
			} else {
				wantCands++
			}
		}
	}
	if s.Excluded != wantExcl || s.Candidates != wantCands {
		t.Errorf("excluded %d, candidates %d; brute force: %d, %d", s.Excluded, s.Candidates, wantExcl, wantCands)
	}
	for _, site := range s.Sites {
		if within(site.Code) {
			t.Errorf("site %s lies in an excluded unit", site.Code)
		}
	}
}
