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
	"github.com/civplan/civplan/divisions"
)

func cmdImport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "civplan.db", dbFlagHelp)
	format := fs.String("format", "", "csv or geojson (default: from the file name)")
	crs := fs.String("crs", "", "coordinate system of the file: wgs84, gcj02 or bd09 (default wgs84; coordinates that look like GCJ-02 are refused unless the CRS is given)")
	replace := fs.Bool("replace", false, "the file is the whole registry of its scope: facilities there that no row matches are removed")
	scope := fs.String("scope", "", "with --replace: the division code whose facilities (of the kinds in the file) the file replaces, e.g. 42 (default: each kind × county present in the file)")
	dryRun := fs.Bool("dry-run", false, "check the file and print what would be removed, inserted and updated; write nothing")
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
	case "", "wgs84", "gcj02", "bd09":
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
	opts := store.ImportOptions{Format: *format, CRS: *crs, Replace: *replace, DryRun: *dryRun, Tree: tree,
		Progress: newBar(stderr, "importing "+filepath.Base(file))}
	if *scope != "" {
		if opts.Scope, err = divisions.ParseCode(*scope); err != nil {
			return usageError{fmt.Sprintf("--scope %q: %v", *scope, err)}
		}
	}
	if what == "facilities" {
		opts.Plan = func(rep formats.ImportReport) { printImportPlan(stdout, file, rep, *dryRun) }
	}
	actor := store.Actor{Name: "cli"}
	var rep formats.ImportReport
	if what == "facilities" {
		rep, err = st.ImportFacilities(context.Background(), f, filepath.Base(file), opts, actor)
	} else {
		if *dryRun || *scope != "" {
			return usageError{"--dry-run and --scope apply to facilities imports"}
		}
		rep, err = st.ImportDivisions(context.Background(), f, filepath.Base(file), opts, actor)
	}
	if err != nil {
		return importError(stderr, file, err)
	}
	if rep.DryRun {
		fmt.Fprintf(stdout, "%s: dry run, nothing written\n", file)
	} else {
		fmt.Fprintf(stdout, "%s: read %d, inserted %d, updated %d, unchanged %d, removed %d; placed at their village's point %d, registered where their point lies %d\n",
			file, rep.Read, rep.Inserted, rep.Updated, rep.Unchanged, rep.Deleted, rep.Derived, rep.Located)
	}
	for _, w := range rep.Warnings {
		fmt.Fprintln(stdout, "warning:", w)
	}
	return nil
}

// printImportPlan prints what a facilities import is about to commit (or, in a dry run, would).
func printImportPlan(w io.Writer, file string, rep formats.ImportReport, dry bool) {
	verb := "will"
	if dry {
		verb = "would"
	}
	fmt.Fprintf(w, "%s: %s remove %d, insert %d, update %d (unchanged %d)\n", file, verb, rep.Deleted, rep.Inserted, rep.Updated, rep.Unchanged)
	for _, c := range rep.ReplaceScope {
		fmt.Fprintf(w, "  replacing %s\n", c)
	}
}

// importError prints each bad row of a failed import on its own line (row and field first, the
// value as typed) and returns the one-line summary the command exits with.
func importError(stderr io.Writer, file string, err error) error {
	var lines []string
	bad := 0
	var walk func(e error, inJoin bool)
	walk = func(e error, inJoin bool) {
		if re, ok := e.(*formats.RowError); ok {
			lines, bad = append(lines, re.Error()), bad+1
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x, true)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap(), inJoin)
		default:
			if inJoin {
				lines = append(lines, e.Error())
			}
		}
	}
	walk(err, false)
	if bad <= 1 {
		return fmt.Errorf("%s: %w (nothing was imported)", file, err)
	}
	for _, l := range lines {
		fmt.Fprintf(stderr, "%s: %s\n", file, l)
	}
	return fmt.Errorf("%s: %d bad rows listed above (nothing was imported)", file, bad)
}
