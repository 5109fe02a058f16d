package divisions

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// OpKind names a scenario operation.
type OpKind string

// The scenario operations (ARCHITECTURE.md "POST /api/v1/scenarios").
const (
	OpMerge      OpKind = "merge"       // townships or villages → a surviving unit (Into) or a new unit (Into "")
	OpTransfer   OpKind = "transfer"    // villages to another township, townships to another county
	OpChangeKind OpKind = "change_kind" // 乡→镇, 镇→街道, 县→县级市 (撤县设市), 县/县级市→市辖区 (撤县设区), 村↔居
	OpMoveSeat   OpKind = "move_seat"   // a new government seat (a village's point for villages)
	OpRename     OpKind = "rename"      // a new official name
	OpApplyPlan  OpKind = "apply_plan"  // the planned facilities of a saved siting plan count as operating
)

// Op is one operation of a scenario. Which fields apply depends on Op; codes may be short or
// 12-digit. Seat is [lon, lat] in WGS84 degrees.
type Op struct {
	Op          OpKind      `json:"op"`
	Units       []string    `json:"units,omitempty"`        // merge, transfer
	Into        string      `json:"into,omitempty"`         // merge: the surviving unit; "" = a new unit
	To          string      `json:"to,omitempty"`           // transfer: the new parent
	Unit        string      `json:"unit,omitempty"`         // change_kind, move_seat, rename
	Kind        Kind        `json:"kind,omitempty"`         // change_kind: the new kind; merge into a new unit: its kind (default: the first unit's)
	Parent      string      `json:"parent,omitempty"`       // change_kind: the new parent; merge into a new unit across parents: its parent
	Name        string      `json:"name,omitempty"`         // merge, change_kind, rename
	Seat        *[2]float64 `json:"seat,omitempty"`         // merge, move_seat
	Plan        int64       `json:"plan,omitempty"`         // apply_plan
	CrossParent bool        `json:"cross_parent,omitempty"` // merge: the units may have different parents
	// NewCode is the code of a merge's new unit when it is already known (an official code, as
	// in the 2022→2023 replay); "" = propose one. It must not belong to an existing unit.
	NewCode string `json:"new_code,omitempty"`
}

// Scenario statuses.
const (
	StatusDraft     = "draft"
	StatusReview    = "review"
	StatusSubmitted = "submitted"
	StatusApproved  = "approved"
	StatusRejected  = "rejected"
)

// ParseScenarioStatus validates a status word ("" = draft).
func ParseScenarioStatus(s string) (string, error) {
	switch s {
	case "":
		return StatusDraft, nil
	case StatusDraft, StatusReview, StatusSubmitted, StatusApproved, StatusRejected:
		return s, nil
	}
	return "", fmt.Errorf("unknown scenario status %q (want draft, review, submitted, approved or rejected)", s)
}

