package divisions

import (
	"strings"
	"testing"
)

func testTree(t *testing.T) *Tree {
	t.Helper()
	mk := func(code, name string) Division {
		c := MustCode(code)
		return Division{Code: c, Name: name, ShortName: ShortName(name), Level: c.Level(), Kind: KindOf(c, name), Parent: c.Parent()}
	}
	tr, err := NewTree([]Division{
		mk("420526100201", "古夫村村民委员会"),
		mk("42", "湖北省"),
		mk("4205", "宜昌市"),
		mk("420526", "兴山县"),
		mk("420526100", "古夫镇"),
		mk("420526101", "昭君镇"),
		mk("420526100202", "丰邑坪村委会"),
		mk("420526101201", "昭君村委会"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestTree(t *testing.T) {
	tr := testTree(t)
	if tr.Len() != 8 {
		t.Fatalf("Len = %d", tr.Len())
	}
	kids := tr.Children(MustCode("420526"))
	if len(kids) != 2 || kids[0].Code != "420526100000" || kids[1].Code != "420526101000" {
		t.Errorf("children of 420526 = %v", codes(kids))
	}
	anc := tr.Ancestors(MustCode("420526100201"))
	if got := strings.Join(codes(anc), ","); got != "420000000000,420500000000,420526000000,420526100000" {
		t.Errorf("ancestors = %s", got)
	}
	if len(tr.Ancestors(MustCode("42"))) != 0 {
		t.Error("the province has no ancestors")
	}
	vs := tr.Descendants(MustCode("420526"), Village)
	if len(vs) != 3 {
		t.Errorf("villages of 420526 = %v", codes(vs))
	}
	if vs := tr.Descendants(MustCode("420526101"), Village); len(vs) != 1 || vs[0].Code != "420526101201" {
		t.Errorf("villages of 420526101 = %v", codes(vs))
	}
	if tr.Get(MustCode("43")) != nil {
		t.Error("Get of an unknown code should be nil")
	}
}

func TestTreeSearch(t *testing.T) {
	tr := testTree(t)
	got := codes(tr.Search("昭君", 0, 0))
	if strings.Join(got, ",") != "420526101000,420526101201" {
		t.Errorf("search 昭君 = %v", got)
	}
	// Prefix matches come before substring matches.
	got = codes(tr.Search("古夫", 0, 0))
	if len(got) != 2 || got[0] != "420526100000" {
		t.Errorf("search 古夫 = %v", got)
	}
	if got := tr.Search("村", Village, 0); len(got) != 3 {
		t.Errorf("substring 村 among villages = %v", codes(got))
	}
	if got := tr.Search("", Township, 1); len(got) != 1 {
		t.Errorf("limit 1 = %v", codes(got))
	}
}

func TestNewTreeErrors(t *testing.T) {
	c := MustCode("420526")
	if _, err := NewTree([]Division{{Code: c, Level: County, Parent: c.Parent()}}); err == nil || !strings.Contains(err.Error(), "parent") {
		t.Errorf("missing parent: err = %v", err)
	}
	p := MustCode("42")
	if _, err := NewTree([]Division{{Code: p, Level: Province}, {Code: p, Level: Province}}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate: err = %v", err)
	}
}

func codes(ds []*Division) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = string(d.Code)
	}
	return out
}
