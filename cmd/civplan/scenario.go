package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/civplan/civplan/data/formats"
	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/facilities/assess"
)

const scenarioUsage = `want: civplan scenario create --file SCENARIO.json | list | show ID |
       impact ID|--file F|--replay CHANGES.csv [--format json|geojson|csv|xlsx] [--out FILE] |
       report ID|--file F|--replay CHANGES.csv --out REPORT.html
       (impact/report also take --kind K1,K2 --mode M --elderly age60|age65 --seat-growth-m M; all take --db civplan.db)`

// cmdScenario manages division-adjustment scenarios: create, list, show, impact, report.
func cmdScenario(args []string, stdout, stderr io.Writer) error {
	if len(args) < 1 {
		return usageError{scenarioUsage}
	}
	fs := flag.NewFlagSet("scenario", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "civplan.db", dbFlagHelp)
	file := fs.String("file", "", "a scenario as JSON (name, status, approval_date, notes, inputs, ops)")
	replay := fs.String("replay", "", "a code change list (code,level,change,name_2022,name_2023,…) to replay on the current tree")
	format := fs.String("format", "json", "impact: json, geojson, csv or xlsx (csv/xlsx: the code table)")
	out := fs.String("out", "", "write to this file instead of standard output")
	kinds := fs.String("kind", "", "facility kinds to report, comma-separated (default: every kind)")
	mode := fs.String("mode", "", "coverage mode: jurisdiction (default), radius or radius_in_jurisdiction")
	elderly := fs.String("elderly", "", "age60 (default) or age65")
	growth := fs.Float64("seat-growth-m", 0, "flag villages whose seat distance grows by more than this (m; default 5000)")
	if isHelpFlag(args[0]) {
		return helpRequest{fs}
	}
	switch args[0] {
	case "create", "list", "show", "impact", "report":
	default:
		return usageError{fmt.Sprintf("unknown scenario command %q; %s", args[0], scenarioUsage)}
	}
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	ctx := context.Background()
	st, err := openSeeded(*dbPath, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	switch args[0] {
	case "create":
		if *file == "" || len(pos) != 0 {
			return usageError{"scenario create needs --file SCENARIO.json"}
		}
		sc, err := readScenarioFile(*file)
		if err != nil {
			return err
		}
		an, err := st.LoadAnalyzer()
		if err != nil {
			return err
		}
		if _, err := assess.Evaluate(an.Tree(), an.Registry().All(), sc, assess.Options{Impact: facilities.ImpactOptions{Base: an}}); err != nil {
			return scenarioErr(err)
		}
		sc.Author = store.CLIActor().Name
		saved, err := st.CreateScenario(ctx, store.CLIActor(), sc)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created scenario %d %q (%d operations, status %s)\n", saved.ID, saved.Name, len(saved.Ops), saved.Status)
		return nil
	case "list":
		list, err := st.Scenarios(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tOPS\tAUTHOR\tUPDATED\tAPPROVED")
		for _, s := range list {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", s.ID, s.Name, s.Status, len(s.Ops), s.Author, s.Updated.Format("2006-01-02 15:04"), orDash(s.ApprovalDate))
		}
		return tw.Flush()
	case "show":
		sc, err := storedScenario(ctx, st, pos)
		if err != nil {
			return err
		}
		return writeOutput(*out, stdout, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(sc)
		})
	case "impact", "report":
	default:
		return usageError{fmt.Sprintf("unknown scenario subcommand %q; %s", args[0], scenarioUsage)}
	}
	// impact and report: evaluate a stored scenario, a file or a replay.
	if args[0] == "report" && *out == "" {
		return usageError{"scenario report needs --out REPORT.html"}
	}
	switch *format {
	case "json", "geojson", "csv", "xlsx":
	default:
		return usageError{fmt.Sprintf("--format %q: want json, geojson, csv or xlsx", *format)}
	}
	an, err := st.LoadAnalyzer()
	if err != nil {
		return err
	}
	meta, err := st.Meta()
	if err != nil {
		return err
	}
	opt := assess.Options{Vintages: meta.Vintages, Impact: facilities.ImpactOptions{Base: an, Mode: facilities.Mode(*mode),
		Elderly: facilities.Elderly(*elderly), SeatGrowthM: *growth}}
	if *kinds != "" {
		for _, k := range splitComma(*kinds) {
			ki, err := facilities.ParseKind(k)
			if err != nil {
				return usageError{"--kind: " + err.Error()}
			}
			opt.Impact.Kinds = append(opt.Impact.Kinds, ki.Kind)
		}
	}
	var ev *assess.Evaluation
	switch {
	case *replay != "":
		f, err := os.Open(*replay)
		if err != nil {
			return err
		}
		defer f.Close()
		ev, err = assess.EvaluateReplay(an.Tree(), an.Registry().All(), f, "区划代码变更回放："+*replay, opt)
		if err != nil {
			return scenarioErr(err)
		}
	case *file != "":
		sc, err := readScenarioFile(*file)
		if err != nil {
			return err
		}
		if ev, err = assess.Evaluate(an.Tree(), an.Registry().All(), sc, opt); err != nil {
			return scenarioErr(err)
		}
	default:
		sc, err := storedScenario(ctx, st, pos)
		if err != nil {
			return err
		}
		if ev, err = assess.Evaluate(an.Tree(), an.Registry().All(), sc, opt); err != nil {
			return scenarioErr(err)
		}
	}
	if args[0] == "report" {
		return writeOutput(*out, stdout, ev.WriteHTML)
	}
	return writeOutput(*out, stdout, func(w io.Writer) error {
		switch *format {
		case "geojson":
			return json.NewEncoder(w).Encode(ev.GeoJSON())
		case "csv":
			return formats.WriteTableCSV(w, ev.CodeTable())
		case "xlsx":
			return formats.WriteTableXLSX(w, ev.CodeTable())
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(ev)
	})
}

// scenarioErr makes a scenario's own mistakes usage errors (exit 2) naming the operation.
func scenarioErr(err error) error {
	if errors.Is(err, assess.ErrInvalid) {
		return usageError{err.Error()}
	}
	return err
}

func storedScenario(ctx context.Context, st store.Handle, pos []string) (divisions.Scenario, error) {
	if len(pos) != 1 {
		return divisions.Scenario{}, usageError{"give one scenario ID (or --file / --replay)"}
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return divisions.Scenario{}, usageError{fmt.Sprintf("scenario ID %q is not a positive number", pos[0])}
	}
	sc, err := st.Scenario(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return sc, fmt.Errorf("no scenario with ID %d", id)
	}
	return sc, err
}

// readScenarioFile reads a scenario JSON file (unknown fields are errors).
func readScenarioFile(path string) (divisions.Scenario, error) {
	var sc divisions.Scenario
	b, err := os.ReadFile(path)
	if err != nil {
		return sc, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		return sc, usageError{fmt.Sprintf("%s: not a scenario: %v", path, err)}
	}
	if sc.Name == "" {
		return sc, usageError{fmt.Sprintf("%s: the scenario needs a name", path)}
	}
	if sc.Status, err = divisions.ParseScenarioStatus(sc.Status); err != nil {
		return sc, usageError{fmt.Sprintf("%s: %v", path, err)}
	}
	return sc, nil
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
