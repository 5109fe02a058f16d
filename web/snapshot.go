package web

import (
	"fmt"
	"sort"
	"time"

	"github.com/civplan/civplan/data"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// snapshot is an immutable view of the store that readers use without locks; a write builds a
// new one and swaps it in atomically.
type snapshot struct {
	version    int64
	builtAt    time.Time
	meta       data.Meta
	tree       *divisions.Tree
	locator    *divisions.Locator
	facilities []facilities.Facility // sorted by id; includes every status and planned facilities
	registry   *facilities.Registry
	analyzer   *facilities.Analyzer // coverage, gaps, scorecard, accessibility, siting over this snapshot
	answers    answerCache          // memoised analysis answers of this snapshot (answer_cache.go)
}

// loadSnapshot reads the store and builds the tree and indexes.
func loadSnapshot(st *data.Store) (*snapshot, error) {
	ver, err := st.Version()
	if err != nil {
		return nil, fmt.Errorf("snapshot: version: %w", err)
	}
	meta, err := st.Meta()
	if err != nil {
		return nil, fmt.Errorf("snapshot: meta: %w", err)
	}
	divs, err := st.LoadDivisions()
	if err != nil {
		return nil, fmt.Errorf("snapshot: divisions: %w", err)
	}
	tree, err := divisions.NewTree(divs)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	fs, err := st.LoadFacilities()
	if err != nil {
		return nil, fmt.Errorf("snapshot: facilities: %w", err)
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].ID < fs[j].ID })
	reg := facilities.NewRegistry(fs)
	an, err := facilities.NewAnalyzer(tree, reg, nil)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	return &snapshot{
		registry:   reg,
		analyzer:   an,
		version:    ver,
		builtAt:    time.Now().UTC(),
		meta:       meta,
		tree:       tree,
		locator:    divisions.NewLocator(tree),
		facilities: fs,
	}, nil
}

// vintages are the data vintages every answer carries.
func (s *snapshot) vintages() map[string]string {
	if len(s.meta.Vintages) > 0 {
		return s.meta.Vintages
	}
	return map[string]string{}
}
