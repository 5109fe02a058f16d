package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/dataset/datasettest"
	"github.com/civplan/civplan/data/store"
)

// Four `civplan serve` processes started at the same moment on one new SQLite file all come up,
// the file is seeded once, and every one serves the same snapshot version.
func TestServersStartTogetherOnNewFile(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED under -short: builds the binary and starts four servers")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "civplan")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ds := filepath.Join(dir, "small.json.gz")
	f, err := os.Create(ds)
	if err != nil {
		t.Fatal(err)
	}
	if err := dataset.WriteDataset(f, datasettest.Small()); err != nil {
		t.Fatal(err)
	}
	f.Close()
	db := filepath.Join(dir, "new.db")
	const n = 4
	type result struct {
		base string
		log  string
	}
	results := make(chan result, n)
	cmds := make([]*exec.Cmd, n)
	for i := range cmds {
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--dataset", ds, "--rate-limit", "-1")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
		go func() {
			var log strings.Builder
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				log.WriteString(sc.Text() + "\n")
				if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
					results <- result{base: m[1]}
					for sc.Scan() { // drain
					}
					return
				}
			}
			results <- result{log: log.String()}
		}()
	}
	for _, cmd := range cmds { // as close together as exec allows
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		for _, cmd := range cmds {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
	}()
	var versions []float64
	for range n {
		var r result
		select {
		case r = <-results:
		case <-time.After(2 * time.Minute):
			t.Fatal("a server neither served nor exited within 2 minutes")
		}
		if r.base == "" {
			t.Errorf("a server did not start:\n%s", r.log)
			continue
		}
		res, err := http.Get(r.base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		res.Body.Close()
		v, _ := m["snapshot_version"].(float64)
		versions = append(versions, v)
	}
	for _, v := range versions {
		if v != versions[0] || v != 1 {
			t.Errorf("snapshot versions %v, want all 1 (the seed)", versions)
			break
		}
	}
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seeds, err := st.AuditLog(context.Background(), store.AuditFilter{Action: "seed"})
	if err != nil || len(seeds) != 1 {
		t.Errorf("%d seed audit entries (%v), want 1", len(seeds), err)
	}
}
