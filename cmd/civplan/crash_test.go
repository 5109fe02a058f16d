package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The crash test (issue 8 "Durability"): a real civplan server process takes facility
// creates/patches/deletes, scenario saves and plan saves from concurrent clients and is killed
// with SIGKILL at a random moment; after a restart every write that was acknowledged (2xx
// received) must be there, nothing half-written may exist and PRAGMA integrity_check must say
// ok. It runs only when CIVPLAN_CRASH_RUNS is set (make crash-short: 5 runs; bench/crash/run.sh:
// 50 or more), because it builds the binary and seeds a database from the embedded data.

// crashServer is one running civplan serve process.
type crashServer struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT
	log  *bytes.Buffer
	mu   *sync.Mutex
}

var servingLine = regexp.MustCompile(`civplan serving (http://\S+)`)

// startServer runs bin serve on db at a free loopback port and waits until /readyz answers 200.
func startServer(t *testing.T, bin, db string) *crashServer {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--rate-limit", "-1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	s := &crashServer{cmd: cmd, log: &bytes.Buffer{}, mu: &sync.Mutex{}}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if m := servingLine.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
			s.mu.Lock()
			if s.log.Len() < 1<<20 {
				s.log.WriteString(line + "\n")
			}
			s.mu.Unlock()
		}
	}()
	select {
	case s.base = <-addr:
	case <-time.After(120 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("server on %s did not start in 120 s; log:\n%s", db, s.logText())
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			s.kill()
			t.Fatalf("server on %s not ready in 60 s; log:\n%s", db, s.logText())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *crashServer) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// kill sends SIGKILL and reaps the process.
func (s *crashServer) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
}

// stop sends SIGTERM (graceful shutdown) and waits for the exit.
func (s *crashServer) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("server exit after SIGTERM: %v; log tail:\n%s", err, tail(s.logText(), 2000))
		}
	case <-time.After(60 * time.Second):
		s.kill()
		t.Error("server did not stop within 60 s of SIGTERM")
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// ackedFacility is what a client was told about a facility by the last 2xx answer: the
// change-log version of that write (its ETag; for a delete, at least the patch's version + 1).
type ackedFacility struct {
	version int64
	beds    int
	deleted bool
}

// ledger holds every acknowledged write of one run.
type ledger struct {
	mu         sync.Mutex
	facilities map[int64]ackedFacility
	scenarios  map[int64]string // id → name
	plans      map[int64]string
	acks       int
}

func (l *ledger) facility(id int64, a ackedFacility) {
	l.mu.Lock()
	l.facilities[id] = a
	l.acks++
	l.mu.Unlock()
}

// client sends requests with a planner token.
type crashClient struct {
	base, token string
	hc          *http.Client
}

func (c *crashClient) do(ctx context.Context, method, path, body string, hdr ...string) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil { // the answer was cut: not acknowledged
		return 0, nil, nil, err
	}
	return res.StatusCode, res.Header, b, nil
}

func etagVersion(h http.Header) (int64, bool) {
	v, err := strconv.ParseInt(strings.Trim(h.Get("ETag"), `"`), 10, 64)
	return v, err == nil
}

// facilityWorker creates facilities in 兴山县古夫镇, patches each and deletes every other one,
// recording each acknowledged step; it stops at the first transport error (the server died).
func facilityWorker(ctx context.Context, t *testing.T, c *crashClient, l *ledger, tag string, rng *rand.Rand) {
	for n := 0; ctx.Err() == nil; n++ {
		body := fmt.Sprintf(`{"kind":"welfare_home","name":"崩溃测试-%s-%d","division_code":"420526101","lon":%.5f,"lat":%.5f}`,
			tag, n, 110.74+rng.Float64()*0.02, 31.33+rng.Float64()*0.02)
		code, h, b, err := c.do(ctx, "POST", "/api/v1/facilities", body)
		if err != nil {
			return
		}
		if code != 201 {
			t.Errorf("create: %d %s", code, b)
			return
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(h.Get("Location"), "/api/v1/facilities/"), 10, 64)
		v1, ok := etagVersion(h)
		if err != nil || !ok || v1 <= 0 {
			t.Errorf("create answer without id or ETag: %v", h)
			return
		}
		l.facility(id, ackedFacility{version: v1})
		beds := 1 + rng.IntN(50)
		code, h, b, err = c.do(ctx, "PATCH", fmt.Sprintf("/api/v1/facilities/%d", id), fmt.Sprintf(`{"beds":%d}`, beds), "If-Match", h.Get("ETag"))
		if err != nil {
			return
		}
		v2, ok := etagVersion(h)
		if code != 200 || !ok || v2 <= v1 {
			t.Errorf("patch facility %d: %d %v (after %d) %s", id, code, h.Get("ETag"), v1, b)
			return
		}
		l.facility(id, ackedFacility{version: v2, beds: beds})
		if n%2 == 1 {
			code, _, b, err = c.do(ctx, "DELETE", fmt.Sprintf("/api/v1/facilities/%d", id), "", "If-Match", h.Get("ETag"))
			if err != nil {
				return
			}
			if code != 204 {
				t.Errorf("delete facility %d: %d %s", id, code, b)
				return
			}
			l.facility(id, ackedFacility{version: v2 + 1, beds: beds, deleted: true})
		}
	}
}

