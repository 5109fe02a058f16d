package web

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// snapshot is one version of the store's change log, held in memory for readers that use it
// without locks: snapshot N = snapshot N−1 + change N. It is never modified; a write (or a
// change read from the log) makes a copy-on-write successor that is swapped in atomically.
type snapshot struct {
	version    int64 // the change-log version this snapshot is at (every write up to it is in)
	divVersion int64 // the store's divisions counter: unchanged means tree and locator are reusable
	builtAt    time.Time
	meta       dataset.Meta
	tree       *divisions.Tree
	locator    *divisions.Locator
	registry   *facilities.Registry // every facility by id (every status, planned ones included), each with its Version
	analyzer   *facilities.Analyzer // coverage, gaps, scorecard, accessibility, siting over this snapshot
	answers    *answerCache         // memoised analysis answers valid for this snapshot (answer_cache.go)
	// epoch counts full reloads in this server (1 = the first load): a new tree or meta starts a new
	// one. kindVer[i] is the last change-log version within the epoch that changed a facility of
	// kind facilities.Kinds()[i] (0 = none since the epoch began). Together they stamp encoded
	// answers (answer_encoded.go).
	epoch   int64
	kindVer []int64
}

// loadSnapshot reads the store into a new snapshot. When prev has the store's current
// divisions version, its tree and locator are reused and only the meta and the facilities are
// read. The tree (with its locator) and the facilities are read at the same time on two
// connections; the facilities and the version come from one read transaction. A division
// change that lands while they are read is caught by comparing the divisions counter before,
// in the facilities' transaction and after, and reading again.
func loadSnapshot(ctx context.Context, st store.Snapshots, prev *snapshot) (*snapshot, error) {
	for attempt := 0; ; attempt++ {
		_, divVer, err := st.Versions()
		if err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		next := &snapshot{divVersion: divVer, answers: &answerCache{}}
		var treeErr error
		var wg sync.WaitGroup
		if prev != nil && prev.divVersion == divVer {
			next.tree, next.locator = prev.tree, prev.locator
		} else {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if next.tree, treeErr = st.LoadTree(); treeErr == nil {
					next.locator = divisions.NewLocator(next.tree)
				}
			}()
		}
		state, err := st.LoadFacilityState(ctx)
		wg.Wait()
		if err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		if treeErr != nil {
			return nil, fmt.Errorf("snapshot: %w", treeErr)
		}
		_, divAfter, err := st.Versions()
		if err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		if (state.DivisionsVersion != divVer || divAfter != divVer) && attempt < 5 {
			continue // divisions changed while the tree was read
		}
		if next.meta, err = st.Meta(); err != nil {
			return nil, fmt.Errorf("snapshot: meta: %w", err)
		}
		next.version, next.divVersion = state.Version, state.DivisionsVersion
		next.registry = facilities.NewRegistryOwning(state.Facilities) // the read is ours alone
		if prev == nil {
			next.registry.Warm() // the first snapshot is ready with every kind's index built: no first answer waits for one
		} else {
			go next.registry.Warm() // a successor is built while the previous one serves
		}
		if prev != nil && prev.tree == next.tree {
			next.analyzer = prev.analyzer.WithRegistry(next.registry)
		} else if next.analyzer, err = facilities.NewAnalyzer(next.tree, next.registry, nil); err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		} else if prev == nil {
			next.analyzer.Warm()
		} else {
			go next.analyzer.Warm()
		}
		next.builtAt = time.Now().UTC()
		return next, nil
	}
}

// needsReload reports whether cs cannot be applied as a step on s: divisions or the dataset
// meta changed (the tree is rebuilt), or the store went back (a restore under a running server).
func (s *snapshot) needsReload(cs *store.ChangeSet) bool {
	return cs.To < s.version || cs.DivisionsVersion != s.divVersion || cs.Has("division") || cs.Has("meta")
}

// step returns the successor of s with the changes of cs applied: the registry by Apply
// (copy-on-write), the analyzer over it sharing the tree and village index, and the memoised
// answers that the changed facility kinds cannot affect. s is unchanged.
func (s *snapshot) step(cs *store.ChangeSet) *snapshot {
	next := *s
	next.version = cs.To
	next.builtAt = time.Now().UTC()
	if len(cs.Facilities)+len(cs.Deleted) == 0 {
		return &next // plans' rows, scenarios, tokens: nothing the snapshot holds
	}
	kinds := map[facilities.Kind]bool{}
	for i := range cs.Facilities {
		kinds[cs.Facilities[i].Kind] = true
		if old, ok := s.registry.Get(cs.Facilities[i].ID); ok {
			kinds[old.Kind] = true
		}
	}
	for _, id := range cs.Deleted {
		if old, ok := s.registry.Get(id); ok {
			kinds[old.Kind] = true
		}
	}
	next.kindVer = make([]int64, len(facilities.Kinds()))
	copy(next.kindVer, s.kindVer)
	for i, k := range facilities.Kinds() {
		if kinds[k.Kind] {
			next.kindVer[i] = cs.To
		}
	}
	next.registry = s.registry.Apply(cs.Facilities, cs.Deleted)
	next.analyzer = s.analyzer.WithRegistry(next.registry)
	next.answers = s.answers.successor(kinds)
	return &next
}

// facilityList is every facility of the snapshot sorted by id (shared: do not modify).
func (s *snapshot) facilityList() []facilities.Facility { return s.registry.All() }

// vintages are the data vintages every answer carries.
func (s *snapshot) vintages() map[string]string {
	if len(s.meta.Vintages) > 0 {
		return s.meta.Vintages
	}
	return map[string]string{}
}
