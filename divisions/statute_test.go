package divisions

import (
	"testing"
)

func i64(v int64) *int64     { return &v }
func f64(v float64) *float64 { return &v }
func boolp(v bool) *bool     { return &v }
func township(pop int64) *Division {
	return &Division{Code: MustCode("420526200"), Name: "高桥乡", Level: Township, Kind: KindTownship, Population: Population{Total: pop}}
}

func TestTown1984Thresholds(t *testing.T) {
	cfg := DefaultStatuteConfig()
	cases := []struct {
		name  string
		pop   int64
		seat  *int64
		spec  bool
		hosts *bool
		want  string
	}{
		// 二万以下 (< 20000): seat non-ag must be 超过二千 (> 2000).
		{"19999 pop, 2001 seat", 19999, i64(2001), false, nil, VerdictPass},
		{"19999 pop, 2000 seat (not more than 2000)", 19999, i64(2000), false, nil, VerdictFail},
		{"19999 pop, 1999 seat", 19999, i64(1999), false, nil, VerdictFail},
		// 二万以上 (≥ 20000): seat non-ag share ≥ 10 %.
		{"20000 pop, 2000 seat = 10%", 20000, i64(2000), false, nil, VerdictPass},
		{"20000 pop, 1999 seat < 10%", 20000, i64(1999), false, nil, VerdictFail},
		{"20001 pop, 2000 seat < 10%", 20001, i64(2000), false, nil, VerdictFail},
		{"50000 pop, 5001 seat", 50000, i64(5001), false, nil, VerdictPass},
		// Missing input: not evaluable part → incomplete.
		{"no seat value", 15000, nil, false, nil, VerdictIncomplete},
		// Special areas may be towns below the thresholds.
		{"special area", 19999, i64(500), true, nil, VerdictPass},
		// County seats must be towns regardless of numbers.
		{"county seat", 5000, i64(10), false, boolp(true), VerdictPass},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := CheckTown1984(township(c.pop), UnitInputs{SeatNonAgPop: c.seat, SpecialArea: c.spec, HostsCountySeat: c.hosts}, cfg)
			if got.Verdict != c.want {
				t.Errorf("verdict %s, want %s (%+v)", got.Verdict, c.want, got.Conditions)
			}
			if got.Source == "" || got.Level == "" {
				t.Error("check without source or level")
			}
		})
	}
}

func TestDensityTier(t *testing.T) {
	cfg := DefaultStatuteConfig()
	alt := cfg
	alt.At400 = "tier2"
	cases := []struct {
		d         float64
		want, alt int
	}{
		{400.0001, 0, 0}, {400, 0, 1}, {399.999, 1, 1}, {100, 1, 1}, {100.0001, 1, 1}, {99.999, 2, 2}, {0, 2, 2},
	}
	for _, c := range cases {
		if got := DensityTier(c.d, cfg); got != c.want {
			t.Errorf("density %g: tier %d, want %d", c.d, got, c.want)
		}
		if got := DensityTier(c.d, alt); got != c.alt {
			t.Errorf("density %g with at_400=tier2: tier %d, want %d", c.d, got, c.alt)
		}
	}
}

