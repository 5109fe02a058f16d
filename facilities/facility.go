package facilities

import (
	"encoding/json"
	"fmt"

	"github.com/civplan/civplan/divisions"
	"github.com/paulmach/orb"
)

// Kind is a facility kind (ARCHITECTURE.md "Words").
type Kind string

// The facility kinds of the seed document.
const (
	WelfareHome            Kind = "welfare_home"             // 农村福利院/敬老院
	RegionalCareCenter     Kind = "regional_care_center"     // 区域性养老服务中心
	DisabilityCareCenter   Kind = "disability_care_center"   // 失能半失能照护机构
	MutualAidElderly       Kind = "mutual_aid_elderly"       // 农村互助养老服务设施
	CommunityServiceCenter Kind = "community_service_center" // 农村社区综合服务设施
	PublicCemetery         Kind = "public_cemetery"          // 农村公益性公墓
	FuneralHome            Kind = "funeral_home"             // 殡仪馆
	MarriageRegistry       Kind = "marriage_registry"        // 婚姻登记处
)

// KindInfo describes a kind: its Chinese name, the division level it serves (its jurisdiction)
// and whether it has beds.
type KindInfo struct {
	Kind     Kind            `json:"kind"`
	NameZH   string          `json:"name_zh"`
	Serves   divisions.Level `json:"serves"`
	BedBased bool            `json:"bed_based"`
}

var kindInfos = []KindInfo{
	{WelfareHome, "农村福利院/敬老院", divisions.Township, true},
	{RegionalCareCenter, "区域性养老服务中心", divisions.Township, true},
	{DisabilityCareCenter, "失能半失能照护机构", divisions.County, true},
	{MutualAidElderly, "农村互助养老服务设施", divisions.Village, false},
	{CommunityServiceCenter, "农村社区综合服务设施", divisions.Village, false},
	{PublicCemetery, "农村公益性公墓", divisions.Township, false}, // village or township; township is the wider reading
	{FuneralHome, "殡仪馆", divisions.County, false},
	{MarriageRegistry, "婚姻登记处", divisions.County, false},
}

// Kinds lists every kind in a fixed order.
func Kinds() []KindInfo { return kindInfos }

// ParseKind validates a kind word.
func ParseKind(s string) (KindInfo, error) {
	for _, k := range kindInfos {
		if string(k.Kind) == s {
			return k, nil
		}
	}
	return KindInfo{}, fmt.Errorf("unknown facility kind %q", s)
}

// Status is a facility's life-cycle state.
type Status string

// Facility statuses; only StatusOperating counts for coverage.
const (
	StatusPlanned   Status = "planned"
	StatusBuilding  Status = "building"
	StatusOperating Status = "operating"
	StatusSuspended Status = "suspended"
	StatusClosed    Status = "closed"
)

// ParseStatus validates a status word.
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case StatusPlanned, StatusBuilding, StatusOperating, StatusSuspended, StatusClosed:
		return st, nil
	}
	return "", fmt.Errorf("unknown status %q (want planned, building, operating, suspended or closed)", s)
}

// Tri is a yes/no/unknown flag; it marshals as true, false or "unknown".
type Tri int8

// Tri values.
const (
	Unknown Tri = iota
	Yes
	No
)

// String is "true", "false" or "unknown" (the words of CSV and OGC properties).
func (t Tri) String() string {
	switch t {
	case Yes:
		return "true"
	case No:
		return "false"
	}
	return "unknown"
}

// MarshalJSON writes true, false or "unknown".
func (t Tri) MarshalJSON() ([]byte, error) {
	switch t {
	case Yes:
		return []byte("true"), nil
	case No:
		return []byte("false"), nil
	}
	return []byte(`"unknown"`), nil
}

// UnmarshalJSON reads true, false, "unknown" or null.
func (t *Tri) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true", `"true"`:
		*t = Yes
	case "false", `"false"`:
		*t = No
	case "null", `"unknown"`, `""`:
		*t = Unknown
	default:
		var s string
		_ = json.Unmarshal(b, &s)
		return fmt.Errorf("want true, false or \"unknown\", got %s", b)
	}
	return nil
}

// Renovation records the three renovations the seed asks of every rural welfare home.
type Renovation struct {
	FireSafety    Tri `json:"fire_safety"`
	Accessibility Tri `json:"accessibility"`
	SpecialCare   Tri `json:"special_care"`
}

// Facility is one facility point. Point is WGS84 lon/lat; Beds and FloorAreaM2 are 0 when
// not applicable or unknown; Opened is an ISO date ("" unknown).
type Facility struct {
	ID           int64                `json:"id"`
	Kind         Kind                 `json:"kind"`
	Name         string               `json:"name"`
	DivisionCode divisions.Code       `json:"division_code"`
	Point        orb.Point            `json:"point"`
	Status       Status               `json:"status"`
	Beds         int                  `json:"beds,omitempty"`
	FloorAreaM2  float64              `json:"floor_area_m2,omitempty"`
	Renovated    Renovation           `json:"renovated"`
	Opened       string               `json:"opened,omitempty"`
	PlanID       int64                `json:"plan_id,omitempty"` // set on planned facilities of a saved siting plan
	Provenance   divisions.Provenance `json:"provenance"`
	// Version is the store's change-log version of the facility's last change (its ETag); 0
	// where unknown (a facility not read from a store).
	Version int64 `json:"version,omitempty"`
}
