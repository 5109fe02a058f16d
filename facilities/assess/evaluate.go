// Package assess evaluates a division-adjustment scenario — the after tree, its impact on
// service reach and the statutory checks — and renders what a planner attaches to a dossier:
// JSON, GeoJSON before/after, the code table (CSV, xlsx) and a printable HTML page in Chinese
// with inline SVG maps. It imports neither gin nor database/sql.
package assess

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// Disclaimer is printed on every map, table and export.
const Disclaimer = "派生边界为近似边界，不是法定行政区域界线；新代码为建议代码，正式代码由统计和民政部门确定。"

// Options tune Evaluate. Zero values mean the defaults.
type Options struct {
	Impact   facilities.ImpactOptions
	Statute  *divisions.StatuteConfig // nil = DefaultStatuteConfig
	Config   *facilities.Config       // nil = facilities.DefaultConfig
	Retired  map[divisions.Code]bool  // codes never to be proposed again (besides the base tree's)
	Geometry *divisions.UnionOptions  // nil = DefaultUnionOptions
	Vintages map[string]string        // data vintages to print
	// Context, when set, stops the evaluation (operations, unions, impact) once it ends; the
	// error is then the context's. nil = never stopped.
	Context context.Context
}

// Evaluation is a scenario applied to a base tree with everything the report shows.
type Evaluation struct {
	Scenario   divisions.Scenario         `json:"scenario"`
	Codes      []divisions.CodeChange     `json:"codes"`
	Geometry   []divisions.GeometryReport `json:"geometry"`
	SeatMoves  []divisions.SeatMove       `json:"seat_moves"`
	Affected   []divisions.Code           `json:"affected"`
	Notes      []string                   `json:"notes"`
	Impact     *facilities.ImpactReport   `json:"impact"`
	Statutory  *divisions.Statutory       `json:"statutory"`
	Vintages   map[string]string          `json:"vintages,omitempty"`
	Disclaimer string                     `json:"disclaimer"`
	Replay     *ReplaySummary             `json:"replay,omitempty"`

	Result *divisions.Result `json:"-"`
}

// ErrInvalid marks errors caused by the scenario itself (a bad operation or input); callers
// answer them with 400. An *divisions.OpError inside names the operation.
var ErrInvalid = errors.New("invalid scenario")

type invalid struct{ err error }

func (e invalid) Error() string   { return e.err.Error() }
func (e invalid) Unwrap() []error { return []error{ErrInvalid, e.err} }
func wrapInvalid(err error) error { return invalid{err} }

// Evaluate applies sc to base (never changing it) and computes impact and statutory checks.
// fs is the base facility registry (every status). Errors caused by the scenario wrap
// ErrInvalid.
func Evaluate(base *divisions.Tree, fs []facilities.Facility, sc divisions.Scenario, opt Options) (*Evaluation, error) {
	if sc.ReplayCSV != "" {
		if len(sc.Ops) > 0 {
			return nil, wrapInvalid(errors.New("a scenario replaying a change list (replay_csv) has no operations of its own"))
		}
		return evaluateReplay(base, fs, strings.NewReader(sc.ReplayCSV), sc, opt)
	}
	return evaluate(base, fs, sc, opt)
}