func TestCity1993(t *testing.T) {
	cfg := DefaultStatuteConfig()
	county := &Division{Code: MustCode("420526"), Name: "兴山县", Level: County, Kind: KindCounty, Population: Population{Total: 400000}}
	// 1,000 km² and 400,000 persons: exactly 400/km² → tier (一) by default.
	full := UnitInputs{SeatNonAgPop: i64(120000), CountyNonAgPop: i64(150000), IndustrialOutput: f64(15e8), AgriIndOutput: f64(15e8 / 0.8),
		GDP: f64(10e8), TertiaryShare: f64(0.20), FiscalRevenue: f64(6000e4), Remits: boolp(true), WaterSupply: f64(0.65),
		RoadPaving: f64(0.60), DrainageGood: boolp(true), PriceBasis: "1990"}
	c := CheckCity1993(county, 1000, full, cfg)
	// The hukou indicator is never evaluable: every other condition at its threshold passes → incomplete.
	if c.Verdict != VerdictIncomplete {
		t.Fatalf("verdict %s: %+v", c.Verdict, c.Conditions)
	}
	for _, cd := range c.Conditions {
		if cd.Met != nil && !*cd.Met {
			t.Errorf("condition %s failed at its threshold: %+v", cd.Name, cd)
		}
	}
	// One less person of seat non-ag population fails in tier (一) but passes in tier (二).
	low := full
	low.SeatNonAgPop = i64(119999)
	if v := CheckCity1993(county, 1000, low, cfg).Verdict; v != VerdictFail {
		t.Errorf("tier 1, seat 119999: %s", v)
	}
	alt := cfg
	alt.At400 = "tier2"
	if v := CheckCity1993(county, 1000, low, alt).Verdict; v != VerdictIncomplete {
		t.Errorf("tier 2 reading, seat 119999: %s", v)
	}
	// Current prices without a deflator: money not evaluable.
	cur := full
	cur.PriceBasis = "current"
	c = CheckCity1993(county, 1000, cur, cfg)
	for _, cd := range c.Conditions {
		if cd.Name == "国内生产总值(1990年不变价)" && cd.Met != nil {
			t.Errorf("GDP at current prices without deflator was evaluated: %+v", cd)
		}
	}
	// With a deflator 0.5, GDP 20亿 current = 10亿 at 1990 prices: passes; 19.9亿 fails.
	cur.Deflator1990 = 0.5
	cur.GDP, cur.IndustrialOutput, cur.FiscalRevenue = f64(20e8), f64(30e8), f64(12000e4)
	if v := CheckCity1993(county, 1000, cur, cfg).Verdict; v != VerdictIncomplete {
		t.Errorf("deflated at thresholds: %s", v)
	}
	cur.GDP = f64(19.9e8)
	if v := CheckCity1993(county, 1000, cur, cfg).Verdict; v != VerdictFail {
		t.Errorf("deflated GDP below: %s", v)
	}
	if v := CheckCity1993(county, 0, full, cfg).Verdict; v != VerdictNotEvaluable {
		t.Errorf("no area: %s", v)
	}
}

func TestCitySize2014(t *testing.T) {
	cfg := DefaultStatuteConfig()
	cases := []struct {
		pop  int64
		want string
	}{
		{199999, "小城市Ⅱ型"}, {200000, "小城市Ⅰ型"}, {499999, "小城市Ⅰ型"}, {500000, "中等城市"}, {999999, "中等城市"},
		{1000000, "大城市Ⅱ型"}, {2999999, "大城市Ⅱ型"}, {3000000, "大城市Ⅰ型"}, {5000000, "特大城市"}, {9999999, "特大城市"},
		{10000000, "超大城市"},
	}
	for _, c := range cases {
		if got := CitySize2014(c.pop, cfg); got != c.want {
			t.Errorf("%d: %s, want %s", c.pop, got, c.want)
		}
	}
}

