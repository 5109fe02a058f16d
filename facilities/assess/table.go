package assess

import (
	"strings"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

var changeZH = map[string]string{
	divisions.ChangeMergedInto: "并入", divisions.ChangeRenumbered: "重新编码", divisions.ChangeRenamed: "更名",
	divisions.ChangeKindChanged: "建制变更", divisions.ChangeTransferred: "划转", divisions.ChangeNew: "新设",
	divisions.ChangeSeatMoved: "驻地迁移", divisions.ChangeTerritoryChanged: "辖区调整",
}

// ChangeZH renders a CodeChange.Change ("merged_into+renamed") in Chinese ("并入、更名").
func ChangeZH(s string) string {
	var out []string
	for _, w := range strings.Split(s, "+") {
		if z, ok := changeZH[w]; ok {
			out = append(out, z)
		} else if w != "" {
			out = append(out, w)
		}
	}
	return strings.Join(out, "、")
}

var levelZH = map[divisions.Level]string{divisions.Province: "省", divisions.Prefecture: "地", divisions.County: "县",
	divisions.Township: "乡", divisions.Village: "村"}

// CodeTable is the old→new code table (变更对照表) of every affected unit down to villages.
func (ev *Evaluation) CodeTable() facilities.Table {
	t := facilities.Table{Columns: []facilities.Column{
		{Key: "level", TitleZH: "层级", TitleEN: "Level"},
		{Key: "old_code", TitleZH: "原代码", TitleEN: "Old code"},
		{Key: "old_name", TitleZH: "原名称", TitleEN: "Old name"},
		{Key: "new_code", TitleZH: "新代码(建议)", TitleEN: "New code (proposed)"},
		{Key: "new_name", TitleZH: "新名称", TitleEN: "New name"},
		{Key: "change", TitleZH: "变更类型", TitleEN: "Change"},
		{Key: "change_key", TitleZH: "变更类型代码", TitleEN: "Change key"},
		{Key: "op", TitleZH: "操作序号", TitleEN: "Operation"},
	}, Notes: []string{Disclaimer}}
	for _, c := range ev.Codes {
		t.Rows = append(t.Rows, []any{levelZH[c.Level], string(c.OldCode), c.OldName, string(c.NewCode), c.NewName,
			ChangeZH(c.Change), c.Change, c.Op})
	}
	return t
}
