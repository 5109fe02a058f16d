package divisions

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/paulmach/orb"
)

// ChangeRow is one row of a published code change list (e.g.
// hubei_code_changes_2022_to_2023.csv: code, level, change, name_2022, name_2023, town_code,
// county_code). Change is removed_2023, added_2023 or renamed; Level is "town" or "village".
type ChangeRow struct {
	Code    Code
	Level   Level
	Change  string
	OldName string
	NewName string
	Line    int
}

// Change words of a ChangeRow.
const (
	RowRemoved = "removed_2023"
	RowAdded   = "added_2023"
	RowRenamed = "renamed"
)

// ReadChangeRows parses a code change list; a bad row is an error naming its line.
func ReadChangeRows(r io.Reader) ([]ChangeRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("change list: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, need := range []string{"code", "level", "change", "name_2022", "name_2023"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("change list: header has no %q column", need)
		}
	}
	var out []ChangeRow
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("change list line %d: %w", line, err)
		}
		get := func(k string) string {
			if i := col[k]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		c, err := ParseCode(get("code"))
		if err != nil {
			return nil, fmt.Errorf("change list line %d: %w", line, err)
		}
		row := ChangeRow{Code: c, Change: get("change"), OldName: get("name_2022"), NewName: get("name_2023"), Line: line}
		switch get("level") {
		case "town":
			row.Level = Township
		case "village":
			row.Level = Village
		default:
			return nil, fmt.Errorf("change list line %d: level %q (want town or village)", line, get("level"))
		}
		if c.Level() != row.Level {
			return nil, fmt.Errorf("change list line %d: code %s is not a %s code", line, c, row.Level)
		}
		switch row.Change {
		case RowRemoved, RowAdded, RowRenamed:
		default:
			return nil, fmt.Errorf("change list line %d: change %q (want removed_2023, added_2023 or renamed)", line, row.Change)
		}
		out = append(out, row)
	}
	return out, nil
}

// Inference says where a removed unit went (or where an added unit came from), how the
// answer was found and how sure it is: "high" (the same name core), "medium" (one name core
// contains the other), "low" (the nearest code in the same township, or the township that
// received most of a removed township's villages).
type Inference struct {
	Code       Code   `json:"code"`
	Name       string `json:"name"`
	Into       Code   `json:"into"`
	IntoName   string `json:"into_name"`
	IntoIsNew  bool   `json:"into_is_new"` // the absorbing unit is itself added in 2023
	Confidence string `json:"confidence"`
	Method     string `json:"method"`
}

// Unmapped is a change the replay could not map or not express as a scenario operation.
type Unmapped struct {
	Code   Code   `json:"code"`
	Name   string `json:"name"`
	Change string `json:"change"`
	Reason string `json:"reason"`
}

// ReplayCounts summarises a change list.
type ReplayCounts struct {
	VillagesRemoved  int `json:"villages_removed"`
	VillagesAdded    int `json:"villages_added"`
	VillagesRenamed  int `json:"villages_renamed"`
	CosmeticRenames  int `json:"cosmetic_renames"` // only the 村委会/村民委员会/居委会/居民委员会 suffix changed
	TownsRemoved     int `json:"towns_removed"`
	TownsAdded       int `json:"towns_added"`
	TownsRenamed     int `json:"towns_renamed"`
	Mapped           int `json:"mapped"`   // removed villages with an inferred absorber
	Unmapped         int `json:"unmapped"` // removed villages without one
	NotExpressed     int `json:"not_expressed"`
	RestoredVillages int `json:"restored_villages"`
}

// Replay is a published change list turned into a reconstructed baseline and a scenario that
// leads from it to the current tree.
type Replay struct {
	// Baseline is the reconstructed earlier state: removed units restored (generated points
	// near their absorber, estimated populations split from it), added units taken out (their
	// population folded into their sources), earlier names restored.
	Baseline *Tree
	// Ops lead from Baseline to the current tree (as far as merges and renames can express it).
	Ops []Op
	// FacilityCodes maps current division codes that do not exist in the baseline (added
	// units) to the baseline unit that holds their territory, for facilities registered there.
	FacilityCodes map[Code]Code
	// Retired are the removed codes: never to be proposed again.
	Retired      map[Code]bool
	Inferences   []Inference
	Unmapped     []Unmapped
	NotExpressed []Unmapped
	Counts       ReplayCounts
}

