package web

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"regexp"
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
		{"/ui/main.js", "text/javascript; charset=utf-8", 200, "main.js"},
		{"/ui/panels/siting.js", "text/javascript; charset=utf-8", 200, "panels/siting.js"},
		{"/ui/i18n/zh.json", "application/json", 200, "i18n/zh.json"},
		{"/ui/i18n/en.json", "application/json", 200, "i18n/en.json"},
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
	if !bytes.Contains(page, []byte(`<script type="module" src="/ui/main.js">`)) {
		t.Error("index.html does not load /ui/main.js as a module")
	}
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

// TestUIModules follows the page's ES module graph from main.js: every module a module imports
// (relative specifiers only, no bundler) is served as JavaScript, and every module in ui/src is
// reached, so no file is dead or missing.
func TestUIModules(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: false})
	importRE := regexp.MustCompile(`(?m)^\s*import\s+(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]`)
	seen := map[string]bool{}
	queue := []string{"main.js"}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		res, err := http.Get(e.ts.URL + "/ui/" + name)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
			t.Errorf("/ui/%s: %d %s, want 200 text/javascript", name, res.StatusCode, res.Header.Get("Content-Type"))
			continue
		}
		for _, m := range importRE.FindAllSubmatch(body, -1) {
			spec := string(m[1])
			if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") {
				t.Errorf("%s imports %q: only relative module paths are served", name, spec)
				continue
			}
			queue = append(queue, path.Join(path.Dir(name), spec))
		}
	}
	err := fs.WalkDir(os.DirFS("ui/src"), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".js") && !seen[p] {
			t.Errorf("ui/src/%s is not imported from main.js", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 10 {
		t.Errorf("only %d modules reached from main.js", len(seen))
	}
}
