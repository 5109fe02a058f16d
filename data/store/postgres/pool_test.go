package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/dataset/datasettest"
	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/data/store/postgres"
	"github.com/civplan/civplan/data/store/postgres/pgtest"
	"github.com/jackc/pgx/v5"
)

// withParams returns u with the query parameters kv (name, value, …) set.
func withParams(t *testing.T, u string, kv ...string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := p.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	p.RawQuery = q.Encode()
	return p.String()
}

// Many concurrent writers, token checks and catch-ups, with the LISTEN connection up, never
// open more than pool_max_conns connections, counted by the server (pg_stat_activity by
// application_name, sampled every 2 ms from outside); the burst does fill the cap, and every
// operation completes (no writer waits forever for a second connection).
func TestPoolMaxConnsBoundsConnections(t *testing.T) {
	for _, maxConns := range []int{3, 5} {
		t.Run("pool_max_conns="+strconv.Itoa(maxConns), func(t *testing.T) {
			var b [4]byte
			rand.Read(b[:])
			app := "civplan_cap_" + hex.EncodeToString(b[:])
			u := withParams(t, pgtest.URL(t), "application_name", app, postgres.MaxConnsParam, strconv.Itoa(maxConns))
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			st, err := postgres.Open(ctx, u, postgres.Options{Seed: func() (*dataset.Dataset, error) { return datasettest.Small(), nil }})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if st.MaxConns() != maxConns {
				t.Fatalf("MaxConns %d, want %d", st.MaxConns(), maxConns)
			}
			lctx, stopListen := context.WithCancel(ctx)
			defer stopListen()
			signals := st.Changed(lctx)
			select {
			case <-signals: // sent once LISTEN took effect
			case <-ctx.Done():
				t.Fatal("the LISTEN connection never came up")
			}
			tok, _, err := st.CreateToken(ctx, "reader", store.RoleViewer)
			if err != nil {
				t.Fatal(err)
			}

			admin, err := pgx.Connect(ctx, pgtest.Server(t))
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close(context.Background())
			var peak, samples atomic.Int64
			stopSampling := make(chan struct{})
			sampled := make(chan error, 1)
			go func() {
				for {
					var n int64
					err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name IN ($1, $2)", app, app+"-listen").Scan(&n)
					if err != nil {
						sampled <- err
						return
					}
					samples.Add(1)
					if n > peak.Load() {
						peak.Store(n)
					}
					select {
					case <-stopSampling:
						sampled <- nil
						return
					case <-time.After(2 * time.Millisecond):
					}
				}
			}()

			const workers = 24
			var wg sync.WaitGroup
			errs := make(chan error, workers*4)
			for i := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := range 4 {
						var err error
						switch (i + j) % 4 {
						case 0, 1: // a write that holds its connection a while
							err = st.Write(ctx, store.SystemActor(), "test.hold", "pool", func(tx *sql.Tx) (any, any, error) {
								_, err := tx.ExecContext(ctx, "SELECT pg_sleep(0.02)")
								return nil, nil, err
							})
						case 2:
							_, err = st.Authenticate(ctx, tok)
						case 3:
							_, err = st.ChangesSince(ctx, 0)
						}
						if err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(stopSampling)
			if err := <-sampled; err != nil {
				t.Fatal(err)
			}
			close(errs)
			for err := range errs {
				t.Errorf("operation failed: %v", err)
			}
			t.Logf("peak %d connections over %d samples (cap %d)", peak.Load(), samples.Load(), maxConns)
			if p := peak.Load(); p > int64(maxConns) {
				t.Errorf("peak %d connections, more than pool_max_conns=%d", p, maxConns)
			} else if p < int64(maxConns) {
				t.Errorf("peak %d connections: the burst never filled the cap of %d, so the bound was not tested", p, maxConns)
			}
		})
	}
}

// pool_max_conns below 3 or not a number is refused with a one-line error naming it; the
// parameter never reaches PostgreSQL (which would refuse it as an unknown setting).
func TestPoolMaxConnsParam(t *testing.T) {
	base := pgtest.URL(t)
	for _, v := range []string{"2", "0", "-1", "x", "1e3"} {
		_, err := postgres.Open(context.Background(), withParams(t, base, postgres.MaxConnsParam, v), postgres.Options{})
		if err == nil || !strings.Contains(err.Error(), postgres.MaxConnsParam) || strings.Contains(err.Error(), "\n") {
			t.Errorf("pool_max_conns=%s: %v, want a one-line error naming the parameter", v, err)
		}
	}
	st, err := postgres.Open(context.Background(), withParams(t, base, postgres.MaxConnsParam, "7"), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.MaxConns() != 7 || st.DB().Stats().MaxOpenConnections != 6 {
		t.Errorf("MaxConns %d, pool %d: want 7 and 6", st.MaxConns(), st.DB().Stats().MaxOpenConnections)
	}
	if st2, err := postgres.Open(context.Background(), base, postgres.Options{}); err != nil || st2.MaxConns() != postgres.DefaultMaxConns {
		t.Errorf("default: %v %v", st2, err)
	} else {
		st2.Close()
	}
}
