package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// measure reads a dataset file, builds civplan's tree, registry and analyzer in this process
// (as coverage-vs-postgis does) and times, for the province with the most village committees,
// the first (uncached) and median-of-runs coverage, then the nearest mutual-aid site of every
// village committee in the country. It writes one line per figure to w and, when cpuProfile is
// set, a CPU profile of the timed queries.
func measure(path string, runs int, cpuProfile string, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	t0 := time.Now()
	ds, err := dataset.ReadDataset(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	fmt.Fprintf(w, "read %s: %d divisions, %d facilities in %s\n", path, len(ds.Divisions), len(ds.Facilities), time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	tr, err := divisions.NewTree(ds.Divisions)
	if err != nil {
		return err
	}
	a, err := facilities.NewAnalyzer(tr, facilities.NewRegistry(ds.Facilities), nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "tree, registry, analyzer built in %s (GOMAXPROCS=%d)\n", time.Since(t0).Round(time.Millisecond), runtime.GOMAXPROCS(0))
	perProv := map[divisions.Code]int{}
	for i := range ds.Divisions {
		if d := &ds.Divisions[i]; d.Kind == divisions.KindVillageCommittee {
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
	return nil
}
