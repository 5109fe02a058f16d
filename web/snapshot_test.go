package web

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/civplan/civplan/data/store"
)

// A facility write rebuilds only the facilities: the new snapshot shares the old tree and
// locator. A division change (here an import from another "process" straight into the store)
// rebuilds the tree, and Watch picks it up without any request.
func TestReloadReusesTreeUntilDivisionsChange(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	before := e.srv.current()
	tok, _, _ := e.store.CreateToken(context.Background(), "p", store.RolePlanner)
	if code, _, m := e.do(t, "POST", "/api/v1/facilities", `{"kind":"welfare_home","name":"新敬老院","division_code":"420526101","lon":110.7,"lat":31.5}`, "Authorization", "Bearer "+tok); code != 201 {
		t.Fatalf("create: %d %v", code, m)
	}
	after := e.srv.current()
	if after == before || after.tree != before.tree || after.locator != before.locator {
		t.Fatalf("facility write: new snapshot %v, same tree %v", after != before, after.tree == before.tree)
	}
	if after.registry.Len() != before.registry.Len()+1 {
		t.Errorf("facilities %d → %d", before.registry.Len(), after.registry.Len())
	}
	csv := "code,name,total,age60,age65\n420526100201,古夫村村民委员会,1300,330,260\n"
	if _, err := e.store.ImportDivisions(context.Background(), bytes.NewReader([]byte(csv)), "d.csv", store.ImportOptions{}, store.CLIActor()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.srv.Watch(ctx, 10*time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.current().tree == after.tree && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	got := e.srv.current()
	if got.tree == after.tree {
		t.Fatal("a division import did not rebuild the tree")
	}
	if v := got.tree.Get("420526100201"); v == nil || v.Population.Total != 1300 {
		t.Errorf("village after import: %+v", v)
	}
}
