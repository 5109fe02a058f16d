package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
)

// benchPatch is what one PATCH costs the store: a Write that reads the facility, changes its
// beds and updates it (with its audit and log entries), then the ChangesSince a server's
// snapshot step reads after it. Facilities are spread over writers so none conflict.
func benchPatch(b *testing.B, writers int) { benchPatchWith(b, writers, nil) }

func benchPatchWith(b *testing.B, writers int, setup func(*SQLite)) {
	s, ds := benchSeeded(b)
	if setup != nil {
		setup(s)
	}
	ctx := context.Background()
	from, err := s.Version()
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex // orders the ChangesSince cursor like the server's catch-up lock
	a := Actor{Name: "bench", Role: RolePlanner}
	patch := func(id int64, beds int) error {
		err := s.Write(ctx, a, "facility.update", fmt.Sprintf("facility/%d", id), func(tx *sql.Tx) (any, any, error) {
			rec, err := GetFacility(ctx, tx, id)
			if err != nil {
				return nil, nil, err
			}
			f := rec.Facility
			f.Beds = beds
			old, err := s.UpdateFacility(ctx, tx, f, rec.Version)
			return old, f, err
		})
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		cs, err := s.ChangesSince(ctx, from)
		if err != nil {
			return err
		}
		if cs.To > from {
			from = cs.To
		}
		return nil
	}
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	per := (b.N + writers - 1) / writers
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			id := int64(w%len(ds.Facilities)) + 1
			for i := 0; i < per; i++ {
				if err := patch(id, i%500); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(per*writers)/b.Elapsed().Seconds(), "writes/s")
}

// BenchmarkPatch1 is one writer: every write pays its own commit (fsync).
func BenchmarkPatch1(b *testing.B) { benchPatch(b, 1) }

// BenchmarkPatch8 is eight concurrent writers (bench/writes' patch load): commits are shared.
func BenchmarkPatch8(b *testing.B) { benchPatch(b, 8) }

// BenchmarkChangesSinceOne is the read of a snapshot step after one facility write, on 10,000
// facilities: it must use the version index, not walk the table.
func BenchmarkChangesSinceOne(b *testing.B) {
	s, _ := benchSeeded(b)
	ctx := context.Background()
	from, _ := s.Version()
	err := s.Write(ctx, Actor{Name: "bench", Role: RolePlanner}, "facility.update", "facility/1", func(tx *sql.Tx) (any, any, error) {
		rec, err := GetFacility(ctx, tx, 1)
		if err != nil {
			return nil, nil, err
		}
		_, err = s.UpdateFacility(ctx, tx, rec.Facility, 0)
		return nil, nil, err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cs, err := s.ChangesSince(ctx, from)
		if err != nil || len(cs.Facilities) != 1 {
			b.Fatal(len(cs.Facilities), err)
		}
	}
}