// nameCore strips the committee and settlement suffixes: "金银店村村民委员会" → "金银店",
// "朝阳社区居民委员会" → "朝阳".
func nameCore(name string) string {
	s := ShortName(name)
	for _, suf := range []string{"社区居委会", "社区居民委员会", "居民委员会", "村民委员会", "居委会", "村委会", "委员会", "社区", "村", "居"} {
		s = strings.TrimSuffix(s, suf)
	}
	return s
}

// CosmeticRename reports whether a rename only changes the committee suffix (村委会, 村民委员会,
// 居委会, 居民委员会) — the same unit under the same name.
func CosmeticRename(old, new string) bool { return old != new && ShortName(old) == ShortName(new) }

// BuildReplay reconstructs the earlier state of the units a change list touches in cur (the
// later tree) and expresses the change as scenario operations. It fails only on a change
// list that contradicts cur (e.g. a "removed" code that still exists).
func BuildReplay(cur *Tree, rows []ChangeRow) (*Replay, error) {
	b := &replayBuilder{cur: cur, rp: &Replay{FacilityCodes: map[Code]Code{}, Retired: map[Code]bool{}},
		removed: map[Code]*ChangeRow{}, added: map[Code]*ChangeRow{}, renamed: map[Code]*ChangeRow{},
		into: map[Code]Code{}, townInto: map[Code]Code{}, sources: map[Code][]Code{}}
	if err := b.classify(rows); err != nil {
		return nil, err
	}
	// Where removed units went: villages first, then townships (by where their villages went).
	b.mapRemovedVillages()
	b.mapRemovedTownships()
	// The baseline: the current units, with removed units restored and added units taken out.
	b.copyCurrentUnits()
	b.restoreTownships()
	b.restoreVillages()
	b.foldAddedVillages()
	b.dropAddedTownships()
	b.sumTouchedTownships()
	b.restoreNames()
	b.chainFacilityCodes()
	if err := b.buildBaseline(); err != nil {
		return nil, err
	}
	// The scenario 2022 → 2023: village merges, township merges, then renames.
	b.expressOps()
	b.rp.Counts.NotExpressed = len(b.rp.NotExpressed)
	sort.Slice(b.rp.Inferences, func(i, j int) bool { return b.rp.Inferences[i].Code < b.rp.Inferences[j].Code })
	return b.rp, nil
}

// replayBuilder is one BuildReplay: the change list sorted by kind, the inferred destinations
// and the baseline units under construction.
type replayBuilder struct {
	cur *Tree
	rp  *Replay

	removed, added, renamed map[Code]*ChangeRow
	into                    map[Code]Code      // removed village → absorbing current village
	townInto                map[Code]Code      // removed township → absorbing current township
	sources                 map[Code][]Code    // absorbing village → the removed villages it took in, sorted
	absorbers               []Code             // keys of sources, sorted
	addedCodes              []Code             // keys of added, sorted
	units                   map[Code]*Division // the baseline's units (private copies)
}

// classify sorts the rows into removed, added and renamed, counts them and checks them
// against the current tree.
func (b *replayBuilder) classify(rows []ChangeRow) error {
	rp, cur := b.rp, b.cur
	for i := range rows {
		r := &rows[i]
		switch r.Change {
		case RowRemoved:
			if cur.Get(r.Code) != nil {
				return fmt.Errorf("change list line %d: %s is listed as removed but exists in the current tree", r.Line, r.Code)
			}
			b.removed[r.Code] = r
			rp.Retired[r.Code] = true
			if r.Level == Village {
				rp.Counts.VillagesRemoved++
			} else {
				rp.Counts.TownsRemoved++
			}
		case RowAdded:
			if cur.Get(r.Code) == nil {
				return fmt.Errorf("change list line %d: %s is listed as added but is missing from the current tree", r.Line, r.Code)
			}
			b.added[r.Code] = r
			if r.Level == Village {
				rp.Counts.VillagesAdded++
			} else {
				rp.Counts.TownsAdded++
			}
		case RowRenamed:
			if cur.Get(r.Code) == nil {
				rp.Unmapped = append(rp.Unmapped, Unmapped{r.Code, r.NewName, r.Change, "renamed unit is missing from the current tree"})
				continue
			}
			b.renamed[r.Code] = r
			if r.Level == Village {
				rp.Counts.VillagesRenamed++
				if CosmeticRename(r.OldName, r.NewName) {
					rp.Counts.CosmeticRenames++
				}
			} else {
				rp.Counts.TownsRenamed++
			}
		}
	}
	for c := range b.added {
		b.addedCodes = append(b.addedCodes, c)
	}
	sortCodes(b.addedCodes)
	return nil
}