func evaluate(base *divisions.Tree, fs []facilities.Facility, sc divisions.Scenario, opt Options) (*Evaluation, error) {
	if err := divisions.ValidateInputs(base, sc.Inputs); err != nil {
		return nil, wrapInvalid(err)
	}
	if sc.ApprovalDate != "" {
		if _, err := divisions.DeadlinesFrom(sc.ApprovalDate, divisions.DefaultStatuteConfig()); err != nil {
			return nil, wrapInvalid(err)
		}
	}
	plans := facilities.PlanIDs(fs)
	res, err := divisions.Apply(base, sc.Ops, divisions.ApplyOptions{Retired: opt.Retired, Geometry: opt.Geometry,
		PlanExists: func(id int64) bool { return plans[id] }, Context: opt.Context})
	if err != nil {
		var oe *divisions.OpError
		if errors.As(err, &oe) {
			return nil, wrapInvalid(err)
		}
		return nil, err
	}
	impOpt := opt.Impact
	impOpt.Context = opt.Context
	imp, err := facilities.Impact(res, fs, opt.Config, impOpt)
	if err != nil {
		if facilities.IsParamError(err) {
			return nil, wrapInvalid(err)
		}
		return nil, err
	}
	cfg := divisions.DefaultStatuteConfig()
	if opt.Statute != nil {
		cfg = *opt.Statute
	}
	st, err := divisions.StatutoryChecks(res, sc.Inputs, sc.ApprovalDate, cfg)
	if err != nil {
		return nil, wrapInvalid(err)
	}
	ev := &Evaluation{Scenario: sc, Codes: res.Codes, Geometry: res.Geometry, SeatMoves: res.SeatMoves, Affected: res.Affected,
		Notes: res.Notes, Impact: imp, Statutory: st, Vintages: opt.Vintages, Disclaimer: Disclaimer, Result: res}
	if ev.Codes == nil {
		ev.Codes = []divisions.CodeChange{}
	}
	ev.addScenarioFlags()
	return ev, nil
}

// addScenarioFlags adds to the impact's flags (the report's "需关注的问题") what the scenario
// itself asks the planner to look at: no operation at all, and units whose rebuilt boundary is
// not one connected piece. Flags stay ordered by kind, then code.
func (ev *Evaluation) addScenarioFlags() {
	var fl []facilities.Flag
	if len(ev.Scenario.Ops) == 0 {
		fl = append(fl, facilities.Flag{Kind: FlagEmptyScenario, Detail: "方案没有任何操作：无变更可评估，请检查方案内容。"})
	}
	for _, g := range ev.Geometry {
		if g.Rebuilt && !g.Contiguous {
			fl = append(fl, facilities.Flag{Kind: FlagNonContiguous, Code: g.Code, Name: g.Name,
				Detail: fmt.Sprintf("调整后辖区不连片：%d 块(派生边界，请核实是否为飞地)", g.Pieces)})
		}
	}
	if len(fl) == 0 {
		return
	}
	all := append(ev.Impact.Flags, fl...)
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].Kind != all[j].Kind {
			return all[i].Kind < all[j].Kind
		}
		return all[i].Code < all[j].Code
	})
	ev.Impact.Flags = all
}

// Flag kinds the assessment adds to the impact's (facilities.Flag.Kind).
const (
	FlagEmptyScenario = "empty_scenario" // the scenario has no operation
	FlagNonContiguous = "non_contiguous" // a merged or changed unit's rebuilt boundary has several pieces
)

// ReplaySummary is what a replayed change list adds to an evaluation.
type ReplaySummary struct {
	Counts       divisions.ReplayCounts `json:"counts"`
	Inferences   []divisions.Inference  `json:"inferences"`
	Unmapped     []divisions.Unmapped   `json:"unmapped"`
	NotExpressed []divisions.Unmapped   `json:"not_expressed"`
	Confidence   map[string]int         `json:"confidence"` // inferences per confidence
}

// EvaluateReplay reconstructs the earlier state from a change list (read from r) on top of
// the current tree cur, expresses the change as a scenario and evaluates it on the baseline.
// Facilities registered at units the baseline lacks are moved to the units holding their
// territory.
func EvaluateReplay(cur *divisions.Tree, fs []facilities.Facility, r io.Reader, name string, opt Options) (*Evaluation, error) {
	sc := divisions.Scenario{Name: name, Status: divisions.StatusApproved, Author: "replay"}
	return evaluateReplay(cur, fs, r, sc, opt)
}

