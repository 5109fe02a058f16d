// Command replicas drives bench/replicas/run.sh: N `civplan serve` replicas over one store behind
// haproxy (deploy/haproxy.cfg with this run's ports), wrk on the read endpoints through haproxy
// and one writer, while a replica is killed with SIGKILL and restarted and, with -pg-restart,
// while PostgreSQL restarts. It reports errors seen by wrk and by the writer, write-to-visible
// lag on every live replica, replicas' not-ready spells, acknowledged writes lost, and read
// latency of one replica against an SQLite-backed server (-peer-db) in the same run.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "replicas:", err)
		os.Exit(1)
	}
}

type config struct {
	civplan, db, peerDB, dir, haproxyCfg, pgRestart string
	replicas                                        int
	phase, latency                                  time.Duration
	conns, kills                                    int
}

func run() error {
	var c config
	flag.StringVar(&c.civplan, "civplan", "", "civplan binary")
	flag.StringVar(&c.db, "db", "", "the replicas' --db (postgres:// URL or SQLite file)")
	flag.StringVar(&c.peerDB, "peer-db", "", "SQLite file for the read-latency peer (seeded from the embedded data when missing; empty: no comparison)")
	flag.StringVar(&c.dir, "dir", "", "work directory (logs, haproxy config)")
	flag.StringVar(&c.haproxyCfg, "haproxy-cfg", "deploy/haproxy.cfg", "haproxy config to adapt (ports, foreground)")
	flag.StringVar(&c.pgRestart, "pg-restart", "", "shell command that restarts PostgreSQL (empty: no restart phase)")
	flag.IntVar(&c.replicas, "replicas", 3, "replicas")
	flag.DurationVar(&c.phase, "phase", 40*time.Second, "length of the kill and restart phases")
	flag.DurationVar(&c.latency, "latency", 10*time.Second, "length of each wrk run of the latency comparison")
	flag.IntVar(&c.conns, "conns", 32, "wrk connections")
	flag.IntVar(&c.kills, "kills", 1, "times r2 is killed (and restarted) in the kill phase")
	flag.Parse()
	if c.civplan == "" || c.db == "" || c.dir == "" {
		return errors.New("-civplan, -db and -dir are required")
	}
	b := &bench{cfg: c, client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	defer b.stopAll()
	return b.run()
}

// proc is one civplan serve process.
type proc struct {
	name, addr string
	args       []string
	cmd        *exec.Cmd
	up         atomic.Bool // serving (for visibility polls)
	exited     chan struct{}
}

type bench struct {
	cfg      config
	client   *http.Client
	reps     []*proc
	peer     *proc
	haproxy  *exec.Cmd
	lbAddr   string
	token    string
	readyLog readiness
	start    time.Time
	mu       sync.Mutex
	killedAt []time.Time // when r2 was sent SIGKILL (haproxyWrites)
	home     struct {    // where the writer's facilities go: beside an existing welfare home
		div      string
		lon, lat float64
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (b *bench) logf(format string, args ...any) {
	fmt.Printf("[%6.1fs] %s\n", time.Since(b.start).Seconds(), fmt.Sprintf(format, args...))
}

func loadavg() string {
	raw, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func (b *bench) startProc(p *proc) error {
	logf, err := os.OpenFile(filepath.Join(b.cfg.dir, p.name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(b.cfg.civplan, p.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	p.cmd, p.exited = cmd, make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(p.exited) }()
	return nil
}

// waitReady polls /readyz until 200 (or the process exits, or limit).
func (b *bench) waitReady(p *proc, limit time.Duration) (time.Duration, error) {
	t0 := time.Now()
	for time.Since(t0) < limit {
		select {
		case <-p.exited:
			return 0, fmt.Errorf("%s exited while starting; see %s.log", p.name, p.name)
		default:
		}
		if res, err := b.client.Get("http://" + p.addr + "/readyz"); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				p.up.Store(true)
				return time.Since(t0), nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return 0, fmt.Errorf("%s not ready after %v", p.name, limit)
}

func (b *bench) stopAll() {
	for _, p := range append(append([]*proc(nil), b.reps...), b.peer) {
		if p != nil && p.cmd != nil {
			p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.exited:
			case <-time.After(25 * time.Second):
				p.cmd.Process.Kill()
			}
		}
	}
	if b.haproxy != nil {
		b.haproxy.Process.Kill()
		b.haproxy.Wait()
	}
}

func serveArgs(addr, db string) []string {
	return []string{"serve", "--addr", addr, "--db", db, "--rate-limit", "-1", "--open-reads", "true", "--trusted-proxies", "127.0.0.1"}
}

func (b *bench) run() error {
	b.start = time.Now()
	host, _ := os.Hostname()
	fmt.Printf("machine: %s, %d CPUs; load average at start: %s\n", host, numCPU(), loadavg())
	for i := 0; i < b.cfg.replicas; i++ {
		addr := fmt.Sprintf("127.0.0.1:%d", freePort())
		b.reps = append(b.reps, &proc{name: fmt.Sprintf("r%d", i+1), addr: addr, args: serveArgs(addr, b.cfg.db)})
	}
	// PostgreSQL: all at once (the first start seeds under the advisory lock). SQLite: the first
	// alone, since two processes creating one new file race in its first migration.
	for i, p := range b.reps {
		if err := b.startProc(p); err != nil {
			return err
		}
		if i == 0 && kindOf(b.cfg.db) == "SQLite" {
			if _, err := b.waitReady(p, 10*time.Minute); err != nil {
				return err
			}
		}
	}
	for _, p := range b.reps {
		d, err := b.waitReady(p, 10*time.Minute)
		if err != nil {
			return err
		}
		b.logf("%s ready on %s after %v", p.name, p.addr, d.Round(time.Millisecond))
	}
	if err := b.makeToken(); err != nil {
		return err
	}
	if err := b.findHome(); err != nil {
		return err
	}
	if err := b.startHAProxy(); err != nil {
		return err
	}
	if b.cfg.peerDB != "" {
		addr := fmt.Sprintf("127.0.0.1:%d", freePort())
		b.peer = &proc{name: "sqlite-peer", addr: addr, args: serveArgs(addr, b.cfg.peerDB)}
		if err := b.startProc(b.peer); err != nil {
			return err
		}
		if _, err := b.waitReady(b.peer, 10*time.Minute); err != nil {
			return err
		}
		if err := b.compareLatency(); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.readyLog.poll(ctx, b)

	b.logf("phase baseline: %v of wrk -c%d through haproxy, no writer, nothing killed", b.cfg.latency, b.cfg.conns)
	base, err := b.wrk(b.lbAddr, b.cfg.latency, b.cfg.conns)
	if err != nil {
		return err
	}
	baseline := &phaseResult{name: "baseline (no writes)", reads: base, load: loadavg(), errKinds: map[string]int{}}

	var w writer
	when := "at 1/4"
	if b.cfg.kills > 1 {
		when = fmt.Sprintf("%d times, first at 1/4, then evenly until 7/8", b.cfg.kills)
	}
	b.logf("phase kill: %v of wrk -c%d through haproxy + one writer; SIGKILL r2 %s, restart it at once", b.cfg.phase, b.cfg.conns, when)
	kill := b.phase("kill", &w, func() {
		t0 := time.Now()
		for k := 0; k < max(b.cfg.kills, 1); k++ {
			at := b.cfg.phase / 4
			if b.cfg.kills > 1 {
				at += time.Duration(k) * (b.cfg.phase * 5 / 8) / time.Duration(b.cfg.kills-1)
			}
			time.Sleep(time.Until(t0.Add(at)))
			r := b.reps[1]
			r.up.Store(false)
			r.cmd.Process.Signal(syscall.SIGKILL)
			killedAt := time.Now()
			<-r.exited
			b.mu.Lock()
			b.killedAt = append(b.killedAt, killedAt)
			b.mu.Unlock()
			b.logf("r2 killed (SIGKILL, %d of %d, at %s); restarting", k+1, max(b.cfg.kills, 1), killedAt.UTC().Format("15:04:05.000"))
			t1 := time.Now()
			if err := b.startProc(r); err != nil {
				b.logf("restart r2: %v", err)
				return
			}
			if _, err := b.waitReady(r, 5*time.Minute); err != nil {
				b.logf("restart r2: %v", err)
				return
			}
			b.logf("r2 ready again %v after the restart", time.Since(t1).Round(time.Millisecond))
		}
	})
	var restart *phaseResult
	if b.cfg.pgRestart != "" {
		b.logf("phase pg-restart: %v of the same load; PostgreSQL restarted at 1/3", b.cfg.phase)
		restart = b.phase("pg-restart", &w, func() {
			time.Sleep(b.cfg.phase / 3)
			b.logf("restarting PostgreSQL: %s", b.cfg.pgRestart)
			t0 := time.Now()
			out, err := exec.Command("sh", "-c", b.cfg.pgRestart).CombinedOutput()
			b.logf("PostgreSQL restart returned after %v (err %v) %s", time.Since(t0).Round(time.Millisecond), err, strings.TrimSpace(string(out)))
		})
	}
	cancel()
	for _, p := range b.reps {
		if _, err := b.waitReady(p, 2*time.Minute); err != nil {
			return err
		}
	}
	lost, unacked := b.verify(&w)
	dup, err := b.duplicates(&w)
	if err != nil {
		return err
	}

	fmt.Println()
	fmt.Printf("load average at end: %s\n", loadavg())
	for _, r := range []*phaseResult{baseline, kill, restart} {
		if r != nil {
			r.print()
		}
	}
	b.readyLog.print()
	fmt.Printf("acknowledged writes: %d (creates and PATCHes); lost: %d; unacknowledged but committed: %d\n", w.acked(), lost, unacked)
	fmt.Println(dup)
	fmt.Println(b.haproxyWrites())
	return nil
}

func numCPU() int {
	raw, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(raw), "processor\t:")
}

func (b *bench) makeToken() error {
	out, err := exec.Command(b.cfg.civplan, "token", "create", "--name", fmt.Sprintf("bench-%d", time.Now().UnixNano()), "--role", "planner", "--db", b.cfg.db).CombinedOutput()
	if err != nil {
		return fmt.Errorf("token create: %v: %s", err, out)
	}
	m := regexp.MustCompile(`cvp_[A-Za-z0-9_-]+`).Find(out)
	if m == nil {
		return fmt.Errorf("token create printed no secret: %s", out)
	}
	b.token = string(m)
	return nil
}

// findHome picks an existing welfare home in 兴山县 (420526) to place the writer's facilities on.
func (b *bench) findHome() error {
	res, err := b.client.Get("http://" + b.reps[0].addr + "/api/v1/facilities?division=420526&kind=welfare_home&limit=1")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var fc struct {
		Features []struct {
			Geometry struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties struct {
				DivisionCode string `json:"division_code"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.NewDecoder(res.Body).Decode(&fc); err != nil || len(fc.Features) == 0 || len(fc.Features[0].Geometry.Coordinates) < 2 {
		return fmt.Errorf("no welfare home in 420526 to write beside (%v)", err)
	}
	f := fc.Features[0]
	b.home.div, b.home.lon, b.home.lat = f.Properties.DivisionCode, f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]
	return nil
}

// startHAProxy adapts the deploy config: foreground, no chroot/user/socket/syslog, this run's
// ports; it is checked with haproxy -c first.
func (b *bench) startHAProxy() error {
	raw, err := os.ReadFile(b.cfg.haproxyCfg)
	if err != nil {
		return err
	}
	b.lbAddr = fmt.Sprintf("127.0.0.1:%d", freePort())
	var out []string
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && (f[0] == "chroot" || f[0] == "user" || f[0] == "group" || f[0] == "daemon" || (f[0] == "stats" && len(f) > 1 && f[1] == "socket")):
			continue
		case len(f) > 1 && f[0] == "log" && f[1] == "/dev/log": // writes only, to haproxy.log (haproxyWrites)
			line = "    log stdout format raw local0"
		case len(f) == 2 && f[0] == "maxconn" && strings.HasPrefix(line, "    maxconn"): // global: within this shell's open-file limit
			line = "    maxconn 4000"
		case len(f) > 0 && f[0] == "bind" && f[1] == ":80":
			line = "    bind " + b.lbAddr + "\n    http-request set-log-level silent if METH_GET"
		case len(f) > 2 && f[0] == "server":
			i, _ := strconv.Atoi(strings.TrimPrefix(f[1], "r"))
			if i < 1 || i > len(b.reps) {
				continue
			}
			line = "    server " + f[1] + " " + b.reps[i-1].addr
		}
		out = append(out, line)
	}
	cfg := filepath.Join(b.cfg.dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		return err
	}
	if msg, err := exec.Command("haproxy", "-c", "-f", cfg).CombinedOutput(); err != nil {
		return fmt.Errorf("haproxy -c -f %s: %v: %s", cfg, err, msg)
	}
	logf, err := os.Create(filepath.Join(b.cfg.dir, "haproxy.log"))
	if err != nil {
		return err
	}
	b.haproxy = exec.Command("haproxy", "-db", "-f", cfg)
	b.haproxy.Stdout, b.haproxy.Stderr = logf, logf
	if err := b.haproxy.Start(); err != nil {
		return err
	}
	for i := 0; i < 100; i++ {
		if res, err := b.client.Get("http://" + b.lbAddr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				b.logf("haproxy on %s (config %s, checked with haproxy -c)", b.lbAddr, cfg)
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("haproxy did not answer /readyz")
}

// readPaths are the read endpoints wrk cycles through (the Hubei data: 兴山县 420526, 宜昌市 4205).
var readPaths = []string{
	"/api/v1/divisions/420526",
	"/api/v1/divisions/420526/children",
	"/api/v1/locate?lon=110.75&lat=31.34",
	"/api/v1/facilities?division=420526",
	"/api/v1/coverage?kind=mutual_aid_elderly&division=4205",
	"/api/v1/scorecard/420526",
	"/api/v1/gaps?kind=mutual_aid_elderly&division=420526",
	"/tiles/townships/8/206/104.mvt",
}

// wrkScript cycles through readPaths and prints one JSON line of results.
func (b *bench) wrkScript() (string, error) {
	var q []string
	for _, p := range readPaths {
		q = append(q, strconv.Quote(p))
	}
	script := `local paths = {` + strings.Join(q, ", ") + `}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
`
	p := filepath.Join(b.cfg.dir, "reads.lua")
	return p, os.WriteFile(p, []byte(script), 0o644)
}

type wrkResult struct {
	Requests   int   `json:"requests"`
	DurationUS int64 `json:"duration_us"`
	Connect    int   `json:"connect"`
	Read       int   `json:"read"`
	Write      int   `json:"write"`
	Status     int   `json:"status"`
	Timeout    int   `json:"timeout"`
	P50        int64 `json:"p50_us"`
	P99        int64 `json:"p99_us"`
	Max        int64 `json:"max_us"`
}

func (r wrkResult) errors() int { return r.Connect + r.Read + r.Write + r.Status + r.Timeout }
func (r wrkResult) rps() float64 {
	return float64(r.Requests) / (float64(r.DurationUS) / 1e6)
}

func (b *bench) wrk(addr string, d time.Duration, conns int) (wrkResult, error) {
	script, err := b.wrkScript()
	if err != nil {
		return wrkResult{}, err
	}
	out, err := exec.Command("wrk", "-t2", fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%ds", int(d.Seconds())), "--timeout", "10s", "-s", script, "http://"+addr).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %v: %s", err, out)
	}
	i := strings.Index(string(out), "WRKJSON ")
	if i < 0 {
		return wrkResult{}, fmt.Errorf("wrk printed no result: %s", out)
	}
	var r wrkResult
	line := strings.SplitN(string(out[i+len("WRKJSON "):]), "\n", 2)[0]
	return r, json.Unmarshal([]byte(line), &r)
}

// compareLatency runs wrk straight at replica r1 (PostgreSQL when -db is a URL) and at the
// SQLite peer, alternately, twice each, before any write of the bench.
func (b *bench) compareLatency() error {
	b.logf("latency: wrk -t2 -c16 %v on the read mix, r1 (%s) and the SQLite peer alternately, twice each", b.cfg.latency, kindOf(b.cfg.db))
	var rs, ps []wrkResult
	for round := 0; round < 2; round++ {
		for _, target := range []*proc{b.reps[0], b.peer} {
			r, err := b.wrk(target.addr, b.cfg.latency, 16)
			if err != nil {
				return err
			}
			b.logf("  %s: %.0f req/s p50 %.2f ms p99 %.2f ms errors %d (load %s)", target.name, r.rps(), float64(r.P50)/1000, float64(r.P99)/1000, r.errors(), loadavg())
			if target == b.peer {
				ps = append(ps, r)
			} else {
				rs = append(rs, r)
			}
		}
	}
	mean := func(xs []wrkResult, f func(wrkResult) float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += f(x)
		}
		return s / float64(len(xs))
	}
	p50 := func(r wrkResult) float64 { return float64(r.P50) / 1000 }
	p99 := func(r wrkResult) float64 { return float64(r.P99) / 1000 }
	rps := func(r wrkResult) float64 { return r.rps() }
	fmt.Printf("LATENCY %s replica: p50 %.2f ms p99 %.2f ms %.0f req/s | SQLite: p50 %.2f ms p99 %.2f ms %.0f req/s | ratio p50 %.3f p99 %.3f (means of 2 runs)\n",
		kindOf(b.cfg.db), mean(rs, p50), mean(rs, p99), mean(rs, rps), mean(ps, p50), mean(ps, p99), mean(ps, rps),
		mean(rs, p50)/mean(ps, p50), mean(rs, p99)/mean(ps, p99))
	return nil
}

func kindOf(db string) string {
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		return "PostgreSQL"
	}
	return "SQLite"
}

// writer is the one client writing through haproxy: a create, then a PATCH of it, in turn.
type writer struct {
	mu      sync.Mutex
	ackd    map[int64]ack    // facility id → its last acknowledged state
	created map[string]int64 // acknowledged creates: facility name → id
	patched map[int64]int    // acknowledged PATCHes per facility
	n       int              // acknowledged writes
}

type ack struct {
	version int64
	beds    int
}

func (w *writer) acked() int { w.mu.Lock(); defer w.mu.Unlock(); return w.n }

type phaseResult struct {
	name          string
	reads         wrkResult
	writes, wErrs int
	errKinds      map[string]int // logical writes that finally failed, by their last answer
	logical       int            // logical writes attempted (each with its own Idempotency-Key)
	resends       int            // resends of a logical write with the same key
	replays       int            // answers carrying Idempotency-Replayed: true
	attemptErrs   map[string]int // attempts answered by a transport error, 5xx or 409, by kind
	lags          []time.Duration
	wlat          []time.Duration // acknowledged writes' latency through haproxy
	partly        int
	load          string
}

func (r *phaseResult) print() {
	q := func(xs []time.Duration, p float64) time.Duration {
		if len(xs) == 0 {
			return 0
		}
		sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
		return xs[int(p*float64(len(xs)-1))].Round(100 * time.Microsecond)
	}
	fmt.Printf("PHASE %s: reads %d (%.0f/s) errors %d (connect %d read %d write %d status>=400 %d timeout %d), p50 %.2f ms p99 %.2f ms | logical writes %d: acknowledged %d (latency p50 %v p99 %v, resends included), finally failed %d %v; resends %d after %v, replays %d | visible on all live replicas: p50 %v p99 %v max %v over %d writes (%d measured on fewer replicas) | load %s\n",
		r.name, r.reads.Requests, r.reads.rps(), r.reads.errors(), r.reads.Connect, r.reads.Read, r.reads.Write, r.reads.Status, r.reads.Timeout,
		float64(r.reads.P50)/1000, float64(r.reads.P99)/1000, r.logical, r.writes, q(r.wlat, 0.5), q(r.wlat, 0.99), r.wErrs, r.errKinds,
		r.resends, r.attemptErrs, r.replays, q(r.lags, 0.5), q(r.lags, 0.99), q(r.lags, 1), len(r.lags), r.partly, r.load)
}

// phase runs wrk through haproxy and the writer for cfg.phase while event runs.
func (b *bench) phase(name string, w *writer, event func()) *phaseResult {
	res := &phaseResult{name: name, errKinds: map[string]int{}, attemptErrs: map[string]int{}}
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.phase)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		r, err := b.wrk(b.lbAddr, b.cfg.phase, b.cfg.conns)
		if err != nil {
			b.logf("wrk: %v", err)
		}
		res.reads = r
	}()
	go func() { defer wg.Done(); b.write(ctx, name, w, res) }()
	go event()
	wg.Wait()
	res.load = loadavg()
	return res
}

// Resending: a logical write is sent with a fresh Idempotency-Key and, while the answer is a
// transport error, 409 (its key still in flight on a replica), 500, 502, 503 or 504 — whose
// write may or may not have committed — sent again with the same key and body, at most
// maxTries times, 100 ms after the first failure and doubling up to 1 s.
const (
	maxTries     = 10
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = time.Second
)

// retryable reports whether an answer's status leaves the write's fate open (or in flight).
func retryable(code int) bool {
	return code == 409 || code == 500 || code == 502 || code == 503 || code == 504
}

// sent is a logical write's final outcome.
type sent struct {
	status   int // 0: the last attempt had no answer
	header   http.Header
	lastErr  string // the last failed attempt's kind
	tries    int
	replayed bool
}

// send sends one logical write (method, url, body, If-Match when not empty) with key, resending
// it as described above; res counts resends, replays and failed attempts.
func (b *bench) send(method, url, body, ifMatch, key string, res *phaseResult) sent {
	var out sent
	backoff := firstBackoff
	for out.tries = 1; ; out.tries++ {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+b.token)
		req.Header.Set("Idempotency-Key", strconv.Quote(key))
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		r, err := b.client.Do(req)
		kind := ""
		if err != nil {
			kind = "transport"
			b.logf("write %s (key %s) attempt %d: %v", method, key, out.tries, err)
		} else {
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
			out.status, out.header = r.StatusCode, r.Header
			if r.Header.Get("Idempotency-Replayed") == "true" {
				out.replayed = true
				res.replays++
			}
			if !retryable(r.StatusCode) {
				return out
			}
			kind = strconv.Itoa(r.StatusCode)
			b.logf("write %s (key %s) attempt %d: %s", method, key, out.tries, r.Status)
		}
		out.status, out.lastErr = 0, kind
		res.attemptErrs[kind]++
		if out.tries == maxTries {
			return out
		}
		res.resends++
		time.Sleep(backoff)
		if backoff *= 2; backoff > maxBackoff {
			backoff = maxBackoff
		}
	}
}

// write creates a facility and then PATCHes it, in turn, through haproxy, about 20 logical
// writes a second, each with its own Idempotency-Key and resent with it (send); after each
// acknowledgement it times until every live replica serves the new ETag.
func (b *bench) write(ctx context.Context, phase string, w *writer, res *phaseResult) {
	w.mu.Lock()
	if w.ackd == nil {
		w.ackd, w.created, w.patched = map[int64]ack{}, map[string]int64{}, map[int64]int{}
	}
	w.mu.Unlock()
	var probes sync.WaitGroup
	var lagMu sync.Mutex
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var id, version int64
	run := time.Now().UnixNano()
	for n := 0; ctx.Err() == nil; n++ {
		<-tick.C
		beds := n
		key := fmt.Sprintf("bench-%d-%s-%d", run, phase, n)
		method, url, body, ifMatch, name := "POST", "http://"+b.lbAddr+"/api/v1/facilities", "", "", ""
		if id == 0 {
			name = fmt.Sprintf("bench-%s-%d", phase, n)
			body = fmt.Sprintf(`{"kind":"welfare_home","name":%q,"division_code":%q,"lon":%g,"lat":%g,"beds":%d}`, name, b.home.div, b.home.lon, b.home.lat, beds)
		} else {
			method, url = "PATCH", fmt.Sprintf("http://%s/api/v1/facilities/%d", b.lbAddr, id)
			body, ifMatch = fmt.Sprintf(`{"beds":%d}`, beds), strconv.Quote(strconv.FormatInt(version, 10))
		}
		res.logical++
		t0 := time.Now()
		out := b.send(method, url, body, ifMatch, key, res)
		ackAt := time.Now()
		if out.status != 200 && out.status != 201 {
			kind := out.lastErr
			if out.status != 0 {
				kind = strconv.Itoa(out.status)
			}
			b.logf("write %s (key %s) failed after %d tries: %s", method, key, out.tries, kind)
			res.wErrs++
			res.errKinds[kind]++
			id = 0 // start over with a new facility
			continue
		}
		tag := out.header.Get("ETag")
		v, _ := strconv.ParseInt(strings.Trim(tag, `"`), 10, 64)
		if id == 0 {
			loc := out.header.Get("Location")
			id, _ = strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
		}
		version = v
		res.writes++
		res.wlat = append(res.wlat, ackAt.Sub(t0))
		w.mu.Lock()
		w.ackd[id] = ack{version: v, beds: beds}
		if name != "" {
			w.created[name] = id
		} else {
			w.patched[id]++
		}
		w.n++
		w.mu.Unlock()
		probes.Add(1)
		go func(id int64, tag string) {
			defer probes.Done()
			lag, all := b.visible(id, tag, ackAt)
			lagMu.Lock()
			res.lags = append(res.lags, lag)
			if !all {
				res.partly++
			}
			lagMu.Unlock()
		}(id, tag)
		if n%2 == 1 {
			id = 0 // next: a new facility
		}
	}
	probes.Wait()
}

// visible polls every replica that is up until each serves facility id with ETag tag (or
// version later); a replica that goes away meanwhile is left out (all = false).
func (b *bench) visible(id int64, tag string, since time.Time) (time.Duration, bool) {
	want, _ := strconv.ParseInt(strings.Trim(tag, `"`), 10, 64)
	all := true
	var last time.Time
	for _, r := range b.reps {
		if !r.up.Load() {
			all = false
			continue
		}
		for {
			if !r.up.Load() || time.Since(since) > 30*time.Second {
				all = false
				break
			}
			req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/api/v1/facilities/%d", r.addr, id), nil)
			res, err := b.client.Do(req)
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				v, _ := strconv.ParseInt(strings.Trim(res.Header.Get("ETag"), `"`), 10, 64)
				if res.StatusCode == 200 && v >= want {
					if t := time.Now(); t.After(last) {
						last = t
					}
					break
				}
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	return last.Sub(since), all
}

// verify reads every acknowledged facility from every replica: lost = an acknowledged
// version or value not there; unacked = facilities the bench wrote whose outcome it never saw
// but that exist (a write cut off by the kill or the restart, yet committed).
func (b *bench) verify(w *writer) (lost, unacked int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for id, a := range w.ackd {
		for _, r := range b.reps {
			res, err := b.client.Get(fmt.Sprintf("http://%s/api/v1/facilities/%d", r.addr, id))
			if err != nil {
				lost++
				continue
			}
			var f struct {
				Properties struct {
					Beds    int   `json:"beds"`
					Version int64 `json:"version"`
				} `json:"properties"`
			}
			json.NewDecoder(res.Body).Decode(&f)
			res.Body.Close()
			if res.StatusCode != 200 || f.Properties.Version < a.version || (f.Properties.Version == a.version && f.Properties.Beds != a.beds) {
				b.logf("LOST: facility %d acknowledged at version %d beds %d; %s answers %d version %d beds %d", id, a.version, a.beds, r.name, res.StatusCode, f.Properties.Version, f.Properties.Beds)
				lost++
			}
		}
	}
	// Facilities named bench-* that the writer never saw acknowledged.
	res, err := b.client.Get("http://" + b.reps[0].addr + "/api/v1/facilities?division=420526&kind=welfare_home&limit=10000")
	if err == nil {
		var fc struct {
			Features []struct {
				Properties struct {
					ID   int64  `json:"id"`
					Name string `json:"name"`
				} `json:"properties"`
			} `json:"features"`
		}
		json.NewDecoder(res.Body).Decode(&fc)
		res.Body.Close()
		for _, f := range fc.Features {
			if _, ok := w.ackd[f.Properties.ID]; !ok && strings.HasPrefix(f.Properties.Name, "bench-") {
				unacked++
			}
		}
	}
	return lost, unacked
}

// duplicates reads the audit log (civplan audit) and counts the writer's writes applied more
// than once: a create whose facility name has more than one facility.create row (each logical
// create has its own name), a facility with more than one facility.update row (the writer
// PATCHes each of its facilities once), and facilities of the writer that the store holds twice
// under one name. It also checks every acknowledged create has its row.
func (b *bench) duplicates(w *writer) (string, error) {
	rows := func(action string) ([]map[string]json.RawMessage, error) {
		out, err := exec.Command(b.cfg.civplan, "audit", "--db", b.cfg.db, "--action", action, "--format", "jsonl").Output()
		if err != nil {
			return nil, fmt.Errorf("civplan audit --action %s: %v", action, err)
		}
		var es []map[string]json.RawMessage
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l == "" {
				continue
			}
			var e map[string]json.RawMessage
			if err := json.Unmarshal([]byte(l), &e); err != nil {
				return nil, fmt.Errorf("audit line %q: %v", l, err)
			}
			es = append(es, e)
		}
		return es, nil
	}
	creates, err := rows("facility.create")
	if err != nil {
		return "", err
	}
	updates, err := rows("facility.update")
	if err != nil {
		return "", err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	perName := map[string]int{}
	for _, e := range creates {
		var after struct {
			Name string `json:"name"`
		}
		json.Unmarshal(e["after"], &after)
		if strings.HasPrefix(after.Name, "bench-") {
			perName[after.Name]++
		}
	}
	ids := map[int64]bool{}
	for _, id := range w.created {
		ids[id] = true
	}
	perTarget := map[string]int{}
	for _, e := range updates {
		var target string
		json.Unmarshal(e["target"], &target)
		perTarget[target]++
	}
	dupCreates, dupUpdates, missing, patchRows := 0, 0, 0, 0
	for name, n := range perName {
		if n > 1 {
			dupCreates++
			b.logf("DUPLICATE: %d facility.create rows for %s", n, name)
		}
	}
	for name := range w.created {
		if perName[name] == 0 {
			missing++
			b.logf("MISSING: acknowledged create %s has no audit row", name)
		}
	}
	for id := range ids {
		n := perTarget[fmt.Sprintf("facility/%d", id)]
		patchRows += n
		if n > 1 {
			dupUpdates++
			b.logf("DUPLICATE: %d facility.update rows for facility %d", n, id)
		}
		if n < w.patched[id] {
			missing++
			b.logf("MISSING: facility %d: %d acknowledged PATCHes, %d audit rows", id, w.patched[id], n)
		}
	}
	return fmt.Sprintf("DUPLICATES: creates applied twice %d, PATCHes applied twice %d, acknowledged writes without their audit row %d (audit: %d facility.create rows for %d bench names, %d acknowledged creates; %d facility.update rows on the writer's facilities)",
		dupCreates, dupUpdates, missing, sum(perName), len(perName), len(w.created), patchRows), nil
}

// haproxyWrites reads haproxy's log of the writes (GET and HEAD are not logged) and counts
// those haproxy sent to a server more than once (the retries field of the httplog line, "+N"
// when redispatched to another server) and their final status.
func (b *bench) haproxyWrites() string {
	raw, err := os.ReadFile(filepath.Join(b.cfg.dir, "haproxy.log"))
	if err != nil {
		return fmt.Sprintf("HAPROXY: no log (%v)", err)
	}
	// httplog: … %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq …
	counters := regexp.MustCompile(` \d+/\d+/\d+/\d+/(\+?)(\d+) \d+/\d+ `)
	status := regexp.MustCompile(` -?\d+/-?\d+/-?\d+/-?\d+/\+?-?\d+ (\d{3}) `)
	// The request's accept date and its total time Ta: a resent write whose [accept, accept+Ta]
	// spans a SIGKILL of r2 was in flight when a replica died; others arrived after a kill, at a
	// replica haproxy had not yet taken out (a refused connection, resent before idem too).
	accept := regexp.MustCompile(`\[(\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d\.\d{3})\] \S+ \S+ -?\d+/-?\d+/-?\d+/-?\d+/\+?(\d+) `)
	b.mu.Lock()
	kills := append([]time.Time(nil), b.killedAt...)
	b.mu.Unlock()
	writes, retried, inFlight := 0, 0, 0
	var finals []string
	for _, l := range strings.Split(string(raw), "\n") {
		if !strings.Contains(l, `"POST `) && !strings.Contains(l, `"PATCH `) && !strings.Contains(l, `"PUT `) && !strings.Contains(l, `"DELETE `) {
			continue
		}
		writes++
		m := counters.FindStringSubmatch(l)
		if m == nil || m[2] == "0" {
			continue
		}
		retried++
		st := "?"
		if s := status.FindStringSubmatch(l); s != nil {
			st = s[1]
		}
		during := "after a kill"
		if a := accept.FindStringSubmatch(l); a != nil {
			at, err := time.ParseInLocation("02/Jan/2006:15:04:05.000", a[1], time.Local)
			ta, _ := strconv.Atoi(a[2])
			for _, k := range kills {
				if err == nil && !k.Before(at) && !k.After(at.Add(time.Duration(ta)*time.Millisecond)) {
					during = "in flight at a kill"
					inFlight++
				}
			}
		}
		finals = append(finals, fmt.Sprintf("%s%s retries → %s (%s)", m[1], m[2], st, during))
		b.logf("haproxy resent a write: %s", strings.TrimSpace(l))
	}
	return fmt.Sprintf("HAPROXY: %d writes logged, %d sent again by haproxy (%d of them in flight when r2 was killed) %v", writes, retried, inFlight, finals)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// readiness records each replica's /readyz answers every 50 ms: spells of not-ready and why.
type readiness struct {
	mu     sync.Mutex
	spells []spell
}

type spell struct {
	replica  string
	from, to time.Time
	why      string
}

func (rd *readiness) poll(ctx context.Context, b *bench) {
	open := map[string]*spell{}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for ctx.Err() == nil {
		<-t.C
		for _, r := range b.reps {
			why := ""
			res, err := b.client.Get("http://" + r.addr + "/readyz")
			if err != nil {
				why = "down (no answer)"
			} else {
				var p struct {
					Detail string `json:"detail"`
				}
				json.NewDecoder(res.Body).Decode(&p)
				res.Body.Close()
				if res.StatusCode != 200 {
					why = fmt.Sprintf("%d %s", res.StatusCode, p.Detail)
				}
			}
			rd.mu.Lock()
			switch s := open[r.name]; {
			case why != "" && s == nil:
				s = &spell{replica: r.name, from: time.Now(), why: why}
				open[r.name] = s
				rd.spells = append(rd.spells, *s)
				b.logf("%s not ready: %s", r.name, why)
			case why == "" && s != nil:
				for i := range rd.spells {
					if rd.spells[i].replica == r.name && rd.spells[i].from == s.from {
						rd.spells[i].to = time.Now()
						b.logf("%s ready again after %v", r.name, rd.spells[i].to.Sub(s.from).Round(time.Millisecond))
					}
				}
				delete(open, r.name)
			}
			rd.mu.Unlock()
		}
	}
}

func (rd *readiness) print() {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	for _, s := range rd.spells {
		d := "still open"
		if !s.to.IsZero() {
			d = s.to.Sub(s.from).Round(time.Millisecond).String()
		}
		fmt.Printf("NOT-READY %s for %s: %s\n", s.replica, d, s.why)
	}
}
