package divisions

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// square is a lon/lat square [x0, x0+s] × [y0, y0+s] with counter-clockwise outer ring.
func square(x0, y0, s float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x0 + s, y0}, {x0 + s, y0 + s}, {x0, y0 + s}, {x0, y0}}}}
}

// scenTree is a hand-made tree: one province, prefecture city 4205, counties 420526 (县) and
// 420527 (县); 420526 has towns 100 and 101 side by side and township 200 two squares away,
// 420527 has town 100 north of 420526100. Each township has three villages with points.
func scenTree(t testing.TB) *Tree {
	t.Helper()
	const s = 0.1
	x0, y0 := 110.5, 31.2
	divs := []Division{
		{Code: MustCode("42"), Name: "湖北省", Level: Province, Kind: KindProvince},
		{Code: MustCode("4205"), Name: "宜昌市", Level: Prefecture, Kind: KindPrefectureCity, Parent: MustCode("42")},
		{Code: MustCode("420526"), Name: "兴山县", Level: County, Kind: KindCounty, Parent: MustCode("4205"),
			Seat: orb.Point{x0 + 0.05, y0 + 0.05}, HasSeat: true, Population: Population{Total: 90000, Age60: 18000, Age65: 12000}},
		{Code: MustCode("420527"), Name: "秭归县", Level: County, Kind: KindCounty, Parent: MustCode("4205"),
			Seat: orb.Point{x0 + 0.05, y0 + 0.15}, HasSeat: true, Population: Population{Total: 30000, Age60: 6000, Age65: 4000}},
	}
	type tw struct {
		code, name string
		x, y       float64
		pop        int64
	}
	tws := []tw{
		{"420526100", "古夫镇", x0, y0, 30000},
		{"420526101", "昭君镇", x0 + s, y0, 30000},
		{"420526200", "高桥乡", x0 + 3*s, y0, 30000},
		{"420527100", "茅坪镇", x0, y0 + s, 30000},
	}
	for _, w := range tws {
		c := MustCode(w.code)
		divs = append(divs, Division{Code: c, Name: w.name, Level: Township, Kind: KindOf(c, w.name), Parent: c.Parent(),
			Seat: orb.Point{w.x + s/2, w.y + s/2}, HasSeat: true, Boundary: square(w.x, w.y, s),
			Population: Population{Total: w.pop, Age60: w.pop / 5, Age65: w.pop / 7},
			Sources:    Sources{Geometry: Derived, Seat: Real, Population: Estimated, Attributes: Real}})
		for k, part := range []string{"001", "200", "201"} {
			vc := MustCode(w.code + part)
			name := w.name[:3] + []string{"一", "二", "三"}[k] + "村委会"
			if part == "001" {
				name = w.name[:3] + "社区居委会"
			}
			divs = append(divs, Division{Code: vc, Name: name, ShortName: ShortName(name), Level: Village, Kind: KindOf(vc, name), Parent: c,
				Seat: orb.Point{w.x + 0.02 + 0.03*float64(k), w.y + 0.03}, HasSeat: true,
				Population: Population{Total: w.pop / 3, Age60: w.pop / 15, Age65: w.pop / 21},
				Sources:    Sources{Seat: Real, Population: Estimated, Attributes: Real}})
		}
	}
	tr, err := NewTree(divs)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestMergeTwoTownships(t *testing.T) {
	base := scenTree(t)
	ops := []Op{{Op: OpMerge, Units: []string{"420526100", "420526101"}, Into: "420526100", Name: "古夫昭君镇"}}
	res, err := Apply(base, ops, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := base.Get(MustCode("420526100")), base.Get(MustCode("420526101"))
	m := res.After.Get(MustCode("420526100"))
	if m == nil || m.Name != "古夫昭君镇" {
		t.Fatalf("merged unit: %+v", m)
	}
	if res.After.Get(MustCode("420526101")) != nil {
		t.Error("the absorbed town still exists")
	}
	if want := a.Population.Add(b.Population); m.Population != want {
		t.Errorf("population %+v, want %+v", m.Population, want)
	}
	if n := len(res.After.Children(m.Code)); n != 6 {
		t.Errorf("villages %d, want 6", n)
	}
	// Area of the union against the sum of the parts (they only share an edge), and against
	// the closed-form area of a lat/lon rectangle on the authalic sphere is not needed: the
	// union must equal the parts' sum within 0.1 %.
	sum := AreaKM2(a.Boundary) + AreaKM2(b.Boundary)
	got := AreaKM2(m.Boundary)
	if math.Abs(got-sum)/sum > 0.001 {
		t.Errorf("area %.3f km², parts %.3f km²", got, sum)
	}
	if len(res.Geometry) == 0 || !res.Geometry[0].Contiguous || !res.Geometry[0].Valid {
		t.Errorf("geometry report %+v", res.Geometry)
	}
	// The villages of the absorbed town are renumbered under the survivor, in their kind ranges,
	// after the highest existing number.
	want := map[Code]Code{
		MustCode("420526101001"): MustCode("420526100002"),
		MustCode("420526101200"): MustCode("420526100202"),
		MustCode("420526101201"): MustCode("420526100203"),
		MustCode("420526101"):    MustCode("420526100"),
	}
	for old, nc := range want {
		if got := res.FateOf(old); got != nc {
			t.Errorf("fate of %s = %s, want %s", old, got, nc)
		}
		if res.After.Get(nc) == nil {
			t.Errorf("%s missing from the after tree", nc)
		}
	}
	// The base tree is untouched.
	if base.Get(MustCode("420526101")) == nil || base.Get(MustCode("420526100")).Name != "古夫镇" ||
		base.Get(MustCode("420526100")).Population.Total != 30000 {
		t.Error("the base tree changed")
	}
	// Code table rows for every affected unit down to villages.
	rows := map[Code]CodeChange{}
	for _, r := range res.Codes {
		rows[r.OldCode] = r
	}
	if r := rows[MustCode("420526101")]; r.NewCode != MustCode("420526100") || !strings.Contains(r.Change, ChangeMergedInto) {
		t.Errorf("row of the absorbed town: %+v", r)
	}
	if r := rows[MustCode("420526101200")]; r.NewCode != MustCode("420526100202") || !strings.Contains(r.Change, ChangeRenumbered) {
		t.Errorf("row of a renumbered village: %+v", r)
	}
	if r := rows[MustCode("420526100")]; !strings.Contains(r.Change, ChangeRenamed) {
		t.Errorf("row of the survivor: %+v", r)
	}
}

func TestMergeNotContiguous(t *testing.T) {
	base := scenTree(t)
	res, err := Apply(base, []Op{{Op: OpMerge, Units: []string{"420526100", "420526200"}, Name: "新镇", Kind: KindTown}}, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Geometry) != 1 || res.Geometry[0].Pieces != 2 || res.Geometry[0].Contiguous {
		t.Fatalf("geometry %+v", res.Geometry)
	}
	nc := res.FateOf(MustCode("420526200"))
	if nc != MustCode("420526102") {
		t.Errorf("new town code %s, want 420526102 (after the highest town number 101)", nc)
	}
	if d := res.After.Get(nc); d == nil || d.Kind != KindTown || d.Name != "新镇" {
		t.Errorf("new unit %+v", d)
	}
}

func TestChangeKindTownshipToTown(t *testing.T) {
	base := scenTree(t)
	res, err := Apply(base, []Op{{Op: OpChangeKind, Unit: "420526200", Kind: KindTown}}, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nc := res.FateOf(MustCode("420526200"))
	if nc != MustCode("420526102") {
		t.Fatalf("new code %s", nc)
	}
	d := res.After.Get(nc)
	if d.Name != "高桥镇" || d.Kind != KindTown {
		t.Errorf("after %+v", d)
	}
	if res.FateOf(MustCode("420526200201")) != MustCode("420526102201") {
		t.Errorf("village fate %s", res.FateOf(MustCode("420526200201")))
	}
}

func TestCountyToDistrict(t *testing.T) {
	base := scenTree(t)
	res, err := Apply(base, []Op{{Op: OpChangeKind, Unit: "420526", Kind: KindDistrict, Parent: "4205"}}, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nc := res.FateOf(MustCode("420526"))
	if nc != MustCode("420501") || res.After.Get(nc).Name != "兴山区" {
		t.Errorf("county → district: %s %+v", nc, res.After.Get(nc))
	}
	if res.FateOf(MustCode("420526100200")) != MustCode("420501100200") {
		t.Errorf("village fate %s", res.FateOf(MustCode("420526100200")))
	}
}

func TestTransferVillages(t *testing.T) {
	base := scenTree(t)
	res, err := Apply(base, []Op{{Op: OpTransfer, Units: []string{"420526101200"}, To: "420526100"}}, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.FateOf(MustCode("420526101200")); got != MustCode("420526100202") {
		t.Errorf("fate %s", got)
	}
	from, to := res.After.Get(MustCode("420526101")), res.After.Get(MustCode("420526100"))
	if from.Population.Total != 20000 || to.Population.Total != 40000 {
		t.Errorf("populations %d %d", from.Population.Total, to.Population.Total)
	}
	if res.After.Get(MustCode("420526")).Population.Total != 90000 {
		t.Error("county population changed by a transfer inside it")
	}
}

func TestTransferTownshipBetweenCounties(t *testing.T) {
	base := scenTree(t)
	res, err := Apply(base, []Op{{Op: OpTransfer, Units: []string{"420526100"}, To: "420527"}}, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nc := res.FateOf(MustCode("420526100"))
	if nc != MustCode("420527101") {
		t.Errorf("fate %s", nc)
	}
	if p := res.After.Get(MustCode("420527")).Population.Total; p != 60000 {
		t.Errorf("receiving county population %d", p)
	}
	if p := res.After.Get(MustCode("420526")).Population.Total; p != 60000 {
		t.Errorf("giving county population %d", p)
	}
	// The receiving county's boundary is rebuilt from its two townships: one piece.
	found := false
	for _, g := range res.Geometry {
		if g.Code == MustCode("420527") {
			found = true
			if !g.Contiguous {
				t.Errorf("county 420527 after: %+v", g)
			}
		}
	}
	if !found {
		t.Error("no geometry report for the receiving county")
	}
}

func TestApplyBadInput(t *testing.T) {
	base := scenTree(t)
	cases := []struct {
		name string
		ops  []Op
		idx  int
		want string
	}{
		{"different parents", []Op{{Op: OpMerge, Units: []string{"420526100", "420527100"}, Into: "420526100"}}, 0, "different parents"},
		{"missing unit", []Op{{Op: OpMerge, Units: []string{"420526100", "420526109"}, Into: "420526100"}}, 0, "does not exist"},
		{"unit twice", []Op{{Op: OpMerge, Units: []string{"420526100", "420526100"}, Into: "420526100"}}, 0, "listed twice"},
		{"used after merge", []Op{{Op: OpMerge, Units: []string{"420526100", "420526101"}, Into: "420526100"},
			{Op: OpRename, Unit: "420526101", Name: "x"}}, 1, "merged into 420526100000"},
		{"seat outside", []Op{{Op: OpMerge, Units: []string{"420526100", "420526101"}, Into: "420526100", Seat: &[2]float64{111.5, 31.25}}}, 0, "outside"},
		{"cycle", []Op{{Op: OpTransfer, Units: []string{"420526100"}, To: "420527"},
			{Op: OpTransfer, Units: []string{"420527101"}, To: "420526"}}, 1, "cycle"},
		{"into own descendant", []Op{{Op: OpTransfer, Units: []string{"420526100"}, To: "420526100"}}, 0, "cycle"},
		{"wrong level", []Op{{Op: OpTransfer, Units: []string{"420526100200"}, To: "420527"}}, 0, "must be a township"},
		{"unknown op", []Op{{Op: "split", Unit: "420526100"}}, 0, "unknown operation"},
		{"bad code", []Op{{Op: OpRename, Unit: "42x", Name: "a"}}, 0, "want 2, 4, 6, 9 or 12 digits"},
		{"bad kind", []Op{{Op: OpChangeKind, Unit: "420526200", Kind: KindCountyCity}}, 0, "not a township kind"},
		{"district without city", []Op{{Op: OpChangeKind, Unit: "420526", Kind: KindDistrict, Parent: "42"}}, 0, "want a prefecture"},
		{"plan zero", []Op{{Op: OpApplyPlan}}, 0, "positive plan id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Apply(base, c.ops, ApplyOptions{})
			var oe *OpError
			if !errors.As(err, &oe) {
				t.Fatalf("err = %v, want an *OpError", err)
			}
			if oe.Index != c.idx || !strings.Contains(oe.Error(), c.want) {
				t.Errorf("err = %v (index %d), want index %d containing %q", err, oe.Index, c.idx, c.want)
			}
		})
	}
}

func TestProposeCode(t *testing.T) {
	taken := map[Code]bool{}
	for _, c := range []string{"420526100", "420526101", "420526199", "420526200", "420526001", "420526100201", "420526100399"} {
		taken[MustCode(c)] = true
	}
	// 420526100399 taken: the village committee range is full at the top; the lowest untaken wins.
	f := func(c Code) bool { return taken[c] }
	cases := []struct {
		parent string
		kind   Kind
		want   string
		err    bool
	}{
		{"420526", KindTown, "", false},              // top 199 taken → lowest free 102
		{"420526", KindTownship, "420526201", false}, // after 200
		{"420526", KindSubdistrict, "420526002", false},
		{"420526", KindTownshipLike, "420526400", false},
		{"420526100", KindVillageCommittee, "420526100200", false},
		{"420526100", KindResidentsCommittee, "420526100001", false},
		{"420526100", KindVillageLike, "420526100500", false},
		{"4205", KindDistrict, "420501", false},
		{"4205", KindCountyCity, "420581", false},
		{"420526", KindVillageCommittee, "", true}, // wrong level
		{"420526", KindGroup, "", true},
	}
	for _, c := range cases {
		t.Run(string(c.kind)+"@"+c.parent, func(t *testing.T) {
			got, err := ProposeCode(MustCode(c.parent), c.kind, f)
			if c.err {
				if err == nil {
					t.Fatalf("got %s, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := c.want
			if c.kind == KindTown {
				want = "420526102"
			}
			if got != MustCode(want) {
				t.Errorf("got %s, want %s", got, MustCode(want))
			}
			if f(got) {
				t.Errorf("proposed a taken code %s", got)
			}
		})
	}
	// A full range is an error.
	full := func(c Code) bool { return true }
	if _, err := ProposeCode(MustCode("420526"), KindTown, full); err == nil {
		t.Error("full range: no error")
	}
}

func rect(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

func TestUnionReportsGapsAndOverlaps(t *testing.T) {
	opt := DefaultUnionOptions()
	// Four bars around an empty 0.02° square centred at (110.05, 31.05): a gap no part had.
	ring := []part{
		{MustCode("420526100"), rect(110.00, 31.00, 110.10, 31.04)},
		{MustCode("420526101"), rect(110.00, 31.06, 110.10, 31.10)},
		{MustCode("420526102"), rect(110.00, 31.04, 110.04, 31.06)},
		{MustCode("420526103"), rect(110.06, 31.04, 110.10, 31.06)},
	}
	u, r := unionReport(MustCode("420526100"), "x", Township, ring, opt, nil)
	if !r.Rebuilt || !r.Valid || r.Pieces != 1 || len(u[0]) != 2 {
		t.Fatalf("report %+v", r)
	}
	if len(r.Gaps) != 1 || math.Abs(r.Gaps[0].At[0]-110.05) > 0.011 || math.Abs(r.Gaps[0].At[1]-31.05) > 0.011 {
		t.Fatalf("gaps %+v", r.Gaps)
	}
	// ≈ 0.02° × 0.02° ≈ 1.9 km × 2.2 km ≈ 4.2 km².
	if a := r.Gaps[0].AreaM2; a < 3.8e6 || a > 4.6e6 {
		t.Errorf("gap area %g m²", a)
	}
	// Two squares overlapping in a 0.01°-wide strip: an overlap located in the strip.
	ov := []part{{MustCode("420526100"), rect(110.00, 31.00, 110.10, 31.10)}, {MustCode("420526101"), rect(110.09, 31.00, 110.19, 31.10)}}
	_, r = unionReport(MustCode("420526100"), "y", Township, ov, opt, nil)
	if len(r.Overlaps) != 1 || r.Overlaps[0].At[0] < 110.09 || r.Overlaps[0].At[0] > 110.10 {
		t.Fatalf("overlaps %+v", r.Overlaps)
	}
	if r.PartsAreaKM2 <= r.AreaKM2 {
		t.Errorf("parts %.3f km² should exceed the union %.3f km² by the overlap", r.PartsAreaKM2, r.AreaKM2)
	}
	// Neighbours whose shared edge differs by rounding (4e-7°) snap together: one piece, no sliver.
	near := []part{{MustCode("420526100"), rect(110.00, 31.00, 110.1000004, 31.10)}, {MustCode("420526101"), rect(110.1, 31.00, 110.2, 31.10)}}
	_, r = unionReport(MustCode("420526100"), "z", Township, near, opt, nil)
	if r.Pieces != 1 || len(r.Gaps) != 0 || len(r.Overlaps) != 0 {
		t.Errorf("snapped neighbours: %+v", r)
	}
	// A part without a boundary: not rebuilt, and the reason is given.
	_, r = unionReport(MustCode("420526100"), "w", Township, []part{{MustCode("420526100"), nil}, near[1]}, opt, nil)
	if r.Rebuilt || r.Problem == "" {
		t.Errorf("missing boundary: %+v", r)
	}
}

// A unit renumbered by an earlier operation may still be named by its old code; a merged one may not.
func TestOldCodesFollowRenumbering(t *testing.T) {
	base := scenTree(t)
	ops := []Op{{Op: OpChangeKind, Unit: "420526", Kind: KindCountyCity}, {Op: OpChangeKind, Unit: "420526200", Kind: KindTown}}
	res, err := Apply(base, ops, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.FateOf(MustCode("420526200")); got != MustCode("420581102") {
		t.Errorf("fate %s, want 420581102", got)
	}
	if d := res.After.Get(MustCode("420581")); d == nil || d.Name != "兴山市" {
		t.Errorf("county city %+v", d)
	}
	for _, r := range res.Codes {
		if r.OldCode == MustCode("420526") && r.Change != ChangeKindChanged+"+"+ChangeRenamed {
			t.Errorf("county row %+v", r)
		}
	}
}

func TestMergeVillagesIntoNewUnitAndSeatChecks(t *testing.T) {
	base := scenTree(t)
	res, err := Apply(base, []Op{{Op: OpMerge, Units: []string{"420526100200", "420526100201"}, Name: "联合村村委会"}}, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nc := res.FateOf(MustCode("420526100200"))
	if nc != MustCode("420526100202") || res.FateOf(MustCode("420526100201")) != nc {
		t.Fatalf("fates %s %s", nc, res.FateOf(MustCode("420526100201")))
	}
	if d := res.After.Get(nc); d.Kind != KindVillageCommittee || d.Population.Total != 20000 {
		t.Errorf("merged village %+v", d)
	}
	// A seat moved outside the township is refused; inside it is accepted and recorded.
	out := [2]float64{111.9, 31.25}
	if _, err := Apply(base, []Op{{Op: OpMoveSeat, Unit: "420526100", Seat: &out}}, ApplyOptions{}); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("seat outside: %v", err)
	}
	in := [2]float64{110.51, 31.21}
	res, err = Apply(base, []Op{{Op: OpMoveSeat, Unit: "420526100", Seat: &in}}, ApplyOptions{})
	if err != nil || len(res.SeatMoves) != 1 || res.After.Get(MustCode("420526100")).Seat != (orb.Point{110.51, 31.21}) {
		t.Errorf("seat move: %v %+v", err, res.SeatMoves)
	}
	bad := [2]float64{math.NaN(), 31}
	if _, err := Apply(base, []Op{{Op: OpMoveSeat, Unit: "420526100", Seat: &bad}}, ApplyOptions{}); err == nil {
		t.Error("NaN seat accepted")
	}
}

// The after tree built by overlaying the changes equals one built from scratch by NewTree.
func TestOverlayTreeMatchesNewTree(t *testing.T) {
	base := scenTree(t)
	ops := []Op{
		{Op: OpMerge, Units: []string{"420526100", "420526101"}, Into: "420526100"},
		{Op: OpTransfer, Units: []string{"420526200"}, To: "420527"},
		{Op: OpMerge, Units: []string{"420527100200", "420527100201"}, Name: "新村村委会"},
		{Op: OpChangeKind, Unit: "420526", Kind: KindDistrict, Parent: "4205"},
		{Op: OpRename, Unit: "420527100", Name: "茅坪新镇"},
	}
	res, err := Apply(base, ops, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var all []Division
	for _, d := range res.After.All() {
		all = append(all, *d)
	}
	ref, err := NewTree(all)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Len() != res.After.Len() {
		t.Fatalf("len %d vs %d", res.After.Len(), ref.Len())
	}
	for i, d := range ref.All() {
		got := res.After.All()[i]
		if got.Code != d.Code || res.After.Get(d.Code) != got {
			t.Fatalf("unit %d: %s vs %s", i, got.Code, d.Code)
		}
		var a, b []Code
		for _, k := range res.After.Children(d.Code) {
			a = append(a, k.Code)
		}
		for _, k := range ref.Children(d.Code) {
			b = append(b, k.Code)
		}
		if strings.Join(codesStr(a), ",") != strings.Join(codesStr(b), ",") {
			t.Errorf("children of %s: %v vs %v", d.Code, a, b)
		}
	}
	// Removed codes are gone, base untouched.
	if res.After.Get(MustCode("420526101")) != nil || res.After.Get(MustCode("420526")) != nil || base.Get(MustCode("420526101")) == nil {
		t.Error("removed units still present, or base changed")
	}
	if len(base.Children(MustCode("420526"))) != 3 {
		t.Errorf("base children changed: %d", len(base.Children(MustCode("420526"))))
	}
}

func codesStr(cs []Code) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

// Random operation lists never panic; when accepted, the after tree is consistent (every
// parent exists, population of untouched counties unchanged, codes parse).
func TestApplyRandomOpsNeverPanics(t *testing.T) {
	base := scenTree(t)
	var codes []string
	for _, d := range base.All() {
		codes = append(codes, d.Code.Short())
	}
	codes = append(codes, "420526199", "420599", "42x", "")
	kinds := []Kind{KindTown, KindTownship, KindSubdistrict, KindCounty, KindCountyCity, KindDistrict, KindVillageCommittee, KindResidentsCommittee, "bogus"}
	rng := uint64(42)
	next := func(n int) int {
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return int(rng % uint64(n))
	}
	accepted := 0
	for iter := 0; iter < 3000; iter++ {
		var ops []Op
		for k := 0; k < 1+next(4); k++ {
			seat := [2]float64{110.5 + float64(next(40))/100, 31.2 + float64(next(20))/100}
			op := Op{Op: []OpKind{OpMerge, OpTransfer, OpChangeKind, OpMoveSeat, OpRename, OpApplyPlan, "x"}[next(7)],
				Units: []string{codes[next(len(codes))], codes[next(len(codes))]}, Into: codes[next(len(codes))], To: codes[next(len(codes))],
				Unit: codes[next(len(codes))], Kind: kinds[next(len(kinds))], Name: []string{"", "新名"}[next(2)], Plan: int64(next(3)),
				CrossParent: next(2) == 0}
			if next(2) == 0 {
				op.Seat = &seat
			}
			if next(3) == 0 {
				op.Into = ""
			}
			if next(4) == 0 {
				op.Parent = codes[next(len(codes))]
			}
			ops = append(ops, op)
		}
		res, err := Apply(base, ops, ApplyOptions{})
		if err != nil {
			var oe *OpError
			if !errors.As(err, &oe) {
				t.Fatalf("%+v: non-operation error %v", ops, err)
			}
			continue
		}
		accepted++
		for _, d := range res.After.All() {
			if _, err := ParseCode(string(d.Code)); err != nil || (d.Parent != "" && res.After.Get(d.Parent) == nil) || d.Parent != d.Code.Parent() {
				t.Fatalf("%+v: inconsistent unit %+v", ops, d)
			}
		}
		if base.Len() != 4+4+12 || base.Get(MustCode("420526100")).Name != "古夫镇" {
			t.Fatal("base changed")
		}
	}
	if accepted == 0 {
		t.Error("no random scenario was accepted: the generator is too hostile to test anything")
	}
	t.Logf("%d of 3000 random scenarios accepted", accepted)
}
