// Package hubeibuild builds civplan's embedded Hubei dataset (dataset.Dataset) from the public
// files in data/sources/hubei: the 2023 division codes, the 2020 county polygons (GCJ-02,
// converted to WGS84), township and village points, and the 2020 census county figures. It
// derives prefecture/province boundaries (unions) and approximate township areas (a seeded
// raster partition of each county), spreads county populations to villages by a stated model
// and generates a clearly marked demo facility registry. Everything is deterministic: the same
// input files always give the same dataset.
package hubeibuild