// Scenario is a named, ordered list of operations on the base tree. It never changes the base:
// Apply works on a copy. ApprovalDate is an ISO date ("" = not approved).
type Scenario struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Status       string    `json:"status"`
	Author       string    `json:"author"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
	ApprovalDate string    `json:"approval_date,omitempty"`
	Notes        string    `json:"notes,omitempty"`
	Inputs       *Inputs   `json:"inputs,omitempty"` // planner-supplied indicators for the statutory checks
	Ops          []Op      `json:"ops"`
	// ReplayCSV, when set, is a published code change list (code, level, change, name_2022,
	// name_2023, …) to replay: the earlier state is rebuilt on the current tree and the
	// operations are derived from the list (Ops must then be empty). See BuildReplay.
	ReplayCSV string `json:"replay_csv,omitempty"`
}

// OpError says which operation of a scenario is wrong and why; Index is 0-based.
type OpError struct {
	Index  int
	Op     OpKind
	Reason string
}

func (e *OpError) Error() string {
	return fmt.Sprintf("operation %d (%s): %s", e.Index+1, e.Op, e.Reason)
}

// CodeChange is one row of the old→new code table (变更对照表). OldCode is "" for a unit
// the scenario creates; NewCode is the code that carries the unit's territory afterwards
// (the surviving unit for a merged one). New codes are proposals, not official codes.
type CodeChange struct {
	OldCode Code   `json:"old_code,omitempty"`
	OldName string `json:"old_name,omitempty"`
	NewCode Code   `json:"new_code"`
	NewName string `json:"new_name"`
	Level   Level  `json:"level"`
	Change  string `json:"change"` // merged_into, renumbered, renamed, kind_changed, transferred, new, seat_moved, territory_changed
	Op      int    `json:"op"`     // 1-based index of the (last) operation that caused it
}

// Change words of a CodeChange.
const (
	ChangeMergedInto       = "merged_into"
	ChangeRenumbered       = "renumbered"
	ChangeRenamed          = "renamed"
	ChangeKindChanged      = "kind_changed"
	ChangeTransferred      = "transferred"
	ChangeNew              = "new"
	ChangeSeatMoved        = "seat_moved"
	ChangeTerritoryChanged = "territory_changed"
)

// Result is a scenario applied to a base tree. Fate maps every base code whose unit changed
// code or was merged to the after-code that carries it; base codes missing from Fate are
// unchanged. Affected lists the after-codes of units whose territory, kind, name or seat
// changed (plus their new ancestors up to the county), by code.
type Result struct {
	Base     *Tree
	After    *Tree
	Fate     map[Code]Code
	Codes    []CodeChange
	Affected []Code
	// Sources maps an after-code of an affected unit to the base codes whose territory it
	// holds (for a merge: every merged unit; for an unchanged or renumbered one: itself).
	Sources   map[Code][]Code
	Plans     []int64
	Geometry  []GeometryReport
	SeatMoves []SeatMove
	Notes     []string // assumptions the answer rests on (e.g. village transfers keep township boundaries)
	ops       []Op
}

// SeatMove records a moved seat (op move_seat, or a merge that names a seat).
type SeatMove struct {
	Code Code      `json:"code"`
	From orb.Point `json:"from"`
	To   orb.Point `json:"to"`
	Op   int       `json:"op"`
}

// ApplyOptions tunes Apply. Zero values mean the defaults.
type ApplyOptions struct {
	// Retired codes that once existed and must never be proposed again (e.g. the removed codes
	// of a published change list); every code of the base tree is always retired.
	Retired map[Code]bool
	// PlanExists validates apply_plan operations; nil accepts any positive plan id.
	PlanExists func(id int64) bool
	// Geometry controls unions; the zero value uses DefaultUnionOptions.
	Geometry *UnionOptions
	// Context, when set, stops Apply between operations and between unions once it ends (the
	// client went or a deadline passed); Apply then returns its error. nil = never stopped.
	Context context.Context
}

// stopped is the error of opt.Context once it has ended, else nil.
func (opt *ApplyOptions) stopped() error {
	if opt.Context == nil {
		return nil
	}
	return opt.Context.Err()
}

// state is the working copy of a tree during Apply. Units are copied on first write; base
// units are shared until then and never modified.
type state struct {
	base     *Tree
	divs     map[Code]*Division     // units changed, added (non-nil) or removed (nil) relative to base
	owned    map[Code]bool          // divs[c] is a private copy
	kids     map[Code]map[Code]bool // current children
	used     map[Code]bool          // codes that exist or existed: never proposed again
	fate     map[Code]Code          // base code → current code
	members  map[Code][]Code        // current code → base codes whose fate it is
	gone     map[Code]string        // current codes that disappeared → why
	moved    map[Code][]Code        // base code of a transferred unit → parents it was moved out of
	touched  map[Code]int           // current code → 1-based op that last changed it
	geomDirt map[Code]bool          // current codes whose boundary must be recomputed from children or parts
	parts    map[Code][]part        // current code of a merged township → the territories merged into it
	codes    map[Code]*CodeChange   // base code → its row
	created  map[Code]*CodeChange   // current code → row of a unit the scenario creates
	seats    []pendingSeat          // seats to check against the rebuilt boundaries
	movedTo  map[Code]Code          // code → the code it was renumbered to (not for merged units)
	// unionAreas are the boundaries rebuilt by rebuildBoundaries with their area in km²
	unionAreas map[Code]unionArea
	res        *Result
	opt        ApplyOptions
}

// unionArea is a rebuilt boundary and its area in km².
type unionArea struct {
	b   orb.MultiPolygon
	km2 float64
}

// part is one territory of a merged unit: the unit's code when it was merged, and its boundary.
type part struct {
	code     Code
	boundary orb.MultiPolygon
}

// Apply runs ops in order on a copy of base and returns the result; base is never changed. A
// bad operation gives an *OpError naming it and the reason.
func Apply(base *Tree, ops []Op, opt ApplyOptions) (*Result, error) {
	if base == nil {
		return nil, fmt.Errorf("apply scenario: no base tree")
	}
	s := &state{
		base: base, divs: map[Code]*Division{}, owned: map[Code]bool{},
		kids: map[Code]map[Code]bool{}, used: map[Code]bool{},
		fate: map[Code]Code{}, members: map[Code][]Code{}, gone: map[Code]string{}, moved: map[Code][]Code{},
		touched: map[Code]int{}, geomDirt: map[Code]bool{}, parts: map[Code][]part{},
		codes: map[Code]*CodeChange{}, created: map[Code]*CodeChange{}, movedTo: map[Code]Code{}, opt: opt,
		res: &Result{Base: base, Fate: map[Code]Code{}, Sources: map[Code][]Code{}, ops: ops},
	}
	for c := range opt.Retired {
		s.used[c] = true
	}
	for i, op := range ops {
		if err := opt.stopped(); err != nil {
			return nil, err
		}
		if err := s.apply(i, op); err != nil {
			return nil, err
		}
	}
	if err := s.finish(); err != nil {
		return nil, err
	}
	return s.res, nil
}

func opErr(i int, op OpKind, format string, args ...any) error {
	return &OpError{Index: i, Op: op, Reason: fmt.Sprintf(format, args...)}
}

// children returns the current children of c, sorted by code.
func (s *state) children(c Code) []Code {
	if m, ok := s.kids[c]; ok {
		out := make([]Code, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		sortCodes(out)
		return out
	}
	var out []Code
	for _, d := range s.base.Children(c) {
		out = append(out, d.Code)
	}
	return out
}

// kidSet materialises the children set of c for editing.
func (s *state) kidSet(c Code) map[Code]bool {
	if m, ok := s.kids[c]; ok {
		return m
	}
	m := map[Code]bool{}
	for _, d := range s.base.Children(c) {
		m[d.Code] = true
	}
	s.kids[c] = m
	return m
}

// mut returns a private, writable copy of unit c.
func (s *state) mut(c Code) *Division {
	d := s.get(c)
	if !s.owned[c] {
		cp := *d
		d = &cp
		s.divs[c] = d
		s.owned[c] = true
	}
	return d
}

// lookup resolves a code string of operation i to an existing current unit.
func (s *state) lookup(i int, op OpKind, field, raw string) (*Division, error) {
	if raw == "" {
		return nil, opErr(i, op, "%s is missing", field)
	}
	c, err := ParseCode(raw)
	if err != nil {
		return nil, opErr(i, op, "%s: %v", field, err)
	}
	if d := s.get(c); d != nil {
		return d, nil
	}
	// A unit renumbered by an earlier operation may still be named by its old code.
	for x, n := c, 0; n < 64; n++ {
		nx, ok := s.movedTo[x]
		if !ok {
			break
		}
		if d := s.get(nx); d != nil {
			return d, nil
		}
		x = nx
	}
	if why, ok := s.gone[c]; ok {
		return nil, opErr(i, op, "%s %s no longer exists in this scenario: %s", field, c, why)
	}
	if f, ok := s.fate[c]; ok && f != c {
		return nil, opErr(i, op, "%s %s no longer exists in this scenario: it is now %s", field, c, f)
	}
	return nil, opErr(i, op, "%s %s does not exist", field, c)
}

// membersOf returns the base codes whose fate is current code c.
func (s *state) membersOf(c Code) []Code {
	if m, ok := s.members[c]; ok {
		return m
	}
	if s.base.Get(c) != nil {
		if _, moved := s.fate[c]; !moved {
			return []Code{c}
		}
	}
	return nil
}

// setFate records that the base codes of current unit from are now carried by to.
func (s *state) setFate(from, to Code) {
	ms := s.membersOf(from)
	for _, m := range ms {
		s.fate[m] = to
	}
	delete(s.members, from)
	if from != to {
		s.members[to] = append(s.membersOf(to), ms...)
	}
}

// row returns the code-table row of base unit b (creating it).
func (s *state) row(b Code) *CodeChange {
	r := s.codes[b]
	if r == nil {
		d := s.base.Get(b)
		r = &CodeChange{OldCode: b, OldName: d.Name, Level: d.Level}
		s.codes[b] = r
	}
	return r
}

// mark records a change of kind what by op i on every base unit carried by current unit c
// (a row lists each distinct change once, in order, joined by "+").
func (s *state) mark(i int, c Code, what string) {
	s.touched[c] = i + 1
	for _, b := range s.membersOf(c) {
		addChange(s.row(b), what, i)
	}
	if r := s.created[c]; r != nil {
		addChange(r, what, i)
	}
}

func addChange(r *CodeChange, what string, i int) {
	r.Op = i + 1
	for _, w := range strings.Split(r.Change, "+") {
		if w == what {
			return
		}
	}
	if r.Change == "" {
		r.Change = what
	} else {
		r.Change += "+" + what
	}
}

// rekey moves unit c and its subtree to code nc (same level), keeping the children's own parts.
func (s *state) rekey(c, nc Code) {
	if c == nc {
		return
	}
	kids := s.children(c)
	d := s.mut(c)
	s.divs[c] = nil
	delete(s.owned, c)
	d.Code = nc
	d.Parent = nc.Parent()
	s.divs[nc] = d
	s.owned[nc] = true
	s.used[nc] = true
	s.setFate(c, nc)
	if t, ok := s.touched[c]; ok {
		s.touched[nc] = t
		delete(s.touched, c)
	}
	if s.geomDirt[c] {
		s.geomDirt[nc] = true
		delete(s.geomDirt, c)
	}
	if p, ok := s.parts[c]; ok {
		s.parts[nc] = p
		delete(s.parts, c)
	}
	if r := s.created[c]; r != nil {
		r.NewCode = nc
		s.created[nc] = r
		delete(s.created, c)
	}
	s.gone[c] = fmt.Sprintf("renumbered to %s", nc)
	s.movedTo[c] = nc
	if op := s.kidSet(c.Parent()); op != nil {
		delete(op, c)
	}
	s.kidSet(nc.Parent())[nc] = true
	nk := map[Code]bool{}
	s.kids[nc] = nk
	delete(s.kids, c)
	n := shortLen[nc.Level()]
	for _, k := range kids {
		kc := Code(string(nc[:n]) + string(k[n:]))
		s.kids[nc] = nk // rekey of k re-inserts into nk via kidSet(nc)
		s.rekey(k, kc)
	}
}

// detach removes current unit c from its parent's children.
func (s *state) detach(c Code) { delete(s.kidSet(c.Parent()), c) }

// apply runs one operation.
func (s *state) apply(i int, op Op) error {
	switch op.Op {
	case OpMerge:
		return s.merge(i, op)
	case OpTransfer:
		return s.transfer(i, op)
	case OpChangeKind:
		return s.changeKind(i, op)
	case OpMoveSeat:
		return s.moveSeat(i, op)
	case OpRename:
		return s.rename(i, op)
	case OpApplyPlan:
		if op.Plan <= 0 {
			return opErr(i, op.Op, "plan must be a positive plan id, got %d", op.Plan)
		}
		if s.opt.PlanExists != nil && !s.opt.PlanExists(op.Plan) {
			return opErr(i, op.Op, "plan %d does not exist", op.Plan)
		}
		for _, p := range s.res.Plans {
			if p == op.Plan {
				return opErr(i, op.Op, "plan %d is applied twice", op.Plan)
			}
		}
		s.res.Plans = append(s.res.Plans, op.Plan)
		return nil
	case "":
		return opErr(i, op.Op, "the op field is missing (want merge, transfer, change_kind, move_seat, rename or apply_plan)")
	}
	return opErr(i, op.Op, "unknown operation %q (want merge, transfer, change_kind, move_seat, rename or apply_plan)", op.Op)
}

// seatOf validates an optional seat field.
func seatOf(i int, op OpKind, seat *[2]float64) (orb.Point, bool, error) {
	if seat == nil {
		return orb.Point{}, false, nil
	}
	lon, lat := seat[0], seat[1]
	if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return orb.Point{}, false, opErr(i, op, "seat [%g, %g] is not a WGS84 longitude/latitude", lon, lat)
	}
	return orb.Point{lon, lat}, true, nil
}

// units resolves the distinct units of a merge or transfer.
func (s *state) units(i int, op Op, min int) ([]*Division, error) {
	if len(op.Units) < min {
		return nil, opErr(i, op.Op, "units: want at least %d unit(s), got %d", min, len(op.Units))
	}
	seen := map[Code]bool{}
	var out []*Division
	for _, raw := range op.Units {
		d, err := s.lookup(i, op.Op, "unit", raw)
		if err != nil {
			return nil, err
		}
		if seen[d.Code] {
			return nil, opErr(i, op.Op, "unit %s is listed twice", d.Code)
		}
		seen[d.Code] = true
		out = append(out, d)
	}
	return out, nil
}

// merge joins townships or villages into a surviving unit or a new one.
func (s *state) merge(i int, op Op) error {
	us, err := s.mergeUnits(i, op)
	if err != nil {
		return err
	}
	seat, hasSeat, err := seatOf(i, op.Op, op.Seat)
	if err != nil {
		return err
	}
	var into *Division
	if op.Into != "" {
		if into, err = s.mergeSurvivor(i, op, us); err != nil {
			return err
		}
	} else if into, err = s.newMergeUnit(i, op, us); err != nil {
		return err
	}
	dst := s.mut(into.Code)
	s.mark(i, dst.Code, ChangeTerritoryChanged)
	if op.Name != "" && op.Name != dst.Name {
		dst.Name = op.Name
		dst.ShortName = ShortName(op.Name)
		if op.Into != "" {
			s.mark(i, dst.Code, ChangeRenamed)
		}
	}
	var parts []part
	if p, ok := s.parts[dst.Code]; ok {
		parts = append(parts, p...)
	} else if op.Into != "" {
		parts = append(parts, part{dst.Code, dst.Boundary})
	}
	var pop Population
	provs := []Provenance{}
	if op.Into != "" {
		pop = dst.Population
		provs = append(provs, dst.Sources.Population)
	}
	for _, u := range us {
		if u.Code == dst.Code {
			continue
		}
		pop = pop.Add(u.Population)
		provs = append(provs, u.Sources.Population)
		if p, ok := s.parts[u.Code]; ok {
			parts = append(parts, p...)
		} else {
			parts = append(parts, part{u.Code, u.Boundary})
		}
		if err := s.absorb(i, op, dst, u); err != nil {
			return err
		}
	}
	dst.Population = pop
	dst.Sources.Population = Weakest(provs...)
	if dst.Level == Township {
		s.parts[dst.Code] = parts
		s.geomDirt[dst.Code] = true
		if dst.Parent != us[0].Parent || op.CrossParent {
			for _, u := range us {
				s.geomDirt[u.Parent] = true
			}
		}
	}
	if hasSeat {
		if dst.HasSeat && dst.Seat != seat {
			s.res.SeatMoves = append(s.res.SeatMoves, SeatMove{Code: dst.Code, From: dst.Seat, To: seat, Op: i + 1})
		}
		dst.Seat, dst.HasSeat = seat, true
		s.pendingSeat(i, op.Op, dst.Code, seat)
	}
	return nil
}

// mergeUnits resolves and validates the units of merge op i: townships or villages of one
// level, of one parent unless cross_parent.
func (s *state) mergeUnits(i int, op Op) ([]*Division, error) {
	min := 2
	if op.Into == "" {
		min = 1 // one unit re-established under a new code and name (撤销并新设)
	}
	us, err := s.units(i, op, min)
	if err != nil {
		return nil, err
	}
	lvl := us[0].Level
	if lvl != Township && lvl != Village {
		return nil, opErr(i, op.Op, "unit %s is a %s: only townships or villages can be merged", us[0].Code, lvl)
	}
	parent := us[0].Parent
	for _, u := range us[1:] {
		if u.Level != lvl {
			return nil, opErr(i, op.Op, "units %s (%s) and %s (%s) are of different levels", us[0].Code, lvl, u.Code, u.Level)
		}
		if u.Parent != parent && !op.CrossParent {
			return nil, opErr(i, op.Op, "units %s and %s have different parents (%s, %s); set \"cross_parent\": true to merge across parents",
				us[0].Code, u.Code, parent, u.Parent)
		}
	}
	return us, nil
}

// mergeSurvivor resolves the into unit of merge op i, which must be one of the merged units.
func (s *state) mergeSurvivor(i int, op Op, us []*Division) (*Division, error) {
	d, err := s.lookup(i, op.Op, "into", op.Into)
	if err != nil {
		return nil, err
	}
	for _, u := range us {
		if u.Code == d.Code {
			return d, nil
		}
	}
	return nil, opErr(i, op.Op, "into %s is not one of the merged units", d.Code)
}

// newMergeUnit creates the new unit of merge op i (into omitted): its parent (op.Parent, else
// the units' common parent), kind (op.Kind, else the first unit's), name and code (op.NewCode,
// else a proposed one).
func (s *state) newMergeUnit(i int, op Op, us []*Division) (*Division, error) {
	lvl, par := us[0].Level, us[0].Parent
	if op.Parent != "" {
		p, err := s.lookup(i, op.Op, "parent", op.Parent)
		if err != nil {
			return nil, err
		}
		if p.Level != lvl-1 {
			return nil, opErr(i, op.Op, "parent %s is a %s, want a %s", p.Code, p.Level, lvl-1)
		}
		par = p.Code
	} else if op.CrossParent {
		for _, u := range us[1:] {
			if u.Parent != par {
				return nil, opErr(i, op.Op, "the merged units have different parents: name the new unit's parent")
			}
		}
	}
	kind := op.Kind
	if kind == "" {
		kind = us[0].Kind
	}
	if _, _, ok := kind.CodeRange(); !ok || levelOfKind(kind) != lvl {
		return nil, opErr(i, op.Op, "kind %q is not a %s kind", kind, lvl)
	}
	if strings.TrimSpace(op.Name) == "" {
		return nil, opErr(i, op.Op, "a merge into a new unit needs a name")
	}
	code, err := s.newMergeCode(i, op, lvl, par, kind)
	if err != nil {
		return nil, err
	}
	s.used[code] = true
	nd := &Division{Code: code, Level: lvl, Kind: kind, Parent: par, Seat: us[0].Seat, HasSeat: us[0].HasSeat,
		URCode: us[0].URCode, Sources: us[0].Sources}
	nd.Sources.Attributes = Derived
	s.divs[code] = nd
	s.owned[code] = true
	s.kids[code] = map[Code]bool{}
	s.kidSet(par)[code] = true
	s.created[code] = &CodeChange{NewCode: code, Level: lvl, Change: ChangeNew, Op: i + 1}
	return nd, nil
}

// newMergeCode is the code of merge op i's new unit: op.NewCode when given (a free code of
// the right level, parent and kind), else a proposed one.
func (s *state) newMergeCode(i int, op Op, lvl Level, par Code, kind Kind) (Code, error) {
	if op.NewCode == "" {
		code, err := ProposeCode(par, kind, s.taken)
		if err != nil {
			return "", opErr(i, op.Op, "%v", err)
		}
		return code, nil
	}
	c, err := ParseCode(op.NewCode)
	if err != nil {
		return "", opErr(i, op.Op, "new_code: %v", err)
	}
	if c.Level() != lvl || c.Parent() != par {
		return "", opErr(i, op.Op, "new_code %s is not a %s code under %s", c, lvl, par)
	}
	if s.get(c) != nil {
		return "", opErr(i, op.Op, "new_code %s belongs to an existing unit", c)
	}
	if KindOf(c, op.Name) != kind {
		return "", opErr(i, op.Op, "new_code %s is numbered as a %s, not a %s", c, KindOf(c, op.Name), kind)
	}
	return c, nil
}

// absorb merges unit u into dst (operation i): u's children are renumbered under dst, u's
// population leaves its parent when dst has another (as a transfer's would), and u is gone.
func (s *state) absorb(i int, op Op, dst, u *Division) error {
	for _, k := range s.children(u.Code) {
		kd := s.get(k)
		nc, err := ProposeCode(dst.Code, kd.Kind, s.taken)
		if err != nil {
			return opErr(i, op.Op, "renumbering %s under %s: %v", k, dst.Code, err)
		}
		s.used[nc] = true
		s.rekey(k, nc)
		s.mark(i, nc, ChangeRenumbered)
		for _, g := range s.descendantsNow(nc) {
			s.mark(i, g, ChangeRenumbered)
		}
	}
	if u.Parent != dst.Parent {
		// Across parents the merge moves u's territory and people like a transfer: the
		// parents on both sides change, and so do their populations up to the common ancestor.
		s.shiftPopulation(u.Parent, dst.Parent, u.Population)
		s.mark(i, u.Parent, ChangeTerritoryChanged)
		s.mark(i, dst.Parent, ChangeTerritoryChanged)
	}
	s.mark(i, u.Code, ChangeMergedInto)
	s.detach(u.Code)
	s.divs[u.Code] = nil
	delete(s.owned, u.Code)
	delete(s.kids, u.Code)
	delete(s.parts, u.Code)
	s.setFate(u.Code, dst.Code)
	s.gone[u.Code] = fmt.Sprintf("merged into %s by operation %d", dst.Code, i+1)
	return nil
}

// pendingSeats are seats to check against boundaries once geometry is rebuilt.
type pendingSeat struct {
	op   int
	kind OpKind
	code Code
	seat orb.Point
}

func (s *state) pendingSeat(i int, op OpKind, c Code, p orb.Point) {
	s.seats = append(s.seats, pendingSeat{i, op, c, p})
}

// taken reports whether code c exists or existed.
func (s *state) taken(c Code) bool { return s.used[c] || s.base.Get(c) != nil }

// get returns the current unit with code c (nil when it does not exist or no longer does).
func (s *state) get(c Code) *Division {
	if d, ok := s.divs[c]; ok {
		return d
	}
	return s.base.Get(c)
}

// transfer moves villages to another township or townships to another county.
func (s *state) transfer(i int, op Op) error {
	us, err := s.units(i, op, 1)
	if err != nil {
		return err
	}
	to, err := s.lookup(i, op.Op, "to", op.To)
	if err != nil {
		return err
	}
	for _, u := range us {
		if u.Level != Township && u.Level != Village {
			return opErr(i, op.Op, "unit %s is a %s: only villages (to a township) or townships (to a county) can be transferred", u.Code, u.Level)
		}
		if to.Code.Within(u.Code) {
			return opErr(i, op.Op, "cannot transfer %s into %s, which lies within it (a cycle)", u.Code, to.Code)
		}
		if to.Level != u.Level-1 {
			return opErr(i, op.Op, "unit %s is a %s: its new parent must be a %s, but %s is a %s", u.Code, u.Level, u.Level-1, to.Code, to.Level)
		}
		if u.Parent == to.Code {
			return opErr(i, op.Op, "unit %s already belongs to %s", u.Code, to.Code)
		}
		if to.Kind == KindGroup || to.Kind == KindStatistical {
			return opErr(i, op.Op, "%s (%s) is a statistical unit without legal territory: it cannot receive %s", to.Code, to.Kind, u.Code)
		}
		for _, b := range s.membersOf(u.Code) {
			for _, prev := range s.moved[b] {
				if prev == to.Code {
					return opErr(i, op.Op, "unit %s would return to %s, which an earlier operation moved it out of (a cycle of transfers)", u.Code, to.Code)
				}
			}
		}
	}
	for _, u := range us {
		from := u.Parent
		nc, err := ProposeCode(to.Code, u.Kind, s.taken)
		if err != nil {
			return opErr(i, op.Op, "numbering %s under %s: %v", u.Code, to.Code, err)
		}
		for _, b := range s.membersOf(u.Code) {
			s.moved[b] = append(s.moved[b], from)
		}
		s.used[nc] = true
		s.rekey(u.Code, nc)
		s.mark(i, nc, ChangeTransferred)
		for _, k := range s.descendantsNow(nc) {
			s.mark(i, k, ChangeRenumbered)
		}
		s.touched[from] = i + 1
		s.touched[to.Code] = i + 1
		s.mark(i, from, ChangeTerritoryChanged)
		s.mark(i, to.Code, ChangeTerritoryChanged)
		if u.Level == Township {
			s.geomDirt[from] = true
			s.geomDirt[to.Code] = true
		}
		s.shiftPopulation(from, to.Code, s.get(nc).Population)
	}
	return nil
}

// shiftPopulation moves pop from the ancestors of from (inclusive) to those of to, up to their
// common ancestor.
func (s *state) shiftPopulation(from, to Code, pop Population) {
	neg := Population{-pop.Total, -pop.Age60, -pop.Age65}
	for c := from; c != "" && !to.Within(c); c = c.Parent() {
		if s.get(c) == nil {
			break
		}
		d := s.mut(c)
		d.Population = d.Population.Add(neg)
	}
	for c := to; c != "" && !from.Within(c); c = c.Parent() {
		if s.get(c) == nil {
			break
		}
		d := s.mut(c)
		d.Population = d.Population.Add(pop)
	}
}

// descendantsNow lists the current descendants of c (not c).
func (s *state) descendantsNow(c Code) []Code {
	var out []Code
	for _, k := range s.children(c) {
		out = append(out, k)
		out = append(out, s.descendantsNow(k)...)
	}
	return out
}

// levelOfKind is the level a kind belongs to (0 for none).
func levelOfKind(k Kind) Level {
	switch k {
	case KindProvince:
		return Province
	case KindPrefectureCity, KindAutonomousPrefecture, KindGroup:
		return Prefecture
	case KindDistrict, KindCountyCity, KindCounty, KindAutonomousCounty, KindForestryDistrict, KindStatistical:
		return County
	case KindSubdistrict, KindTown, KindTownship, KindTownshipLike:
		return Township
	case KindResidentsCommittee, KindVillageCommittee, KindResidentsLike, KindVillageLike:
		return Village
	}
	return 0
}

// kindSuffixes are the name endings that follow a unit's kind, for automatic renames.
var kindSuffixes = map[Kind]string{
	KindTown: "镇", KindTownship: "乡", KindSubdistrict: "街道", KindCounty: "县", KindCountyCity: "市",
	KindDistrict: "区",
}

// renameForKind turns "某乡" into "某镇" and similar when the name ends in the old kind's word;
// ok is false when it does not (the caller then keeps the name and says so).
func renameForKind(name string, from, to Kind) (string, bool) {
	fs, ts := kindSuffixes[from], kindSuffixes[to]
	if fs == "" || ts == "" || !strings.HasSuffix(name, fs) {
		return name, false
	}
	return strings.TrimSuffix(name, fs) + ts, true
}

// changeKind changes a unit's kind (and its code range, and for counties possibly its parent).
func (s *state) changeKind(i int, op Op) error {
	u, err := s.lookup(i, op.Op, "unit", op.Unit)
	if err != nil {
		return err
	}
	if op.Kind == "" {
		return opErr(i, op.Op, "kind is missing")
	}
	if lk := levelOfKind(op.Kind); lk != u.Level {
		return opErr(i, op.Op, "kind %q is not a %s kind (unit %s is a %s)", op.Kind, u.Level, u.Code, u.Level)
	}
	switch u.Level {
	case Township, Village, County:
	default:
		return opErr(i, op.Op, "unit %s is a %s: change_kind applies to counties, townships and villages", u.Code, u.Level)
	}
	if op.Kind == KindGroup || op.Kind == KindStatistical || op.Kind == KindForestryDistrict || op.Kind == KindAutonomousCounty {
		return opErr(i, op.Op, "kind %q cannot be the result of a change_kind", op.Kind)
	}
	parent := u.Parent
	if op.Parent != "" {
		p, err := s.lookup(i, op.Op, "parent", op.Parent)
		if err != nil {
			return err
		}
		if p.Level != u.Level-1 {
			return opErr(i, op.Op, "parent %s is a %s, want a %s", p.Code, p.Level, u.Level-1)
		}
		parent = p.Code
	}
	if op.Kind == u.Kind && parent == u.Parent {
		return opErr(i, op.Op, "unit %s is already a %s", u.Code, op.Kind)
	}
	if op.Kind == KindDistrict {
		if pd := s.get(parent); pd == nil || pd.Kind != KindPrefectureCity {
			return opErr(i, op.Op, "a 市辖区 needs a prefecture-level city as parent; %s is not one (name the parent)", parent)
		}
	}
	name := u.Name
	if op.Name != "" {
		name = op.Name
	} else if n, ok := renameForKind(u.Name, u.Kind, op.Kind); ok {
		name = n
	} else {
		s.res.Notes = append(s.res.Notes, fmt.Sprintf("operation %d: the name %s was kept; give \"name\" to rename it", i+1, u.Name))
	}
	nc := u.Code
	if lo, hi, ok := codeRangeOf(op.Kind); ok {
		n := partNum(u.Code)
		if parent != u.Parent || n < lo || n > hi {
			nc, err = ProposeCode(parent, op.Kind, s.taken)
			if err != nil {
				return opErr(i, op.Op, "%v", err)
			}
		}
	}
	old := u.Code
	d := s.mut(old)
	d.Kind = op.Kind
	d.Name, d.ShortName = name, ShortName(name)
	d.Sources.Attributes = Derived
	if nc != old {
		s.used[nc] = true
		s.rekey(old, nc)
		if parent != u.Parent {
			s.shiftPopulation(u.Parent, parent, d.Population)
			s.geomDirt[u.Parent] = true
			s.geomDirt[parent] = true
		}
		for _, k := range s.descendantsNow(nc) {
			s.mark(i, k, ChangeRenumbered)
		}
	}
	s.mark(i, nc, ChangeKindChanged)
	if name != u.Name {
		s.mark(i, nc, ChangeRenamed)
	}
	return nil
}

// codeRangeOf extends Kind.CodeRange to county kinds (GB/T 2260 numbering: 01–20 市辖区,
// 21–80 县 and 自治县, 81–99 县级市).
func codeRangeOf(k Kind) (lo, hi int, ok bool) {
	switch k {
	case KindDistrict:
		return 1, 20, true
	case KindCounty, KindAutonomousCounty:
		return 21, 80, true
	case KindCountyCity:
		return 81, 99, true
	}
	return k.CodeRange()
}

// partNum is the numeric value of a code's own part.
func partNum(c Code) int {
	n := 0
	for _, ch := range c.Part() {
		n = n*10 + int(ch-'0')
	}
	return n
}

func (s *state) moveSeat(i int, op Op) error {
	u, err := s.lookup(i, op.Op, "unit", op.Unit)
	if err != nil {
		return err
	}
	seat, ok, err := seatOf(i, op.Op, op.Seat)
	if err != nil {
		return err
	}
	if !ok {
		return opErr(i, op.Op, "seat is missing")
	}
	d := s.mut(u.Code)
	s.res.SeatMoves = append(s.res.SeatMoves, SeatMove{Code: u.Code, From: d.Seat, To: seat, Op: i + 1})
	d.Seat, d.HasSeat = seat, true
	d.Sources.Seat = Generated
	s.pendingSeat(i, op.Op, u.Code, seat)
	s.mark(i, u.Code, ChangeSeatMoved)
	return nil
}

func (s *state) rename(i int, op Op) error {
	u, err := s.lookup(i, op.Op, "unit", op.Unit)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(op.Name)
	if name == "" {
		return opErr(i, op.Op, "name is missing")
	}
	if name == u.Name {
		return opErr(i, op.Op, "unit %s is already called %s", u.Code, name)
	}
	d := s.mut(u.Code)
	d.Name, d.ShortName = name, ShortName(name)
	s.mark(i, u.Code, ChangeRenamed)
	return nil
}

// sortCodes sorts codes ascending.
func sortCodes(cs []Code) { sort.Slice(cs, func(i, j int) bool { return cs[i] < cs[j] }) }

// finish rebuilds boundaries, checks seats, fills the code table and builds the after tree.
func (s *state) finish() error {
	gopt := DefaultUnionOptions()
	if s.opt.Geometry != nil {
		gopt = *s.opt.Geometry
	}
	if err := s.rebuildBoundaries(gopt); err != nil {
		return err
	}
	if err := s.checkSeats(); err != nil {
		return err
	}
	s.fillCodeTable()
	s.fillAffected()
	t, err := overlayTree(s.base, s.divs)
	if err != nil {
		return fmt.Errorf("apply scenario: %w", err)
	}
	for c, ua := range s.unionAreas { // the unions' areas are known: Impact asks for them again
		if d := t.byCode[c]; d != nil && sameMP(d.Boundary, ua.b) {
			t.areas.put(d, ua.km2)
		}
	}
	s.res.After = t
	return nil
}

// rebuildBoundaries unions the parts of merged townships, then the townships of counties
// whose townships changed, and reports each union; it stops with the error of the caller's
// context once that ends (ApplyOptions.Context).
func (s *state) rebuildBoundaries(gopt UnionOptions) error {
	var dirty []Code
	for c := range s.geomDirt {
		if s.get(c) != nil {
			dirty = append(dirty, c)
		}
	}
	sort.Slice(dirty, func(i, j int) bool {
		li, lj := dirty[i].Level(), dirty[j].Level()
		if li != lj {
			return li > lj
		}
		return dirty[i] < dirty[j]
	})
	// a part's area: a union built here, else the base unit's memoised area
	unionAreas := map[Code]unionArea{}
	areaOf := func(p part) float64 {
		if ua, ok := unionAreas[p.code]; ok && sameMP(ua.b, p.boundary) {
			return ua.km2
		}
		return s.base.boundaryAreaKM2(p.code, p.boundary)
	}
	defer func() { s.unionAreas = unionAreas }()
	for _, c := range dirty {
		if err := s.opt.stopped(); err != nil {
			return err
		}
		d := s.mut(c)
		var parts []part
		switch {
		case s.parts[c] != nil:
			parts = s.parts[c]
		case d.Level == County:
			for _, k := range s.children(c) {
				kd := s.get(k)
				parts = append(parts, part{k, kd.Boundary})
			}
		default:
			continue
		}
		if len(parts) == 0 {
			continue
		}
		u, rep := unionReport(c, d.Name, d.Level, parts, gopt, areaOf)
		switch {
		case rep.Rebuilt:
			d.Boundary = u
			unionAreas[c] = unionArea{u, rep.AreaKM2}
			d.Sources.Geometry = Weakest(Derived, d.Sources.Geometry)
		case len(d.Boundary) > 0:
			rep.Problem += "; the unit keeps its old boundary"
		default:
			d.Boundary = nil
			d.Sources.Geometry = ""
		}
		s.res.Geometry = append(s.res.Geometry, rep)
	}
	return nil
}

// checkSeats checks every seat an operation set against its unit's rebuilt boundary.
func (s *state) checkSeats() error {
	for _, ps := range s.seats {
		c := ps.code
		if f, ok := s.fate[c]; ok {
			c = f
		}
		d := s.get(c)
		if d == nil {
			continue
		}
		if len(d.Boundary) == 0 {
			if d.Level != Village {
				s.res.Notes = append(s.res.Notes, fmt.Sprintf("operation %d: %s has no boundary, so its seat could not be checked to lie inside it", ps.op+1, c))
			}
			continue
		}
		if !containsMP(d.Boundary, ps.seat) {
			return opErr(ps.op, ps.kind, "seat [%g, %g] lies outside %s (%s)", ps.seat[0], ps.seat[1], c, d.Name)
		}
	}
	return nil
}

// fillCodeTable writes the code table (every base unit's row with its new code and name, and
// the units the scenario created, by level and code) and the result's fate map.
func (s *state) fillCodeTable() {
	for b, r := range s.codes {
		nc := b
		if f, ok := s.fate[b]; ok {
			nc = f
		}
		r.NewCode = nc
		if d := s.get(nc); d != nil {
			r.NewName = d.Name
		}
		if nc != b && !strings.Contains(r.Change, ChangeMergedInto) && !strings.Contains(r.Change, ChangeRenumbered) &&
			!strings.Contains(r.Change, ChangeTransferred) && !strings.Contains(r.Change, ChangeKindChanged) {
			addChange(r, ChangeRenumbered, r.Op-1)
		}
		s.res.Codes = append(s.res.Codes, *r)
	}
	for c, r := range s.created {
		r.NewName = s.get(c).Name
		s.res.Codes = append(s.res.Codes, *r)
	}
	sort.Slice(s.res.Codes, func(i, j int) bool {
		a, b := s.res.Codes[i], s.res.Codes[j]
		if a.Level != b.Level {
			return a.Level < b.Level
		}
		ka, kb := a.OldCode, b.OldCode
		if ka == "" {
			ka = a.NewCode
		}
		if kb == "" {
			kb = b.NewCode
		}
		return ka < kb
	})
	for b, f := range s.fate {
		if b != f {
			s.res.Fate[b] = f
		}
	}
}

// fillAffected lists the affected units with their ancestors down from the county, and the
// base codes each holds.
func (s *state) fillAffected() {
	aff := map[Code]bool{}
	for c := range s.touched {
		for x := c; x != "" && s.get(x) != nil && x.Level() >= County; x = x.Parent() {
			aff[x] = true
		}
	}
	for c := range aff {
		s.res.Affected = append(s.res.Affected, c)
		ms := append([]Code(nil), s.membersOf(c)...)
		sortCodes(ms)
		s.res.Sources[c] = ms
	}
	sortCodes(s.res.Affected)
}

// Ops returns the operations the result was built from.
func (r *Result) Ops() []Op { return r.ops }

// FateOf returns the after-code that carries base code c ("" if c is not in the base tree).
func (r *Result) FateOf(c Code) Code {
	if f, ok := r.Fate[c]; ok {
		return f
	}
	if r.Base.Get(c) == nil {
		return ""
	}
	return c
}