// evaluateReplay evaluates the change list r on cur under scenario sc (its name, status,
// dates and inputs; its operations come from the list).
func evaluateReplay(cur *divisions.Tree, fs []facilities.Facility, r io.Reader, sc divisions.Scenario, opt Options) (*Evaluation, error) {
	rows, err := divisions.ReadChangeRows(r)
	if err != nil {
		return nil, wrapInvalid(err)
	}
	rp, err := divisions.BuildReplay(cur, rows)
	if err != nil {
		return nil, wrapInvalid(err)
	}
	bfs := make([]facilities.Facility, len(fs))
	for i, f := range fs {
		if c, ok := rp.FacilityCodes[f.DivisionCode]; ok {
			f.DivisionCode = c
		} else if rp.Baseline.Get(f.DivisionCode) == nil {
			for p := f.DivisionCode.Parent(); p != ""; p = p.Parent() {
				if rp.Baseline.Get(p) != nil {
					f.DivisionCode = p
					break
				}
			}
		}
		bfs[i] = f
	}
	if opt.Retired == nil {
		opt.Retired = map[divisions.Code]bool{}
	}
	for c := range rp.Retired {
		opt.Retired[c] = true
	}
	const note = "由公开的区划代码变更清单重建变更前状态并回放；被撤销村的位置为生成点，人口为估算值。"
	if sc.Notes == "" {
		sc.Notes = note
	} else {
		sc.Notes += " " + note
	}
	if sc.Inputs != nil {
		// Inputs name units of the current tree; the baseline holds them under the same codes
		// unless the list added them.
		if err := divisions.ValidateInputs(rp.Baseline, sc.Inputs); err != nil {
			return nil, wrapInvalid(err)
		}
	}
	run := sc
	run.ReplayCSV = ""
	run.Ops = rp.Ops
	ev, err := evaluate(rp.Baseline, bfs, run, opt)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	ev.Scenario.ReplayCSV = "" // the list itself is not repeated in every answer
	conf := map[string]int{}
	for _, inf := range rp.Inferences {
		conf[inf.Confidence]++
	}
	ev.Replay = &ReplaySummary{Counts: rp.Counts, Inferences: rp.Inferences, Unmapped: rp.Unmapped, NotExpressed: rp.NotExpressed, Confidence: conf}
	if ev.Replay.Unmapped == nil {
		ev.Replay.Unmapped = []divisions.Unmapped{}
	}
	return ev, nil
}

// opText describes an operation in Chinese for the report.
func opText(t *divisions.Tree, op divisions.Op) string {
	name := func(s string) string {
		c, err := divisions.ParseCode(s)
		if err != nil {
			return s
		}
		if d := t.Get(c); d != nil {
			return d.Name + "(" + c.Short() + ")"
		}
		return c.Short()
	}
	var us []string
	for _, u := range op.Units {
		us = append(us, name(u))
	}
	switch op.Op {
	case divisions.OpMerge:
		into := "新设「" + op.Name + "」"
		if op.Into != "" {
			into = name(op.Into)
		}
		return fmt.Sprintf("合并：%s → %s", strings.Join(us, "、"), into)
	case divisions.OpTransfer:
		return fmt.Sprintf("划转：%s → %s", strings.Join(us, "、"), name(op.To))
	case divisions.OpChangeKind:
		s := fmt.Sprintf("建制变更：%s → %s", name(op.Unit), kindZH(op.Kind))
		if op.Parent != "" {
			s += "，隶属 " + name(op.Parent)
		}
		return s
	case divisions.OpMoveSeat:
		return fmt.Sprintf("驻地迁移：%s → (%.5f, %.5f)", name(op.Unit), op.Seat[0], op.Seat[1])
	case divisions.OpRename:
		return fmt.Sprintf("更名：%s → %s", name(op.Unit), op.Name)
	case divisions.OpApplyPlan:
		return fmt.Sprintf("纳入设施规划 #%d", op.Plan)
	}
	return string(op.Op)
}

var kindNames = map[divisions.Kind]string{
	divisions.KindTown: "镇", divisions.KindTownship: "乡", divisions.KindSubdistrict: "街道", divisions.KindTownshipLike: "类似乡级单位",
	divisions.KindCounty: "县", divisions.KindCountyCity: "县级市", divisions.KindDistrict: "市辖区", divisions.KindAutonomousCounty: "自治县",
	divisions.KindResidentsCommittee: "居委会", divisions.KindVillageCommittee: "村委会", divisions.KindResidentsLike: "类似居委会",
	divisions.KindVillageLike: "类似村委会",
}

func kindZH(k divisions.Kind) string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return string(k)
}
