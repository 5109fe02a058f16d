package divisions

import (
	"fmt"
	"strconv"
	"strings"
)

// ProposeCode proposes a 12-digit code for a new child of kind k under parent, following the
// statistical numbering (township digits 7–9: 001–099 街道, 100–199 镇, 200–399 乡, 400–599
// 类似乡级单位; village digits 10–12: 001–199 居委会, 200–399 村委会, 400–499 类似居委会,
// 500–599 类似村委会; county digits 5–6 by GB/T 2260: 01–20 市辖区, 21–80 县, 81–99 县级市).
// It takes the number after the highest taken one in the kind's range and, when the range is
// full at the top, the lowest number never taken; a code for which taken is true is never
// proposed (taken must report every code that exists or ever existed). Proposals are not
// official codes: those are assigned by the statistics and civil-affairs authorities.
func ProposeCode(parent Code, k Kind, taken func(Code) bool) (Code, error) {
	lo, hi, ok := codeRangeOf(k)
	if !ok {
		return "", fmt.Errorf("kind %q has no numbering range for new codes", k)
	}
	lvl := levelOfKind(k)
	if parent == "" || parent.Level() != lvl-1 {
		return "", fmt.Errorf("parent %q cannot hold a %s (%s)", parent, k, lvl)
	}
	width := shortLen[lvl] - shortLen[lvl-1]
	pre := string(parent[:shortLen[lvl-1]])
	pad := strings.Repeat("0", 12-shortLen[lvl])
	codeOf := func(n int) Code {
		s := strconv.Itoa(n)
		return Code(pre + strings.Repeat("0", width-len(s)) + s + pad)
	}
	top := lo - 1
	for n := hi; n >= lo; n-- {
		if taken(codeOf(n)) {
			top = n
			break
		}
	}
	if top < hi {
		return codeOf(top + 1), nil
	}
	for n := lo; n <= hi; n++ {
		if !taken(codeOf(n)) {
			return codeOf(n), nil
		}
	}
	return "", fmt.Errorf("no free %s code under %s: numbers %0*d–%0*d are all taken or retired", k, parent, width, lo, width, hi)
}
