package web

import (
	"fmt"
	"sort"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// snapshot is an immutable view of the store that readers use without locks; a write builds a
// new one and swaps it in atomically.
type snapshot struct {
	version    int64 // the store's write version when loaded
	divVersion int64 // the store's divisions version: unchanged means tree and locator are reusable
	builtAt    time.Time
	meta       dataset.Meta
	tree       *divisions.Tree
	locator    *divisions.Locator
	facilities []facilities.Facility // sorted by id; includes every status and planned facilities
	registry   *facilities.Registry
	analyzer   *facilities.Analyzer // coverage, gaps, scorecard, accessibility, siting over this snapshot
	answers    answerCache          // memoised analysis answers of this snapshot (answer_cache.go)
}

// loadSnapshot reads the store into a new snapshot. When prev has the store's current
// divisions version, its tree, locator and village index are reused and only the meta and the
// facilities are read (a facility or plan write costs tens of milliseconds, not a reload of
// every boundary).
func loadSnapshot(st store.Snapshots, prev *snapshot) (*snapshot, error) {
	ver, divVer, err := st.Versions()
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	meta, err := st.Meta()
	if err != nil {
		return nil, fmt.Errorf("snapshot: meta: %w", err)
	}
	next := &snapshot{version: ver, divVersion: divVer, meta: meta}
	if prev != nil && prev.divVersion == divVer {
		next.tree, next.locator = prev.tree, prev.locator
	} else {
		if next.tree, err = st.LoadTree(); err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		next.locator = divisions.NewLocator(next.tree)
	}
	fs, err := st.LoadFacilities()
	if err != nil {
		return nil, fmt.Errorf("snapshot: facilities: %w", err)
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].ID < fs[j].ID })
	next.facilities, next.registry = fs, facilities.NewRegistry(fs)
	if prev != nil && prev.tree == next.tree {
		next.analyzer = prev.analyzer.WithRegistry(next.registry)
	} else if next.analyzer, err = facilities.NewAnalyzer(next.tree, next.registry, nil); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	next.builtAt = time.Now().UTC()
	return next, nil
}

// vintages are the data vintages every answer carries.
func (s *snapshot) vintages() map[string]string {
	if len(s.meta.Vintages) > 0 {
		return s.meta.Vintages
	}
	return map[string]string{}
}
