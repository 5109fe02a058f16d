package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"sync"
	"time"
)

// steadyKinds are the kinds the steady writer edits: every facility kind of the embedded data.
var steadyKinds = []string{"welfare_home", "regional_care_center", "disability_care_center", "mutual_aid_elderly",
	"community_service_center", "public_cemetery", "funeral_home", "marriage_registry"}

// steadyTarget is one facility the steady writer edits: its id, position and last ETag.
type steadyTarget struct {
	id       int64
	lon, lat float64
	etag     string
	busy     bool
}

// steady PATCHes facilities of every kind across the province at rate writes per second for d
// (open loop: a write is started every 1/rate s whatever the answers take, at most 32 in
// flight). Every moveEvery-th write moves its facility by up to 0.001° (≈ 100 m) and back on
// its next move, the others change beds. Prints acknowledged writes, the rate achieved and the
// latency p50/p99; failures are counted, not fatal.
func (b *bench) steady(rate float64, d time.Duration, moveEvery int, seed int64) error {
	if rate <= 0 {
		return fmt.Errorf("rate %v: want > 0 writes/s", rate)
	}
	var targets []*steadyTarget
	for _, k := range steadyKinds {
		page, err := b.list("kind=" + k + "&limit=200")
		if err != nil {
			return err
		}
		for _, f := range page.Features {
			c, _ := f.Geometry["coordinates"].([]any)
			if len(c) != 2 {
				continue
			}
			lon, _ := c[0].(float64)
			lat, _ := c[1].(float64)
			v, _ := f.Properties["version"].(float64)
			targets = append(targets, &steadyTarget{id: f.ID, lon: lon, lat: lat, etag: `"` + strconv.FormatInt(int64(v), 10) + `"`})
		}
	}
	if len(targets) == 0 {
		return fmt.Errorf("no facilities to edit")
	}
	rng := rand.New(rand.NewSource(seed))
	var mu sync.Mutex
	var lat []time.Duration
	fails := map[string]int{}
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	start := time.Now()
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	skipped := 0
	for n := 1; time.Since(start) < d; n++ {
		<-tick.C
		mu.Lock()
		t := targets[rng.Intn(len(targets))]
		if t.busy {
			mu.Unlock()
			skipped++
			continue
		}
		t.busy = true
		body := fmt.Sprintf(`{"beds":%d}`, rng.Intn(200))
		if moveEvery > 0 && n%moveEvery == 0 {
			t.lon += (rng.Float64()*2 - 1) * 0.001
			t.lat += (rng.Float64()*2 - 1) * 0.001
			body = fmt.Sprintf(`{"lon":%.7f,"lat":%.7f}`, t.lon, t.lat)
		}
		tag := t.etag
		mu.Unlock()
		select {
		case sem <- struct{}{}:
		default:
			mu.Lock()
			t.busy = false
			fails["32 in flight: skipped"]++
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			path := fmt.Sprintf("/api/v1/facilities/%d", t.id)
			t0 := time.Now()
			code, h, out, err := b.do("PATCH", path, body, "If-Match", tag)
			el := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			t.busy = false
			switch {
			case err != nil:
				fails["transport"]++
			case code == 200:
				t.etag = h.Get("ETag")
				lat = append(lat, el)
			case code == 412:
				fails["412"]++
				var f struct {
					Properties map[string]any `json:"properties"`
				}
				if c, _, g, err := b.do("GET", path, ""); err == nil && c == 200 && json.Unmarshal(g, &f) == nil {
					if v, ok := f.Properties["version"].(float64); ok {
						t.etag = `"` + strconv.FormatInt(int64(v), 10) + `"`
					}
				}
			default:
				fails[strconv.Itoa(code)]++
				_ = out
			}
		}()
	}
	wg.Wait()
	total := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("steady: %.0f writes/s offered for %v over %d facilities of %d kinds (every %d-th a move of ≤ 0.001°, else beds): %d acknowledged (%.1f/s), latency p50 %v p99 %v; failed %v; skipped (facility busy) %d\n",
		rate, d, len(targets), len(steadyKinds), moveEvery, len(lat), float64(len(lat))/total.Seconds(), pct(lat, 50), pct(lat, 99), fails, skipped)
	return nil
}
