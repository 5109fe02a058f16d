package storetest

import (
	"github.com/civplan/civplan/data/dataset/datasettest"
	"github.com/civplan/civplan/data/store"

	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
)

func planFacility(name string, code divisions.Code, pt orb.Point) facilities.Facility {
	return facilities.Facility{Kind: facilities.MutualAidElderly, Name: name, DivisionCode: code, Point: pt,
		Status: facilities.StatusOperating, Provenance: divisions.Derived} // status is forced to planned
}

func testPlanSaveListDelete(t *testing.T, open Opener) {
	st := seeded(t, open)
	ctx := context.Background()
	var saved store.Plan
	err := st.Write(ctx, store.CLIActor(), "plan.create", "plan", func(tx *sql.Tx) (any, any, error) {
		p, err := st.InsertPlan(ctx, tx, store.Plan{Name: "兴山县互助养老选址", Kind: facilities.MutualAidElderly, Division: datasettest.County,
			Params: json.RawMessage(`{"objective":"mclp","p":2}`), Summary: json.RawMessage(`{"value":610}`), Author: "cli"},
			[]facilities.Facility{planFacility("规划一", datasettest.Vil1, orb.Point{110.70, 31.30}), planFacility("规划二", datasettest.Vil2, orb.Point{110.80, 31.40})})
		saved = p
		return nil, p, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if saved.ID == 0 || len(saved.Facilities) != 2 {
		t.Fatalf("saved plan %+v", saved)
	}
	got, err := st.Plan(ctx, saved.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != saved.Name || got.Division != datasettest.County || string(got.Summary) != `{"value":610}` || len(got.Facilities) != 2 {
		t.Fatalf("read back %+v", got)
	}
	fs, err := st.LoadFacilities()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fs {
		if f.PlanID == saved.ID {
			n++
			if f.Status != facilities.StatusPlanned {
				t.Errorf("facility %d of the plan has status %s, want planned", f.ID, f.Status)
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d facilities carry the plan id, want 2", n)
	}
	// Coverage "with plan": the registry counts the planned sites only when asked.
	reg := facilities.NewRegistry(fs)
	if len(reg.UsableOf(facilities.MutualAidElderly)) != len(reg.WithPlanned(saved.ID).UsableOf(facilities.MutualAidElderly))-2 {
		t.Errorf("WithPlanned(%d) does not add the plan's two sites", saved.ID)
	}
	list, err := st.ListPlans(ctx)
	if err != nil || len(list) != 1 || list[0].ID != saved.ID {
		t.Fatalf("list %+v, %v", list, err)
	}
	// One facility moved on to building: deleting the plan keeps it.
	err = st.Write(ctx, store.CLIActor(), "facility.update", "facility", func(tx *sql.Tx) (any, any, error) {
		rec, err := st.FacilityTx(ctx, tx, saved.Facilities[1])
		if err != nil {
			return nil, nil, err
		}
		rec.Status = facilities.StatusBuilding
		_, err = st.UpdateFacility(ctx, tx, rec.Facility, 0)
		return nil, nil, err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Write(ctx, store.CLIActor(), "plan.delete", "plan", func(tx *sql.Tx) (any, any, error) {
		p, err := st.DeletePlan(ctx, tx, saved.ID)
		return p, nil, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Plan(ctx, saved.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted plan: got %v, want store.ErrNotFound", err)
	}
	if _, err := st.Facility(ctx, saved.Facilities[0]); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the planned facility survived the plan's deletion: %v", err)
	}
	if rec, err := st.Facility(ctx, saved.Facilities[1]); err != nil || rec.PlanID != saved.ID {
		t.Errorf("the building facility should stay with its plan id: %+v, %v", rec, err)
	}
	if list, _ := st.ListPlans(ctx); len(list) != 0 {
		t.Errorf("list after delete: %+v", list)
	}
}

func testPlanInsertIsAllOrNothing(t *testing.T, open Opener) {
	st := seeded(t, open)
	ctx := context.Background()
	before, _ := st.LoadFacilities()
	err := st.Write(ctx, store.CLIActor(), "plan.create", "plan", func(tx *sql.Tx) (any, any, error) {
		_, err := st.InsertPlan(ctx, tx, store.Plan{Name: "坏方案", Kind: facilities.MutualAidElderly, Params: json.RawMessage(`{}`),
			Summary: json.RawMessage(`{}`)}, []facilities.Facility{planFacility("好", datasettest.Vil1, orb.Point{110.7, 31.3}),
			planFacility("坏", "420526999999", orb.Point{110.7, 31.3})}) // no such division
		return nil, nil, err
	})
	if err == nil {
		t.Fatal("a plan with a facility in an unknown division was saved")
	}
	after, _ := st.LoadFacilities()
	list, _ := st.ListPlans(ctx)
	if len(after) != len(before) || len(list) != 0 {
		t.Fatalf("half-written plan: %d → %d facilities, %d plans", len(before), len(after), len(list))
	}
	for _, bad := range []store.Plan{{Kind: facilities.MutualAidElderly}, {Name: "x", Kind: "school"}, {Name: "x", Kind: facilities.MutualAidElderly, Params: json.RawMessage(`{`)}} {
		err := st.Write(ctx, store.CLIActor(), "plan.create", "plan", func(tx *sql.Tx) (any, any, error) {
			_, err := st.InsertPlan(ctx, tx, bad, nil)
			return nil, nil, err
		})
		if err == nil {
			t.Errorf("plan %+v accepted", bad)
		}
	}
}
