package facilities

import (
	"fmt"
	"testing"

	"github.com/civplan/civplan/divisions"
)

// TestProvClasses checks the one-byte classes against the plain list they replace, past the
// 255 classes a table holds, through set (both ways across the overflow) and clone.
func TestProvClasses(t *testing.T) {
	const n = 700
	var pc provClasses
	want := make([]divisions.Provenance, n)
	for i := range n {
		want[i] = divisions.Provenance(fmt.Sprintf("p%d", i%400)) // 400 distinct: 145 overflow
		pc.add(want[i])
	}
	check := func(name string, pc *provClasses, want []divisions.Provenance) {
		t.Helper()
		for i := range want {
			if got := pc.at(int32(i)); got != want[i] {
				t.Fatalf("%s: facility %d: provenance %q, want %q", name, i, got, want[i])
			}
		}
	}
	check("added", &pc, want)
	c := pc.clone()
	cw := append([]divisions.Provenance(nil), want...)
	// An overflowing facility set to a tabled provenance and a tabled one set to a new value.
	c.set(300, "p3")
	cw[300] = "p3"
	c.set(3, "brand-new")
	cw[3] = "brand-new"
	if pc.class[300] != provOverflow || c.class[300] == provOverflow || c.class[3] != provOverflow {
		t.Fatalf("classes after set: %d, %d (before: %d)", c.class[300], c.class[3], pc.class[300])
	}
	check("clone after set", &c, cw)
	check("original after the clone's sets", &pc, want)
}
