package assess

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"time"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// page is the view model of the HTML report.
type page struct {
	Title       string
	Scenario    divisions.Scenario
	StatusZH    string
	Generated   string
	Disclaimer  string
	Vintages    map[string]string
	Ops         []string
	OpsMore     int
	MapBefore   template.HTML
	MapAfter    template.HTML
	KindCols    []string
	Divisions   [][]string
	Flags       [][]string
	Villages    [][]string
	VillageMore int
	Geometry    [][]string
	Checks      []checkView
	Approvals   [][]string
	Dossier     [][]string
	Deadlines   *divisions.Deadlines
	Codes       [][]string
	Notes       []string
	Replay      *ReplaySummary
	ReplayRows  [][]string
	NotExpr     [][]string
}

type checkView struct {
	Title, Source, Level, Unit, Verdict, Note string
	Rows                                      [][]string
}

var statusZH = map[string]string{divisions.StatusDraft: "草稿", divisions.StatusReview: "审核中", divisions.StatusSubmitted: "已报批",
	divisions.StatusApproved: "已批准", divisions.StatusRejected: "未批准"}

var verdictZH = map[string]string{divisions.VerdictPass: "符合", divisions.VerdictFail: "不符合", divisions.VerdictIncomplete: "待补充材料",
	divisions.VerdictNotEvaluable: "无法评估", divisions.VerdictInfo: "说明"}

func km(p *float64) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatFloat(*p/1000, 'f', 2, 64)
}

func num(p *float64, d int) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatFloat(*p, 'f', d, 64)
}

func pct(p *float64) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatFloat(*p*100, 'f', 1, 64) + "%"
}

// plainNum prints large numbers whole and small ones with four significant digits.
func plainNum(x float64) string {
	if x >= 1e4 || x <= -1e4 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'g', 4, 64)
}

