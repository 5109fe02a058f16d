package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/civplan/civplan/data/store"
)

// memoHost is the Host every request of these tests names, so that next links of two servers
// (at different test addresses) are the same bytes.
const memoHost = "civplan.test"

// plainTransport asks for no compression itself: a test sees exactly what it asked for.
var plainTransport = &http.Transport{DisableCompression: true}

// raw GETs (or HEADs) path from ts with Host memoHost and returns status, headers and the body
// as sent (gzip is not undone).
func raw(t *testing.T, ts *httptest.Server, method, path string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, ts.URL+path, nil)
	req.Host = memoHost
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := plainTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// gunzip undoes gzip or fails the test.
func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	return out
}

// uncachedPeer serves e's store from a second server with the encoded-answer cache off.
func uncachedPeer(t *testing.T, e *testEnv) (*Server, *httptest.Server) {
	t.Helper()
	srv, err := New(e.store, Config{OpenReads: true, RatePerSec: -1, AnswerCacheBytes: -1}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if srv.encoded != nil {
		t.Fatal("AnswerCacheBytes -1 still made a cache")
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return srv, ts
}

var memoPaths = []string{
	"/api/v1/divisions/420526",
	"/api/v1/divisions/42",
	"/api/v1/divisions/420526100201?crs=gcj02",
	"/api/v1/divisions/420526/children",
	"/api/v1/divisions/420526/children?geometry=seat&crs=bd09",
	"/api/v1/facilities?division=4205",
	"/api/v1/facilities?division=4205&limit=1",
	"/api/v1/facilities?limit=1&division=4205&after=1", // order of parameters differs from the next link's
	"/api/v1/facilities?kind=mutual_aid_elderly&status=operating,planned",
	"/api/v1/facilities?bbox=110.1,31.1,110.5,31.9&crs=gcj02",
	"/api/v1/gaps?kind=mutual_aid_elderly&division=420526", // streamed on a miss, then kept
}

// compareWithUncached checks that every memoPaths answer of the cached server — its first (a
// miss), its second (a hit), gzipped or not — is byte for byte the answer of a server without
// the cache, and that each carries an ETag that a conditional GET answers with 304.
func compareWithUncached(t *testing.T, cached, plain *httptest.Server) {
	t.Helper()
	for _, p := range memoPaths {
		code, _, want := raw(t, plain, "GET", p)
		if code != 200 {
			t.Fatalf("%s uncached: %d %s", p, code, want)
		}
		for i := 0; i < 2; i++ {
			code, h, got := raw(t, cached, "GET", p)
			if code != 200 || !bytes.Equal(got, want) {
				t.Errorf("%s call %d: status %d, %d bytes differ from the uncached %d bytes", p, i, code, len(got), len(want))
			}
			if h.Get("Content-Type") != geoJSONType {
				t.Errorf("%s: Content-Type %q", p, h.Get("Content-Type"))
			}
			if i == 0 {
				continue // possibly a miss: a streamed answer has no ETag
			}
			if h.Get("ETag") == "" {
				t.Errorf("%s: no ETag on the second call", p)
			}
			code, hz, gz := raw(t, cached, "GET", p, "Accept-Encoding", "gzip")
			if hz.Get("Content-Encoding") == "gzip" {
				gz = gunzip(t, gz)
			}
			if code != 200 || !bytes.Equal(gz, want) {
				t.Errorf("%s gzip call %d: status %d, %d bytes differ from the uncached %d bytes", p, i, code, len(gz), len(want))
			}
			if len(want) >= gzipMinBytes && (hz.Get("Content-Encoding") != "gzip" || hz.Get("ETag") == h.Get("ETag")) {
				t.Errorf("%s gzip: Content-Encoding %q, ETag %q (plain %q)", p, hz.Get("Content-Encoding"), hz.Get("ETag"), h.Get("ETag"))
			}
			if code, _, b := raw(t, cached, "GET", p, "If-None-Match", `"x", `+h.Get("ETag")); code != 304 || len(b) != 0 {
				t.Errorf("%s If-None-Match: %d with %d bytes, want 304 and none", p, code, len(b))
			}
			if code, _, b := raw(t, cached, "GET", p, "Accept-Encoding", "gzip", "If-None-Match", hz.Get("ETag")); code != 304 || len(b) != 0 {
				t.Errorf("%s gzip If-None-Match: %d with %d bytes, want 304 and none", p, code, len(b))
			}
			if code, hh, b := raw(t, cached, "HEAD", p); code != 200 || len(b) != 0 || hh.Get("ETag") != h.Get("ETag") || hh.Get("Content-Length") != h.Get("Content-Length") {
				t.Errorf("%s HEAD: %d, %d bytes, ETag %q/%q, length %q/%q", p, code, len(b), hh.Get("ETag"), h.Get("ETag"), hh.Get("Content-Length"), h.Get("Content-Length"))
			}
		}
	}
}

// Cached answers are the uncached answers byte for byte, before and after writes: a write
// through the API, a facility import by another process (the server steps its snapshot when it
// follows the change log) and a division import (a full reload). Old ETags stop matching once
// the answer changed; answers of kinds no write touched stay cached.
func TestEncodedAnswersMatchUncachedAcrossWrites(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true, RatePerSec: -1})
	plainSrv, plain := uncachedPeer(t, e)
	compareWithUncached(t, e.ts, plain)
	if n, _ := e.srv.encoded.stats(); n != len(memoPaths) {
		t.Errorf("cache holds %d answers, want %d", n, len(memoPaths))
	}
	_, h0, before := raw(t, e.ts, "GET", "/api/v1/facilities?division=4205")
	mutualKey := "http://" + memoHost + "/api/v1/facilities?kind=mutual_aid_elderly&status=operating%2Cplanned"
	if e.srv.encoded.get(mutualKey, e.srv.current()) == nil {
		t.Fatalf("no cached answer under %s", mutualKey)
	}

	// 1. a welfare-home write through this server's API
	ctx := context.Background()
	tok, _, _ := e.store.CreateToken(ctx, "p", store.RolePlanner)
	if code, _, m := e.do(t, "PATCH", "/api/v1/facilities/1", `{"beds":77}`, "Authorization", "Bearer "+tok, "If-Match", e.etagOf(t, 1)); code != 200 {
		t.Fatalf("patch: %d %v", code, m)
	}
	if err := plainSrv.Reload(); err != nil {
		t.Fatal(err)
	}
	_, h1, after := raw(t, e.ts, "GET", "/api/v1/facilities?division=4205")
	if bytes.Equal(before, after) || !bytes.Contains(after, []byte(`"beds":77`)) {
		t.Errorf("facility page after the write is stale: %s", after)
	}
	if code, _, _ := raw(t, e.ts, "GET", "/api/v1/facilities?division=4205", "If-None-Match", h0.Get("ETag")); code != 200 {
		t.Errorf("the ETag of the answer before the write still gets %d", code)
	}
	if h1.Get("ETag") == h0.Get("ETag") {
		t.Error("ETag did not change with the answer")
	}
	if e.srv.encoded.get(mutualKey, e.srv.current()) == nil {
		t.Error("a welfare-home write dropped the cached mutual-aid answer")
	}
	if e.srv.encoded.get("http://"+memoHost+"/api/v1/divisions/420526?", e.srv.current()) == nil {
		t.Error("a facility write dropped a cached division answer")
	}
	compareWithUncached(t, e.ts, plain)

	// 2. another process imports a mutual-aid site; both servers follow the change log
	csv := "kind,name,division_code,lon,lat\nmutual_aid_elderly,另一进程导入点,420526101201,110.75,31.35\n"
	if _, err := e.store.ImportFacilities(ctx, strings.NewReader(csv), "f.csv", store.ImportOptions{}, store.CLIActor()); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Server{e.srv, plainSrv} {
		if err := s.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	if e.srv.encoded.get(mutualKey, e.srv.current()) != nil {
		t.Error("a mutual-aid import kept the stale mutual-aid answer")
	}
	_, _, imported := raw(t, e.ts, "GET", "/api/v1/facilities?kind=mutual_aid_elderly&status=operating,planned")
	if !bytes.Contains(imported, []byte("另一进程导入点")) {
		t.Errorf("the followed import is missing from the answer: %s", imported)
	}
	compareWithUncached(t, e.ts, plain)

	// 3. a division import by another process: a new epoch, every answer recomputed
	_, _, divBefore := raw(t, e.ts, "GET", "/api/v1/divisions/420526100201?crs=gcj02")
	dcsv := "code,name,total,age60,age65\n420526100201,古夫村村民委员会,1357,331,261\n"
	if _, err := e.store.ImportDivisions(ctx, strings.NewReader(dcsv), "d.csv", store.ImportOptions{}, store.CLIActor()); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Server{e.srv, plainSrv} {
		if err := s.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	_, _, divAfter := raw(t, e.ts, "GET", "/api/v1/divisions/420526100201?crs=gcj02")
	if bytes.Equal(divBefore, divAfter) || !bytes.Contains(divAfter, []byte("1357")) {
		t.Errorf("division answer after the import is stale: %s", divAfter)
	}
	compareWithUncached(t, e.ts, plain)
}

// The cache stays within its byte cap, dropping the least recently used answers.
func TestEncodedCacheBounded(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true, RatePerSec: -1, AnswerCacheBytes: 8 << 10})
	for i := 1; i <= 4; i++ {
		for _, p := range []string{"/api/v1/facilities?limit=" + itoa(int64(i)), "/api/v1/divisions/420526", "/api/v1/divisions/420526/children?geometry=seat"} {
			if code, _, b := raw(t, e.ts, "GET", p); code != 200 {
				t.Fatalf("%s: %d %s", p, code, b)
			}
		}
		if n, b := e.srv.encoded.stats(); b > 12<<10 || n == 0 {
			t.Fatalf("after round %d: %d answers, %d bytes (cap %d)", i, n, b, 12<<10)
		}
	}
	// the division answer was used in every round: it is still there; the first page is gone
	snap := e.srv.current()
	if e.srv.encoded.get("http://"+memoHost+"/api/v1/divisions/420526?", snap) == nil {
		t.Error("the most recently used answer was evicted")
	}
	if e.srv.encoded.get("http://"+memoHost+"/api/v1/facilities?limit=1", snap) != nil {
		t.Error("the least recently used answer is still held past the cap")
	}
}

