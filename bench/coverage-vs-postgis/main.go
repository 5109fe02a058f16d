// Command coverage-vs-postgis compares civplan's coverage and nearest-facility answers and
// timings with PostGIS on the same generated national-scale data (facilities/synth). It is run
// by run.sh, which starts a throwaway PostgreSQL/PostGIS cluster on 127.0.0.1 and passes its
// port; this program talks to it only through psql. Its last output line is
//
//	ratio_cover_500m=X ratio_cover_5km=Y ratio_nearest=Z mismatches=N
//
// where a ratio is PostGIS time / civplan time and N counts villages whose covered flag differs
// (at either radius) plus villages whose nearest distances differ by more than 1 cm.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/facilities/synth"
	"github.com/civplan/civplan/geo"
)

type options struct {
	villages, facilities int
	seed                 uint64
	port                 int
	user, dir            string
	runs                 int
	civplanOnly          bool   // skip PostGIS: civplan's timings only (no ratios, no comparison)
	cpuProfile           string // CPU profile of civplan's timed calls only
}

func main() {
	var o options
	flag.IntVar(&o.villages, "villages", 500_000, "villages to generate")
	flag.IntVar(&o.facilities, "facilities", 1_000_000, "facilities to generate")
	flag.Uint64Var(&o.seed, "seed", 1, "generator seed")
	flag.IntVar(&o.port, "port", 0, "PostgreSQL port on 127.0.0.1 (required)")
	flag.StringVar(&o.user, "user", "postgres", "PostgreSQL user")
	flag.StringVar(&o.dir, "dir", os.TempDir(), "scratch directory for CSV files")
	flag.IntVar(&o.runs, "runs", 3, "civplan repetitions (the median is reported)")
	flag.BoolVar(&o.civplanOnly, "civplan-only", false, "time civplan only (no PostGIS, no ratios); for profiling")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of civplan's timed calls to this file")
	flag.Parse()
	if o.port <= 0 && !o.civplanOnly {
		fmt.Fprintln(os.Stderr, "coverage-vs-postgis: -port is required (run.sh starts the cluster)")
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "coverage-vs-postgis:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Printf("%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// psql runs SQL through psql on 127.0.0.1 and returns stdout.
func (o *options) psql(sql string, timing bool) (string, error) {
	args := []string{"-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", strconv.Itoa(o.port), "-U", o.user, "-d", "postgres"}
	if timing {
		args = append(args, "-c", `\timing on`)
	}
	args = append(args, "-c", sql)
	cmd := exec.Command("psql", args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("psql %q: %v: %s", firstLine(sql), err, errb.String())
	}
	return out.String(), nil
}

var timingRE = regexp.MustCompile(`Time: ([0-9.]+) ms`)

// timed runs sql with psql's \timing and returns the server round-trip time and output.
func (o *options) timed(sql string) (time.Duration, string, error) {
	out, err := o.psql(sql, true)
	if err != nil {
		return 0, "", err
	}
	m := timingRE.FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		return 0, "", fmt.Errorf("no timing in psql output %q", out)
	}
	ms, _ := strconv.ParseFloat(m[len(m)-1][1], 64)
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "Time:") {
			lines = append(lines, l)
		}
	}
	return time.Duration(ms * float64(time.Millisecond)), strings.Join(lines, "\n"), nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

