package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeReplica answers /readyz and /healthz with 200; writes either get 201 (counted) or, when
// dies is set, a closed connection without an answer (a replica killed mid-request).
type fakeReplica struct {
	dies   bool
	writes atomic.Int64 // writes that reached it
}

func (f *fakeReplica) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == "GET" {
		w.WriteHeader(200)
		return
	}
	f.writes.Add(1)
	if f.dies {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	w.WriteHeader(201)
}

// deploy/haproxy.cfg resends a write that carries an Idempotency-Key to another replica when the
// first closes the connection without an answer, and does not resend one without a key: run
// haproxy (Debian's, as `make test` installs it) with the file, its ports and foreground mode
// only changed, in front of a replica that dies on every write and one that answers.
func TestDeployHAProxyResendsOnlyKeyedWrites(t *testing.T) {
	dying, good := &fakeReplica{dies: true}, &fakeReplica{}
	r1, r2 := httptest.NewServer(dying), httptest.NewServer(good)
	defer r1.Close()
	defer r2.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lb := ln.Addr().String()
	ln.Close()
	raw, err := os.ReadFile("../../deploy/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && (f[0] == "chroot" || f[0] == "user" || f[0] == "group" || f[0] == "daemon" || f[0] == "log" ||
			(f[0] == "stats" && len(f) > 1 && f[1] == "socket")):
			continue
		case len(f) == 2 && f[0] == "maxconn" && strings.HasPrefix(line, "    maxconn"):
			line = "    maxconn 200"
		case len(f) > 1 && f[0] == "bind" && f[1] == ":80":
			line = "    bind " + lb
		case len(f) > 2 && f[0] == "server" && f[1] == "r1":
			line = "    server r1 " + strings.TrimPrefix(r1.URL, "http://")
		case len(f) > 2 && f[0] == "server" && f[1] == "r2":
			line = "    server r2 " + strings.TrimPrefix(r2.URL, "http://")
		case len(f) > 2 && f[0] == "server":
			continue
		}
		out = append(out, line)
	}
	cfg := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("haproxy", "-db", "-f", cfg)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("haproxy: %v", err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	// No keep-alive: Go's client itself resends a keyed request that failed on a reused
	// connection (net/http treats Idempotency-Key as replayable); here only haproxy may resend.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := 0; ; i++ {
		if res, err := client.Get("http://" + lb + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if i == 100 {
			t.Fatalf("haproxy on %s did not answer /readyz:\n%s", lb, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// post answers the status, or -1 when haproxy closed the connection without one.
	post := func(key string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+lb+"/api/v1/facilities", strings.NewReader(`{"name":"x"}`))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Logf("POST through haproxy (key %q): %v", key, err)
			return -1
		}
		res.Body.Close()
		return res.StatusCode
	}
	// Round robin sends about every other request to the dying replica.
	for i := 0; i < 8; i++ {
		if code := post(fmt.Sprintf("key-%d", i)); code != 201 {
			t.Errorf("keyed POST %d: %d, want 201 (resent to the replica that answers)", i, code)
		}
	}
	died, answered := dying.writes.Load(), good.writes.Load()
	if died == 0 || answered != 8 {
		t.Fatalf("keyed POSTs: %d reached the dying replica, %d the good one; want some and 8", died, answered)
	}
	codes := map[int]int{}
	for i := 0; i < 8; i++ {
		codes[post("")]++
	}
	diedPlain, answeredPlain := dying.writes.Load()-died, good.writes.Load()-answered
	if diedPlain == 0 || int64(codes[201]) != answeredPlain || int64(codes[502]+codes[-1]) != diedPlain || codes[201]+codes[502]+codes[-1] != 8 {
		t.Fatalf("POSTs without a key: answers %v (-1: connection closed); %d reached the dying replica, %d the good one; want each that reached the dying one failed, not resent", codes, diedPlain, answeredPlain)
	}
	t.Logf("keyed: %d of 8 first sent to the dying replica, all answered 201; without a key: %v (-1: connection closed)", died, codes)
}
