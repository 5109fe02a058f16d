package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/civplan/civplan/data/formats"
	"github.com/civplan/civplan/data/store"
)

func cmdImport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "civplan.db", "SQLite database")
	format := fs.String("format", "", "csv or geojson (default: from the file name)")
	crs := fs.String("crs", "wgs84", "coordinate system of the file: wgs84, gcj02 or bd09")
	replace := fs.Bool("replace", false, "replace existing facilities of the kinds in the file instead of merging")
	if len(args) > 0 && isHelpFlag(args[0]) {
		return helpRequest{fs}
	}
	if len(args) < 1 || (args[0] != "facilities" && args[0] != "divisions") {
		return usageError{"want: civplan import facilities|divisions FILE [flags]"}
	}
	what := args[0]
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{fmt.Sprintf("want exactly one FILE, got %d", len(pos))}
	}
	file := pos[0]
	switch *crs {
	case "wgs84", "gcj02", "bd09":
	default:
		return usageError{fmt.Sprintf("--crs %q: want wgs84, gcj02 or bd09", *crs)}
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := openSeeded(*dbPath, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	tree, err := st.LoadTree()
	if err != nil {
		return err
	}
	opts := store.ImportOptions{Format: *format, CRS: *crs, Replace: *replace, Tree: tree,
		Progress: newBar(stderr, "importing "+filepath.Base(file))}
	actor := store.Actor{Name: "cli"}
	var rep formats.ImportReport
	if what == "facilities" {
		rep, err = st.ImportFacilities(context.Background(), f, filepath.Base(file), opts, actor)
	} else {
		rep, err = st.ImportDivisions(context.Background(), f, filepath.Base(file), opts, actor)
	}
	if err != nil {
		return fmt.Errorf("%s: %w (nothing was imported)", file, err)
	}
	fmt.Fprintf(stdout, "%s: read %d, inserted %d, updated %d, removed %d, located by village %d\n",
		file, rep.Read, rep.Inserted, rep.Updated, rep.Deleted, rep.Derived)
	for _, w := range rep.Warnings {
		fmt.Fprintln(stdout, "warning:", w)
	}
	return nil
}
