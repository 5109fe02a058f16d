// Command writes measures civplan's write path (issue 12 "One truth") against a running
// `civplan serve` on the embedded Hubei data:
//
//   - patch: single-facility PATCH latency p50/p99 and acknowledged writes/s with W concurrent
//     writers, each on its own facility (so none conflict), for D seconds;
//   - batch: a N-feature FeatureCollection POSTed as one batch, end to end, while a reader
//     checks the facility count only ever jumps from before to after (atomic visibility);
//   - steady: one writer PATCHing facilities of every kind at a fixed rate (bench/load/underwrites.sh
//     runs it beside wrk to see what writes cost the readers);
//   - follow: writes made by another process (this one, through the store on the same SQLite
//     file, the way `civplan import` writes) and the time until the server's readers see them.
//
// bench/writes/run.sh builds civplan, seeds a database, starts the server and runs this.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/civplan/civplan/data/store"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:18490", "the server")
	token := flag.String("token", "", "a planner token")
	db := flag.String("db", "", "the server's SQLite file (for the follow measurement)")
	writers := flag.Int("writers", 8, "concurrent PATCH writers")
	dur := flag.Duration("duration", 60*time.Second, "how long the PATCH load runs")
	batch := flag.Int("batch", 15000, "features in the batch")
	follows := flag.Int("follows", 200, "writes by another process for the follow measurement")
	only := flag.String("only", "patch,batch,follow", "which measurements to run (patch, batch, follow, steady)")
	rate := flag.Float64("rate", 50, "steady: writes per second offered")
	moveEvery := flag.Int("move-every", 4, "steady: every N-th write moves its facility (0 = never), the others change beds")
	seed := flag.Int64("seed", 1, "steady: which facilities are edited, and how")
	flag.Parse()
	b := &bench{base: *base, token: *token, hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	fmt.Printf("machine: %d CPUs; load average at start: %s\n", numCPU(), loadavg())
	for _, m := range strings.Split(*only, ",") {
		var err error
		switch m {
		case "patch":
			err = b.patch(*writers, *dur)
		case "batch":
			err = b.batch(*batch)
		case "follow":
			err = b.follow(*db, *follows)
		case "steady":
			err = b.steady(*rate, *dur, *moveEvery, *seed)
		default:
			err = fmt.Errorf("unknown measurement %q", m)
		}
		if err != nil {
			log.Fatalf("%s: %v", m, err)
		}
		fmt.Printf("  load average after %s: %s\n", m, loadavg())
	}
}

type bench struct {
	base, token string
	hc          *http.Client
}

