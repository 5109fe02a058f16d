package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/web"
)

// startup times what `civplan serve` does before it is ready, on an existing (seeded) database:
// web.New (open store, read the tree and the facilities, build the snapshot). With phases it
// instead times the parts one by one (tree read, locator, facility read, registry, analyzer).
// It reports VmRSS after a GC and, when the paths are set, writes a CPU profile of the start
// and a heap profile at the end.
func startup(dbPath string, phases bool, cpuProfile, memProfile string, w io.Writer) error {
	if _, err := os.Stat(dbPath); err != nil {
		return fmt.Errorf("startup: %w", err)
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	t0 := time.Now()
	st, err := store.Open(dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	lap := func(what string, since time.Time) {
		fmt.Fprintf(w, "%-28s %8s\n", what, time.Since(since).Round(time.Millisecond))
	}
	lap("open store", t0)
	var keep []any // what stays alive until the RSS is read
	if phases {
		t := time.Now()
		tree, err := st.LoadTree()
		if err != nil {
			return err
		}
		lap("read divisions + tree", t)
		t = time.Now()
		loc := divisions.NewLocator(tree)
		lap("locator", t)
		t = time.Now()
		fs, err := st.LoadFacilityState(context.Background())
		if err != nil {
			return err
		}
		lap("read facilities", t)
		t = time.Now()
		reg := facilities.NewRegistryOwning(fs.Facilities)
		fs.Facilities = nil
		lap("registry", t)
		t = time.Now()
		a, err := facilities.NewAnalyzer(tree, reg, nil)
		if err != nil {
			return err
		}
		lap("analyzer", t)
		keep = append(keep, tree, loc, reg, a)
	} else {
		srv, err := web.New(st, web.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			return err
		}
		keep = append(keep, srv)
	}
	lap("ready (total)", t0)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(w, "heap in use after GC %.0f MB, VmRSS %s, GOMAXPROCS=%d\n", float64(ms.HeapInuse)/1e6, vmRSS(), runtime.GOMAXPROCS(0))
	if memProfile != "" {
		f, err := os.Create(memProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.WriteHeapProfile(f); err != nil {
			return err
		}
	}
	runtime.KeepAlive(keep)
	return nil
}

// vmRSS is this process's resident set size as /proc/self/status gives it ("?" elsewhere).
func vmRSS() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			fs := strings.Fields(v)
			if kb, err := strconv.ParseFloat(fs[0], 64); err == nil {
				return fmt.Sprintf("%.2f GB", kb*1024/1e9)
			}
		}
	}
	return "?"
}
