// Command build-dataset builds civplan's embedded Hubei dataset from the public source files in
// the repository (data/sources/hubei, see its README).
//
//	go run ./cmd/build-dataset [-src data/sources/hubei] [-out data/dataset/embedded/hubei.json.gz]
//
// Relative paths are resolved from the repository root (the directory holding go.mod).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/dataset/hubeibuild"
)

func main() {
	src := flag.String("src", "data/sources/hubei", "directory of the Hubei source files (relative to the repository root)")
	out := flag.String("out", "data/dataset/embedded/hubei.json.gz", "output file (relative to the repository root)")
	flag.Parse()
	if err := run(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "build-dataset:", err)
		os.Exit(1)
	}
}

func run(src, out string) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if !filepath.IsAbs(src) {
		src = filepath.Join(root, src)
	}
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	ds, _, err := hubeibuild.Build(src, os.Stderr)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".hubei-*.json.gz")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := dataset.WriteDataset(tmp, ds); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return err
	}
	fi, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%.2f MB): %d divisions, %d facilities\n", out, float64(fi.Size())/1e6, len(ds.Divisions), len(ds.Facilities))
	return nil
}

// repoRoot walks up from the working directory to the directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found above the working directory: run inside the civplan repository")
		}
		dir = parent
	}
}
