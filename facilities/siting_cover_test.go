package facilities

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// randomCover makes a covering instance: nd demands, nc candidates, each candidate covering
// about k demands picked near its own position on a line (so sets overlap as in geography).
func randomCover(rng *rand.Rand, nd, nc, k int) *CoverProblem {
	cp := &CoverProblem{Weights: make([]int64, nd), Sets: make([][]int32, nc)}
	for i := range cp.Weights {
		cp.Weights[i] = int64(rng.IntN(300))
		cp.Total += cp.Weights[i]
	}
	for j := range cp.Sets {
		centre := rng.IntN(nd)
		seen := map[int32]bool{}
		m := 1 + rng.IntN(2*k)
		for t := 0; t < m; t++ {
			i := int32(min(max(centre+rng.IntN(2*k+1)-k, 0), nd-1))
			if !seen[i] {
				seen[i] = true
				cp.Sets[j] = append(cp.Sets[j], i)
			}
		}
		slices.Sort(cp.Sets[j])
	}
	return cp
}

// bruteMax is the exact MCLP optimum by enumerating every set of exactly min(p, n) candidates.
func bruteMax(cp *CoverProblem, p int) int64 {
	n := len(cp.Sets)
	p = min(p, n)
	best := int64(0)
	pick := make([]int, p)
	var rec func(start, k int)
	rec = func(start, k int) {
		if k == p {
			if v := cp.Value(pick); v > best {
				best = v
			}
			return
		}
		for j := start; j <= n-(p-k); j++ {
			pick[k] = j
			rec(j+1, k+1)
		}
	}
	rec(0, 0)
	return best
}

// bruteMin is the fewest candidates reaching need (−1 when impossible), by increasing size.
func bruteMin(cp *CoverProblem, need int64) int {
	for p := 0; p <= len(cp.Sets); p++ {
		if bruteMax(cp, p) >= need {
			return p
		}
	}
	return -1
}

func TestMaxCoverAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	worst := 0.0
	within := 0
	total := 0
	for trial := 0; trial < 60; trial++ {
		nd, nc := 20+rng.IntN(40), 8+rng.IntN(10)
		cp := randomCover(rng, nd, nc, 3)
		for _, p := range []int{1, 2, 3, 5} {
			opt := bruteMax(cp, p)
			sol := cp.MaxCover(p)
			if got := cp.Value(sol.Sites); got != sol.Value {
				t.Fatalf("trial %d p=%d: reported value %d, sites cover %d", trial, p, sol.Value, got)
			}
			if len(sol.Sites) > p {
				t.Fatalf("trial %d p=%d: %d sites", trial, p, len(sol.Sites))
			}
			if sol.Value > opt {
				t.Fatalf("trial %d p=%d: value %d above the optimum %d", trial, p, sol.Value, opt)
			}
			if sol.Bound < opt {
				t.Fatalf("trial %d p=%d: bound %d below the optimum %d (a lying bound)", trial, p, sol.Bound, opt)
			}
			total++
			if opt > 0 {
				gap := float64(opt-sol.Value) / float64(opt)
				worst = max(worst, gap)
				if gap <= 0.02 {
					within++
				}
			} else {
				within++
			}
		}
	}
	t.Logf("%d instances, %d within 2%% of the optimum, worst gap %.4f", total, within, worst)
	if float64(within) < 0.95*float64(total) {
		t.Errorf("only %d of %d instances within 2%% of the optimum", within, total)
	}
}

func TestMinCoverAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 40; trial++ {
		nd, nc := 20+rng.IntN(30), 8+rng.IntN(8)
		cp := randomCover(rng, nd, nc, 3)
		for _, share := range []float64{0.3, 0.6, 0.9} {
			need := int64(share * float64(cp.Coverable()))
			opt := bruteMin(cp, need)
			sol := cp.MinCover(need)
			if !sol.Feasible {
				t.Fatalf("trial %d: need %d of coverable %d reported infeasible", trial, need, cp.Coverable())
			}
			if got := cp.Value(sol.Sites); got != sol.Value || got < need {
				t.Fatalf("trial %d: sites cover %d (reported %d), need %d", trial, got, sol.Value, need)
			}
			if len(sol.Sites) < opt {
				t.Fatalf("trial %d: %d sites, below the optimum %d", trial, len(sol.Sites), opt)
			}
			if sol.Bound > int64(opt) {
				t.Fatalf("trial %d: lower bound %d above the optimum %d (a lying bound)", trial, sol.Bound, opt)
			}
			if len(sol.Sites) > opt+1 {
				t.Errorf("trial %d share %.1f: %d sites, optimum %d", trial, share, len(sol.Sites), opt)
			}
		}
	}
}

func TestMinCoverInfeasible(t *testing.T) {
	cp := &CoverProblem{Weights: []int64{5, 7, 9}, Sets: [][]int32{{0}, {0, 1}}, Total: 21}
	sol := cp.MinCover(20)
	if sol.Feasible {
		t.Fatal("need 20 of coverable 12 reported feasible")
	}
	if sol.Value != 12 || len(sol.Sites) != 1 || sol.Sites[0] != 1 {
		t.Fatalf("best reachable: got value %d sites %v, want 12 with site 1", sol.Value, sol.Sites)
	}
}

func TestMaxCoverDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cp := randomCover(rng, 400, 300, 6)
	a := cp.MaxCover(10)
	b := cp.MaxCover(10)
	if !slices.Equal(a.Sites, b.Sites) || a.Value != b.Value || a.Bound != b.Bound {
		t.Fatalf("two runs differ: %v/%d/%d vs %v/%d/%d", a.Sites, a.Value, a.Bound, b.Sites, b.Value, b.Bound)
	}
}

func TestTopP(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(50)
		c := make([]float64, n)
		for i := range c {
			c[i] = float64(rng.IntN(5)) // many ties
		}
		p := 1 + rng.IntN(n)
		idx := make([]int32, n)
		for i := range idx {
			idx[i] = int32(i)
		}
		topP(idx, c, p)
		want := make([]int32, n)
		for i := range want {
			want[i] = int32(i)
		}
		slices.SortStableFunc(want, func(a, b int32) int {
			switch {
			case c[a] > c[b]:
				return -1
			case c[a] < c[b]:
				return 1
			}
			return 0
		})
		if !slices.Equal(idx[:p], want[:p]) {
			t.Fatalf("n=%d p=%d: got %v want %v (c=%v)", n, p, idx[:p], want[:p], c)
		}
	}
}
