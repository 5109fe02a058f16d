package divisions

import (
	"strings"
	"testing"
)

func TestParseCode(t *testing.T) {
	tests := []struct {
		in      string
		want    Code
		level   Level
		parent  Code
		short   string
		wantErr string
	}{
		{in: "42", want: "420000000000", level: Province, parent: "", short: "42"},
		{in: "4205", want: "420500000000", level: Prefecture, parent: "420000000000", short: "4205"},
		{in: "420526", want: "420526000000", level: County, parent: "420500000000", short: "420526"},
		{in: "420526100", want: "420526100000", level: Township, parent: "420526000000", short: "420526100"},
		{in: "420526100201", want: "420526100201", level: Village, parent: "420526100000", short: "420526100201"},
		{in: "420102002003", want: "420102002003", level: Village, parent: "420102002000", short: "420102002003"},
		{in: " 4290 ", want: "429000000000", level: Prefecture, parent: "420000000000", short: "4290"},
		{in: "420000000000", want: "420000000000", level: Province, short: "42"},
		{in: "4", wantErr: "want 2, 4, 6, 9 or 12 digits"},
		{in: "42052", wantErr: "want 2, 4, 6, 9 or 12 digits"},
		{in: "42a5", wantErr: "character 3 is not a digit"},
		{in: "00", wantErr: "province part is 00"},
		{in: "420000001000", wantErr: "township part 001 under an empty county part"},
		{in: "420500100000", wantErr: "township part 100 under an empty county part"},
		{in: "", wantErr: "want 2, 4, 6, 9 or 12 digits"},
		{in: "４２", wantErr: "character 1 is not a digit"}, // full-width digits: 6 bytes, not ASCII digits
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCode(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseCode(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCode(%q): %v", tt.in, err)
			}
			if got != tt.want || got.Level() != tt.level || got.Parent() != tt.parent || got.Short() != tt.short {
				t.Errorf("ParseCode(%q) = %s level %v parent %q short %s; want %s %v %q %s",
					tt.in, got, got.Level(), got.Parent(), got.Short(), tt.want, tt.level, tt.parent, tt.short)
			}
		})
	}
}

func TestCodeWithin(t *testing.T) {
	v := MustCode("420526100201")
	for _, anc := range []string{"42", "4205", "420526", "420526100", "420526100201"} {
		if !v.Within(MustCode(anc)) {
			t.Errorf("%s should lie within %s", v, anc)
		}
	}
	for _, other := range []string{"43", "4206", "420527", "420526101"} {
		if v.Within(MustCode(other)) {
			t.Errorf("%s should not lie within %s", v, other)
		}
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		code, name string
		want       Kind
	}{
		{"42", "湖北省", KindProvince},
		{"4201", "武汉市", KindPrefectureCity},
		{"4228", "恩施土家族苗族自治州", KindAutonomousPrefecture},
		{"4290", "省直辖县级行政区划", KindGroup},
		{"420102", "江岸区", KindDistrict},
		{"420528", "长阳土家族自治县", KindAutonomousCounty},
		{"420526", "兴山县", KindCounty},
		{"420581", "宜都市", KindCountyCity},
		{"429004", "仙桃市", KindCountyCity},
		{"429021", "神农架林区", KindForestryDistrict},
		{"421071", "荆州经济技术开发区", KindStatistical},
		{"421171", "龙感湖管理区", KindStatistical},
		{"420102002", "大智街道", KindSubdistrict},
		{"420526100", "古夫镇", KindTown},
		{"420526199", "某镇", KindTown},
		{"420526200", "某乡", KindTownship},
		{"420526399", "某乡", KindTownship},
		{"420526400", "某农场", KindTownshipLike},
		{"420526100001", "某社区居委会", KindResidentsCommittee},
		{"420526100199", "某社区", KindResidentsCommittee},
		{"420526100200", "某村委会", KindVillageCommittee},
		{"420526100399", "某村", KindVillageCommittee},
		{"420526100400", "某类似居委会", KindResidentsLike},
		{"420526100500", "某类似村委会", KindVillageLike},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := KindOf(MustCode(tt.code), tt.name); got != tt.want {
				t.Errorf("KindOf(%s, %s) = %s, want %s", tt.code, tt.name, got, tt.want)
			}
		})
	}
}

func TestKindCodeRangeMatchesKindOf(t *testing.T) {
	// Every part inside a kind's range must be classified as that kind by KindOf.
	for _, k := range []Kind{KindSubdistrict, KindTown, KindTownship, KindTownshipLike} {
		lo, hi, ok := k.CodeRange()
		if !ok {
			t.Fatalf("%s has no range", k)
		}
		for n := lo; n <= hi; n++ {
			c := MustCode("420526" + pad3(n))
			if got := KindOf(c, ""); got != k {
				t.Fatalf("part %03d: KindOf = %s, want %s", n, got, k)
			}
		}
	}
	for _, k := range []Kind{KindResidentsCommittee, KindVillageCommittee, KindResidentsLike, KindVillageLike} {
		lo, hi, _ := k.CodeRange()
		for n := lo; n <= hi; n++ {
			c := MustCode("420526100" + pad3(n))
			if got := KindOf(c, ""); got != k {
				t.Fatalf("part %03d: KindOf = %s, want %s", n, got, k)
			}
		}
	}
}

func pad3(n int) string { s := "00" + itoa(n); return s[len(s)-3:] }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestShortName(t *testing.T) {
	tests := map[string]string{
		"保成社区居委会":  "保成社区",
		"古夫村村民委员会": "古夫村",
		"某社区居民委员会": "某社区",
		"建阳坪村委会":   "建阳坪村",
		"大智街道":     "大智街道",
		"村委会":      "村委会",
		"":         "",
	}
	for in, want := range tests {
		if got := ShortName(in); got != want {
			t.Errorf("ShortName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLevelText(t *testing.T) {
	for l := Province; l <= Village; l++ {
		b, _ := l.MarshalText()
		var back Level
		if err := back.UnmarshalText(b); err != nil || back != l {
			t.Errorf("level %d round trip: %q → %d, %v", l, b, back, err)
		}
	}
	if _, err := ParseLevel("city"); err == nil {
		t.Error("ParseLevel(city) should fail")
	}
}

func TestWeakest(t *testing.T) {
	tests := []struct {
		in   []Provenance
		want Provenance
	}{
		{nil, ""},
		{[]Provenance{Real}, Real},
		{[]Provenance{Real, Derived}, Derived},
		{[]Provenance{Estimated, Real, Derived}, Estimated},
		{[]Provenance{Real, Generated, Estimated}, Generated},
		{[]Provenance{"", Real}, Real},
	}
	for _, tt := range tests {
		if got := Weakest(tt.in...); got != tt.want {
			t.Errorf("Weakest(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