// mapRemovedVillages infers, in code order, the current village that absorbed each removed
// village (or lists it as unmapped).
func (b *replayBuilder) mapRemovedVillages() {
	rp := b.rp
	var removedVillages []Code
	for c, r := range b.removed {
		if r.Level == Village {
			removedVillages = append(removedVillages, c)
		}
	}
	sortCodes(removedVillages)
	for _, c := range removedVillages {
		r := b.removed[c]
		inf, ok := inferAbsorber(b.cur, r, b.added, b.removed)
		if !ok {
			rp.Unmapped = append(rp.Unmapped, Unmapped{c, r.OldName, r.Change, inf.Method})
			rp.Counts.Unmapped++
			continue
		}
		b.into[c] = inf.Into
		rp.Inferences = append(rp.Inferences, inf)
		rp.Counts.Mapped++
	}
}

// mapRemovedTownships sends each removed township to the township that received most of its
// villages, else to the nearest older township code of its county.
func (b *replayBuilder) mapRemovedTownships() {
	rp, cur := b.rp, b.cur
	for c, r := range b.removed {
		if r.Level != Township {
			continue
		}
		votes := map[Code]int{}
		for v, a := range b.into {
			if v.Parent() == c {
				votes[a.Parent()]++
			}
		}
		best, bn := Code(""), 0
		for t, n := range votes {
			if n > bn || (n == bn && t < best) {
				best, bn = t, n
			}
		}
		method := "the township that received most of its villages"
		if best == "" {
			best = nearestCode(cur.Children(c.Parent()), c, func(d *Division) bool { return b.added[d.Code] == nil })
			method = "the nearest township code in the same county"
		}
		if best == "" || cur.Get(best) == nil {
			rp.Unmapped = append(rp.Unmapped, Unmapped{c, r.OldName, r.Change, "no township of the same county to absorb it"})
			continue
		}
		b.townInto[c] = best
		rp.Inferences = append(rp.Inferences, Inference{Code: c, Name: r.OldName, Into: best, IntoName: cur.Get(best).Name,
			IntoIsNew: b.added[best] != nil, Confidence: "low", Method: method})
	}
}

// copyCurrentUnits starts the baseline from private copies of the current units and lists
// the removed villages each absorber took in.
func (b *replayBuilder) copyCurrentUnits() {
	b.units = make(map[Code]*Division, b.cur.Len())
	for _, d := range b.cur.All() {
		cp := *d
		b.units[d.Code] = &cp
	}
	for v, a := range b.into {
		b.sources[a] = append(b.sources[a], v)
	}
	for a, s := range b.sources {
		sortCodes(s)
		b.absorbers = append(b.absorbers, a)
	}
	sortCodes(b.absorbers)
}

// restoreTownships puts removed townships back (no boundary; seat at the absorbing township's).
func (b *replayBuilder) restoreTownships() {
	for c, t := range b.townInto {
		r := b.removed[c]
		td := b.units[t]
		b.units[c] = &Division{Code: c, Name: r.OldName, ShortName: r.OldName, Level: Township, Kind: KindOf(c, r.OldName), Parent: c.Parent(),
			Seat: offsetPoint(td.Seat, 0), HasSeat: td.HasSeat, Sources: Sources{Seat: Generated, Population: Estimated, Attributes: Real}}
	}
}