func (b *bench) do(method, path, body string, hdr ...string) (int, http.Header, []byte, error) {
	req, err := http.NewRequest(method, b.base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.token != "" {
		req.Header.Set("Authorization", "Bearer "+b.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := b.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, out, err
}

// fc is the part of a FeatureCollection the bench reads.
type fc struct {
	NumberMatched int `json:"numberMatched"`
	Features      []struct {
		ID         int64          `json:"id"`
		Geometry   map[string]any `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
}

func (b *bench) list(query string) (fc, error) {
	var out fc
	code, _, body, err := b.do("GET", "/api/v1/facilities?"+query, "")
	if err != nil {
		return out, err
	}
	if code != 200 {
		return out, fmt.Errorf("GET facilities?%s: %d %.200s", query, code, body)
	}
	return out, json.Unmarshal(body, &out)
}

// patch runs w writers, each PATCHing beds of its own welfare home with the ETag of its last
// answer, for d.
func (b *bench) patch(w int, d time.Duration) error {
	page, err := b.list(fmt.Sprintf("kind=welfare_home&limit=%d", w))
	if err != nil {
		return err
	}
	if len(page.Features) < w {
		return fmt.Errorf("only %d welfare homes", len(page.Features))
	}
	var mu sync.Mutex
	var lat []time.Duration
	perSecond := map[int]int{}
	var errs []error
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := 0; i < w; i++ {
		id := page.Features[i].ID
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := fmt.Sprintf("/api/v1/facilities/%d", id)
			_, h, _, err := b.do("GET", path, "")
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			tag := h.Get("ETag")
			for n := 1; time.Now().Before(deadline); n++ {
				t0 := time.Now()
				code, h, body, err := b.do("PATCH", path, fmt.Sprintf(`{"beds":%d}`, n%500), "If-Match", tag)
				el := time.Since(t0)
				if err != nil || code != 200 {
					mu.Lock()
					errs = append(errs, fmt.Errorf("PATCH %s: %d %v %.200s", path, code, err, body))
					mu.Unlock()
					return
				}
				tag = h.Get("ETag")
				mu.Lock()
				lat = append(lat, el)
				perSecond[int(time.Since(start)/time.Second)]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	total := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	minSec := -1
	for s := 0; s < int(d/time.Second); s++ {
		if minSec < 0 || perSecond[s] < minSec {
			minSec = perSecond[s]
		}
	}
	fmt.Printf("patch: %d writers × %v: %d acknowledged PATCHes, %.0f writes/s (slowest second %d), latency p50 %v p99 %v max %v\n",
		w, d, len(lat), float64(len(lat))/total.Seconds(), minSec, pct(lat, 50), pct(lat, 99), lat[len(lat)-1].Round(time.Microsecond))
	return nil
}

// batch POSTs n new facilities (copies of existing ones under new names, so every point passes
// the placement check) as one FeatureCollection while a reader watches the facility count.
func (b *bench) batch(n int) error {
	var src fc
	after := int64(0)
	for len(src.Features) < n {
		page, err := b.list(fmt.Sprintf("limit=10000&after=%d", after))
		if err != nil {
			return err
		}
		if len(page.Features) == 0 {
			break
		}
		src.Features = append(src.Features, page.Features...)
		after = page.Features[len(page.Features)-1].ID
	}
	before, err := b.list("limit=1")
	if err != nil {
		return err
	}
	stamp := time.Now().Format("150405")
	feats := make([]map[string]any, 0, n)
	for i := 0; i < n; i++ {
		f := src.Features[i%len(src.Features)]
		p := map[string]any{}
		for _, k := range []string{"kind", "division_code", "status", "beds", "floor_area_m2", "opened", "renovated"} {
			if v, ok := f.Properties[k]; ok && v != nil {
				p[k] = v
			}
		}
		p["name"] = fmt.Sprintf("批量测试-%s-%d", stamp, i)
		feats = append(feats, map[string]any{"type": "Feature", "geometry": f.Geometry, "properties": p})
	}
	body, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": feats})
	if err != nil {
		return err
	}
	// The watcher: every count it sees is the one before or the one after, never in between.
	stop := make(chan struct{})
	seen := map[int]int{}
	var watchErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			page, err := b.list("limit=1")
			if err != nil {
				watchErr = err
				return
			}
			seen[page.NumberMatched]++
		}
	}()
	t0 := time.Now()
	code, _, out, err := b.do("POST", "/api/v1/facilities", string(body))
	el := time.Since(t0)
	close(stop)
	wg.Wait()
	if err != nil || code != 200 {
		return fmt.Errorf("batch POST: %d %v %.500s", code, err, out)
	}
	if watchErr != nil {
		return watchErr
	}
	afterPage, err := b.list("limit=1")
	if err != nil {
		return err
	}
	atomic := true
	for c := range seen {
		if c != before.NumberMatched && c != afterPage.NumberMatched {
			atomic = false
		}
	}
	fmt.Printf("batch: %d features (%.1f MB) in one POST: %v end to end; facilities %d → %d; a reader polling meanwhile saw counts %v (atomic: %v)\n",
		n, float64(len(body))/1e6, el.Round(time.Millisecond), before.NumberMatched, afterPage.NumberMatched, seen, atomic)
	if afterPage.NumberMatched != before.NumberMatched+n {
		return fmt.Errorf("count after the batch %d, want %d", afterPage.NumberMatched, before.NumberMatched+n)
	}
	return nil
}

// follow opens the server's database as a second writer and, k times, renames one facility and
// measures from the commit until GET /api/v1/facilities/{id} answers the new name.
func (b *bench) follow(db string, k int) error {
	if db == "" {
		return errors.New("-db is required for follow")
	}
	st, err := store.Open(db)
	if err != nil {
		return err
	}
	defer st.Close()
	page, err := b.list("kind=funeral_home&limit=1")
	if err != nil || len(page.Features) == 0 {
		return fmt.Errorf("no funeral home: %v", err)
	}
	id := page.Features[0].ID
	path := fmt.Sprintf("/api/v1/facilities/%d", id)
	ctx := context.Background()
	var lat []time.Duration
	for i := 0; i < k; i++ {
		name := fmt.Sprintf("殡仪馆-跟随测试-%d-%d", time.Now().UnixNano(), i)
		err := st.Write(ctx, store.CLIActor(), "facility.update", path, func(tx *sql.Tx) (any, any, error) {
			rec, err := store.GetFacility(ctx, tx, id)
			if err != nil {
				return nil, nil, err
			}
			rec.Facility.Name = name
			_, err = st.UpdateFacility(ctx, tx, rec.Facility, 0)
			return nil, rec.Facility, err
		})
		if err != nil {
			return err
		}
		t0 := time.Now()
		for {
			_, _, body, err := b.do("GET", path, "")
			if err != nil {
				return err
			}
			if bytes.Contains(body, []byte(name)) {
				break
			}
			if time.Since(t0) > 10*time.Second {
				return fmt.Errorf("write %d not visible after 10 s", i)
			}
			time.Sleep(2 * time.Millisecond)
		}
		lat = append(lat, time.Since(t0))
		time.Sleep(time.Duration(10+i%40) * time.Millisecond) // spread the writes over the poll phase
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("follow: %d writes by another process on the same file: visible to readers after p50 %v p99 %v max %v\n",
		k, pct(lat, 50), pct(lat, 99), lat[len(lat)-1].Round(time.Microsecond))
	return nil
}

func pct(s []time.Duration, p int) time.Duration {
	if len(s) == 0 {
		return 0
	}
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[i].Round(time.Microsecond)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return bytes.Count(b, []byte("processor\t:"))
}
