package formats

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestDecodeText(t *testing.T) {
	zh := "名称,床位\n敬老院,12\n"
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(zh)
	gb18030, _ := simplifiedchinese.GB18030.NewEncoder().String("名称\n𠀀\n") // a 4-byte GB18030 sequence
	cases := []struct {
		name, in, want, enc string
	}{
		{"utf-8", zh, zh, "utf-8"},
		{"bom", "\ufeff" + zh, zh, "utf-8-bom"},
		{"gbk", gbk, zh, "gb18030"},
		{"gb18030 4-byte", gb18030, "名称\n𠀀\n", "gb18030"},
		{"ascii", "a,b\n", "a,b\n", "utf-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, enc, err := decodeText([]byte(c.in))
			if err != nil || string(got) != c.want || enc != c.enc {
				t.Errorf("decodeText = %q, %s, %v; want %q, %s", got, enc, err, c.want, c.enc)
			}
		})
	}
	if _, _, err := decodeText([]byte("ab\n\x81\x20")); err == nil || !strings.Contains(err.Error(), "line 2, byte offset 3") {
		t.Errorf("truncated GBK pair: %v", err)
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"2019-06-01": "2019-06-01", "2019/6/1": "2019-06-01", "2019年6月1日": "2019-06-01", "20190601": "2019-06-01",
		"2019-06": "2019-06", "2019年6月": "2019-06", "2019": "2019", "": "",
	} {
		if got, err := parseDate(in); err != nil || got != want {
			t.Errorf("parseDate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"2019-02-30", "1800", "June 2019", "43831", "2019-6-1x"} {
		if got, err := parseDate(in); err == nil {
			t.Errorf("parseDate(%q) = %q, want an error", in, got)
		}
	}
}