func TestDeadlines(t *testing.T) {
	cfg := DefaultStatuteConfig()
	d, err := DeadlinesFrom("2024-01-31", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d.ImplementBy != "2025-01-31" || d.ExtendedBy != "2025-07-31" || d.CodesBy != "2024-02-29" {
		t.Errorf("%+v", d)
	}
	if _, err := DeadlinesFrom("2024-13-01", cfg); err == nil {
		t.Error("bad date accepted")
	}
}

func TestApprovalAuthority(t *testing.T) {
	base := scenTree(t)
	cases := []struct {
		op   Op
		want string
	}{
		{Op{Op: OpMerge, Units: []string{"420526100", "420526101"}}, "省级人民政府"},
		{Op{Op: OpChangeKind, Unit: "420526", Kind: KindCountyCity}, "国务院"},
		{Op{Op: OpMoveSeat, Unit: "420526"}, "省级人民政府(经国务院授权，报国务院备案)"},
		{Op{Op: OpMerge, Units: []string{"420526100200", "420526100201"}}, "县级人民政府(乡镇人民政府提出，经村民会议讨论同意后报批)"},
	}
	for _, c := range cases {
		if got := ApprovalOf(base, 0, c.op); got.Authority != c.want {
			t.Errorf("%+v: %s, want %s", c.op, got.Authority, c.want)
		}
	}
}

func TestStatutoryChecksOnScenario(t *testing.T) {
	base := scenTree(t)
	ops := []Op{{Op: OpChangeKind, Unit: "420526200", Kind: KindTown}}
	res, err := Apply(base, ops, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := &Inputs{Units: map[string]UnitInputs{"420526200": {SeatNonAgPop: i64(3000)}}}
	st, err := StatutoryChecks(res, in, "2024-03-01", DefaultStatuteConfig())
	if err != nil {
		t.Fatal(err)
	}
	var town *Check
	for i := range st.Checks {
		if st.Checks[i].ID == "op1.town_1984" {
			town = &st.Checks[i]
		}
	}
	// 30,000 persons ≥ 20,000 → share rule: 3,000 / 30,000 = 10 % → pass.
	if town == nil || town.Verdict != VerdictPass {
		t.Fatalf("town check %+v", town)
	}
	if st.Deadlines == nil || st.Deadlines.ImplementBy != "2025-03-01" {
		t.Errorf("deadlines %+v", st.Deadlines)
	}
	if len(st.Dossier) != 7 || len(st.Approvals) != 1 {
		t.Errorf("dossier %d approvals %d", len(st.Dossier), len(st.Approvals))
	}
}

// Each 1993 indicator just below its tier (一) threshold fails the check on its own.
func TestCity1993EachIndicatorBelow(t *testing.T) {
	cfg := DefaultStatuteConfig()
	county := &Division{Code: MustCode("420526"), Name: "兴山县", Level: County, Kind: KindCounty, Population: Population{Total: 400000}}
	full := func() UnitInputs {
		return UnitInputs{SeatNonAgPop: i64(120000), CountyNonAgPop: i64(150000), IndustrialOutput: f64(15e8), AgriIndOutput: f64(15e8 / 0.8),
			GDP: f64(10e8), TertiaryShare: f64(0.20), FiscalRevenue: f64(6000e4), Remits: boolp(true), WaterSupply: f64(0.65),
			RoadPaving: f64(0.60), DrainageGood: boolp(true), PriceBasis: "1990"}
	}
	cases := map[string]func(*UnitInputs){
		"seat non-ag":         func(u *UnitInputs) { u.SeatNonAgPop = i64(119999) },
		"county non-ag":       func(u *UnitInputs) { u.CountyNonAgPop = i64(149999) },
		"county non-ag share": func(u *UnitInputs) { county.Population.Total = 500001 }, // 150000/500001 < 30 %
		"industrial share":    func(u *UnitInputs) { u.AgriIndOutput = f64(15e8/0.8 + 1) },
		"industrial output":   func(u *UnitInputs) { u.IndustrialOutput = f64(15e8 - 1); u.AgriIndOutput = f64((15e8 - 1) / 0.8) },
		"gdp":                 func(u *UnitInputs) { u.GDP = f64(10e8 - 1) },
		"tertiary":            func(u *UnitInputs) { u.TertiaryShare = f64(0.1999) },
		"fiscal total":        func(u *UnitInputs) { u.FiscalRevenue = f64(6000e4 - 1) },
		"remits":              func(u *UnitInputs) { u.Remits = boolp(false) },
		"water":               func(u *UnitInputs) { u.WaterSupply = f64(0.6499) },
		"paving":              func(u *UnitInputs) { u.RoadPaving = f64(0.5999) },
		"drainage":            func(u *UnitInputs) { u.DrainageGood = boolp(false) },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			county.Population.Total = 400000
			in := full()
			mutate(&in)
			area := float64(county.Population.Total) / 400 // keep tier (一): density ≥ 400
			if county.Population.Total != 400000 {
				area = 1000 // 500,001 persons on 1,000 km²: still tier (一)
			}
			if c := CheckCity1993(county, area, in, cfg); c.Verdict != VerdictFail {
				t.Errorf("verdict %s", c.Verdict)
			}
		})
	}
}