// restoreVillages puts removed villages back, splitting each absorber's population among the
// absorber (when it existed before) and its sources; an absorber added in the list is taken out.
func (b *replayBuilder) restoreVillages() {
	rp := b.rp
	for _, a := range b.absorbers {
		ad := b.units[a]
		srcs := b.sources[a]
		isNew := b.added[a] != nil
		n := len(srcs)
		if !isNew {
			n++
		}
		shares := splitPopulation(ad.Population, n)
		for k, v := range srcs {
			r := b.removed[v]
			parent := v.Parent()
			if b.units[parent] == nil {
				rp.NotExpressed = append(rp.NotExpressed, Unmapped{v, r.OldName, r.Change, fmt.Sprintf("its township %s is not in the baseline", parent)})
				continue
			}
			b.units[v] = &Division{Code: v, Name: r.OldName, ShortName: ShortName(r.OldName), Level: Village, Kind: KindOf(v, r.OldName), Parent: parent,
				URCode: ad.URCode, Seat: offsetPoint(ad.Seat, k+1), HasSeat: ad.HasSeat, Population: shares[k],
				Sources: Sources{Seat: Generated, Population: Estimated, Attributes: Real}}
			rp.Counts.RestoredVillages++
		}
		if isNew {
			rp.FacilityCodes[a] = srcs[0]
			delete(b.units, a)
		} else {
			ad.Population = shares[n-1]
			ad.Sources.Population = Weakest(ad.Sources.Population, Estimated)
		}
	}
}

// foldAddedVillages takes out added villages without sources, folding their population into
// the nearest sibling code that existed before (a split cannot be expressed as a merge).
func (b *replayBuilder) foldAddedVillages() {
	rp, cur, units := b.rp, b.cur, b.units
	for _, c := range b.addedCodes {
		r := b.added[c]
		if r.Level != Village || b.sources[c] != nil {
			continue
		}
		sib := nearestCode(cur.Children(c.Parent()), c, func(d *Division) bool { return b.added[d.Code] == nil })
		if sib == "" {
			// Every village of the township is new: fold into a restored village that formed a sibling.
			if s2 := nearestCode(cur.Children(c.Parent()), c, func(d *Division) bool { return len(b.sources[d.Code]) > 0 }); s2 != "" {
				for _, v := range b.sources[s2] {
					if units[v] != nil {
						sib = v
						break
					}
				}
			}
		}
		if sib != "" && units[sib] != nil {
			units[sib].Population = units[sib].Population.Add(units[c].Population)
			units[sib].Sources.Population = Weakest(units[sib].Sources.Population, Estimated)
			rp.FacilityCodes[c] = sib
		}
		reason := "no removed village was found to have formed it (a split or a new community): the 2022 baseline folds it into " + string(sib)
		if sib == "" {
			reason = "no removed village was found to have formed it and its township has no older village: it is dropped from the baseline"
		}
		rp.NotExpressed = append(rp.NotExpressed, Unmapped{c, r.NewName, r.Change, reason})
		delete(units, c)
	}
}

// dropAddedTownships takes added townships out with their villages (a new township carved
// from others cannot be expressed with merge/transfer: there is no create operation).
func (b *replayBuilder) dropAddedTownships() {
	rp := b.rp
	for _, c := range b.addedCodes {
		r := b.added[c]
		if r.Level != Township {
			continue
		}
		for code := range b.units {
			if code != c && code.Within(c) {
				if _, ok := rp.FacilityCodes[code]; !ok {
					rp.FacilityCodes[code] = c.Parent()
				}
				delete(b.units, code)
			}
		}
		rp.FacilityCodes[c] = c.Parent()
		delete(b.units, c)
		rp.NotExpressed = append(rp.NotExpressed, Unmapped{c, r.NewName, r.Change,
			"a township created from parts of others cannot be expressed as merge/transfer operations; its villages are left out of the replay"})
	}
}

// sumTouchedTownships sets the population of every township that gained or lost villages to
// the sum of its villages. (Restored villages under an unchanged township split, not add.)
func (b *replayBuilder) sumTouchedTownships() {
	touched := map[Code]bool{}
	for c := range b.townInto {
		touched[c] = true
	}
	for v, a := range b.into {
		touched[v.Parent()] = true
		touched[a.Parent()] = true
	}
	for c := range b.added {
		touched[c.Parent()] = true
	}
	sums := map[Code]Population{}
	for _, d := range b.units {
		if d.Level == Village && touched[d.Parent] {
			sums[d.Parent] = sums[d.Parent].Add(d.Population)
		}
	}
	for c := range touched {
		if d := b.units[c]; d != nil && d.Level == Township {
			if p, ok := sums[c]; ok {
				d.Population = p
			}
		}
	}
}

