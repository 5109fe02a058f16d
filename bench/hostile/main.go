// Command hostile measures how civplan answers hostile requests (issue 14): how long a hostile
// request takes to be answered, how fast a cheap read is answered beside it, and how soon a
// heavy slot is freed after its client goes. It prints Markdown rows; bench/hostile/run.sh
// starts the server. Not part of CI: the numbers depend on the machine and its load.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:18490", "civplan base URL")
	flag.Parse()
	if err := run(*base); err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(1)
	}
}

// hostileCase is one hostile request.
type hostileCase struct {
	name, method, path, body string
}

func exclusions(n int) string {
	var b strings.Builder
	b.WriteString(`{"kind":"mutual_aid_elderly","objective":"mclp","p":50,"radius_m":2000,"exclude":["420526","4228"`)
	for k := 2; k < n; k++ { // codes of townships Hubei does not have
		fmt.Fprintf(&b, `,"420526%03d%03d"`, 300+k/500, 1+k%500)
	}
	b.WriteString(`]}`)
	return b.String()
}

func run(base string) error {
	like := "name LIKE '" + strings.Repeat("%", 3000) + "x'"
	cases := []hostileCase{
		{"siting, province, 100,000 exclusions (1.3 MB)", "POST", "/api/v1/siting", exclusions(100000)},
		{"siting, province, p-center p=2000", "POST", "/api/v1/siting", `{"kind":"mutual_aid_elderly","objective":"pcenter","p":2000}`},
		{"CQL2 LIKE with 3,000 %", "GET", "/ogc/collections/villages/items?limit=1&filter=" + url.QueryEscape(like), ""},
	}
	fmt.Println("| hostile request | status | answered after | cheap reads beside it | cheap read p50 | cheap read max |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	for _, hc := range cases {
		status, took, reads, err := beside(base, hc)
		if err != nil {
			return fmt.Errorf("%s: %w", hc.name, err)
		}
		fmt.Printf("| %s | %d | %s | %d | %s | %s |\n", hc.name, status, ms(took), len(reads), ms(pct(reads, 50)), ms(pct(reads, 100)))
	}
	fmt.Println()
	fmt.Println("| client goes after 1 s | slot freed after the client left (civplan_heavy_abandoned_total +1, polled every 5 ms) |")
	fmt.Println("|---|---:|")
	for _, hc := range cases[1:2] {
		d, err := slotFreed(base, hc)
		if err != nil {
			return fmt.Errorf("%s: %w", hc.name, err)
		}
		fmt.Printf("| %s | %s |\n", hc.name, ms(d))
	}
	return nil
}

// beside sends hc and, while it runs, a cheap read (one division) in a loop; it returns hc's
// status and time to answer and the latencies of the cheap reads.
func beside(base string, hc hostileCase) (int, time.Duration, []time.Duration, error) {
	done := make(chan struct{})
	var mu sync.Mutex
	var reads []time.Duration
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			t0 := time.Now()
			res, err := http.Get(base + "/api/v1/divisions/420526")
			if err != nil {
				continue
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			mu.Lock()
			reads = append(reads, time.Since(t0))
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	t0 := time.Now()
	req, _ := http.NewRequest(hc.method, base+hc.path, strings.NewReader(hc.body))
	if hc.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	took := time.Since(t0)
	close(done)
	wg.Wait()
	if err != nil {
		return 0, took, reads, err // a dropped connection is a failure of the bench
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, took, reads, nil
}

// slotFreed starts hc, gives up after a second, and measures how long the server takes to
// count the computation abandoned (it releases the slot in the same step).
func slotFreed(base string, hc hostileCase) (time.Duration, error) {
	before, err := abandoned(base)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, hc.method, base+hc.path, strings.NewReader(hc.body))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err == nil {
		res.Body.Close()
		return 0, fmt.Errorf("answered (%d) within a second: not a long enough request to measure", res.StatusCode)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		return 0, err
	}
	left := time.Now()
	for time.Since(left) < 2*time.Minute {
		n, err := abandoned(base)
		if err != nil {
			return 0, err
		}
		if n > before {
			return time.Since(left), nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0, errors.New("the computation was not abandoned within 2 minutes")
}

// abandoned sums civplan_heavy_abandoned_total over its labels.
func abandoned(base string) (float64, error) {
	res, err := http.Get(base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var sum float64
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "civplan_heavy_abandoned_total{") {
			f := strings.Fields(line)
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err != nil {
				return 0, err
			}
			sum += v
		}
	}
	return sum, sc.Err()
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s) - 1) * p / 100
	return s[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
