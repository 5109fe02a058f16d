package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/civplan/civplan/data/formats"
	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

func cmdSiting(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("siting", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "civplan.db", dbFlagHelp)
	kind := fs.String("kind", "", "facility kind, e.g. mutual_aid_elderly (upgrade: default regional_care_center)")
	objective := fs.String("objective", "", "lscp (fewest sites to --target), mclp (best --p sites), pcenter, upgrade")
	p := fs.Int("p", 0, "number of new sites (mclp, pcenter, upgrade)")
	target := fs.Float64("target", 0, "lscp: share to reach, a fraction in (0, 1] of --target-of")
	targetOf := fs.String("target-of", "villages", "lscp: what --target is a share of: villages (village committees, the official indicator) or elderly")
	division := fs.String("division", "", "division code (short or 12-digit); default: everything")
	mode := fs.String("mode", "", "jurisdiction (default), radius or radius_in_jurisdiction")
	radius := fs.String("radius-m", "", "service radius in metres (default: the kind's)")
	weight := fs.String("weight", "elderly", "mclp, upgrade: what coverage counts, elderly or villages (lscp: --target-of counts; ties go to elderly served, then distance)")
	elderly := fs.String("elderly", "age60", "age60 or age65")
	detour := fs.String("detour", "", `detour factors: "1.3", "suggested" or "4228:1.5,429021:1.6"`)
	rural := fs.Bool("rural", false, "only villages with a rural ur_code (2xx)")
	exclude := fs.String("exclude", "", "comma-separated division codes whose candidates are left out")
	candFile := fs.String("candidates", "", "candidate sites: CSV with columns lon,lat[,name][,code] or a GeoJSON of points (WGS84)")
	bedsPerSite := fs.Int("capacity-beds", 0, "capacitated mclp for bed-based kinds: beds of each new site")
	norm := fs.Float64("norm", 0, "capacity: beds per 1,000 elderly (default 35, the 2014 national target)")
	upgradeFrom := fs.String("upgrade-from", "", "upgrade: kind of the facilities to upgrade (default welfare_home)")
	plan := fs.Int64("plan", 0, "count this saved plan's planned facilities as existing")
	save := fs.String("save", "", "save the answer as a plan with this name (its sites become planned facilities)")
	format := fs.String("format", "text", "text, json, geojson, csv or xlsx (csv/xlsx: the sites as a table, the summary under it)")
	out := fs.String("out", "", "write to this file instead of standard output")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if *objective == "" {
		return usageError{"--objective is required: lscp, mclp, pcenter or upgrade"}
	}
	switch *format {
	case "text", "json", "geojson", "csv", "xlsx":
	default:
		return usageError{fmt.Sprintf("--format %q: want text, json, geojson, csv or xlsx", *format)}
	}
	st, err := openSeeded(*dbPath, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	an, err := st.LoadAnalyzer()
	if err != nil {
		return err
	}
	sp := facilities.SitingParams{Params: facilities.Params{Kind: facilities.Kind(*kind), Mode: facilities.Mode(*mode), RuralOnly: *rural},
		Objective: facilities.Objective(*objective), P: *p, Target: *target, TargetOf: facilities.TargetOf(*targetOf), Weight: facilities.Weight(*weight),
		UpgradeFrom: facilities.Kind(*upgradeFrom)}
	if *division != "" {
		if sp.Division, err = divisions.ParseCode(*division); err != nil {
			return usageError{"--division: " + err.Error()}
		}
	}
	if sp.RadiusM, err = facilities.ParseRadius(*radius, an.Config().MaxRadiusM); err != nil {
		return usageError{err.Error()}
	}
	if sp.Elderly, err = facilities.ParseElderly(*elderly); err != nil {
		return usageError{err.Error()}
	}
	if sp.Detour, sp.DetourDefault, err = facilities.ParseDetour(*detour, an.Config()); err != nil {
		return usageError{err.Error()}
	}
	for _, e := range strings.Split(*exclude, ",") {
		if e = strings.TrimSpace(e); e != "" {
			sp.Exclude = append(sp.Exclude, divisions.Code(e))
		}
	}
	if *bedsPerSite != 0 || *norm != 0 {
		sp.Capacity = &facilities.CapacityParams{BedsPerSite: *bedsPerSite, NormPer1000: *norm}
	}
	if *candFile != "" {
		if sp.Candidates, err = readCandidates(*candFile); err != nil {
			return err
		}
	}
	if *plan != 0 {
		if !facilities.PlanIDs(an.Registry().All())[*plan] {
			return fmt.Errorf("--plan %d: no saved plan with planned facilities", *plan)
		}
		an = an.WithRegistry(an.Registry().WithPlanned(*plan))
	}
	res, err := an.Siting(sp)
	if err != nil {
		if facilities.IsParamError(err) || facilities.IsNotFound(err) {
			return usageError{err.Error()}
		}
		return err
	}
	savedNote := ""
	if *save != "" {
		if len(res.Sites) == 0 {
			return fmt.Errorf("--save: the answer proposes no site; nothing saved")
		}
		params, _ := json.Marshal(map[string]any{"kind": res.Query.Kind, "division": res.Query.Division, "mode": res.Query.Mode,
			"radius_m": res.Query.RadiusM, "objective": res.Objective, "p": res.P, "target": res.Target, "target_of": res.TargetOf, "weight": res.Weight,
			"exclude": sp.Exclude, "capacity": sp.Capacity, "plan": *plan, "candidates_file": *candFile})
		summary, err := json.Marshal(res.Summary())
		if err != nil {
			return err
		}
		ctx := context.Background()
		var saved store.Plan
		err = st.Write(ctx, store.CLIActor(), "plan.create", "plan", func(tx *sql.Tx) (any, any, error) {
			pl, err := st.InsertPlan(ctx, tx, store.Plan{Name: *save, Kind: res.Query.Kind, Division: res.Query.Division,
				Params: params, Summary: summary, Author: "cli"}, an.PlanFacilities(res))
			saved = pl
			return nil, pl, err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "saved plan %d %q with %d planned facilities\n", saved.ID, saved.Name, len(saved.Facilities))
		savedNote = fmt.Sprintf("规划方案 saved as plan %d「%s」", saved.ID, saved.Name)
	}
	table := func() facilities.Table {
		t := res.Table()
		if *plan != 0 {
			t.Notes = append(t.Notes, fmt.Sprintf("existing facilities include the planned facilities of plan %d 含规划方案%d的规划设施", *plan, *plan))
		}
		if savedNote != "" {
			t.Notes = append(t.Notes, savedNote)
		}
		return t
	}
	return writeOutput(*out, stdout, func(w io.Writer) error {
		switch *format {
		case "csv":
			return formats.WriteTableCSV(w, table())
		case "xlsx":
			return formats.WriteTableXLSX(w, table())
		case "json":
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(res)
		case "geojson":
			fc := geojson.NewFeatureCollection()
			for _, ps := range res.Sites {
				f := geojson.NewFeature(ps.Point)
				f.ID = ps.Rank
				f.Properties = geojson.Properties{"rank": ps.Rank, "code": ps.Code, "name": ps.Name, "gain": ps.Gain,
					"gain_elderly": ps.GainElderly, "gain_villages": ps.GainVillages, "new_villages": ps.NewVillages,
					"facility_id": ps.FacilityID, "provenance": ps.Provenance}
				fc.Append(f)
			}
			sum := *res
			sum.Sites = nil
			fc.ExtraMembers = geojson.Properties{"siting": sum}
			b, err := fc.MarshalJSON()
			if err != nil {
				return err
			}
			_, err = w.Write(append(b, '\n'))
			return err
		}
		return writeSitingText(w, res)
	})
}

// writeSitingText prints the answer for a reader: the sites, the summary and the gap.
func writeSitingText(w io.Writer, s *facilities.Siting) error {
	q := s.Query
	fmt.Fprintf(w, "%s %s  division %s  mode %s  radius %g m  weight %s\n", s.Objective, q.Kind, orAll(string(q.Division)), q.Mode, q.RadiusM, s.Weight)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "rank\tcode\tname\ttownship\tgain\telderly\tvillages\tlon\tlat")
	for _, ps := range s.Sites {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%.6f\t%.6f\n", ps.Rank, ps.Code, ps.Name, ps.TownshipName, ps.Gain,
			ps.GainElderly, ps.GainVillages, ps.Point[0], ps.Point[1])
	}
	tw.Flush()
	ratio := func(r *float64) string {
		if r == nil {
			return "—"
		}
		return fmt.Sprintf("%.1f%%", *r*100)
	}
	fmt.Fprintf(w, "coverage: villages %d/%d (%s) → %d/%d (%s); elderly %d/%d (%s) → %d (%s)\n",
		s.Before.Covered, s.Before.Villages, ratio(s.Before.Ratio), s.After.Covered, s.After.Villages, ratio(s.After.Ratio),
		s.Before.ElderlyCovered, s.Before.Elderly, ratio(s.Before.ElderlyRatio), s.After.ElderlyCovered, ratio(s.After.ElderlyRatio))
	fmt.Fprintf(w, "indicator: %s\n", facilities.IndicatorNote(s.Indicator))
	gap := "unknown"
	if s.Gap != nil {
		gap = fmt.Sprintf("%.2f%%", *s.Gap*100)
	}
	fmt.Fprintf(w, "objective: value %g %s, bound %g, gap %s%s\n", s.Value, s.ValueUnit, s.Bound, gap, map[bool]string{true: " (proven optimal)", false: ""}[s.Optimal])
	if !s.Feasible && s.Reachable != nil {
		fmt.Fprintf(w, "target not reachable: every candidate together reaches %.1f%%\n", *s.Reachable*100)
	}
	fmt.Fprintf(w, "method: %s\nbound: %s\n", s.Method, s.BoundMethod)
	fmt.Fprintf(w, "still uncovered: %d villages %v; candidates %d (%d excluded); provenance %s; %.1f ms\n",
		len(s.Uncovered), s.Reasons, s.Candidates, s.Excluded, s.Provenance, s.ElapsedMS)
	for _, n := range s.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	fmt.Fprintf(w, "%s\n", q.DistanceNote)
	return nil
}

