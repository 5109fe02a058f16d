package hubeibuild

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shadowDir makes a copy of the source directory made of symlinks, with file rel replaced by
// the result of edit applied to its content.
func shadowDir(t *testing.T, src, rel string, edit func(string) string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, r)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		abs, _ := filepath.Abs(p)
		if r != rel {
			return os.Symlink(abs, target)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, []byte(edit(string(b))), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestBuildRejectsBadInput feeds broken copies of the source files to Build: each must fail
// with an error that names the file or unit at fault (these all fail before the partition).
func TestBuildRejectsBadInput(t *testing.T) {
	src := sourcesDir(t)
	dropLine := func(prefix string) func(string) string {
		return func(s string) string {
			var out []string
			for _, l := range strings.Split(s, "\n") {
				if !strings.HasPrefix(l, prefix) {
					out = append(out, l)
				}
			}
			return strings.Join(out, "\n")
		}
	}
	for _, tc := range []struct {
		name, file string
		edit       func(string) string
		want       string
	}{
		{"county without census row", fileTudiPop, dropLine("421171,"), "421171000000"},
		{"bad village code", fileVillages, func(s string) string { return strings.Replace(s, "420102002003,", "4201020020x3,", 1) }, "hubei_2023_villages.csv: row 2"},
		{"township point not a number", fileTownPoints, func(s string) string {
			return strings.Replace(s, "114.256316,30.649869", "114.256316,north", 1)
		}, "420112004"},
		{"county polygon missing", fileCounties, func(s string) string { return strings.Replace(s, `"adcode": "420302"`, `"adcode": "420399"`, 1) }, "county 420302000000 茅箭区 has no polygon"},
		{"township of an unknown county", fileStreets, func(s string) string { return s + "429999001,\"某街道\",429999,42,4290\n" }, "429999"},
		{"missing file", fileYearbook, nil, fileYearbook},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var dir string
			if tc.edit == nil {
				dir = shadowDir(t, src, tc.file, func(s string) string { return s })
				if err := os.Remove(filepath.Join(dir, tc.file)); err != nil {
					t.Fatal(err)
				}
			} else {
				dir = shadowDir(t, src, tc.file, tc.edit)
			}
			_, _, err := Build(dir, io.Discard)
			if err == nil {
				t.Fatal("Build accepted broken input")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %q", err, tc.want)
			}
		})
	}
}