// savedID reads the "id" of a saved scenario ({"scenario":{"id":…}}) or plan ({"id":…}).
func savedID(b []byte) int64 {
	var m struct {
		ID       int64 `json:"id"`
		Scenario struct {
			ID int64 `json:"id"`
		} `json:"scenario"`
	}
	json.Unmarshal(b, &m)
	if m.Scenario.ID != 0 {
		return m.Scenario.ID
	}
	return m.ID
}

// scenarioWorker saves scenario drafts (a rename of 古夫镇), one after another.
func scenarioWorker(ctx context.Context, t *testing.T, c *crashClient, l *ledger, tag string) {
	for n := 0; ctx.Err() == nil; n++ {
		name := fmt.Sprintf("崩溃测试方案-%s-%d", tag, n)
		code, _, b, err := c.do(ctx, "POST", "/api/v1/scenarios", fmt.Sprintf(`{"name":%q,"ops":[{"op":"rename","unit":"420526101","name":"新古夫镇"}]}`, name))
		if err != nil {
			return
		}
		id := savedID(b)
		if code != 201 || id == 0 {
			t.Errorf("scenario save: %d %.300s", code, b)
			return
		}
		l.mu.Lock()
		l.scenarios[id] = name
		l.acks++
		l.mu.Unlock()
		// Pause: every save bumps the store version, and each facility answer then rebuilds the
		// snapshot; back-to-back saves would leave the facility writers little time.
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// planWorker saves siting plans (2 mutual-aid sites in 兴山县); each takes about a second of CPU,
// so it saves at most two per run.
func planWorker(ctx context.Context, t *testing.T, c *crashClient, l *ledger, tag string) {
	for n := 0; n < 2 && ctx.Err() == nil; n++ {
		name := fmt.Sprintf("崩溃测试规划-%s-%d", tag, n)
		body := fmt.Sprintf(`{"name":%q,"siting":{"kind":"mutual_aid_elderly","division":"420526","radius_m":1000,"mode":"radius","objective":"mclp","p":2}}`, name)
		code, _, b, err := c.do(ctx, "POST", "/api/v1/plans", body)
		if err != nil {
			return
		}
		id := savedID(b)
		if code != 201 || id == 0 {
			t.Errorf("plan save: %d %.300s", code, b)
			return
		}
		l.mu.Lock()
		l.plans[id] = name
		l.acks++
		l.mu.Unlock()
	}
}

// crashCheck opens db after the restart and compares it with the ledger: it returns the number
// of acknowledged writes lost and whether integrity_check said ok; inconsistencies are test errors.
func crashCheck(t *testing.T, db string, l *ledger) (lost int, integrityOK bool) {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+db+"?_query_only=1")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var ic string
	if err := conn.QueryRow("PRAGMA integrity_check").Scan(&ic); err != nil {
		t.Fatal(err)
	}
	integrityOK = ic == "ok"
	if !integrityOK {
		t.Errorf("integrity_check: %s", ic)
	}
	for id, a := range l.facilities {
		var version int64
		var beds int
		var deleted bool
		err := conn.QueryRow("SELECT version, beds, deleted_at IS NOT NULL FROM facilities WHERE id = ?", id).Scan(&version, &beds, &deleted)
		switch {
		case err == sql.ErrNoRows:
			t.Errorf("acknowledged facility %d is missing", id)
			lost++
		case err != nil:
			t.Fatal(err)
		case version < a.version:
			t.Errorf("facility %d at version %d, but version %d was acknowledged", id, version, a.version)
			lost++
		case a.deleted && !deleted:
			t.Errorf("facility %d: its delete was acknowledged, but it is live", id)
			lost++
		case version == a.version && (beds != a.beds || deleted != a.deleted):
			t.Errorf("facility %d version %d: beds %d deleted %v, acknowledged beds %d deleted %v", id, version, beds, deleted, a.beds, a.deleted)
			lost++
		}
	}
	for table, m := range map[string]map[int64]string{"scenarios": l.scenarios, "plans": l.plans} {
		for id, name := range m {
			var got string
			if err := conn.QueryRow("SELECT name FROM "+table+" WHERE id = ?", id).Scan(&got); err != nil || got != name {
				t.Errorf("acknowledged %s %d (%s): %q %v", table, id, name, got, err)
				lost++
			}
		}
	}
	// Nothing partial: each committed write left its audit entry and its history rows.
	for _, q := range []struct{ what, a, b string }{
		{"registry facilities vs facility.create audit entries",
			"SELECT count(*) FROM facilities WHERE name LIKE '崩溃测试-%'",
			"SELECT count(*) FROM audit_log WHERE action = 'facility.create'"},
		// The change log: one entry per committed write, numbered 1 … n without gaps, each
		// holding its audit entries, and every facility at the version of an entry naming it.
		{"change-log entries vs the write counter", "SELECT count(*) FROM change_log", "SELECT n FROM write_version"},
		{"last change-log version vs the write counter", "SELECT coalesce(max(version), 0) FROM change_log", "SELECT n FROM write_version"},
		{"audit entries vs the audit entries the change log names",
			"SELECT count(*) FROM audit_log", "SELECT coalesce(sum(json_array_length(actions)), 0) FROM change_log"},
		{"facilities at a version without a change-log entry",
			"SELECT count(*) FROM facilities f WHERE NOT EXISTS (SELECT 1 FROM change_log c WHERE c.version = f.version)", "SELECT 0"},
		{"test facilities whose last change-log entry does not name them",
			"SELECT count(*) FROM facilities f WHERE f.name LIKE '崩溃测试-%' AND NOT EXISTS (SELECT 1 FROM change_log c, json_each(c.facility_ids) j WHERE c.version = f.version AND j.value = f.id)", "SELECT 0"},
		{"history rows vs update/delete audit entries",
			"SELECT count(*) FROM facility_history h JOIN facilities f ON f.id = h.facility_id WHERE f.name LIKE '崩溃测试-%'",
			"SELECT count(*) FROM audit_log WHERE action IN ('facility.update', 'facility.delete')"},
		{"deleted facilities vs delete audit entries",
			"SELECT count(*) FROM facilities WHERE name LIKE '崩溃测试-%' AND deleted_at IS NOT NULL",
			"SELECT count(*) FROM audit_log WHERE action = 'facility.delete'"},
		{"scenarios vs scenario.create audit entries", "SELECT count(*) FROM scenarios", "SELECT count(*) FROM audit_log WHERE action = 'scenario.create'"},
		{"plans vs plan.create audit entries", "SELECT count(*) FROM plans", "SELECT count(*) FROM audit_log WHERE action = 'plan.create'"},
		{"planned facilities without their plan",
			"SELECT count(*) FROM facilities f LEFT JOIN plans p ON p.id = f.plan_id WHERE f.plan_id IS NOT NULL AND p.id IS NULL", "SELECT 0"},
		{"history rows with a version that is not below the facility's",
			"SELECT count(*) FROM facility_history h JOIN facilities f ON f.id = h.facility_id WHERE h.version >= f.version", "SELECT 0"},
	} {
		var a, b int64
		if err := conn.QueryRow(q.a).Scan(&a); err != nil {
			t.Fatalf("%s: %v", q.what, err)
		}
		if err := conn.QueryRow(q.b).Scan(&b); err != nil {
			t.Fatalf("%s: %v", q.what, err)
		}
		if a != b {
			t.Errorf("partial write: %s: %d vs %d", q.what, a, b)
		}
	}
	return lost, integrityOK
}

// readyVersion is the snapshot version /readyz reports.
func readyVersion(t *testing.T, base string) int64 {
	t.Helper()
	res, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r struct {
		Version int64 `json:"snapshot_version"`
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil || res.StatusCode != 200 {
		t.Fatalf("readyz: %d %v", res.StatusCode, err)
	}
	return r.Version
}

// lastLogVersion is the last committed change-log version of db.
func lastLogVersion(t *testing.T, db string) int64 {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+db+"?_query_only=1")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var v int64
	if err := conn.QueryRow("SELECT coalesce(max(version), 0) FROM change_log").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCrashKill9(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv("CIVPLAN_CRASH_RUNS"))
	if runs <= 0 {
		t.Skip("set CIVPLAN_CRASH_RUNS=N to run the kill -9 crash test (make crash-short, bench/crash/run.sh)")
	}
	maxMS := 4000
	if v, err := strconv.Atoi(os.Getenv("CIVPLAN_CRASH_MAX_MS")); err == nil && v > 500 {
		maxMS = v
	}
	seed := time.Now().UnixNano()
	if s, err := strconv.ParseInt(os.Getenv("CIVPLAN_CRASH_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (CIVPLAN_CRASH_SEED reproduces the kill moments)", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 8))
	dir := t.TempDir()
	bin := filepath.Join(dir, "civplan")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// Seed once (the embedded Hubei data), stop cleanly, make a planner token; each run copies it.
	seedDB := filepath.Join(dir, "seed.db")
	startServer(t, bin, seedDB).stop(t)
	out, err := exec.Command(bin, "token", "create", "--name", "crash", "--role", "planner", "--db", seedDB).CombinedOutput()
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, out)
	}
	lines := strings.Fields(strings.TrimSpace(string(out)))
	token := lines[len(lines)-1]
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(seedDB + suffix); err == nil {
			t.Fatalf("seed database left a %s file after a clean stop", suffix)
		}
	}

	var acked, lostTotal, intOK int
	for run := 0; run < runs; run++ {
		db := filepath.Join(dir, fmt.Sprintf("run%d.db", run))
		copyFile(t, seedDB, db)
		srv := startServer(t, bin, db)
		l := &ledger{facilities: map[int64]ackedFacility{}, scenarios: map[int64]string{}, plans: map[int64]string{}}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
		c := &crashClient{base: srv.base, token: token, hc: hc}
		for w := 0; w < 2; w++ {
			wg.Add(1)
			wrng := rand.New(rand.NewPCG(rng.Uint64(), uint64(w)))
			go func() { defer wg.Done(); facilityWorker(ctx, t, c, l, fmt.Sprintf("%d.%d", run, w), wrng) }()
		}
		wg.Add(2)
		go func() { defer wg.Done(); scenarioWorker(ctx, t, c, l, strconv.Itoa(run)) }()
		go func() { defer wg.Done(); planWorker(ctx, t, c, l, strconv.Itoa(run)) }()
		// Kill at a random moment between 0.5 s and maxMS into the writes.
		killAfter := 500*time.Millisecond + time.Duration(rng.Int64N(int64(time.Duration(maxMS-500)*time.Millisecond)))
		time.Sleep(killAfter)
		srv.kill()
		wg.Wait()
		cancel()
		hc.CloseIdleConnections()
		if t.Failed() {
			t.Fatalf("run %d: client errors before the kill; server log tail:\n%s", run, tail(srv.logText(), 3000))
		}
		// Restart: the server must recover the database and serve at the last committed
		// change-log version; then stop it and inspect.
		srv = startServer(t, bin, db)
		snapVersion := readyVersion(t, srv.base)
		for id, a := range l.facilities {
			res, err := http.Get(fmt.Sprintf("%s/api/v1/facilities/%d", srv.base, id))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if !a.deleted && a.version == 1 && res.StatusCode != 200 {
				t.Errorf("run %d: restarted server answers %d for acknowledged facility %d", run, res.StatusCode, id)
			}
			break
		}
		srv.stop(t)
		if logVersion := lastLogVersion(t, db); snapVersion != logVersion {
			t.Errorf("run %d: restarted server serves snapshot version %d, the last committed log version is %d", run, snapVersion, logVersion)
		}
		lost, ok := crashCheck(t, db, l)
		acked += l.acks
		lostTotal += lost
		if ok {
			intOK++
		}
		t.Logf("run %d: killed after %v: %d acknowledged writes (%d to %d facilities, %d scenarios, %d plans), lost %d, integrity ok %v",
			run, killAfter.Round(time.Millisecond), l.acks, l.acks-len(l.scenarios)-len(l.plans), len(l.facilities), len(l.scenarios), len(l.plans), lost, ok)
		os.Remove(db)
		if t.Failed() {
			break
		}
	}
	t.Logf("runs=%d acknowledged=%d lost=%d integrity_ok=%d", runs, acked, lostTotal, intOK)
	if acked == 0 {
		t.Error("no write was acknowledged before any kill: the test proved nothing")
	}
}