func orAll(s string) string {
	if s == "" {
		return "(all)"
	}
	return s
}

// readCandidates reads candidate sites from a CSV (header with lon, lat and optionally name,
// code) or a GeoJSON FeatureCollection of points (properties name, code); WGS84.
func readCandidates(path string) ([]facilities.CandidateSite, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--candidates: %w", err)
	}
	var out []facilities.CandidateSite
	if strings.HasSuffix(strings.ToLower(path), ".geojson") || strings.HasSuffix(strings.ToLower(path), ".json") {
		fc, err := geojson.UnmarshalFeatureCollection(b)
		if err != nil {
			return nil, fmt.Errorf("--candidates %s: %w", path, err)
		}
		for k, f := range fc.Features {
			pt, ok := f.Geometry.(orb.Point)
			if !ok {
				return nil, fmt.Errorf("--candidates %s: feature %d is not a Point", path, k+1)
			}
			out = append(out, facilities.CandidateSite{Name: f.Properties.MustString("name", ""),
				Code: divisions.Code(f.Properties.MustString("code", "")), Point: pt})
		}
		return out, nil
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff")))
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("--candidates %s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("--candidates %s: empty", path)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	li, ok1 := col["lon"]
	ai, ok2 := col["lat"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("--candidates %s: the header needs lon and lat columns", path)
	}
	for k, row := range rows[1:] {
		lon, err1 := strconv.ParseFloat(strings.TrimSpace(row[li]), 64)
		lat, err2 := strconv.ParseFloat(strings.TrimSpace(row[ai]), 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("--candidates %s: line %d: lon/lat %q,%q are not numbers", path, k+2, row[li], row[ai])
		}
		c := facilities.CandidateSite{Point: orb.Point{lon, lat}}
		if i, ok := col["name"]; ok {
			c.Name = row[i]
		}
		if i, ok := col["code"]; ok {
			c.Code = divisions.Code(strings.TrimSpace(row[i]))
		}
		out = append(out, c)
	}
	return out, nil
}
