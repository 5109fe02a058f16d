package facilities

import (
	"math"
	"runtime"
	"sync"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// Analyzer runs coverage, gaps, clusters, scorecard and accessibility over one division tree and
// one facility registry. It is immutable and safe for concurrent use; build a new one (or call
// WithRegistry) when the snapshot changes.
type Analyzer struct {
	tree     *divisions.Tree
	reg      *Registry
	cfg      *Config
	villages []*divisions.Division // every village-level unit, sorted by code

	vixOnce sync.Once
	vix     *geo.PointIndex // over villages that have a point
	vixPos  []int           // vix index → position in villages

	vcols *lazyCols // see cols; shared by WithRegistry
}

// lazyCols builds villageCols on first use.
type lazyCols struct {
	once sync.Once
	c    *villageCols
}

// NewAnalyzer builds an analyzer; cfg nil means DefaultConfig(). It fails only when the embedded
// defaults are broken.
func NewAnalyzer(t *divisions.Tree, r *Registry, cfg *Config) (*Analyzer, error) {
	if cfg == nil {
		c, err := DefaultConfig()
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	a := &Analyzer{tree: t, reg: r, cfg: cfg, vcols: &lazyCols{}}
	for _, d := range t.All() {
		if d.Level == divisions.Village {
			a.villages = append(a.villages, d)
		}
	}
	return a, nil
}

// WithRegistry returns an analyzer over the same tree and config with another registry (e.g.
// Registry.WithPlanned(plan)); the village index is shared.
func (a *Analyzer) WithRegistry(r *Registry) *Analyzer {
	b := &Analyzer{tree: a.tree, reg: r, cfg: a.cfg, villages: a.villages}
	a.villageIndex()
	b.vix, b.vixPos = a.vix, a.vixPos
	b.vixOnce.Do(func() {})
	b.vcols = a.vcols
	return b
}

// Config returns the analyzer's defaults (shared: do not modify).
func (a *Analyzer) Config() *Config { return a.cfg }

// Registry returns the analyzer's registry.
func (a *Analyzer) Registry() *Registry { return a.reg }

// Tree returns the analyzer's division tree.
func (a *Analyzer) Tree() *divisions.Tree { return a.tree }

// villageIndex builds (once) the point index over every village with a point.
func (a *Analyzer) villageIndex() {
	a.vixOnce.Do(func() {
		var pts []orb.Point
		for i, v := range a.villages {
			if v.HasSeat {
				pts = append(pts, v.Seat)
				a.vixPos = append(a.vixPos, i)
			}
		}
		a.vix = geo.NewPointIndex(pts)
	})
}

// scope returns the villages below code ("" = all), in code order.
func (a *Analyzer) scope(code divisions.Code) []*divisions.Division {
	if code == "" {
		return a.villages
	}
	return a.tree.Descendants(code, divisions.Village)
}

// resolveDivision parses and looks up a division code ("" = the whole tree).
func (a *Analyzer) resolveDivision(s divisions.Code) (divisions.Code, *divisions.Division, error) {
	if s == "" {
		return "", nil, nil
	}
	c, err := divisions.ParseCode(string(s))
	if err != nil {
		return "", nil, &ParamError{Param: "division", Value: string(s), Reason: err.Error()}
	}
	d := a.tree.Get(c)
	if d == nil {
		return "", nil, &NotFoundError{What: "division", Key: string(c)}
	}
	return c, d, nil
}

// parallelChunk is the length of parallel's chunks: each starts at a multiple of it.
const parallelChunk = 1024

// parallel runs fn over [0, n) in contiguous chunks on all CPUs (one call fn(0, n) for small n);
// fn must only write to its own indexes.
func parallel(n int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < 2048 || workers < 2 {
		fn(0, n)
		return
	}
	chunk := parallelChunk
	var next int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				lo := int(next)
				next += int64(chunk)
				mu.Unlock()
				if lo >= n {
					return
				}
				fn(lo, min(lo+chunk, n))
			}
		}()
	}
	wg.Wait()
}

// ratio returns num/den, or nil when den is 0.
func ratio(num, den float64) *float64 {
	if den == 0 {
		return nil
	}
	r := num / den
	return &r
}

// round rounds x to d decimals (for display tables only; JSON keeps full precision).
func round(x float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(x*p) / p
}

// distanceM is the geodesic WGS84 distance in metres (geo.DistanceM).
func distanceM(p, q orb.Point) float64 { return geo.DistanceM(p, q) }