// restoreNames gives renamed units their earlier names.
func (b *replayBuilder) restoreNames() {
	for c, r := range b.renamed {
		if d := b.units[c]; d != nil {
			d.Name = r.OldName
			d.ShortName = ShortName(r.OldName)
		}
	}
}

// chainFacilityCodes follows FacilityCodes (and parents) until each points at a unit of the
// baseline, for facilities registered at codes the baseline lacks.
func (b *replayBuilder) chainFacilityCodes() {
	fc := b.rp.FacilityCodes
	for c, t := range fc {
		for i := 0; i < 4 && b.units[t] == nil; i++ {
			if nt, ok := fc[t]; ok {
				t = nt
			} else {
				t = t.Parent()
			}
		}
		fc[c] = t
	}
}

// buildBaseline turns the units into the baseline tree.
func (b *replayBuilder) buildBaseline() error {
	all := make([]Division, 0, len(b.units))
	for _, d := range b.units {
		all = append(all, *d)
	}
	base, err := NewTree(all)
	if err != nil {
		return fmt.Errorf("replay baseline: %w", err)
	}
	b.rp.Baseline = base
	return nil
}

// expressOps writes the scenario 2022 → 2023. After a township merge the removed township's
// villages are renumbered under the survivor by the scenario itself, and a village merge would
// then have to name them by their new codes; to keep the replay simple and exact, village
// merges come first, then township merges, then renames.
func (b *replayBuilder) expressOps() {
	rp := b.rp
	rp.Ops = append(b.villageMerges(), b.townshipMerges()...)
	rp.Ops = append(rp.Ops, b.renames()...)
}

// townshipMerges merges each restored township into its absorber, in code order.
func (b *replayBuilder) townshipMerges() []Op {
	var towns []Code
	for c := range b.townInto {
		towns = append(towns, c)
	}
	sortCodes(towns)
	var ops []Op
	for _, c := range towns {
		t := b.townInto[c]
		if b.rp.Baseline.Get(t) == nil {
			continue
		}
		ops = append(ops, Op{Op: OpMerge, Units: []string{string(t), string(c)}, Into: string(t)})
	}
	return ops
}

// villageMerges merges the restored villages of each absorber into it (an absorber added in
// the list becomes a new unit with its official code; across townships, cross_parent).
func (b *replayBuilder) villageMerges() []Op {
	rp, base := b.rp, b.rp.Baseline
	var ops []Op
	for _, a := range b.absorbers {
		var present []string
		for _, v := range b.sources[a] {
			if base.Get(v) != nil {
				present = append(present, string(v))
			}
		}
		if len(present) == 0 {
			continue
		}
		ad := b.cur.Get(a)
		cross := false
		for _, v := range present {
			if Code(v).Parent() != a.Parent() {
				cross = true
			}
		}
		if b.added[a] == nil {
			ops = append(ops, Op{Op: OpMerge, Units: append([]string{string(a)}, present...), Into: string(a), CrossParent: cross})
			continue
		}
		if base.Get(a.Parent()) == nil {
			for _, v := range present {
				rp.NotExpressed = append(rp.NotExpressed, Unmapped{Code(v), base.Get(Code(v)).Name, RowRemoved,
					fmt.Sprintf("absorbed into %s (%s) of the added township %s, which the replay cannot create", a, ad.Name, a.Parent())})
			}
			continue
		}
		op := Op{Op: OpMerge, Units: present, Name: ad.Name, NewCode: string(a), Kind: ad.Kind, CrossParent: cross}
		if cross {
			op.Parent = string(a.Parent())
		}
		ops = append(ops, op)
	}
	return ops
}

// renames gives renamed units their current names, in code order.
func (b *replayBuilder) renames() []Op {
	var rn []Code
	for c := range b.renamed {
		rn = append(rn, c)
	}
	sortCodes(rn)
	var ops []Op
	for _, c := range rn {
		r := b.renamed[c]
		if b.rp.Baseline.Get(c) == nil || r.OldName == r.NewName {
			continue
		}
		ops = append(ops, Op{Op: OpRename, Unit: string(c), Name: r.NewName})
	}
	return ops
}