func run(o options) error {
	logf("generating %d villages, %d facilities (seed %d)", o.villages, o.facilities, o.seed)
	d, err := synth.Generate(synth.Config{Villages: o.villages, Facilities: o.facilities, Seed: o.seed, OnlyVillageCommittees: true})
	if err != nil {
		return err
	}
	vs := d.Villages()
	var pg *pgResult
	if !o.civplanOnly {
		if pg, err = o.postgis(d, vs); err != nil {
			return err
		}
	}

	// ---- civplan on the same data.
	logf("civplan: building tree, registry and indexes (GOMAXPROCS=%d)", runtime.GOMAXPROCS(0))
	t0 := time.Now()
	tr, err := divisions.NewTree(d.Divisions)
	if err != nil {
		return err
	}
	reg := facilities.NewRegistry(d.Facilities)
	a, err := facilities.NewAnalyzer(tr, reg, nil)
	if err != nil {
		return err
	}
	logf("civplan: built in %s", time.Since(t0).Round(time.Millisecond))
	idOf := make(map[divisions.Code]int, len(vs))
	for i, v := range vs {
		idOf[v.Code] = i + 1
	}
	// median times o.runs calls and returns the median wall time; the median CPU time (user +
	// system, all threads) goes to the log, as the wall time of a shared machine is noisy.
	median := func(p facilities.Params) (time.Duration, *facilities.Coverage, error) {
		var ts, cpus []time.Duration
		var c *facilities.Coverage
		for k := 0; k < o.runs; k++ {
			runtime.GC()
			cpu0, t := cpuNow(), time.Now()
			var err error
			if c, err = a.Coverage(p); err != nil {
				return 0, nil, err
			}
			ts, cpus = append(ts, time.Since(t)), append(cpus, cpuNow()-cpu0)
		}
		slices.Sort(ts)
		slices.Sort(cpus)
		cpu := cpus[len(cpus)/2]
		logf("  %s %.0f m nearest=%v summary-only=%v: wall %s, CPU %s (%.3f µs·core per village; medians of %d)", p.Mode, p.RadiusM, p.Nearest, p.SummaryOnly,
			ts[len(ts)/2].Round(time.Microsecond), cpu.Round(time.Microsecond), float64(cpu.Nanoseconds())/1e3/float64(len(vs)), o.runs)
		return ts[len(ts)/2], c, nil
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	mismatches := 0
	ratios := map[int]float64{}
	for _, r := range []int{500, 5000} {
		// Timed: the aggregate answer, as PostGIS's count(*). Then the per-village answer (also
		// timed, reported) for comparing the covered sets.
		p := facilities.Params{Kind: facilities.MutualAidElderly, Mode: facilities.ModeRadius, RadiusM: float64(r), SummaryOnly: true}
		dt, sum, err := median(p)
		if err != nil {
			return err
		}
		p.SummaryOnly = false
		dtDetail, c, err := median(p)
		if err != nil {
			return err
		}
		if len(c.Villages) != len(vs) || sum.Summary.Covered != c.Summary.Covered {
			return fmt.Errorf("civplan answered %d villages (%d covered; summary-only %d), generated %d", len(c.Villages), c.Summary.Covered, sum.Summary.Covered, len(vs))
		}
		if pg == nil {
			logf("civplan cover %d m: %d covered in %s (median of %d; with all %d per-village answers %s)",
				r, sum.Summary.Covered, dt.Round(time.Microsecond), o.runs, len(c.Villages), dtDetail.Round(time.Microsecond))
			continue
		}
		pc := pg.cover[r]
		diff := 0
		for _, v := range c.Villages {
			if v.Covered != pc.set[idOf[v.Code]] {
				diff++
				if diff <= 5 {
					logf("  cover %d m differs at village %d (%s): civplan %v", r, idOf[v.Code], v.Code, v.Covered)
				}
			}
		}
		mismatches += diff
		ratios[r] = float64(pc.t) / float64(dt)
		logf("civplan cover %d m: %d covered in %s (median of %d; with all %d per-village answers %s); PostGIS %d; differing villages %d; ratio %.1f×",
			r, sum.Summary.Covered, dt.Round(time.Microsecond), o.runs, len(c.Villages), dtDetail.Round(time.Microsecond), pc.count, diff, ratios[r])
	}
	dt, c, err := median(facilities.Params{Kind: facilities.MutualAidElderly, Mode: facilities.ModeRadius, RadiusM: 5000, Nearest: true})
	if err != nil {
		return err
	}
	if pg == nil {
		logf("civplan nearest (with 5 km cover): %s (median of %d)", dt.Round(time.Microsecond), o.runs)
		return nil
	}
	diff := 0
	var maxDiff float64
	for _, v := range c.Villages {
		id := idOf[v.Code]
		if v.Nearest == nil {
			diff++
			continue
		}
		delta := math.Abs(v.Nearest.DistanceM - pg.ref[id].d)
		if delta <= 0.01 {
			maxDiff = max(maxDiff, delta)
			continue
		}
		diff++
		if diff <= 5 {
			logf("  nearest differs at village %d: civplan #%d %.4f m, PostGIS #%d %.4f m (geo.DistanceM to PostGIS's pick: %.4f m)",
				id, v.Nearest.ID, v.Nearest.DistanceM, pg.ref[id].fid, pg.ref[id].d, distTo(d, vs[id-1], pg.ref[id].fid))
		}
	}
	mismatches += diff
	ratioNear := float64(pg.nearT) / float64(dt)
	logf("civplan nearest (with 5 km cover): %s (median of %d); distances differing from the PostGIS reference by > 1 cm: %d; max |Δd| of the others %.2e m; ratio %.1f×",
		dt.Round(time.Microsecond), o.runs, diff, maxDiff, ratioNear)
	fmt.Printf("ratio_cover_500m=%.1f ratio_cover_5km=%.1f ratio_nearest=%.1f mismatches=%d\n", ratios[500], ratios[5000], ratioNear, mismatches)
	return nil
}

// psqlScript runs a multi-statement script (with \copy meta-commands) through psql -f.
func (o *options) psqlScript(script string) error {
	f := filepath.Join(o.dir, "load.sql")
	if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
		return err
	}
	cmd := exec.Command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", strconv.Itoa(o.port), "-U", o.user, "-d", "postgres", "-f", f)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("psql load: %v: %s", err, errb.String())
	}
	return nil
}

