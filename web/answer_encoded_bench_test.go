package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkHeavyReads times the heavy read endpoints in-process (handler and middleware, no
// network) on the embedded Hubei data, with the encoded-answer cache and without it:
//
//	go test -run '^$' -bench HeavyReads -benchtime 2s ./web/
func BenchmarkHeavyReads(b *testing.B) {
	_, srv, _ := hubeiEnv(b)
	plain, err := New(srv.store, Config{OpenReads: true, RatePerSec: -1, AnswerCacheBytes: -1}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	cached, err := New(srv.store, Config{OpenReads: true, RatePerSec: -1}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range []struct{ name, path string }{
		{"division", "/api/v1/divisions/420526"},
		{"children", "/api/v1/divisions/420526/children"},
		{"facilities", "/api/v1/facilities?division=4205"},
		{"coverage", "/api/v1/coverage?kind=mutual_aid_elderly&division=4205"},
	} {
		for _, s := range []struct {
			name string
			srv  *Server
		}{{"uncached", plain}, {"cached", cached}} {
			for _, gz := range []bool{false, true} {
				name := p.name + "/" + s.name
				if gz {
					name += "/gzip"
				}
				b.Run(name, func(b *testing.B) {
					h := s.srv.Handler()
					req := httptest.NewRequest("GET", p.path, nil)
					req.RemoteAddr = "127.0.0.1:1"
					if gz {
						req.Header.Set("Accept-Encoding", "gzip")
					}
					b.ReportAllocs()
					for b.Loop() {
						w := httptest.NewRecorder()
						h.ServeHTTP(w, req)
						if w.Code != http.StatusOK {
							b.Fatalf("%s: %d", p.path, w.Code)
						}
					}
				})
			}
		}
	}
}
