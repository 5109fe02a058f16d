package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/formats"
)

// exportFormats maps a --format word to the file extension of its output.
var exportFormats = map[string]string{"gpkg": ".gpkg", "geojson": ".geojson", "geojsonseq": ".geojsonl", "csv": ".csv", "xlsx": ".xlsx"}

// cmdExport writes divisions, facilities and village coverage to a GeoPackage (every layer in one
// file), an xlsx workbook (one sheet per layer) or, for geojson/geojsonseq/csv, one file per layer
// (--out is then a directory unless exactly one --layers is named).
func cmdExport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "civplan.db", dbFlagHelp)
	format := fs.String("format", "gpkg", "gpkg, geojson, geojsonseq, csv or xlsx")
	out := fs.String("out", "", "output file (gpkg, xlsx, or one layer), or directory (several layers)")
	crsFlag := fs.String("crs", "wgs84", "wgs84, cgcs2000, gk3 (the 3° Gauss-Krüger zone nearest the data), epsg:4545…4548 or gcj02 (AMap overlays)")
	layersFlag := fs.String("layers", "", "comma-separated layers (default all: "+strings.Join(formats.ExportLayerNames(), ",")+")")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError{fmt.Sprintf("unexpected argument %q (use --out FILE)", pos[0])}
	}
	ext, ok := exportFormats[*format]
	if !ok {
		return usageError{fmt.Sprintf("--format %q: want gpkg, geojson, geojsonseq, csv or xlsx", *format)}
	}
	if *out == "" {
		return usageError{"--out is required"}
	}
	var names []string
	if *layersFlag != "" {
		names = strings.Split(*layersFlag, ",")
	}
	st, err := openSeeded(*dbPath, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	tree, err := st.LoadTree()
	if err != nil {
		return err
	}
	facs, err := st.LoadFacilities()
	if err != nil {
		return err
	}
	meta, err := st.Meta()
	if err != nil {
		return err
	}
	centre := 0.0
	if root := tree.All(); len(root) > 0 && len(root[0].Boundary) > 0 {
		centre = root[0].Boundary.Bound().Center()[0]
	} else if len(root) > 0 {
		centre = root[0].Seat[0]
	}
	crs, err := formats.ParseExportCRS(*crsFlag, centre)
	if err != nil {
		return usageError{"--crs: " + err.Error()}
	}
	for _, n := range names {
		if !slices.Contains(formats.ExportLayerNames(), n) {
			return usageError{fmt.Sprintf("--layers: unknown layer %q (want %s)", n, strings.Join(formats.ExportLayerNames(), ", "))}
		}
	}
	layers, err := formats.ExportLayers(tree, facs, crs, names...)
	if err != nil {
		return err
	}
	attr := attribution(meta)
	switch *format {
	case "gpkg":
		if err := formats.WriteGeoPackage(context.Background(), *out, layers, crs, attr); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %s (%s)\n", *out, summary(layers), crs.Title())
		return nil
	case "xlsx":
		if err := formats.WriteFile(*out, func(w io.Writer) error { return formats.WriteXLSX(w, layers, crs, attr) }); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %s (%s)\n", *out, summary(layers), crs.Title())
		return nil
	}
	single := len(layers) == 1 && !isDir(*out)
	if !single {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
	}
	for i := range layers {
		l := &layers[i]
		path := *out
		if !single {
			path = filepath.Join(*out, l.Name+ext)
		}
		err := formats.WriteFile(path, func(w io.Writer) error {
			switch *format {
			case "geojson":
				return formats.WriteGeoJSON(w, l, crs, attr)
			case "geojsonseq":
				return formats.WriteGeoJSONSeq(w, l, crs)
			}
			return formats.WriteCSV(w, l, crs)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %d features (%s)\n", path, len(l.Rows), crs.Title())
	}
	return nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func summary(layers []formats.Layer) string {
	parts := make([]string, len(layers))
	for i, l := range layers {
		parts[i] = fmt.Sprintf("%s %d", l.Name, len(l.Rows))
	}
	return strings.Join(parts, ", ")
}

// attribution joins the dataset sources' attributions and licences.
func attribution(m dataset.Meta) string {
	var parts []string
	for _, s := range m.Sources {
		a := s.Attribution
		if a == "" {
			a = s.Name
		}
		if s.Licence != "" && !strings.Contains(a, s.Licence) {
			a += ", " + s.Licence
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, "; ")
}
