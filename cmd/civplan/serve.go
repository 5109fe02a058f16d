package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/web"
)

// writeTimeout is the server's WriteTimeout; heavy work stops workMargin before it so its 503
// still reaches the client (web.Config.WorkDeadline).
const (
	writeTimeout = 120 * time.Second
	workMargin   = 10 * time.Second
)

func cmdServe(args []string, _, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address HOST:PORT")
	dbPath := fs.String("db", "civplan.db", dbFlagHelp+" (created, or seeded from the embedded Hubei data, when missing or empty)")
	openReads := fs.String("open-reads", "auto", "reads without a token: auto (only on loopback), true, false")
	cors := fs.String("cors", "", "comma-separated origins allowed to call the API from a browser (* for any)")
	ratePerSec := fs.Float64("rate-limit", 0, "requests a second per client (token or address); 0 = 100, negative = no limit")
	burst := fs.Int("burst", 0, "requests a client may send at once above the rate; 0 = 200")
	dsPath := fs.String("dataset", "", "dataset file (gzipped JSON, e.g. from bench/national) to seed a missing or empty database from instead of the embedded Hubei data")
	maxLag := fs.Duration("max-lag", web.DefaultMaxLag, "how far behind the store (no catch-up that reached it for this long) /readyz starts answering 503 and answers carry Civplan-Stale")
	pprofAddr := fs.String("pprof", "", "serve Go's net/http/pprof profiles on this loopback address HOST:PORT (off when empty; for profiling, never public)")
	trusted := fs.String("trusted-proxies", "", "comma-separated proxy addresses or CIDRs whose X-Forwarded-For/X-Real-IP name the client (default: none; the connection's address is the client)")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) != 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	if *maxLag <= 0 {
		return usageError{fmt.Sprintf("--max-lag %s: want a positive duration such as 2s", *maxLag)}
	}
	if *pprofAddr != "" && !web.IsLoopback(*pprofAddr) {
		return usageError{fmt.Sprintf("--pprof %q: want a loopback address (127.0.0.1:PORT): profiles expose the process", *pprofAddr)}
	}
	var proxies []string // checked before the database is opened
	if *trusted != "" {
		for _, p := range strings.Split(*trusted, ",") {
			p = strings.TrimSpace(p)
			if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
				return usageError{fmt.Sprintf("--trusted-proxies: %q is neither an IP address nor a CIDR", p)}
			}
			proxies = append(proxies, p)
		}
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	if *dsPath != "" {
		if _, err := os.Stat(*dsPath); err != nil { // before the database is created
			return fmt.Errorf("--dataset: %w", err)
		}
	}
	st, err := openSeededFrom(*dbPath, *dsPath, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	cfg := web.Config{RatePerSec: *ratePerSec, Burst: *burst, WorkDeadline: writeTimeout - workMargin, MaxLag: *maxLag}
	cfg.TrustedProxies = proxies
	switch *openReads {
	case "auto":
		cfg.OpenReads = web.IsLoopback(*addr)
	case "true":
		cfg.OpenReads = true
	case "false":
	default:
		return usageError{fmt.Sprintf("--open-reads %q: want auto, true or false", *openReads)}
	}
	if *cors != "" {
		cfg.CORSOrigins = strings.Split(*cors, ",")
	}
	srv, err := web.New(st, cfg, log)
	if err != nil {
		return err
	}
	if n, err := st.TokenCount(context.Background()); err == nil && n == 0 {
		fmt.Fprintf(stderr, "No API tokens exist yet. Reads are %s; writes need a token. Create the admin token with:\n  civplan token create --name admin --role admin --db %s\n",
			map[bool]string{true: "open on this loopback address", false: "token-only"}[cfg.OpenReads], st.Path())
	}
	// Catch up once more right before listening: a snapshot whose load took longer than --max-lag
	// would otherwise answer its first /readyz as "behind" until Watch's first catch-up.
	if err := srv.Reload(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: writeTimeout, IdleTimeout: 120 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *pprofAddr != "" {
		pln, err := net.Listen("tcp", *pprofAddr)
		if err != nil {
			return fmt.Errorf("--pprof: listen on %s: %w", *pprofAddr, err)
		}
		defer pln.Close()
		go http.Serve(pln, pprofMux())
		fmt.Fprintf(stderr, "civplan profiles at http://%s/debug/pprof/\n", pln.Addr())
	}
	go srv.Watch(ctx, web.FollowInterval) // applies writes from other processes (civplan import, other replicas) from the change log
	fmt.Fprintf(stderr, "civplan serving http://%s (database %s)\n", ln.Addr(), st.Path())
	if err := web.Serve(ctx, hs, ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}

// pprofMux serves net/http/pprof's handlers (only on the --pprof listener, never the API's).
func pprofMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/debug/pprof/", pprof.Index)
	m.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	m.HandleFunc("/debug/pprof/profile", pprof.Profile)
	m.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	m.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return m
}

// loadSeedDataset reads the dataset file at p, or the embedded Hubei dataset when p is "",
// and names where it came from.
func loadSeedDataset(p string) (*dataset.Dataset, string, error) {
	if p == "" {
		ds, err := dataset.EmbeddedHubei()
		return ds, "the embedded Hubei data", err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, "", fmt.Errorf("--dataset: %w", err)
	}
	defer f.Close()
	ds, err := dataset.ReadDataset(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, "", fmt.Errorf("--dataset %s: %w", p, err)
	}
	return ds, p, nil
}