// inferAbsorber finds the current village that absorbed removed village r.
func inferAbsorber(cur *Tree, r *ChangeRow, added, removed map[Code]*ChangeRow) (Inference, bool) {
	inf := Inference{Code: r.Code, Name: r.OldName}
	core := nameCore(r.OldName)
	town := r.Code.Parent()
	county := town.Parent()
	// Candidates: current villages of the same township, then of the same county (townships
	// themselves may have been removed or added).
	var cands []*Division
	cands = append(cands, cur.Children(town)...)
	for _, tw := range cur.Children(county) {
		if tw.Code != town {
			cands = append(cands, cur.Children(tw.Code)...)
		}
	}
	pick := func(match func(c string) bool, conf, method string) bool {
		for _, want := range []bool{true, false} { // added villages first: they are merge results
			for _, d := range cands {
				if (added[d.Code] != nil) != want {
					continue
				}
				if match(nameCore(d.Name)) {
					inf.Into, inf.IntoName, inf.IntoIsNew = d.Code, d.Name, added[d.Code] != nil
					inf.Confidence, inf.Method = conf, method
					if d.Code.Parent() != town {
						inf.Method += " (in another township of the county)"
					}
					return true
				}
			}
		}
		return false
	}
	if core != "" && pick(func(c string) bool { return c == core }, "high", "same name core") {
		return inf, true
	}
	if len([]rune(core)) >= 2 && pick(func(c string) bool {
		return len([]rune(c)) >= 2 && (strings.Contains(c, core) || strings.Contains(core, c))
	}, "medium", "one name core contains the other") {
		return inf, true
	}
	// The nearest code among the township's villages that existed before.
	if cur.Get(town) != nil {
		if c := nearestCode(cur.Children(town), r.Code, func(d *Division) bool { return added[d.Code] == nil && d.Kind == KindOf(r.Code, "") }); c != "" {
			d := cur.Get(c)
			inf.Into, inf.IntoName, inf.Confidence, inf.Method = c, d.Name, "low", "nearest code of the same kind in the same township"
			return inf, true
		}
		if c := nearestCode(cur.Children(town), r.Code, func(d *Division) bool { return true }); c != "" {
			d := cur.Get(c)
			inf.Into, inf.IntoName, inf.IntoIsNew = c, d.Name, added[c] != nil
			inf.Confidence, inf.Method = "low", "nearest code in the same township"
			return inf, true
		}
	}
	inf.Method = "its township no longer exists and no village of the county has a matching name"
	return inf, false
}

// nearestCode returns the code among ds (passing keep) numerically closest to c, preferring
// the lower one on a tie; "" when none.
func nearestCode(ds []*Division, c Code, keep func(*Division) bool) Code {
	best, bd := Code(""), math.MaxInt
	cn := partNum(c)
	for _, d := range ds {
		if d.Code == c || !keep(d) {
			continue
		}
		diff := partNum(d.Code) - cn
		if diff < 0 {
			diff = -diff*2 - 1 // lower codes win ties
		} else {
			diff *= 2
		}
		if diff < bd {
			best, bd = d.Code, diff
		}
	}
	return best
}

// splitPopulation splits p into n parts whose sum is p (the remainder goes to the last part).
func splitPopulation(p Population, n int) []Population {
	out := make([]Population, n)
	if n == 0 {
		return out
	}
	q := Population{p.Total / int64(n), p.Age60 / int64(n), p.Age65 / int64(n)}
	for i := range out {
		out[i] = q
	}
	out[n-1] = Population{p.Total - q.Total*int64(n-1), p.Age60 - q.Age60*int64(n-1), p.Age65 - q.Age65*int64(n-1)}
	return out
}

// offsetPoint places generated point k around p: 600 m away in a direction turning by the
// golden angle (k = 0 gives p itself).
func offsetPoint(p orb.Point, k int) orb.Point {
	if k == 0 {
		return p
	}
	a := float64(k) * 2.399963229728653
	dLat := 600 * math.Cos(a) / 111320
	dLon := 600 * math.Sin(a) / (111320 * math.Cos(p[1]*math.Pi/180))
	return orb.Point{p[0] + dLon, p[1] + dLat}
}
