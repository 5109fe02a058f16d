package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// measure reads a dataset file, builds civplan's tree, registry and analyzer in this process
// (as coverage-vs-postgis does) and times, for the province with the most village committees,
// the first (uncached) and median-of-runs coverage, then the nearest mutual-aid site of every
// village committee in the country. It writes one line per figure to w and, when cpuProfile is
// set, a CPU profile of the timed queries.
func measure(path string, runs int, cpuProfile string, w io.Writer) error {
	t0 := time.Now()
	var tr *divisions.Tree
	var reg *facilities.Registry
	if strings.HasSuffix(path, ".db") { // an existing database, read as serve reads it
		st, err := store.Open(path)
		if err != nil {
			return err
		}
		defer st.Close()
		if tr, err = st.LoadTree(); err != nil {
			return err
		}
		fs, err := st.LoadFacilityState(context.Background())
		if err != nil {
			return err
		}
		reg = facilities.NewRegistryOwning(fs.Facilities)
	} else {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		ds, err := dataset.ReadDataset(bufio.NewReaderSize(f, 1<<20))
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if tr, err = divisions.NewTree(ds.Divisions); err != nil {
			return err
		}
		reg = facilities.NewRegistryOwning(ds.Facilities)
	}
	fmt.Fprintf(w, "read %s: %d divisions, %d facilities in %s\n", path, tr.Len(), reg.Len(), time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	a, err := facilities.NewAnalyzer(tr, reg, nil)
	if err != nil {
		return err
	}
	reg.Warm()
	fmt.Fprintf(w, "analyzer and every kind's index built in %s (GOMAXPROCS=%d)\n", time.Since(t0).Round(time.Millisecond), runtime.GOMAXPROCS(0))
	perProv := map[divisions.Code]int{}
	var units []orb.Point // every village-level unit's point
	for _, d := range tr.All() {
		if d.Level == divisions.Village && d.HasSeat {
			units = append(units, d.Seat)
		}
		if d.Kind == divisions.KindVillageCommittee {
			perProv[d.Code[:2]+"0000000000"]++
		}
	}
	var prov divisions.Code
	for c, n := range perProv {
		if n > perProv[prov] || (n == perProv[prov] && c < prov) {
			prov = c
		}
	}
	if cpuProfile != "" {
		pf, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	timed := func(p facilities.Params) (first, median time.Duration, c *facilities.Coverage, err error) {
		var ts []time.Duration
		for k := 0; k < runs; k++ {
			runtime.GC()
			t := time.Now()
			if c, err = a.Coverage(p); err != nil {
				return 0, 0, nil, err
			}
			ts = append(ts, time.Since(t))
		}
		first = ts[0]
		sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		return first, ts[len(ts)/2], c, nil
	}
	for _, p := range []facilities.Params{
		{Kind: facilities.MutualAidElderly, Division: prov, Mode: facilities.ModeJurisdiction, SummaryOnly: true},
		{Kind: facilities.MutualAidElderly, Division: prov, Mode: facilities.ModeRadius, RadiusM: 500, SummaryOnly: true},
		{Kind: facilities.MutualAidElderly, Division: prov, Mode: facilities.ModeRadius, RadiusM: 5000, SummaryOnly: true},
		{Kind: facilities.MutualAidElderly, Division: prov, Mode: facilities.ModeRadius, RadiusM: 5000},
	} {
		first, med, c, err := timed(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "coverage %s %s radius %g m summary-only %v: %d/%d village committees covered; first call %s, median of %d %s\n",
			prov.Short(), p.Mode, p.RadiusM, p.SummaryOnly, c.Summary.Covered, c.Summary.Villages, first.Round(time.Microsecond), runs, med.Round(time.Microsecond))
	}
	first, med, c, err := timed(facilities.Params{Kind: facilities.MutualAidElderly, Mode: facilities.ModeRadius, RadiusM: 5000, Nearest: true})
	if err != nil {
		return err
	}
	found := 0
	for _, v := range c.Villages {
		if v.Nearest != nil {
			found++
		}
	}
	fmt.Fprintf(w, "nearest mutual-aid site for all %d village committees (whole country, %d found): first call %s, median of %d %s\n",
		len(c.Villages), found, first.Round(time.Millisecond), runs, med.Round(time.Millisecond))

	// Every village-level unit (residents' committees too, which coverage leaves out): the same
	// kind of index over the operating mutual-aid sites, queried on all CPUs.
	var pts []orb.Point
	for _, f := range reg.UsableOf(facilities.MutualAidElderly) {
		pts = append(pts, f.Point)
	}
	ix := geo.NewPointIndex(pts)
	var ts []time.Duration
	var sum float64
	for k := 0; k < runs; k++ {
		runtime.GC()
		t := time.Now()
		sum = nearestAll(ix, units)
		ts = append(ts, time.Since(t))
	}
	first = ts[0]
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	fmt.Fprintf(w, "nearest mutual-aid site for all %d village-level units (geo.PointIndex.Nearest on %d CPUs; mean distance %.1f m): first call %s, median of %d %s\n",
		len(units), runtime.GOMAXPROCS(0), sum/float64(len(units)), first.Round(time.Millisecond), runs, ts[len(ts)/2].Round(time.Millisecond))
	return nil
}

// nearestAll finds the nearest indexed point of every point in qs on all CPUs and returns the
// sum of the distances (metres).
func nearestAll(ix *geo.PointIndex, qs []orb.Point) float64 {
	workers := runtime.GOMAXPROCS(0)
	sums := make([]float64, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for wk := 0; wk < workers; wk++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(1024)) - 1024
				if lo >= len(qs) {
					return
				}
				for _, q := range qs[lo:min(lo+1024, len(qs))] {
					if _, d, ok := ix.Nearest(q, 0); ok {
						sums[wk] += d
					}
				}
			}
		}()
	}
	wg.Wait()
	total := 0.0
	for _, s := range sums {
		total += s
	}
	return total
}
