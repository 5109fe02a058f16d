package divisions

import "github.com/paulmach/orb"

// Provenance says where a value comes from (ARCHITECTURE.md): real > derived > estimated > generated.
type Provenance string

// The four provenance grades, strongest first.
const (
	Real      Provenance = "real"      // from a named source, possibly converted (GCJ-02 → WGS84)
	Derived   Provenance = "derived"   // computed from real values by a stated method
	Estimated Provenance = "estimated" // a real total spread by a model
	Generated Provenance = "generated" // invented for the demo
)

func (p Provenance) rank() int {
	switch p {
	case Real:
		return 4
	case Derived:
		return 3
	case Estimated:
		return 2
	case Generated:
		return 1
	}
	return 0
}

// Weakest returns the weakest provenance among ps ("" when ps is empty or all are "").
func Weakest(ps ...Provenance) Provenance {
	var w Provenance
	for _, p := range ps {
		if p == "" {
			continue
		}
		if w == "" || p.rank() < w.rank() {
			w = p
		}
	}
	return w
}

// Population holds resident counts (persons): total, aged 60+ and aged 65+.
type Population struct {
	Total int64 `json:"total"`
	Age60 int64 `json:"age60"`
	Age65 int64 `json:"age65"`
}

// Add returns the element-wise sum.
func (p Population) Add(q Population) Population {
	return Population{p.Total + q.Total, p.Age60 + q.Age60, p.Age65 + q.Age65}
}

// Sources records the provenance of each group of a division's values; "" means absent.
type Sources struct {
	Geometry   Provenance `json:"geometry,omitempty"`
	Seat       Provenance `json:"seat,omitempty"`
	Population Provenance `json:"population,omitempty"`
	Attributes Provenance `json:"attributes,omitempty"` // code, name, kind: real for every 2023 unit
	Programme  Provenance `json:"programme,omitempty"`
}

// Programme holds the village programme attributes the seed's targets ask about (all generated in the demo data).
type Programme struct {
	PilotYear     int  `json:"pilot_year,omitempty"` // year it became a community-building pilot (农村社区建设试点); 0 = never
	SocialOrgs    int  `json:"social_orgs"`          // community social organisations (社区社会组织)
	Ledger        bool `json:"ledger"`               // 四有: 有台账 left-behind elderly ledger
	CareContact   bool `json:"care_contact"`         // 四有: 有帮扶人 care contact
	ActivityPlace bool `json:"activity_place"`       // 四有: 有活动场所 activity place
	RegularVisits bool `json:"regular_visits"`       // 四有: 有定期探访 regular visits
}

// Division is one unit of the tree. Boundary is nil where no boundary is known; HasSeat is
// false where no seat is known (the 4290 grouping). Coordinates are WGS84 lon/lat degrees.
type Division struct {
	Code       Code             `json:"code"`
	Name       string           `json:"name"`
	ShortName  string           `json:"short_name"`
	Level      Level            `json:"level"`
	Kind       Kind             `json:"kind"`
	Parent     Code             `json:"parent,omitempty"`
	URCode     string           `json:"ur_code,omitempty"` // 城乡分类代码 (2016); "" = unknown
	Seat       orb.Point        `json:"seat"`
	HasSeat    bool             `json:"has_seat"`
	Boundary   orb.MultiPolygon `json:"boundary,omitempty"`
	Population Population       `json:"population"`
	Programme  *Programme       `json:"programme,omitempty"` // villages only
	Sources    Sources          `json:"provenance"`
}

// IsRural reports whether the 2016 urban-rural code is rural (2xx); known is false without a code.
func (d *Division) IsRural() (rural, known bool) {
	if d.URCode == "" {
		return false, false
	}
	return d.URCode[0] == '2', true
}
