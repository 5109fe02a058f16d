package store

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// patchN runs n facility updates from w concurrent writers (ids 1…w of the test dataset's
// facility ids, cycling) and fails the test on any error.
func patchN(t *testing.T, s *SQLite, ids []int64, w, n int) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, w)
	for g := 0; g < w; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			id := ids[g%len(ids)]
			for i := g; i < n; i += w {
				err := s.Write(ctx, Actor{Name: "t", Role: RolePlanner}, "facility.update", fmt.Sprint("facility/", id), func(tx *sql.Tx) (any, any, error) {
					rec, err := GetFacility(ctx, tx, id)
					if err != nil {
						return nil, nil, err
					}
					rec.Facility.Beds = i
					old, err := s.UpdateFacility(ctx, tx, rec.Facility, 0)
					return old, rec.Facility, err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}

func facilityIDs(t *testing.T, s *SQLite) []int64 {
	t.Helper()
	st, err := s.LoadFacilityState(context.Background())
	if err != nil || len(st.Facilities) == 0 {
		t.Fatal(len(st.Facilities), err)
	}
	var ids []int64
	for _, f := range st.Facilities {
		ids = append(ids, f.ID)
	}
	return ids
}

// The write connection leaves checkpoints to the checkpointer (no 4 MB copy inside a commit),
// and the checkpointer does them: shortly after writes stop, the database file alone (without
// its WAL) holds the last write.
func TestCheckpointerCopiesCommitsIntoTheDatabaseFile(t *testing.T) {
	s := seeded(t)
	var auto int
	if err := s.wdb.QueryRow("PRAGMA wal_autocheckpoint").Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("write connection wal_autocheckpoint = %d (%v); want 0", auto, err)
	}
	ids := facilityIDs(t, s)
	patchN(t, s, ids, 4, 200)
	want, err := s.Version()
	if err != nil {
		t.Fatal(err)
	}
	// The copy of the main file alone is the state a crash would leave if the WAL were lost;
	// poll, since the checkpointer runs at most every checkpointEvery.
	copyPath := filepath.Join(t.TempDir(), "main-only.db")
	deadline := time.Now().Add(10 * time.Second)
	for {
		time.Sleep(2 * checkpointEvery)
		got := versionInFile(t, s.Path(), copyPath)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file alone is at write version %d, the store at %d: not checkpointed", got, want)
		}
	}
}

// versionInFile copies the database file at src (not its WAL) to dst and reads its write counter.
func versionInFile(t *testing.T, src, dst string) int64 {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	os.Remove(dst)
	os.Remove(dst + "-wal")
	os.Remove(dst + "-shm")
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
	db, err := sql.Open("sqlite3", "file:"+dst+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow("SELECT n FROM write_version").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Under sustained concurrent writes a PASSIVE checkpoint never reaches the end of the WAL; the
// checkpointer's short checkpoint under the write mutex lets the WAL restart, so the file stays
// far below what the writes appended (≈ 4 frames of 4 KiB per write: 47 MB when it never restarts).
func TestCheckpointerKeepsTheWALShortUnderSustainedWrites(t *testing.T) {
	s := seeded(t)
	// A short interval, so that the bound below holds on a machine of any speed.
	if err := s.ckpt.close(); err != nil {
		t.Fatal(err)
	}
	var err error
	if s.ckpt, err = startCheckpointer(s.Path(), &s.wmu, 5*time.Millisecond, 32); err != nil {
		t.Fatal(err)
	}
	ids := facilityIDs(t, s)
	patchN(t, s, ids, 8, 3000)
	fi, err := os.Stat(s.Path() + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 8<<20 {
		t.Fatalf("WAL is %d bytes after 3,000 writes: it did not restart", fi.Size())
	}
}