// Readers of cached answers racing with writes: one ETag always names one body (per
// encoding), every body parses, and once the writes are done the answer shows the last one.
func TestEncodedAnswersUnderConcurrentWrites(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true, RatePerSec: -1})
	ctx := context.Background()
	tok, _, _ := e.store.CreateToken(ctx, "p", store.RolePlanner)
	const path = "/api/v1/facilities?division=4205"
	var mu sync.Mutex
	seen := map[string]string{} // ETag → body
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				hdr := []string{}
				if (i+r)%2 == 0 {
					hdr = []string{"Accept-Encoding", "gzip"}
				}
				code, h, b := raw(t, e.ts, "GET", path, hdr...)
				if h.Get("Content-Encoding") == "gzip" {
					b = gunzip(t, b)
				}
				if code != 200 || !json.Valid(b) {
					t.Errorf("reader: %d, valid JSON %v", code, json.Valid(b))
					return
				}
				if tag := h.Get("ETag"); tag != "" {
					mu.Lock()
					if old, ok := seen[tag]; ok && old != string(b) {
						t.Errorf("ETag %s names two bodies", tag)
					}
					seen[tag] = string(b)
					mu.Unlock()
				}
			}
		}(r)
	}
	for i := 1; i <= 10; i++ {
		body := fmt.Sprintf(`{"beds":%d}`, 100+i)
		if code, _, m := e.do(t, "PATCH", "/api/v1/facilities/1", body, "Authorization", "Bearer "+tok, "If-Match", e.etagOf(t, 1)); code != 200 {
			t.Fatalf("patch %d: %d %v", i, code, m)
		}
	}
	close(stop)
	wg.Wait()
	if _, _, b := raw(t, e.ts, "GET", path); !bytes.Contains(b, []byte(`"beds":110`)) {
		t.Errorf("after the writes the page does not show the last one: %.300s", b)
	}
	if len(seen) < 2 {
		t.Errorf("readers saw %d ETags across 10 writes", len(seen))
	}
}
