// Command siting-vs-milp compares civplan's siting heuristic and its in-process bound with exact
// optima from a MILP solver (cbc from coinor-cbc, or glpsol from glpk-utils) on the embedded Hubei
// data: every county × p ∈ {3, 5, 10} × R ∈ {1, 2} km for MCLP (radius mode, elderly weight), and
// LSCP to 0.8 of the elderly and to 0.8 of the village committees at 1 km for every county. Each instance is written as a CPLEX LP file,
// solved, and compared; the last line reads
//
//	instances=N within2pct=F median_gap=G worst_gap=W
//
// where gap is the true relative gap of civplan's answer to the optimum and F the share of
// instances within 2 %. A line before it counts bounds that lie (a reported gap smaller than the
// true gap) — it must read bound_lies=0.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

func main() {
	solver := flag.String("solver", "auto", "cbc, glpsol or auto (the first found)")
	dir := flag.String("dir", "", "where to write the LP files and results (default: a temporary directory)")
	limit := flag.Int("limit", 0, "use only the first N counties (0 = all)")
	workers := flag.Int("workers", 2, "solver processes at once")
	radii := flag.String("radii", "1000,2000", "MCLP radii in metres, comma-separated")
	ps := flag.String("p", "3,5,10", "MCLP site counts, comma-separated")
	kind := flag.String("kind", string(facilities.MutualAidElderly), "facility kind")
	flag.Parse()
	var set Set
	for _, r := range strings.Split(*radii, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(r), 64)
		if err != nil {
			log.Fatalf("-radii: %v", err)
		}
		set.Radii = append(set.Radii, v)
	}
	for _, p := range strings.Split(*ps, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			log.Fatalf("-p: %v", err)
		}
		set.Ps = append(set.Ps, v)
	}
	set.Limit, set.Kind = *limit, facilities.Kind(*kind)
	if err := run(*solver, *dir, set, *workers, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// Instance is one comparison: civplan's answer and the solver's optimum.
type Instance struct {
	Name      string
	Objective facilities.Objective
	CP        *facilities.CoverProblem
	P         int     // mclp
	Need      int64   // lscp: weight to add
	Value     int64   // civplan: weight newly covered (mclp) or sites (lscp)
	Bound     int64   // civplan's bound on the optimum
	Optimum   int64   // the solver's
	MS        float64 // civplan's wall time for the siting answer, milliseconds
	CPUMS     float64 // civplan's process CPU time (all threads, GC included), milliseconds
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Gap is the true relative gap of civplan's value to the optimum.
func (in *Instance) Gap() float64 {
	if in.Optimum == 0 {
		return 0
	}
	if in.Objective == facilities.ObjectiveLSCP {
		return float64(in.Value-in.Optimum) / float64(in.Optimum)
	}
	return float64(in.Optimum-in.Value) / float64(in.Optimum)
}

// BoundLies reports whether civplan's bound excludes the true optimum.
func (in *Instance) BoundLies() bool {
	if in.Objective == facilities.ObjectiveLSCP {
		return in.Bound > in.Optimum
	}
	return in.Bound < in.Optimum
}

// Set chooses the instances: MCLP for every county × Radii × Ps, LSCP to 0.8 at 1 km; Limit > 0
// keeps the first Limit counties (in code order) that have village committees.
type Set struct {
	Radii    []float64
	Ps       []int
	Limit    int
	Counties []divisions.Code // when set, only these counties (12-digit codes)
	Kind     facilities.Kind  // "" = mutual_aid_elderly
}

// Instances builds the instance set from the embedded Hubei data.
func Instances(set Set) ([]*Instance, error) {
	limit := set.Limit
	if set.Kind == "" {
		set.Kind = facilities.MutualAidElderly
	}
	ds, err := dataset.EmbeddedHubei()
	if err != nil {
		return nil, err
	}
	tree, err := divisions.NewTree(ds.Divisions)
	if err != nil {
		return nil, err
	}
	an, err := facilities.NewAnalyzer(tree, facilities.NewRegistry(ds.Facilities), nil)
	if err != nil {
		return nil, err
	}
	var out []*Instance
	n := 0
	for _, c := range tree.All() {
		if c.Level != divisions.County || (len(set.Counties) > 0 && !slices.Contains(set.Counties, c.Code)) {
			continue
		}
		if limit > 0 && n >= limit {
			break
		}
		added := false
		for _, r := range set.Radii {
			for _, p := range set.Ps {
				sp := facilities.SitingParams{Params: facilities.Params{Kind: set.Kind, Division: c.Code,
					Mode: facilities.ModeRadius, RadiusM: r}, Objective: facilities.ObjectiveMCLP, P: p}
				in, err := instance(an, sp, fmt.Sprintf("%s_mclp_r%g_p%d", c.Code.Short(), r, p))
				if err != nil {
					if facilities.IsParamError(err) { // no village committees, or fewer candidates than p
						continue
					}
					return nil, err
				}
				out, added = append(out, in), true
			}
		}
		// LSCP to 0.8 of the elderly (the measured set's reading) and of the village committees
		// (the default since target_of: solver weights villages × (Σ elderly + 1) + elderly).
		for _, of := range []facilities.TargetOf{facilities.TargetOfElderly, facilities.TargetOfVillages} {
			sp := facilities.SitingParams{Params: facilities.Params{Kind: set.Kind, Division: c.Code,
				Mode: facilities.ModeRadius, RadiusM: 1000}, Objective: facilities.ObjectiveLSCP, Target: 0.8, TargetOf: of}
			name := fmt.Sprintf("%s_lscp_r1000_t0.8", c.Code.Short())
			if of == facilities.TargetOfVillages {
				name = fmt.Sprintf("%s_lscp_villages_r1000_t0.8", c.Code.Short())
			}
			if in, err := instance(an, sp, name); err == nil {
				if in.Need > 0 && in.Bound > 0 { // skip counties already at the target and unreachable targets
					out = append(out, in)
				}
			} else if !facilities.IsParamError(err) {
				return nil, err
			}
		}
		if added {
			n++
		}
	}
	return out, nil
}

func instance(an *facilities.Analyzer, sp facilities.SitingParams, name string) (*Instance, error) {
	t0, c0 := time.Now(), cpuTime()
	s, err := an.Siting(sp)
	if err != nil {
		return nil, err
	}
	ms, cpu := float64(time.Since(t0).Microseconds())/1000, float64((cpuTime()-c0).Microseconds())/1000
	cp, need, _, err := an.SitingProblem(sp)
	if err != nil {
		return nil, err
	}
	in := &Instance{Name: name, Objective: sp.Objective, CP: cp, P: sp.P, Need: need, MS: ms, CPUMS: cpu,
		Value: int64(s.Value), Bound: int64(s.Bound)}
	if sp.Objective == facilities.ObjectiveLSCP && !s.Feasible {
		in.Bound = 0
	}
	return in, nil
}

// WriteLP writes the instance as a CPLEX LP file (read by cbc and glpsol). Demands that no
// candidate covers, or that weigh 0, are left out: they cannot change the optimum.
func (in *Instance) WriteLP(w io.Writer) error {
	bw := bufio.NewWriter(w)
	cp := in.CP
	cover := make([][]int, len(cp.Weights))
	for j, s := range cp.Sets {
		for _, i := range s {
			cover[i] = append(cover[i], j)
		}
	}
	var dem []int
	for i, w := range cp.Weights {
		if w > 0 && len(cover[i]) > 0 {
			dem = append(dem, i)
		}
	}
	fmt.Fprintf(bw, "\\ %s\n", in.Name)
	if in.Objective == facilities.ObjectiveLSCP {
		fmt.Fprintln(bw, "Minimize\n obj:")
		for j := range cp.Sets {
			fmt.Fprintf(bw, " + x%d\n", j)
		}
	} else {
		fmt.Fprintln(bw, "Maximize\n obj:")
		for _, i := range dem {
			fmt.Fprintf(bw, " + %d y%d\n", cp.Weights[i], i)
		}
		if len(dem) == 0 {
			fmt.Fprintln(bw, " 0 x0")
		}
	}
	fmt.Fprintln(bw, "Subject To")
	for _, i := range dem {
		fmt.Fprintf(bw, " c%d: y%d", i, i)
		for _, j := range cover[i] {
			fmt.Fprintf(bw, " - x%d", j)
		}
		fmt.Fprintln(bw, " <= 0")
	}
	if in.Objective == facilities.ObjectiveLSCP {
		fmt.Fprint(bw, " need:")
		for _, i := range dem {
			fmt.Fprintf(bw, " + %d y%d", cp.Weights[i], i)
		}
		fmt.Fprintf(bw, " >= %d\n", in.Need)
	} else {
		fmt.Fprint(bw, " p:")
		for j := range cp.Sets {
			fmt.Fprintf(bw, " + x%d", j)
		}
		fmt.Fprintf(bw, " <= %d\n", in.P)
	}
	fmt.Fprintln(bw, "Bounds")
	for _, i := range dem {
		fmt.Fprintf(bw, " 0 <= y%d <= 1\n", i)
	}
	fmt.Fprintln(bw, "Binary")
	for j := range cp.Sets {
		fmt.Fprintf(bw, " x%d\n", j)
	}
	fmt.Fprintln(bw, "End")
	return bw.Flush()
}

var (
	cbcObj  = regexp.MustCompile(`(?m)^Optimal - objective value\s+(-?[0-9.eE+]+)`)
	glpkObj = regexp.MustCompile(`(?m)^Objective:\s+obj = (-?[0-9.eE+]+)`)
	glpkOpt = regexp.MustCompile(`(?m)^Status:\s+INTEGER OPTIMAL`)
)

// Solve runs the solver on the LP file and returns the optimum (rounded to an integer: every
// objective coefficient is an integer).
func Solve(solver, lp string) (int64, error) {
	sol := lp + ".sol"
	var cmd *exec.Cmd
	switch solver {
	case "cbc":
		cmd = exec.Command("cbc", lp, "solve", "solu", sol)
	case "glpsol":
		cmd = exec.Command("glpsol", "--lp", lp, "-o", sol)
	default:
		return 0, fmt.Errorf("unknown solver %q", solver)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("%s %s: %v: %s", solver, lp, err, out)
	}
	b, err := os.ReadFile(sol)
	if err != nil {
		return 0, err
	}
	re := cbcObj
	if solver == "glpsol" {
		if !glpkOpt.Match(b) {
			return 0, fmt.Errorf("glpsol %s: not proven optimal: %.200s", lp, b)
		}
		re = glpkObj
	}
	m := re.FindSubmatch(b)
	if m == nil {
		return 0, fmt.Errorf("%s %s: no optimal objective in %.200s", solver, lp, b)
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		return 0, err
	}
	if v < 0 { // cbc reports a maximisation's objective negated in some versions
		v = -v
	}
	return int64(v + 0.5), nil
}

// FindSolver returns the solver to use.
func FindSolver(want string) (string, error) {
	if want != "auto" {
		if _, err := exec.LookPath(want); err != nil {
			return "", fmt.Errorf("solver %s not found: %w", want, err)
		}
		return want, nil
	}
	for _, s := range []string{"cbc", "glpsol"} {
		if _, err := exec.LookPath(s); err == nil {
			return s, nil
		}
	}
	return "", errors.New("no MILP solver found: install coinor-cbc or glpk-utils")
}

// Summary is the last line's numbers.
type Summary struct {
	N         int
	Within2   float64
	MedianGap float64
	WorstGap  float64
	BoundLies int
	Proven    int // civplan's bound equals its value
}

// Summarise computes the summary over solved instances.
func Summarise(ins []*Instance) Summary {
	var s Summary
	var gaps []float64
	within := 0
	for _, in := range ins {
		g := in.Gap()
		gaps = append(gaps, g)
		if g <= 0.02+1e-12 {
			within++
		}
		if in.BoundLies() {
			s.BoundLies++
		}
		if in.Bound == in.Value {
			s.Proven++
		}
	}
	s.N = len(ins)
	if s.N == 0 {
		return s
	}
	slices.Sort(gaps)
	s.Within2 = float64(within) / float64(s.N)
	s.MedianGap = gaps[(len(gaps)-1)/2]
	if len(gaps)%2 == 0 {
		s.MedianGap = (gaps[len(gaps)/2-1] + gaps[len(gaps)/2]) / 2
	}
	s.WorstGap = gaps[len(gaps)-1]
	return s
}

func run(solverWant, dir string, set Set, workers int, out io.Writer) error {
	solver, err := FindSolver(solverWant)
	if err != nil {
		return err
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "siting-vs-milp-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	t0 := time.Now()
	ins, err := Instances(set)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "built %d instances from the embedded Hubei data in %.1f s; solving with %s in %s\n", len(ins), time.Since(t0).Seconds(), solver, dir)
	t1 := time.Now()
	errs := make([]error, len(ins))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < max(1, workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				in := ins[k]
				lp := filepath.Join(dir, in.Name+".lp")
				f, err := os.Create(lp)
				if err == nil {
					err = in.WriteLP(f)
					if cerr := f.Close(); err == nil {
						err = cerr
					}
				}
				if err == nil {
					in.Optimum, err = Solve(solver, lp)
				}
				errs[k] = err
			}
		}()
	}
	for k := range ins {
		next <- k
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	res, err := os.Create(filepath.Join(dir, "results.csv"))
	if err != nil {
		return err
	}
	fmt.Fprintln(res, "instance,objective,civplan_value,civplan_bound,optimum,true_gap,civplan_ms,civplan_cpu_ms")
	var worst *Instance
	for _, in := range ins {
		fmt.Fprintf(res, "%s,%s,%d,%d,%d,%.6f,%.2f,%.2f\n", in.Name, in.Objective, in.Value, in.Bound, in.Optimum, in.Gap(), in.MS, in.CPUMS)
		if worst == nil || in.Gap() > worst.Gap() {
			worst = in
		}
		if in.BoundLies() {
			fmt.Fprintf(out, "BOUND LIES: %s civplan bound %d, optimum %d\n", in.Name, in.Bound, in.Optimum)
		}
	}
	if err := res.Close(); err != nil {
		return err
	}
	s := Summarise(ins)
	var ms, cpu []float64
	for _, in := range ins {
		ms, cpu = append(ms, in.MS), append(cpu, in.CPUMS)
	}
	slices.Sort(ms)
	slices.Sort(cpu)
	if worst != nil {
		fmt.Fprintf(out, "worst instance %s: civplan %d, optimum %d; per-instance results in %s\n", worst.Name, worst.Value, worst.Optimum, filepath.Join(dir, "results.csv"))
	}
	if len(ms) > 0 {
		fmt.Fprintf(out, "civplan per instance: wall median %.1f ms, max %.1f ms; CPU median %.1f ms, max %.1f ms; solver wall time %.1f s\n",
			ms[(len(ms)-1)/2], ms[len(ms)-1], cpu[(len(cpu)-1)/2], cpu[len(cpu)-1], time.Since(t1).Seconds())
	}
	nontrivial := 0
	for _, in := range ins {
		if in.Optimum > 0 {
			nontrivial++
		}
	}
	fmt.Fprintf(out, "instances with a positive optimum: %d; proven optimal by civplan's own bound: %d\n", nontrivial, s.Proven)
	fmt.Fprintf(out, "bound_lies=%d solver=%s\n", s.BoundLies, solver)
	fmt.Fprintf(out, "instances=%d within2pct=%.4f median_gap=%.6f worst_gap=%.6f\n", s.N, s.Within2, s.MedianGap, s.WorstGap)
	return nil
}
