package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/dataset/datasettest"
	"github.com/civplan/civplan/data/store/postgres/pgtest"
)

var stamp = regexp.MustCompile(`"(created|updated)": "[0-9T:.Z-]+"`)

// Every command with --db URL works on PostgreSQL (on the small fixture, seeded with --dataset's
// path), and the printed answers equal those of the same commands on a SQLite file seeded from
// the same data.
func TestCommandsOnPostgres(t *testing.T) {
	pg := pgtest.URL(t)
	dir := t.TempDir()
	lite := filepath.Join(dir, "c.db")
	file := filepath.Join(dir, "small.json.gz")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := dataset.WriteDataset(f, datasettest.Small()); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, db := range []string{pg, lite} {
		st, err := openSeededFrom(db, file, io.Discard)
		if err != nil {
			t.Fatalf("seed %s: %v", db, err)
		}
		st.Close()
	}
	csv := filepath.Join(dir, "f.csv")
	os.WriteFile(csv, []byte("kind,name,division_code,lon,lat\nmutual_aid_elderly,高桥平水互助点,420526200201,110.6,31.1\n"), 0o644)
	sc := filepath.Join(dir, "s.json")
	os.WriteFile(sc, []byte(`{"name":"两乡镇合并","ops":[{"op":"merge","units":["420526100","420526200"],"into":"420526100","name":"古夫镇"}]}`), 0o644)
	steps := [][]string{
		{"token", "create", "--name", "ops", "--role", "admin"},
		{"import", "facilities", csv},
		{"coverage", "--kind", "mutual_aid_elderly", "--division", "420526", "--group-by", "township", "--format", "json"},
		{"coverage", "--report", "gaps", "--kind", "mutual_aid_elderly", "--division", "420526", "--format", "json"},
		{"siting", "--objective", "lscp", "--kind", "mutual_aid_elderly", "--division", "420526", "--target", "1", "--save", "全覆盖", "--format", "json"},
		{"scenario", "create", "--file", sc},
		{"scenario", "impact", "1", "--kind", "mutual_aid_elderly"},
		{"export", "--out", "EXPORT", "--format", "geojson"},
	}
	for _, step := range steps {
		var outs [2]string
		for i, db := range []string{pg, lite} {
			args := append([]string{}, step...)
			for k, a := range args {
				if a == "EXPORT" {
					args[k] = filepath.Join(dir, []string{"pg", "lite"}[i]+".geojson")
				}
			}
			code, out, stderr := runCLI(t, append(args, "--db", db)...)
			if code != 0 {
				t.Fatalf("%v --db %s: exit %d: %s", step, []string{"PostgreSQL", "SQLite"}[i], code, stderr)
			}
			outs[i] = out
		}
		if step[0] == "token" || step[0] == "siting" {
			continue // a fresh secret each; siting prints its run time
		}
		outs[0] = strings.ReplaceAll(outs[0], filepath.Join(dir, "pg.geojson"), "OUT")
		outs[1] = strings.ReplaceAll(outs[1], filepath.Join(dir, "lite.geojson"), "OUT")
		// A scenario's created/updated times are the two stores' clocks at its write.
		outs[0], outs[1] = stamp.ReplaceAllString(outs[0], "TIME"), stamp.ReplaceAllString(outs[1], "TIME")
		if outs[0] != outs[1] {
			t.Errorf("%v: PostgreSQL printed\n%.600s\nSQLite printed\n%.600s", step, outs[0], outs[1])
		}
	}
	for _, layer := range []string{"counties", "townships", "villages", "facilities"} {
		pgExport, _ := os.ReadFile(filepath.Join(dir, "pg.geojson", layer+".geojson"))
		liteExport, _ := os.ReadFile(filepath.Join(dir, "lite.geojson", layer+".geojson"))
		if len(pgExport) == 0 || !bytes.Equal(pgExport, liteExport) {
			t.Errorf("%s exports differ: %d bytes from PostgreSQL, %d from SQLite", layer, len(pgExport), len(liteExport))
		}
	}
	code, out, _ := runCLI(t, "audit", "--db", pg, "--format", "csv")
	for _, a := range []string{"seed", "token.create", "import", "plan.create", "scenario.create"} {
		if code != 0 || !strings.Contains(out, ","+a+",") {
			t.Errorf("audit on PostgreSQL lacks %s: %d %.300q", a, code, out)
		}
	}
	if code, out, stderr := runCLI(t, "token", "list", "--db", pg+"&pool_max_conns=3"); code != 0 || !strings.Contains(out, "ops") {
		t.Errorf("token list: %d %q %q", code, out, stderr)
	}
	if code, out, stderr := runCLI(t, "token", "revoke", "1", "--db", pg); code != 0 || !strings.Contains(out, "revoked token 1") {
		t.Errorf("token revoke: %d %q %q", code, out, stderr)
	}

	t.Run("backup drives pg_dump, restore explains pg_restore", func(t *testing.T) {
		bak := filepath.Join(dir, "c.dump")
		// pool_max_conns is civplan's, not libpq's: pg_dump must not see it
		code, out, stderr := runCLI(t, "backup", bak, "--db", pg+"&pool_max_conns=5")
		if code != 0 || !strings.Contains(out, "pg_dump custom format") {
			t.Fatalf("backup: %d %q %q", code, out, stderr)
		}
		b, err := os.ReadFile(bak)
		if err != nil || !bytes.HasPrefix(b, []byte("PGDMP")) {
			t.Errorf("backup file is not a pg_dump archive: %v %.10q", err, b)
		}
		if st, err := os.Stat(bak); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("backup mode %v (%v), want 0600 (token hashes, audit log)", st.Mode(), err)
		}
		code, _, stderr = runCLI(t, "restore", bak, "--db", pg)
		if code != 1 || !strings.Contains(stderr, "pg_restore") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("restore on PostgreSQL: %d %q, want exit 1 and one line explaining pg_restore", code, stderr)
		}
	})
	t.Run("unreachable and bad URLs are one-line errors", func(t *testing.T) {
		for _, db := range []string{"postgres://civ:pw@127.0.0.1:1/civplan?connect_timeout=2", "postgresql://civ@127.0.0.1:99999/x"} {
			code, _, stderr := runCLI(t, "token", "list", "--db", db)
			if code != 1 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || strings.Contains(stderr, ":pw@") || !strings.Contains(stderr, "127.0.0.1") {
				t.Errorf("token list --db %s: %d %q, want exit 1 and one line naming the server without the password", db, code, stderr)
			}
		}
	})
}
