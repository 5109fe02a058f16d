package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Changed returns a channel that receives (coalesced, never blocking the listener) after a
// commit of any process on this database: a connection of its own LISTENs on Channel. Each time
// it starts listening — the first time too, since a caller's catch-up may have run before the
// LISTEN took effect — it sends once, as commits may have gone unnoticed meanwhile. When the
// connection breaks it reconnects with backoff (100 ms doubling to 5 s). The channel is closed
// when ctx ends. The connection is the one pool_max_conns keeps outside the pool (its
// application_name is the pool's plus "-listen": civplan-listen): call Changed once per Store.
func (s *Store) Changed(ctx context.Context) <-chan struct{} {
	out := make(chan struct{}, 1)
	signal := func() {
		select {
		case out <- struct{}{}:
		default:
		}
	}
	go func() {
		defer close(out)
		cfg := s.cfg.Copy()
		cfg.RuntimeParams["application_name"] = s.cfg.RuntimeParams["application_name"] + "-listen"
		backoff := 100 * time.Millisecond
		for ctx.Err() == nil {
			conn, err := pgx.ConnectConfig(ctx, cfg)
			if err == nil {
				_, err = conn.Exec(ctx, "LISTEN "+Channel)
			}
			if err == nil {
				backoff = 100 * time.Millisecond
				signal()
				for err == nil {
					if _, err = conn.WaitForNotification(ctx); err == nil {
						signal()
					}
				}
			}
			if conn != nil {
				closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
				conn.Close(closeCtx)
				cancel()
			}
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			if backoff *= 2; backoff > 5*time.Second {
				backoff = 5 * time.Second
			}
		}
	}()
	return out
}
