package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/civplan/civplan/data/formats"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

func cmdCoverage(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("coverage", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "civplan.db", dbFlagHelp)
	kind := fs.String("kind", "", "facility kind, e.g. mutual_aid_elderly (required)")
	division := fs.String("division", "", "division code (short or 12-digit); default: everything")
	mode := fs.String("mode", "", "jurisdiction (default), radius or radius_in_jurisdiction")
	radius := fs.String("radius-m", "", "service radius in metres (default: the kind's)")
	groupBy := fs.String("group-by", "", "report per prefecture, county, township or village")
	rural := fs.Bool("rural", false, "only villages with a rural ur_code (2xx); unknown ones are counted apart")
	elderly := fs.String("elderly", "age60", "age60 or age65")
	detour := fs.String("detour", "", `detour factors: "1.3", "suggested" or "4228:1.5,429021:1.6"`)
	format := fs.String("format", "csv", "csv, xlsx, json or geojson (geojson: one point per village with covered/uncovered)")
	villages := fs.Bool("villages", false, "list every village instead of the aggregates (coverage, accessibility)")
	report := fs.String("report", "coverage", "coverage, gaps (uncovered villages, elderly first), clusters, scorecard (needs --division) or accessibility (bed-based kinds)")
	method := fs.String("method", "2sfca", "accessibility method: 2sfca or e2sfca")
	out := fs.String("out", "", "write to this file instead of standard output (written whole, or not at all)")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	switch *report {
	case "coverage", "gaps", "clusters", "accessibility":
		if *kind == "" {
			return usageError{"--kind is required (e.g. --kind mutual_aid_elderly)"}
		}
	case "scorecard":
		if *division == "" {
			return usageError{"--report scorecard needs --division"}
		}
	default:
		return usageError{fmt.Sprintf("--report %q: want coverage, gaps, clusters, scorecard or accessibility", *report)}
	}
	switch *format {
	case "csv", "xlsx", "json", "geojson":
	default:
		return usageError{fmt.Sprintf("--format %q: want csv, xlsx, json or geojson", *format)}
	}
	bar := newBar(stderr, "coverage")
	bar(0, 3)
	st, err := openSeeded(*dbPath, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	an, err := st.LoadAnalyzer()
	if err != nil {
		return err
	}
	bar(1, 3)
	p := facilities.Params{Kind: facilities.Kind(*kind), Mode: facilities.Mode(*mode), RuralOnly: *rural}
	if *division != "" {
		if p.Division, err = divisions.ParseCode(*division); err != nil {
			return usageError{"--division: " + err.Error()}
		}
	}
	if p.RadiusM, err = facilities.ParseRadius(*radius, an.Config().MaxRadiusM); err != nil {
		return usageError{err.Error()}
	}
	if *groupBy != "" {
		if p.GroupBy, err = divisions.ParseLevel(*groupBy); err != nil {
			return usageError{"--group-by: " + err.Error()}
		}
	}
	if p.Elderly, err = facilities.ParseElderly(*elderly); err != nil {
		return usageError{err.Error()}
	}
	if p.Detour, p.DetourDefault, err = facilities.ParseDetour(*detour, an.Config()); err != nil {
		return usageError{err.Error()}
	}
	res, err := analyse(an, *report, p, facilities.Method(*method), *villages)
	if err != nil {
		if facilities.IsParamError(err) || facilities.IsNotFound(err) {
			return usageError{err.Error()}
		}
		return err
	}
	bar(2, 3)
	return writeOutput(*out, stdout, func(w io.Writer) error {
		defer bar(3, 3)
		switch *format {
		case "xlsx":
			return formats.WriteTableXLSX(w, res.table)
		case "json":
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(res.value)
		case "geojson":
			if res.villages == nil {
				return usageError{fmt.Sprintf("--format geojson is for coverage and gaps, not %s", *report)}
			}
			return writeVillagesGeoJSON(w, res.villages, res.value)
		}
		return formats.WriteTableCSV(w, res.table)
	})
}

// analysis is one computed report: its table, its JSON value and, for coverage and gaps, the
// per-village answers for GeoJSON.
type analysis struct {
	table    facilities.Table
	value    any
	villages []facilities.VillageResult
}

// analyse runs the report asked for with p.
func analyse(an *facilities.Analyzer, report string, p facilities.Params, method facilities.Method, villages bool) (analysis, error) {
	switch report {
	case "gaps", "clusters":
		g, err := an.Gaps(p, report == "clusters")
		if err != nil {
			return analysis{}, err
		}
		t := g.Table()
		if report == "clusters" {
			t = g.ClusterTable()
		}
		return analysis{t, g, g.Villages}, nil
	case "scorecard":
		sc, err := an.Scorecard(p.Division)
		if err != nil {
			return analysis{}, err
		}
		return analysis{table: sc.Table(), value: sc}, nil
	case "accessibility":
		x, err := an.Accessibility(facilities.AccessParams{Params: p, Method: method})
		if err != nil {
			return analysis{}, err
		}
		t := x.Table()
		if villages {
			t = x.VillageTable()
		} else {
			x.Villages = nil
		}
		return analysis{table: t, value: x}, nil
	}
	p.Nearest = true
	cov, err := an.Coverage(p)
	if err != nil {
		return analysis{}, err
	}
	res := analysis{table: cov.Table(), value: cov, villages: cov.Villages}
	if villages {
		res.table = cov.VillageTable()
	} else {
		cov.Villages = nil // the JSON keeps the aggregates only; GeoJSON still has every village
	}
	return res, nil
}

// writeVillagesGeoJSON writes one point feature per village that has a point, with its
// coverage answer; meta (the query and summary) rides along as a foreign member.
func writeVillagesGeoJSON(w io.Writer, vs []facilities.VillageResult, meta any) error {
	fc := geojson.NewFeatureCollection()
	for _, v := range vs {
		if !v.HasPoint {
			continue
		}
		f := geojson.NewFeature(orb.Point(v.Point))
		f.ID = string(v.Code)
		f.Properties = geojson.Properties{"code": v.Code, "name": v.Name, "covered": v.Covered,
			"elderly": v.Elderly, "nearest": v.Nearest, "provenance": v.Provenance}
		fc.Append(f)
	}
	fc.ExtraMembers = geojson.Properties{"analysis": meta}
	b, err := fc.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// writeOutput runs write against stdout, or writes path through formats.WriteFile (no
// half-written file; the mode os.Create gives).
func writeOutput(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "" {
		return write(stdout)
	}
	return formats.WriteFile(path, write)
}
