package web

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestUIFiles checks that the embedded planner web map is served without a token even when
// reads need one, with the right types, ETags and 404s, and that the page refers only to
// files it is served with (nothing from another host).
func TestUIFiles(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: false})
	fetch := func(path string, hdr ...string) (int, http.Header, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", e.ts.URL+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, b
	}
	for _, tc := range []struct {
		path, ctype string
		status      int
		file        string // the UI file (ui/src or ui/vendor) whose bytes the answer must be
	}{
		{"/", "text/html; charset=utf-8", 200, "index.html"},
		{"/ui/app.js", "text/javascript; charset=utf-8", 200, "app.js"},
		{"/ui/maplibre-gl.js", "text/javascript; charset=utf-8", 200, "maplibre-gl.js"},
		{"/ui/maplibre-gl.css", "text/css; charset=utf-8", 200, "maplibre-gl.css"},
		{"/favicon.ico", "image/svg+xml", 200, "favicon.svg"},
		{"/ui/favicon.svg", "image/svg+xml", 200, "favicon.svg"},
		{"/ui/nope.js", "application/problem+json", 404, ""},
		{"/ui/../go.mod", "application/problem+json", 404, ""},
		{"/ui/", "application/problem+json", 404, ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			status, h, body := fetch(tc.path)
			if status != tc.status {
				t.Fatalf("status %d, want %d", status, tc.status)
			}
			if got := h.Get("Content-Type"); !strings.HasPrefix(got, tc.ctype) {
				t.Errorf("Content-Type %q, want %q", got, tc.ctype)
			}
			if tc.file == "" {
				return
			}
			want, err := os.ReadFile("ui/src/" + tc.file)
			if os.IsNotExist(err) {
				want, err = os.ReadFile("ui/vendor/" + tc.file)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(body, want) {
				t.Fatalf("body is not UI file %s (%d vs %d bytes)", tc.file, len(body), len(want))
			}
			etag := h.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			if status, _, b := fetch(tc.path, "If-None-Match", etag); status != http.StatusNotModified || len(b) != 0 {
				t.Errorf("If-None-Match: status %d with %d bytes, want 304 and none", status, len(b))
			}
		})
	}
	// Reads stay closed: the page is public, the API behind it is not.
	if status, _, _ := fetch("/api/v1/divisions/42"); status != http.StatusUnauthorized {
		t.Errorf("API read without a token: %d, want 401", status)
	}

	// The page loads only same-origin files: every src/href is a local path.
	_, _, page := fetch("/")
	for _, attr := range []string{`src="`, `href="`} {
		for rest := string(page); ; {
			i := strings.Index(rest, attr)
			if i < 0 {
				break
			}
			rest = rest[i+len(attr):]
			url := rest[:strings.IndexByte(rest, '"')]
			if !strings.HasPrefix(url, "/") && !strings.HasPrefix(url, "#") || strings.HasPrefix(url, "//") {
				t.Errorf("index.html refers to %q, not a path on this server", url)
			}
		}
	}
}
