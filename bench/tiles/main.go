// Command tiles serves the embedded Hubei dataset in process, fetches every tile of a tileset
// covering Hubei at zooms 5–12 (the "all" tileset by default) and lists the largest, raw and
// gzipped, with the largest per zoom. Usage: go run ./bench/tiles [-tileset all] [-zmin 5] [-zmax 12] [-top 10]
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/web"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

type tileSize struct {
	tile     maptile.Tile
	raw, gz  int
	duration time.Duration
}

func main() {
	tileset := flag.String("tileset", "all", "tileset: a collection id or all")
	zmin := flag.Int("zmin", 5, "lowest zoom")
	zmax := flag.Int("zmax", 12, "highest zoom")
	top := flag.Int("top", 10, "how many of the largest tiles to list")
	flag.Parse()
	if err := run(*tileset, *zmin, *zmax, *top); err != nil {
		fmt.Fprintln(os.Stderr, "bench/tiles:", err)
		os.Exit(1)
	}
}

func run(tileset string, zmin, zmax, top int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "civplan-tiles")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ds, err := dataset.EmbeddedHubei()
	if err != nil {
		return err
	}
	st, err := store.Open(filepath.Join(dir, "hubei.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Seed(ctx, ds, nil); err != nil {
		return err
	}
	srv, err := web.New(st, web.Config{OpenReads: true}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	h := srv.Handler()
	get := func(path string) (int, []byte) {
		req := httptest.NewRequest("GET", path, nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code, w.Body.Bytes()
	}
	code, b := get("/tiles/" + tileset + ".json")
	if code != http.StatusOK {
		return fmt.Errorf("/tiles/%s.json: %d %s", tileset, code, b)
	}
	var tj struct{ Bounds []float64 }
	if err := json.Unmarshal(b, &tj); err != nil || len(tj.Bounds) != 4 {
		return fmt.Errorf("/tiles/%s.json: no bounds (%v)", tileset, err)
	}
	var sizes []tileSize
	start := time.Now()
	for z := zmin; z <= zmax; z++ {
		zz := maptile.Zoom(z)
		lo := maptile.At(orb.Point{tj.Bounds[0], tj.Bounds[3]}, zz)
		hi := maptile.At(orb.Point{tj.Bounds[2], tj.Bounds[1]}, zz)
		for x := lo.X; x <= hi.X; x++ {
			for y := lo.Y; y <= hi.Y; y++ {
				t0 := time.Now()
				code, body := get(fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", tileset, z, x, y))
				dt := time.Since(t0)
				if code == http.StatusNoContent {
					continue
				}
				if code != http.StatusOK {
					return fmt.Errorf("tile %d/%d/%d: %d %s", z, x, y, code, body)
				}
				var gz bytes.Buffer
				zw := gzip.NewWriter(&gz)
				zw.Write(body)
				zw.Close()
				sizes = append(sizes, tileSize{maptile.New(x, y, zz), len(body), gz.Len(), dt})
			}
		}
	}
	sort.Slice(sizes, func(i, j int) bool { return sizes[i].raw > sizes[j].raw })
	fmt.Printf("%d non-empty tiles of %s at z%d–%d in %v\n", len(sizes), tileset, zmin, zmax, time.Since(start).Round(time.Millisecond))
	fmt.Printf("%-16s %10s %10s %10s\n", "tile z/x/y", "raw KB", "gzip KB", "encode")
	for i := 0; i < top && i < len(sizes); i++ {
		s := sizes[i]
		fmt.Printf("%-16s %10.1f %10.1f %10v\n", fmt.Sprintf("%d/%d/%d", s.tile.Z, s.tile.X, s.tile.Y), float64(s.raw)/1024, float64(s.gz)/1024, s.duration.Round(time.Millisecond))
		if err := printLayers(get, tileset, s.tile); err != nil {
			return err
		}
	}
	fmt.Println("largest per zoom:")
	for z := zmin; z <= zmax; z++ {
		for _, s := range sizes { // sorted by size: the first of each zoom is its largest
			if int(s.tile.Z) == z {
				fmt.Printf("  z%-2d %-16s %8.1f KB raw %8.1f KB gzip\n", z, fmt.Sprintf("%d/%d/%d", s.tile.Z, s.tile.X, s.tile.Y), float64(s.raw)/1024, float64(s.gz)/1024)
				break
			}
		}
	}
	return nil
}

// printLayers prints each layer's feature count and encoded size in a tile.
func printLayers(get func(string) (int, []byte), tileset string, t maptile.Tile) error {
	_, body := get(fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", tileset, t.Z, t.X, t.Y))
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		return fmt.Errorf("tile %d/%d/%d: %w", t.Z, t.X, t.Y, err)
	}
	sort.Slice(layers, func(i, j int) bool { return len(layers[i].Features) > len(layers[j].Features) })
	line := "    "
	for _, l := range layers {
		b, err := mvt.Marshal(mvt.Layers{l})
		if err != nil {
			return err
		}
		line += fmt.Sprintf("%s %d (%.0f KB) ", l.Name, len(l.Features), float64(len(b))/1024)
	}
	fmt.Println(line)
	return nil
}
