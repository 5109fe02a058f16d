package hubeibuild

import (
	"fmt"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// Sources of the embedded dataset, with licences and attributions.
var metaSources = []dataset.Source{
	{Name: "china-division 2.7.0 (npm)", Files: "divisions/hubei_2023_{province,cities,areas,streets,villages}.csv", Licence: "MIT / WTFPL", Attribution: "modood/Administrative-divisions-of-China, npm package china-division", CRS: "-"},
	{Name: "Vonng/adcode", Files: "divisions/hubei_2016_adcode_vonng.csv (ur_code via hubei_2023_villages_with_urcode2016.csv), points/hubei_vonng2016_town_village_points_gcj02.geojson", Licence: "CC BY 4.0", Attribution: "Vonng/adcode (GitHub), CC BY 4.0", CRS: "GCJ-02, converted to WGS84"},
	{Name: "GaryBikini/ChinaAdminDivisonSHP (2020)", Files: "boundaries/garybikini_amap_2020/hubei_counties_garybikini_2020.geojson", Licence: "MIT", Attribution: "GaryBikini/ChinaAdminDivisonSHP (GitHub), MIT", CRS: "GCJ-02, converted to WGS84"},
	{Name: "GeoNames cities500", Files: "points/hubei_geonames_cities500.csv via points/hubei_2023_township_points_joined.csv", Licence: "CC BY 4.0", Attribution: "GeoNames.org", CRS: "WGS84"},
	{Name: "thebamboogrove/tudigong", Files: "population/hubei_census2020_county_{population,ages}.tudigong.csv", Licence: "MIT", Attribution: "thebamboogrove/tudigong (GitHub), MIT; 7th national population census 2020", CRS: "-"},
	{Name: "leiii/census", Files: "population/hubei_census2020_county_yearbook.leiii.csv", Licence: "MIT", Attribution: "leiii/census (GitHub), MIT; 7th national population census 2020 county yearbook", CRS: "-"},
	{Name: "njzjz/prcadmin", Files: "divisions/hubei_code_changes_2022_to_2023.csv", Licence: "as published by njzjz/prcadmin (diff of the official code lists)", Attribution: "njzjz/prcadmin (GitHub)", CRS: "-"},
}

var metaMethods = map[string]string{
	"county_geometry":     "GaryBikini 2020 county polygons, every vertex converted GCJ-02 → WGS84 (iterative inverse), rounded to 1e-6°; code crosswalk 421023 → 421088 (监利); validated with simplefeatures (OGC rules)",
	"prefecture_geometry": fmt.Sprintf("union of the member county polygons (simplefeatures); holes under %.0f km² covered by no county (slivers between source polygons) filled, larger gaps and enclaves of other prefectures kept", maxHoleKm2),
	"province_geometry":   fmt.Sprintf("union of all 103 county polygons (simplefeatures); holes under %.0f km² covered by no county filled, larger gaps kept", maxHoleKm2),
	"statistical_units":   fmt.Sprintf("荆州经济技术开发区 (421071) and 龙感湖管理区 (421171) have no polygon: township seats generated within %.0f km of the host county seat(s) inside the host polygon (荆州区/沙市区, 黄梅县), village points within %.0f km of their township seat; no township areas", statTownRadiusM/1000, statVillageRadiusM/1000),
	"township_geometry":   fmt.Sprintf("APPROXIMATE, not legal boundaries: each county box rasterised (cells of √(box area / %d), between %.0f and %.0f m); seeds = real township seats and real village points inside the county, plus generated seeds (farthest-point sampling of the emptiest cell; subdistricts within %.0f km of the county seat) for townships without evidence; Dijkstra-like growth through cells inside the county (4-connected, Euclidean distance to the seed), then breadth-first fill of the box; each township's cells traced into rings (collinear edges merged), clipped to the county polygon (simplefeatures); pieces cut off from a township's seat handed to the neighbour with the longest shared edge", targetCells, minCellM, maxCellM, urbanRadiusM/1000),
	"township_seat":       "real: GeoNames point (WGS84) if inside the county, else the Vonng 2016 centre converted from GCJ-02; derived: the real village point nearest the mean of the township's real village points; generated: the generated growth seed",
	"village_point":       "real: Vonng 2016 village centre whose code and short name still match the 2023 list, converted to WGS84 and inside the county and its derived township area; generated: best-of-8 rejection sampling inside the township area seeded by the village code",
	"county_population":   "7th census 2020: total, 60+ (sum of the male/female 5-year bands 60–64 … 85+), 65+ from the leiii yearbook; 龙感湖管理区 (absent there): tudigong total × published age shares, rounded",
	"village_population":  fmt.Sprintf("ESTIMATED: county urban (城镇) population spread over urban villages (ur_code 1xx, else 居委会/类似居委会), rural (乡村) over rural villages, in proportion to log-normal weights (σ=%.1f) seeded by the code (one pool when a class would average under %.0f persons per village); 60+ share ×%.2f rural / ×%.2f urban with per-village variation, calibrated (capped water-filling) so that the county sums hold; 65+ likewise capped by 60+; largest-remainder rounding so that village values add up exactly to the county census figures; townships = sums of villages, prefectures/province = sums of counties", popSpread, minClassMean, elderlyRural, elderlyUrban),
	"programme":           "GENERATED: pilot year none (45 %) or 2014–2020 with rising weights; social organisations ~ Binomial(10, 0.4); 四有 flags true with a per-county probability 0.72–0.94",
	"facilities":          fmt.Sprintf("GENERATED demo registry, seeded by division codes: welfare homes in ~%.0f %% of rural townships (beds 30–200), regional care centres in ~%.0f %%, one disability care centre, funeral home and marriage registry per county near the county seat, mutual-aid sites in a per-county share (%.0f–%.0f %%) of 村委会, community service centres in ~%.0f %% of rural villages (floor area ~N(%.0f, %.0f) m²), public cemeteries in ~%.0f %% of rural townships and ~%.0f %% of 村委会; statuses mostly operating; opening dates 2005–2023", pWelfareRural*100, pRegionalRural*100, mutualMin*100, mutualMax*100, pCommunityService*100, csAreaMean, csAreaSD, pCemeteryTown*100, pCemeteryVillage*100),
}

// meta assembles Meta: vintages, sources, methods, counts and provenance counts.
func (b *builder) meta(divs []divisions.Division, fs []facilities.Facility) dataset.Meta {
	m := dataset.Meta{
		Name: "Hubei (civplan embedded default dataset)",
		Vintages: map[string]string{
			"codes": "2023-06-30", "census": "2020", "ur_code": "2016", "county_boundaries": "2020",
		},
		Sources:    metaSources,
		Methods:    metaMethods,
		Counts:     map[string]int{},
		Provenance: map[string]map[string]int{},
	}
	inc := func(group string, p divisions.Provenance) {
		if p == "" {
			return
		}
		if m.Provenance[group] == nil {
			m.Provenance[group] = map[string]int{}
		}
		m.Provenance[group][string(p)]++
	}
	for _, d := range divs {
		m.Counts[d.Level.String()]++
		inc("geometry", d.Sources.Geometry)
		inc("seat", d.Sources.Seat)
		inc("population", d.Sources.Population)
		inc("attributes", d.Sources.Attributes)
		inc("programme", d.Sources.Programme)
		if d.Level == divisions.Township {
			inc("township_seat", d.Sources.Seat)
		}
		if d.Level == divisions.Village {
			inc("village_point", d.Sources.Seat)
		}
	}
	for _, f := range fs {
		m.Counts["facility:"+string(f.Kind)]++
		inc("facility", f.Provenance)
	}
	m.Counts["facilities"] = len(fs)
	st := b.st
	m.Counts["township_evidence_seat"] = st.SeatReal
	m.Counts["township_evidence_villages_only"] = st.SeatVillagesOnly
	m.Counts["township_evidence_none"] = st.SeatNone
	m.Counts["seat_points_dropped"] = st.SeatsDropped
	m.Counts["village_points_matched"] = st.VillageRealMatched
	m.Counts["village_points_dropped"] = st.VillageRealDropped
	m.Counts["seed_conflicts"] = st.Part.seedConflicts
	m.Counts["township_pieces_reassigned"] = st.Part.orphanPieces
	m.Counts["township_pieces_kept"] = st.Part.keptPieces
	m.Counts["union_holes_filled"] = st.HolesFilled
	m.Counts["township_areas_unrounded"] = st.Part.unroundable
	m.Counts["township_seat_fallbacks"] = st.Part.seatFallbacks
	m.Counts["village_points_outside_area"] = st.Part.villagesMovedTo
	notes := []string{
		"Township areas are derived approximations, not legal boundaries.",
		"Village populations, township populations and all programme attributes and facilities are estimated or generated for demonstration; only county census figures are real.",
		fmt.Sprintf("%d real village points fell outside their derived township area (mostly stale 2016 points lying kilometres inside another township) and were replaced by generated points; %d real village points were not used as growth seeds because another township's seed took their raster cell (they stay real where they end inside their own area).", st.Part.villagesMovedTo, st.Part.seedConflicts),
		fmt.Sprintf("%d township pieces cut off by the county boundary were handed to the neighbour with the longest shared edge; %d extra pieces were kept (separate parts of multi-part counties).", st.Part.orphanPieces, st.Part.keptPieces),
	}
	m.Notes = append(notes, b.notes...)
	return m
}
