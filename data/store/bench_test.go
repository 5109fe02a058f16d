package store

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
)

// synthDataset generates a tree (fixed seed): 1 province,
// prefectures of 20 counties with 256-vertex boundaries, townships, villages and facilities.
func synthDataset(counties, townsPer, villagesPer, facs int) *dataset.Dataset {
	rng := rand.New(rand.NewPCG(1, 2))
	ds := &dataset.Dataset{Meta: dataset.Meta{Name: "synth"}}
	add := func(d divisions.Division) { ds.Divisions = append(ds.Divisions, d) }
	add(divisions.Division{Code: "420000000000", Name: "省", ShortName: "省", Level: divisions.Province, Kind: divisions.KindProvince})
	var villages []divisions.Code
	for c := 1; c <= counties; c++ {
		pref, part := 1+(c-1)/20, 1+(c-1)%20
		pc := divisions.Code(fmt.Sprintf("42%02d00000000", pref))
		if part == 1 {
			add(divisions.Division{Code: pc, Name: "市", ShortName: "市", Level: divisions.Prefecture, Kind: divisions.KindPrefectureCity, Parent: "420000000000"})
		}
		cc := divisions.Code(fmt.Sprintf("42%02d%02d000000", pref, part))
		x0, y0 := 108+float64(c%10)*0.5, 29.5+float64(c/10)*0.5
		ring := make(orb.Ring, 0, 257)
		for i := 0; i < 256; i++ {
			a := 2 * math.Pi * float64(i) / 256
			ring = append(ring, orb.Point{x0 + 0.25 + 0.2*math.Cos(a), y0 + 0.25 + 0.2*math.Sin(a)})
		}
		ring = append(ring, ring[0])
		add(divisions.Division{Code: cc, Name: fmt.Sprintf("县%d", c), ShortName: fmt.Sprintf("县%d", c), Level: divisions.County,
			Kind: divisions.KindCounty, Parent: pc, Boundary: orb.MultiPolygon{{ring}}, Seat: orb.Point{x0 + 0.25, y0 + 0.25}, HasSeat: true})
		for t := 1; t <= townsPer; t++ {
			tc := divisions.Code(fmt.Sprintf("%s%03d000", cc[:6], 100+t))
			add(divisions.Division{Code: tc, Name: fmt.Sprintf("镇%d-%d", c, t), ShortName: fmt.Sprintf("镇%d-%d", c, t), Level: divisions.Township,
				Kind: divisions.KindTown, Parent: cc, Seat: orb.Point{x0 + 0.1 + 0.3*rng.Float64(), y0 + 0.1 + 0.3*rng.Float64()}, HasSeat: true,
				Population: divisions.Population{Total: 20000, Age60: 5000, Age65: 4000}})
			for v := 1; v <= villagesPer; v++ {
				vc := divisions.Code(fmt.Sprintf("%s%03d", tc[:9], 200+v))
				villages = append(villages, vc)
				add(divisions.Division{Code: vc, Name: fmt.Sprintf("村%d村委会", v), ShortName: fmt.Sprintf("村%d", v), Level: divisions.Village,
					Kind: divisions.KindVillageCommittee, Parent: tc, URCode: "220", HasSeat: true,
					Seat:       orb.Point{x0 + 0.1 + 0.3*rng.Float64(), y0 + 0.1 + 0.3*rng.Float64()},
					Population: divisions.Population{Total: 800, Age60: 200, Age65: 150}, Programme: &divisions.Programme{SocialOrgs: 1},
					Sources: divisions.Sources{Seat: divisions.Generated, Population: divisions.Estimated, Attributes: divisions.Real}})
			}
		}
	}
	for i := 0; i < facs; i++ {
		vc := villages[rng.IntN(len(villages))]
		ds.Facilities = append(ds.Facilities, facilities.Facility{Kind: facilities.MutualAidElderly, Name: fmt.Sprintf("互助点%d", i),
			DivisionCode: vc, Point: orb.Point{108 + 5*rng.Float64(), 29.5 + 1.5*rng.Float64()}, Status: facilities.StatusOperating,
			Provenance: divisions.Generated})
	}
	return ds
}

// Hubei scale: 105 counties × 14 townships × 18 villages ≈ 26,500 villages; 10,000 facilities.
func hubeiScale() *dataset.Dataset { return synthDataset(105, 14, 18, 10000) }

func BenchmarkSeedHubeiScale(b *testing.B) {
	ds := hubeiScale()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s, err := Open(filepath.Join(b.TempDir(), fmt.Sprintf("s%d.db", i)))
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Seed(context.Background(), ds, nil); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	b.ReportMetric(float64(len(ds.Divisions)+len(ds.Facilities)), "rows/op")
}

func benchSeeded(b *testing.B) (*SQLite, *dataset.Dataset) {
	ds := hubeiScale()
	s := openTemp(b)
	if err := s.Seed(context.Background(), ds, nil); err != nil {
		b.Fatal(err)
	}
	return s, ds
}

func BenchmarkLoadDivisionsHubeiScale(b *testing.B) {
	s, ds := benchSeeded(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		divs, err := s.LoadDivisions()
		if err != nil || len(divs) != len(ds.Divisions) {
			b.Fatal(len(divs), err)
		}
	}
}

func BenchmarkLoadFacilities10k(b *testing.B) {
	s, ds := benchSeeded(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fs, err := s.LoadFacilities()
		if err != nil || len(fs) != len(ds.Facilities) {
			b.Fatal(len(fs), err)
		}
	}
}

func BenchmarkImportFacilitiesCSV5k(b *testing.B) {
	s, ds := benchSeeded(b)
	divs, _ := s.LoadDivisions()
	tree, err := divisions.NewTree(divs)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString("kind,name,division_code,lon,lat,status,beds\n")
	for i, n := len(ds.Divisions)-1, 0; n < 5000; i-- {
		v := ds.Divisions[i]
		if v.Level != divisions.Village {
			continue
		}
		n++
		fmt.Fprintf(&buf, "community_service_center,服务站%d,%s,%.6f,%.6f,operating,0\n", i, v.Code, v.Seat[0], v.Seat[1])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Replace makes every iteration do the same work: delete the previous 5,000, insert 5,000.
		rep, err := s.ImportFacilities(context.Background(), bytes.NewReader(buf.Bytes()), "b.csv", ImportOptions{Tree: tree, Replace: true}, CLIActor())
		if err != nil || rep.Inserted != 5000 {
			b.Fatal(rep, err)
		}
	}
}

// BenchmarkEmbeddedHubei measures what a server start does with the embedded dataset:
// seed once (reported as seed-ms), then load divisions and facilities (per op).
func BenchmarkEmbeddedHubei(b *testing.B) {
	ds, err := dataset.EmbeddedHubei()
	if err != nil {
		b.Fatal(err)
	}
	if len(ds.Divisions) == 0 {
		b.Fatal("embedded dataset holds no divisions")
	}
	s := openTemp(b)
	t0 := time.Now()
	if err := s.Seed(context.Background(), ds, nil); err != nil {
		b.Fatal(err)
	}
	seed := time.Since(t0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		divs, err := s.LoadDivisions()
		if err != nil || len(divs) != len(ds.Divisions) {
			b.Fatal(len(divs), err)
		}
		fs, err := s.LoadFacilities()
		if err != nil || len(fs) != len(ds.Facilities) {
			b.Fatal(len(fs), err)
		}
	}
	b.ReportMetric(float64(seed.Milliseconds()), "seed-ms")
	if fi, err := os.Stat(s.Path()); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "db-MiB")
	}
}
