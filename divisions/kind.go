package divisions

import (
	"strconv"
	"strings"
)

// Kind is the legal kind of a division within its level (ARCHITECTURE.md "Words").
type Kind string

// Kinds by level.
const (
	KindProvince             Kind = "province"
	KindPrefectureCity       Kind = "prefecture_city"       // 地级市
	KindAutonomousPrefecture Kind = "autonomous_prefecture" // 自治州
	KindGroup                Kind = "group"                 // 省直辖县级行政区划: a grouping, not a unit
	KindDistrict             Kind = "district"              // 市辖区
	KindCountyCity           Kind = "county_city"           // 县级市
	KindCounty               Kind = "county"                // 县
	KindAutonomousCounty     Kind = "autonomous_county"     // 自治县
	KindForestryDistrict     Kind = "forestry_district"     // 林区
	KindStatistical          Kind = "statistical"           // 开发区/管理区: codes, no legal territory
	KindSubdistrict          Kind = "subdistrict"           // 街道 001–099
	KindTown                 Kind = "town"                  // 镇 100–199
	KindTownship             Kind = "township"              // 乡 200–399
	KindTownshipLike         Kind = "township_like"         // 类似乡级单位 400–599
	KindResidentsCommittee   Kind = "residents_committee"   // 居委会 001–199
	KindVillageCommittee     Kind = "village_committee"     // 村委会 200–399
	KindResidentsLike        Kind = "residents_like"        // 类似居委会 400–499
	KindVillageLike          Kind = "village_like"          // 类似村委会 500–599
)

// KindOf derives the kind from the code and, for prefecture and county levels, the name.
// Township and village kinds follow the statistical code ranges alone; an out-of-range part
// (600–999) is reported as the *_like kind of its level.
func KindOf(c Code, name string) Kind {
	switch c.Level() {
	case Province:
		return KindProvince
	case Prefecture:
		switch {
		case c.Part() == "90":
			return KindGroup
		case strings.HasSuffix(name, "自治州"):
			return KindAutonomousPrefecture
		}
		return KindPrefectureCity
	case County:
		n, _ := strconv.Atoi(c.Part())
		switch {
		case strings.HasSuffix(name, "开发区") || strings.HasSuffix(name, "管理区") || (n >= 71 && n <= 79):
			return KindStatistical
		case strings.HasSuffix(name, "林区"):
			return KindForestryDistrict
		case strings.HasSuffix(name, "自治县"):
			return KindAutonomousCounty
		case strings.HasSuffix(name, "区"):
			return KindDistrict
		case strings.HasSuffix(name, "市"):
			return KindCountyCity
		case strings.HasSuffix(name, "县"):
			return KindCounty
		case n <= 20:
			return KindDistrict
		case n >= 81:
			return KindCountyCity
		}
		return KindCounty
	case Township:
		n, _ := strconv.Atoi(c.Part())
		switch {
		case n < 100:
			return KindSubdistrict
		case n < 200:
			return KindTown
		case n < 400:
			return KindTownship
		}
		return KindTownshipLike
	}
	n, _ := strconv.Atoi(c.Part())
	switch {
	case n < 200:
		return KindResidentsCommittee
	case n < 400:
		return KindVillageCommittee
	case n < 500:
		return KindResidentsLike
	}
	return KindVillageLike
}

// IsVillageCommittee reports whether a village-level kind counts as a village committee
// (村委会) in the official indicator; withLike also counts 类似村委会 (500–599).
func (k Kind) IsVillageCommittee(withLike bool) bool {
	return k == KindVillageCommittee || (withLike && k == KindVillageLike)
}

// CodeRange is the [Lo, Hi] range of the level part for a township or village kind, used
// when proposing new codes; ok is false for kinds not numbered by range.
func (k Kind) CodeRange() (lo, hi int, ok bool) {
	switch k {
	case KindSubdistrict:
		return 1, 99, true
	case KindResidentsCommittee:
		return 1, 199, true
	case KindTown:
		return 100, 199, true
	case KindTownship, KindVillageCommittee:
		return 200, 399, true
	case KindTownshipLike:
		return 400, 599, true
	case KindResidentsLike:
		return 400, 499, true
	case KindVillageLike:
		return 500, 599, true
	}
	return 0, 0, false
}

// ShortName strips the committee suffix used in official names, for search and display:
// 村民委员会 and 村委会 leave the village name ending in 村 ("金潭村委会" → "金潭村",
// "额头湾村村民委员会" → "额头湾村"); 居民委员会, 居委会 and a bare 委员会 are dropped
// ("万年社区居委会" → "万年社区"). A name that would be left with fewer than two characters
// is returned unchanged.
func ShortName(name string) string {
	short := name
	switch {
	case strings.HasSuffix(name, "村民委员会"):
		short = strings.TrimSuffix(name, "民委员会")
	case strings.HasSuffix(name, "村委会"):
		short = strings.TrimSuffix(name, "委会")
	case strings.HasSuffix(name, "居民委员会"):
		short = strings.TrimSuffix(name, "居民委员会")
	case strings.HasSuffix(name, "居委会"):
		short = strings.TrimSuffix(name, "居委会")
	case strings.HasSuffix(name, "委员会"):
		short = strings.TrimSuffix(name, "委员会")
	}
	// "额头湾村村民委员会" → "额头湾村村" → "额头湾村"; "新村村委会" → "新村村" → "新村".
	if strings.HasSuffix(short, "村村") {
		short = strings.TrimSuffix(short, "村")
	}
	if len([]rune(short)) < 2 {
		return name
	}
	return short
}
