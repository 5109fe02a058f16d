// Command national writes a national-scale synthetic dataset (31 province-sized trees, ≈ 610k
// village-level units with township polygons, ≈ 1.5M facilities of the eight kinds; every value
// provenance "generated"), deterministic by seed, in the dataset file format that
// `civplan serve --dataset FILE` seeds an empty database from:
//
//	go run ./bench/national -provinces 31 -seed 1 -out national.json.gz
//
// With -measure FILE it instead times coverage of the largest province and the nearest
// facility of every village committee in-process, and with -startup DB it times what serve does
// before it is ready on an existing database (see docs/benchmarks.md).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/civplan/civplan/data/dataset"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "national:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("national", flag.ContinueOnError)
	provinces := fs.Int("provinces", natProvinces, "provinces to generate (1–31), each with its share of the national counts")
	scale := fs.Float64("scale", 1, "fraction (0, 1] of the national counts per level")
	facRate := fs.Float64("facilities", 1, "factor on the facility rates (1 = ≈ 1.5M facilities at full size)")
	seed := fs.Uint64("seed", 1, "random seed; the same flags give the same bytes")
	out := fs.String("out", "national.json.gz", "output file (gzipped JSON dataset)")
	in := fs.String("measure", "", "instead of generating: read this dataset file and time coverage and nearest in-process")
	runs := fs.Int("runs", 5, "with -measure: runs per figure (the first is the uncached one)")
	start := fs.String("startup", "", "instead of generating: time what serve does before it is ready on this existing database")
	phases := fs.Bool("phases", false, "with -startup: time the parts (tree, locator, facilities, registry, analyzer) one by one")
	cpuProf := fs.String("cpuprofile", "", "with -startup or -measure: write a CPU profile of the start or of the timed queries to this file")
	memProf := fs.String("memprofile", "", "with -startup: write a heap profile after the start to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *start != "" {
		return startup(*start, *phases, *cpuProf, *memProf, os.Stdout)
	}
	if *in != "" {
		if *runs < 1 {
			return fmt.Errorf("runs %d: want at least 1", *runs)
		}
		return measure(*in, *runs, *cpuProf, os.Stdout)
	}
	t0 := time.Now()
	ds, err := generate(config{Provinces: *provinces, Scale: *scale, Facilities: *facRate, Seed: *seed})
	if err != nil {
		return err
	}
	gen := time.Since(t0)
	tmp := *out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := dataset.WriteDataset(w, ds); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", *out, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", *out, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", *out, err)
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	st, _ := os.Stat(*out)
	c := ds.Meta.Counts
	fmt.Fprintf(os.Stderr, "%s: %d provinces, %d prefectures, %d counties, %d townships, %d village-level (%d village committees, %d residents' committees), %d facilities; generated in %.1f s, written in %.1f s, %d bytes\n",
		*out, c["province"], c["prefecture"], c["county"], c["township"], c["village"], c["kind:village_committee"], c["kind:residents_committee"],
		c["facilities"], gen.Seconds(), (time.Since(t0) - gen).Seconds(), st.Size())
	return nil
}
