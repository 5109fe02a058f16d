package storetest

import (
	"github.com/civplan/civplan/data/store"

	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/civplan/civplan/divisions"
)

func testScenarioStoreRoundTrip(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	seat := [2]float64{110.5, 31.2}
	sc := divisions.Scenario{Name: "两镇合并", Author: "alice", Ops: []divisions.Op{
		{Op: divisions.OpMerge, Units: []string{"420526100", "420526101"}, Into: "420526100", Name: "新镇", Seat: &seat},
		{Op: divisions.OpApplyPlan, Plan: 7}},
		Inputs: &divisions.Inputs{Units: map[string]divisions.UnitInputs{"420526100": {SpecialArea: true}}}}
	a := store.Actor{Name: "alice", Role: store.RolePlanner}
	got, err := s.CreateScenario(ctx, a, sc)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == 0 || got.Status != divisions.StatusDraft || got.Created.IsZero() {
		t.Fatalf("created %+v", got)
	}
	back, err := s.Scenario(ctx, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Ops, sc.Ops) || back.Name != sc.Name || back.Author != "alice" || !reflect.DeepEqual(back.Inputs, sc.Inputs) {
		t.Errorf("read back %+v", back)
	}
	if !back.Created.Equal(got.Created) {
		t.Errorf("created %v, stored %v", got.Created, back.Created)
	}
	back.Status, back.ApprovalDate, back.Author = divisions.StatusApproved, "2024-05-01", "mallory"
	upd, err := s.ReplaceScenario(ctx, a, back)
	if err != nil {
		t.Fatal(err)
	}
	if upd.Author != "alice" {
		t.Errorf("author changed by an update: %s", upd.Author)
	}
	again, _ := s.Scenario(ctx, got.ID)
	if again.Status != divisions.StatusApproved || again.ApprovalDate != "2024-05-01" {
		t.Errorf("after update %+v", again)
	}
	// Bad input leaves the stored scenario unchanged.
	bad := again
	bad.Status = "done"
	if _, err := s.ReplaceScenario(ctx, a, bad); err == nil {
		t.Error("bad status accepted")
	}
	bad = again
	bad.ApprovalDate = "May 1"
	if _, err := s.ReplaceScenario(ctx, a, bad); err == nil {
		t.Error("bad approval date accepted")
	}
	if cur, _ := s.Scenario(ctx, got.ID); !reflect.DeepEqual(cur, again) {
		t.Errorf("a failed update changed the scenario: %+v", cur)
	}
	list, err := s.Scenarios(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("list %v %v", list, err)
	}
	// A replay scenario keeps its change list and has no operations of its own.
	rp, err := s.CreateScenario(ctx, a, divisions.Scenario{Name: "回放", ReplayCSV: "code,level,change,name_2022,name_2023\n"})
	if err != nil {
		t.Fatal(err)
	}
	if back, _ := s.Scenario(ctx, rp.ID); back.ReplayCSV != "code,level,change,name_2022,name_2023\n" {
		t.Errorf("replay csv read back %q", back.ReplayCSV)
	}
	if _, err := s.CreateScenario(ctx, a, divisions.Scenario{Name: "x", ReplayCSV: "a", Ops: sc.Ops}); err == nil {
		t.Error("a replay with operations was accepted")
	}
	if err := s.RemoveScenario(ctx, a, rp.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveScenario(ctx, a, got.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Scenario(ctx, got.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted scenario: %v", err)
	}
	if err := s.RemoveScenario(ctx, a, got.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	log, err := s.AuditLog(ctx, store.AuditFilter{Target: "scenario/1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 { // update and delete (create targets scenario/new)
		t.Errorf("audit entries for scenario/1: %d", len(log))
	}
}