func yesno(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// MaxOpRows caps the operations listed on the HTML page.
const MaxOpRows = 60

// MaxVillageRows caps the per-village table of the HTML page (the JSON answer has them all).
const MaxVillageRows = 600

// WriteHTML renders the printable report (Chinese, inline SVG maps, no external resources).
func (ev *Evaluation) WriteHTML(w io.Writer) error {
	pg := page{Title: "行政区划调整方案影响评估报告", Scenario: ev.Scenario, StatusZH: statusZH[ev.Scenario.Status],
		Generated: time.Now().UTC().Format("2006-01-02 15:04 UTC"), Disclaimer: Disclaimer, Vintages: ev.Vintages,
		Notes: append(append([]string(nil), ev.Notes...), ev.Impact.Notes...), Replay: ev.Replay}
	pg.operations(ev)
	pg.MapBefore, pg.MapAfter = ev.maps(560, 460)
	pg.divisionRows(ev)
	pg.flagRows(ev)
	pg.villageRows(ev)
	pg.geometryRows(ev)
	pg.statutoryRows(ev)
	pg.codeRows(ev)
	pg.replayRows(ev)
	return reportTemplate.Execute(w, pg)
}

// operations lists the operations in Chinese (at most MaxOpRows).
func (pg *page) operations(ev *Evaluation) {
	for i, op := range ev.Scenario.Ops {
		if i >= MaxOpRows {
			pg.OpsMore = len(ev.Scenario.Ops) - i
			break
		}
		pg.Ops = append(pg.Ops, opText(ev.Result.Base, op))
	}
}

// divisionRows fills the affected units' before/after rows, one column per facility kind.
func (pg *page) divisionRows(ev *Evaluation) {
	kinds := ev.Impact.Kinds
	for _, k := range kinds {
		pg.KindCols = append(pg.KindCols, k.NameZH)
	}
	for _, d := range ev.Impact.Divisions {
		for _, side := range []struct {
			label string
			s     facilities.UnitStats
		}{{"变更前", d.Before}, {"变更后", d.After}} {
			row := []string{d.Code.Short(), side.s.Name, side.label, strconv.FormatInt(side.s.Population.Total, 10),
				strconv.FormatInt(side.s.Elderly, 10), num(side.s.AreaKM2, 1), strconv.Itoa(side.s.Villages), km(side.s.SeatMeanM), km(side.s.SeatMaxM)}
			for _, k := range kinds {
				ks := side.s.Kinds[k.Kind]
				cell := fmt.Sprintf("%d处", ks.Facilities)
				if ks.Villages > 0 {
					cell += " · " + pct(ks.Ratio)
					if ks.Target != nil {
						cell += "/" + pct(ks.Target)
					}
				}
				if ks.BedsPer1000 != nil {
					cell += fmt.Sprintf(" · %.1f床/千老人", *ks.BedsPer1000)
				}
				row = append(row, cell)
			}
			pg.Divisions = append(pg.Divisions, row)
		}
	}
}

// flagRows fills 需关注的问题.
func (pg *page) flagRows(ev *Evaluation) {
	kindZHOf := map[facilities.Kind]string{}
	for _, k := range facilities.Kinds() {
		kindZHOf[k.Kind] = k.NameZH
	}
	flagZH := map[string]string{"seat_distance_growth": "驻地距离增加", "coverage_below_target": "覆盖率低于目标",
		"coverage_decreased": "覆盖率下降", "unit_without_facility": "辖区无设施", "village_lost_coverage": "村失去覆盖",
		"coverage_gain_distant": "覆盖率仅因辖区调整上升", FlagEmptyScenario: "空方案", FlagNonContiguous: "辖区不连片"}
	for _, f := range ev.Impact.Flags {
		pg.Flags = append(pg.Flags, []string{flagZH[f.Kind], string(f.Code), f.Name, kindZHOf[f.Facility], f.Detail})
	}
}

// villageRows fills the per-village reach rows (at most MaxVillageRows).
func (pg *page) villageRows(ev *Evaluation) {
	for i, v := range ev.Impact.Villages {
		if i >= MaxVillageRows {
			pg.VillageMore = len(ev.Impact.Villages) - i
			break
		}
		row := []string{string(v.Code), v.Name, string(v.NewCode), km(v.SeatBeforeM), km(v.SeatAfterM)}
		for _, kr := range v.Kinds {
			cell := func(r facilities.Reach) string {
				s := "否"
				if r.Covered {
					s = "是"
				}
				if r.Nearest != nil {
					s += fmt.Sprintf(" %.1fkm", r.Nearest.DistanceM/1000)
				}
				return s
			}
			row = append(row, cell(kr.Before)+" → "+cell(kr.After))
		}
		pg.Villages = append(pg.Villages, row)
	}
}

// geometryRows fills the boundary union checks.
func (pg *page) geometryRows(ev *Evaluation) {
	for _, g := range ev.Geometry {
		gaps := fmt.Sprintf("%d", len(g.Gaps))
		for _, b := range g.Gaps {
			gaps += fmt.Sprintf("; (%.4f, %.4f) %.0f m²", b.At[0], b.At[1], b.AreaM2)
		}
		ovs := fmt.Sprintf("%d", len(g.Overlaps))
		for _, b := range g.Overlaps {
			ovs += fmt.Sprintf("; (%.4f, %.4f) %.0f m²", b.At[0], b.At[1], b.AreaM2)
		}
		pg.Geometry = append(pg.Geometry, []string{g.Code.Short(), g.Name, yesno(g.Valid), strconv.Itoa(g.Pieces), yesno(g.Contiguous),
			strconv.FormatFloat(g.AreaKM2, 'f', 2, 64), strconv.FormatFloat(g.PartsAreaKM2, 'f', 2, 64),
			strconv.FormatFloat(g.PerimeterKM, 'f', 1, 64), gaps, ovs, g.Problem})
	}
}

// statutoryRows fills the statutory checks, approvals, dossier and deadlines.
func (pg *page) statutoryRows(ev *Evaluation) {
	for _, c := range ev.Statutory.Checks {
		cv := checkView{Title: c.Title, Source: c.Source, Level: c.Level, Unit: c.UnitName + " " + c.Unit.Short(), Verdict: verdictZH[c.Verdict], Note: c.Note}
		for _, cd := range c.Conditions {
			met := "—"
			if cd.Met != nil {
				met = map[bool]string{true: "符合", false: "不符合"}[*cd.Met]
			}
			val := "—"
			if cd.Value != nil {
				val = plainNum(*cd.Value)
			}
			cv.Rows = append(cv.Rows, []string{cd.Name, val, cd.Op + " " + plainNum(cd.Threshold) + " " + cd.Unit, met, cd.Why})
		}
		pg.Checks = append(pg.Checks, cv)
	}
	for _, a := range ev.Statutory.Approvals {
		pg.Approvals = append(pg.Approvals, []string{strconv.Itoa(a.Op), a.Change, a.Authority, a.Article, a.Level, a.Note})
	}
	for _, d := range ev.Statutory.Dossier {
		st := "需另行准备"
		if d.Provided {
			st = "本报告提供(部分)"
		}
		pg.Dossier = append(pg.Dossier, []string{strconv.Itoa(d.No), d.Item, st, d.Civplan})
	}
	pg.Deadlines = ev.Statutory.Deadlines
}

// codeRows fills the code table.
func (pg *page) codeRows(ev *Evaluation) {
	for _, r := range ev.CodeTable().Rows {
		row := make([]string, len(r))
		for i, v := range r {
			row[i] = fmt.Sprint(v)
		}
		pg.Codes = append(pg.Codes, row)
	}
}

// replayRows fills the replay's inferences and what it could not express.
func (pg *page) replayRows(ev *Evaluation) {
	if ev.Replay != nil {
		for i, inf := range ev.Replay.Inferences {
			if i >= MaxVillageRows {
				break
			}
			pg.ReplayRows = append(pg.ReplayRows, []string{string(inf.Code), inf.Name, string(inf.Into), inf.IntoName, inf.Confidence, inf.Method})
		}
		for _, u := range append(append([]divisions.Unmapped(nil), ev.Replay.Unmapped...), ev.Replay.NotExpressed...) {
			pg.NotExpr = append(pg.NotExpr, []string{string(u.Code), u.Name, u.Change, u.Reason})
		}
	}
}

var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}}：{{.Scenario.Name}}</title>
<style>
body{font-family:"WenQuanYi Zen Hei","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#111;font-size:13px}
h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;border-bottom:2px solid #4e79a7;margin-top:22px}
table{border-collapse:collapse;margin:6px 0;width:100%}th,td{border:1px solid #999;padding:3px 5px;text-align:left;vertical-align:top}
th{background:#e8eef6}.maps{display:flex;gap:12px;flex-wrap:wrap}.note{color:#a00;font-weight:bold}
.meta td{border:none;padding:1px 8px 1px 0}.small{font-size:11px;color:#444}
@media print{h2{page-break-after:avoid}table{page-break-inside:auto}tr{page-break-inside:avoid}}
</style></head><body>
<h1>{{.Title}}</h1>
<table class="meta"><tr><td>方案名称：{{.Scenario.Name}}</td><td>状态：{{.StatusZH}}</td><td>编号：{{.Scenario.ID}}</td><td>起草人：{{.Scenario.Author}}</td><td>生成时间：{{.Generated}}</td></tr></table>
<p class="note">{{.Disclaimer}}</p>
<h2>一、变更前后示意图</h2>
<div class="maps" id="maps">{{.MapBefore}}{{.MapAfter}}</div>
<p class="small">方块为驻地，圆点为村(居)委会位置(红色为有标记的村)。{{.Disclaimer}}</p>
<h2>二、方案内容</h2><ol class="ops">{{range .Ops}}<li>{{.}}</li>{{end}}</ol>
{{if .OpsMore}}<p class="small">另有 {{.OpsMore}} 项操作，见 JSON 结果。</p>{{end}}
{{if .Scenario.Notes}}<p>{{.Scenario.Notes}}</p>{{end}}
<h2>三、涉及区划单位的变化</h2>
<table><tr><th>代码</th><th>名称</th><th></th><th>人口</th><th>老年人口</th><th>面积(km²)</th><th>村级单位</th><th>至驻地平均(km)</th><th>至驻地最远(km)</th>{{range .KindCols}}<th>{{.}}<br><span class="small">设施数·覆盖率/目标</span></th>{{end}}</tr>
{{range .Divisions}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
<h2>四、需关注的问题</h2>
{{if .Flags}}<table><tr><th>类型</th><th>代码</th><th>名称</th><th>设施类型</th><th>说明</th></tr>{{range .Flags}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>{{else}}<p>无。</p>{{end}}
<h2>五、各村服务可达性(变更前 → 变更后)</h2>
<table><tr><th>原代码</th><th>名称</th><th>新代码</th><th>至乡镇驻地前(km)</th><th>后(km)</th>{{range .KindCols}}<th>{{.}}<br><span class="small">覆盖·最近可用设施</span></th>{{end}}</tr>
{{range .Villages}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
{{if .VillageMore}}<p class="small">另有 {{.VillageMore}} 个村见 JSON 结果。</p>{{end}}
<h2>六、边界合并检查</h2>
{{if .Geometry}}<table><tr><th>代码</th><th>名称</th><th>有效</th><th>块数</th><th>连片</th><th>面积(km²)</th><th>各部分面积和(km²)</th><th>周长(km)</th><th>缝隙(位置, 面积)</th><th>重叠(位置, 面积)</th><th>问题</th></tr>
{{range .Geometry}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>{{else}}<p>无需合并边界。</p>{{end}}
<h2>七、法定标准核查</h2>
{{range .Checks}}<h3>{{.Title}} — {{.Unit}}：{{.Verdict}}</h3><p class="small">依据：{{.Source}}(核实级别 {{.Level}})</p>{{if .Note}}<p>{{.Note}}</p>{{end}}
{{if .Rows}}<table><tr><th>条件</th><th>数值</th><th>标准</th><th>结论</th><th>说明</th></tr>{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>{{end}}{{else}}<p>本方案不涉及设镇、设市标准。</p>{{end}}
<h2>八、审批机关</h2>
<table><tr><th>操作</th><th>变更事项</th><th>审批机关</th><th>依据</th><th>核实级别</th><th>说明</th></tr>{{range .Approvals}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
{{if .Deadlines}}<p>批准日期 {{.Deadlines.Approved}}：应于 {{.Deadlines.ImplementBy}} 前组织实施(经批准可延长至 {{.Deadlines.ExtendedBy}})；新的行政区划代码应于 {{.Deadlines.CodesBy}} 前确定并公布。依据：{{.Deadlines.Source}}。</p>{{end}}
<h2>九、申请材料清单(《行政区划管理条例》第十三条)</h2>
<table><tr><th>序号</th><th>材料</th><th>状态</th><th>本报告内容</th></tr>{{range .Dossier}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
<h2>十、区划代码变更对照表(建议)</h2>
<table><tr><th>层级</th><th>原代码</th><th>原名称</th><th>新代码(建议)</th><th>新名称</th><th>变更类型</th><th>变更类型代码</th><th>操作</th></tr>{{range .Codes}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
<p class="small">{{.Disclaimer}}</p>
{{if .Replay}}<h2>十一、代码变更清单回放</h2>
<p>撤销村 {{.Replay.Counts.VillagesRemoved}} 个(已推断去向 {{.Replay.Counts.Mapped}}，未能推断 {{.Replay.Counts.Unmapped}})；新增村 {{.Replay.Counts.VillagesAdded}} 个；更名 {{.Replay.Counts.VillagesRenamed}} 个(其中仅后缀变化 {{.Replay.Counts.CosmeticRenames}} 个)；乡级撤销 {{.Replay.Counts.TownsRemoved}}、新增 {{.Replay.Counts.TownsAdded}}、更名 {{.Replay.Counts.TownsRenamed}}。</p>
<table><tr><th>撤销单位</th><th>名称</th><th>推断并入</th><th>名称</th><th>可信度</th><th>方法</th></tr>{{range .ReplayRows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
{{if .NotExpr}}<h3>未能映射或无法用合并/更名表达的变更</h3><table><tr><th>代码</th><th>名称</th><th>变更</th><th>原因</th></tr>{{range .NotExpr}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>{{end}}{{end}}
<h2>说明</h2><ul>{{range .Notes}}<li>{{.}}</li>{{end}}{{range $k, $v := .Vintages}}<li>数据版本 {{$k}}：{{$v}}</li>{{end}}</ul>
</body></html>
`))