// writeCSV writes id,lon,lat rows with round-trip-exact floats.
func writeCSV(path string, n int, row func(int) (int64, float64, float64)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := 0; i < n; i++ {
		id, lon, lat := row(i)
		fmt.Fprintf(w, "%d,%s,%s\n", id, strconv.FormatFloat(lon, 'g', -1, 64), strconv.FormatFloat(lat, 'g', -1, 64))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// cpuNow is the CPU time (user + system) the process has used so far.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// distTo is the geodesic distance from v to facility id (NaN if unknown).
func distTo(d *synth.Data, v *divisions.Division, id int64) float64 {
	i := sort.Search(len(d.Facilities), func(i int) bool { return d.Facilities[i].ID >= id })
	if i == len(d.Facilities) || d.Facilities[i].ID != id {
		return math.NaN()
	}
	return geo.DistanceM(v.Seat, d.Facilities[i].Point)
}

// pgCover is PostGIS's answer to the coverage query at one radius.
type pgCover struct {
	t     time.Duration
	count int
	set   map[int]bool
}

// near is a nearest facility and its distance, metres.
type near struct {
	fid int64
	d   float64
}

// pgResult is what PostGIS answered, with its timings.
type pgResult struct {
	cover map[int]*pgCover // by radius, metres
	nearT time.Duration
	ref   []near // reference nearest by village id (1-based)
}

// postgis loads d into the cluster on o.port, times coverage and nearest there and fetches the
// reference answers.
func (o *options) postgis(d *synth.Data, vs []*divisions.Division) (*pgResult, error) {
	vcsv, fcsv := filepath.Join(o.dir, "village.csv"), filepath.Join(o.dir, "facility.csv")
	if err := writeCSV(vcsv, len(vs), func(i int) (int64, float64, float64) { return int64(i + 1), vs[i].Seat[0], vs[i].Seat[1] }); err != nil {
		return nil, err
	}
	if err := writeCSV(fcsv, len(d.Facilities), func(i int) (int64, float64, float64) {
		f := &d.Facilities[i]
		return f.ID, f.Point[0], f.Point[1]
	}); err != nil {
		return nil, err
	}

	// ---- PostGIS: load, index, analyze.
	logf("loading PostGIS")
	t0 := time.Now()
	load := fmt.Sprintf(`
CREATE EXTENSION IF NOT EXISTS postgis;
DROP TABLE IF EXISTS village, facility, village_raw, facility_raw, pg_nearest;
CREATE TABLE village_raw (id int, lon float8, lat float8);
CREATE TABLE facility_raw (id bigint, lon float8, lat float8);
\copy village_raw FROM '%s' CSV
\copy facility_raw FROM '%s' CSV
CREATE TABLE village AS SELECT id, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography(Point,4326) AS geog FROM village_raw;
CREATE TABLE facility AS SELECT id, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography(Point,4326) AS geog FROM facility_raw;
ALTER TABLE village ADD PRIMARY KEY (id);
ALTER TABLE facility ADD PRIMARY KEY (id);
CREATE INDEX village_geog ON village USING gist (geog);
CREATE INDEX facility_geog ON facility USING gist (geog);
DROP TABLE village_raw, facility_raw;
ANALYZE village; ANALYZE facility;`, vcsv, fcsv)
	if err := o.psqlScript(load); err != nil {
		return nil, err
	}
	logf("PostGIS loaded and indexed in %s", time.Since(t0).Round(time.Millisecond))
	ver, _ := o.psql("SELECT postgis_full_version()", false)
	par, _ := o.psql("SHOW max_parallel_workers_per_gather", false)
	logf("PostGIS: %s; max_parallel_workers_per_gather=%s", firstLine(ver), strings.TrimSpace(par))

	coverSQL := func(r int) string {
		return fmt.Sprintf("SELECT count(*) FROM village v WHERE EXISTS (SELECT 1 FROM facility f WHERE ST_DWithin(v.geog, f.geog, %d, true))", r)
	}
	coverSetSQL := func(r int) string {
		return fmt.Sprintf("SELECT v.id FROM village v WHERE EXISTS (SELECT 1 FROM facility f WHERE ST_DWithin(v.geog, f.geog, %d, true)) ORDER BY v.id", r)
	}
	pg := &pgResult{cover: map[int]*pgCover{}}
	for _, r := range []int{500, 5000} {
		dt, out, err := o.timed(coverSQL(r))
		if err != nil {
			return nil, err
		}
		n, _ := strconv.Atoi(strings.TrimSpace(out))
		logf("PostGIS cover %d m: %d villages covered in %s", r, n, dt.Round(time.Millisecond))
		setOut, err := o.psql(coverSetSQL(r), false)
		if err != nil {
			return nil, err
		}
		set := map[int]bool{}
		for _, l := range strings.Fields(setOut) {
			id, _ := strconv.Atoi(l)
			set[id] = true
		}
		pg.cover[r] = &pgCover{t: dt, count: n, set: set}
	}
	nearSQL := `CREATE UNLOGGED TABLE pg_nearest AS
SELECT v.id AS vid, n.id AS fid, ST_Distance(v.geog, n.geog, true) AS d
FROM village v CROSS JOIN LATERAL (SELECT f.id, f.geog FROM facility f ORDER BY v.geog <-> f.geog LIMIT 1) n`
	dtNear, _, err := o.timed(nearSQL)
	pg.nearT = dtNear
	if err != nil {
		return nil, err
	}
	logf("PostGIS nearest (LATERAL … ORDER BY <-> LIMIT 1, then ST_Distance spheroid): %s", dtNear.Round(time.Millisecond))
	// Reference for the comparison (not timed): PostGIS's KNN operator orders geography on the
	// sphere, so LIMIT 1 can miss the spheroid-nearest facility by a few metres when two are
	// almost equally far. Take the 16 KNN candidates and the least ST_Distance(…, true) among them.
	refSQL := `SELECT v.id, n.fid, n.d, n.d = p.d AS same FROM village v JOIN pg_nearest p ON p.vid = v.id
CROSS JOIN LATERAL (SELECT c.id AS fid, ST_Distance(v.geog, c.geog, true) AS d
  FROM (SELECT f.id, f.geog FROM facility f ORDER BY v.geog <-> f.geog LIMIT 16) c ORDER BY 2, 1 LIMIT 1) n ORDER BY v.id`
	refOut, err := o.psql(refSQL, false)
	if err != nil {
		return nil, err
	}
	pg.ref = make([]near, len(vs)+1)
	limit1Wrong := 0
	sc := bufio.NewScanner(strings.NewReader(refOut))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "|")
		if len(p) != 4 {
			continue
		}
		vid, _ := strconv.Atoi(p[0])
		fid, _ := strconv.ParseInt(p[1], 10, 64)
		dd, _ := strconv.ParseFloat(p[2], 64)
		if vid > 0 && vid <= len(vs) {
			pg.ref[vid] = near{fid, dd}
		}
		if p[3] != "t" {
			limit1Wrong++
		}
	}
	logf("PostGIS reference nearest (least spheroid distance among 16 KNN candidates): LIMIT 1 was not the spheroid nearest for %d villages", limit1Wrong)

	return pg, nil
}
