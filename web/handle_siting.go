package web

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
)

// sitingCandidate is a supplied candidate site; lon/lat in the request's crs.
type sitingCandidate struct {
	Code string  `json:"code"`
	Name string  `json:"name"`
	Lon  float64 `json:"lon"`
	Lat  float64 `json:"lat"`
}

// sitingInput is the body of POST /api/v1/siting (and the "siting" member of POST /api/v1/plans).
type sitingInput struct {
	Kind               string                     `json:"kind"`
	Division           string                     `json:"division"`
	Mode               string                     `json:"mode"`
	RadiusM            float64                    `json:"radius_m"`
	Detour             string                     `json:"detour"` // as the coverage query parameter: "1.3", "suggested", "4228:1.5,…"
	Elderly            string                     `json:"elderly"`
	Rural              bool                       `json:"rural"`
	IncludeVillageLike bool                       `json:"include_village_like"`
	Objective          string                     `json:"objective"`
	P                  int                        `json:"p"`
	Target             float64                    `json:"target"`
	TargetOf           string                     `json:"target_of"` // lscp: villages (default, the official indicator) or elderly
	Weight             string                     `json:"weight"`
	Candidates         []sitingCandidate          `json:"candidates"`
	CRS                string                     `json:"crs"` // of candidates and of the answer's points
	Exclude            []string                   `json:"exclude"`
	ExcludeIDs         []int64                    `json:"exclude_ids"`
	UpgradeFrom        string                     `json:"upgrade_from"`
	Capacity           *facilities.CapacityParams `json:"capacity"`
	Plan               int64                      `json:"plan"` // count this saved plan's planned facilities as existing
}

// params validates in against the snapshot and returns the domain request, the analyzer to run it
// on (with a plan's facilities when asked) and the crs of the answer.
func (in *sitingInput) params(snap *snapshot) (facilities.SitingParams, *facilities.Analyzer, geo.CRS, error) {
	var sp facilities.SitingParams
	crs, err := parseCRS(in.CRS)
	if err != nil {
		return sp, nil, geo.WGS84, badParam("crs", err)
	}
	if in.Objective == "" {
		return sp, nil, geo.WGS84, badParam("objective", errors.New("required: lscp, mclp, pcenter or upgrade"))
	}
	if in.Kind == "" && in.Objective != string(facilities.ObjectiveUpgrade) {
		return sp, nil, geo.WGS84, badParam("kind", errors.New("required (e.g. mutual_aid_elderly)"))
	}
	sp.Kind, sp.Mode, sp.RadiusM = facilities.Kind(in.Kind), facilities.Mode(in.Mode), in.RadiusM
	if in.Division != "" {
		code, p := parseCodeParam("division", in.Division)
		if p != nil {
			return sp, nil, geo.WGS84, p
		}
		sp.Division = code
	}
	cfg := snap.analyzer.Config()
	if sp.Detour, sp.DetourDefault, err = facilities.ParseDetour(in.Detour, cfg); err != nil {
		return sp, nil, geo.WGS84, domainProblem(err)
	}
	sp.Elderly, sp.RuralOnly, sp.IncludeVillageLike = facilities.Elderly(in.Elderly), in.Rural, in.IncludeVillageLike
	sp.Objective, sp.P, sp.Target, sp.Weight = facilities.Objective(in.Objective), in.P, in.Target, facilities.Weight(in.Weight)
	sp.TargetOf = facilities.TargetOf(in.TargetOf)
	sp.UpgradeFrom, sp.Capacity, sp.ExcludeIDs = facilities.Kind(in.UpgradeFrom), in.Capacity, in.ExcludeIDs
	for _, e := range in.Exclude {
		sp.Exclude = append(sp.Exclude, divisions.Code(e))
	}
	switch {
	case in.P > maxSitingP:
		return sp, nil, geo.WGS84, badParam("p", fmt.Errorf("%d new sites is more than the %d one request may ask for", in.P, maxSitingP))
	case len(in.Candidates) > maxSitingCandidates:
		return sp, nil, geo.WGS84, badParam("candidates", fmt.Errorf("%d candidates is more than %d", len(in.Candidates), maxSitingCandidates))
	case len(in.Exclude)+len(in.ExcludeIDs) > maxSitingCandidates:
		return sp, nil, geo.WGS84, badParam("exclude", fmt.Errorf("more than %d exclusions", maxSitingCandidates))
	}
	if in.Candidates != nil {
		sp.Candidates = []facilities.CandidateSite{}
		for k, c := range in.Candidates {
			if c.Name != "" {
				if p := checkName(fmt.Sprintf("candidates[%d].name", k), c.Name); p != nil {
					return sp, nil, geo.WGS84, p
				}
			}
			if !finite(c.Lon) || !finite(c.Lat) || c.Lon < -180 || c.Lon > 180 || c.Lat < -90 || c.Lat > 90 {
				return sp, nil, geo.WGS84, badParam("candidates", fmt.Errorf("candidate %d: lon/lat %g,%g is not a point", k+1, c.Lon, c.Lat))
			}
			sp.Candidates = append(sp.Candidates, facilities.CandidateSite{Code: divisions.Code(c.Code), Name: c.Name,
				Point: crs.Inverse(orb.Point{c.Lon, c.Lat})})
		}
	}
	an := snap.analyzer
	if in.Plan != 0 {
		if in.Plan < 0 || !facilities.PlanIDs(snap.facilityList())[in.Plan] {
			return sp, nil, geo.WGS84, notFound("no saved plan %d with planned facilities", in.Plan)
		}
		an = an.WithRegistry(snap.registry.WithPlanned(in.Plan))
	}
	return sp, an, crs, nil
}

// siteFeature renders one proposed site as a GeoJSON Point feature in crs.
func siteFeature(ps *facilities.ProposedSite, crs geo.CRS) feature {
	props := map[string]any{
		"rank": ps.Rank, "code": ps.Code, "name": ps.Name, "township": nilIfEmpty(string(ps.Township)),
		"township_name": nilIfEmpty(ps.TownshipName), "gain": ps.Gain, "gain_elderly": ps.GainElderly,
		"gain_villages": ps.GainVillages, "new_villages": ps.NewVillages, "provenance": ps.Provenance,
	}
	if ps.FacilityID != 0 {
		props["facility_id"] = ps.FacilityID
	}
	if ps.MaxDistanceM > 0 {
		props["max_distance_m"] = ps.MaxDistanceM
	}
	if ps.Beds > 0 {
		props["beds"], props["allocated_beds"], props["gain_beds"] = ps.Beds, ps.AllocatedBeds, ps.GainBeds
	}
	return feature{Type: "Feature", ID: ps.Rank, Geometry: geometryOf(crs.Forward(ps.Point)), Properties: props}
}

// sitingSummary is the answer without its sites (they are the features), as a JSON object.
func sitingSummary(s *facilities.Siting) (map[string]any, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	delete(m, "sites")
	return m, nil
}

// runSiting runs a siting request on the current snapshot.
func (s *Server) runSiting(ctx context.Context, in *sitingInput) (*facilities.Siting, geo.CRS, error) {
	sp, an, crs, err := in.params(s.current())
	if err != nil {
		return nil, crs, err
	}
	res, err := an.SitingContext(ctx, sp)
	if err != nil {
		return nil, crs, domainProblem(err)
	}
	return res, crs, nil
}

// handleSiting answers POST /api/v1/siting: the proposed sites as a FeatureCollection (rank and
// marginal gain in each feature) with the summary, explanations and optimality gap in "siting".
// Nothing is saved.
func (s *Server) handleSiting(c *gin.Context) error {
	var in sitingInput
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	res, crs, err := s.runSiting(c.Request.Context(), &in)
	if err != nil {
		return err
	}
	sum, err := sitingSummary(res)
	if err != nil {
		return err
	}
	feats := make([]feature, 0, len(res.Sites))
	for k := range res.Sites {
		feats = append(feats, siteFeature(&res.Sites[k], crs))
	}
	writeGeoJSON(c, http.StatusOK, gin.H{"type": "FeatureCollection", "features": feats, "numberReturned": len(feats),
		"siting": sum, "vintages": s.current().vintages(), "note": approxNote})
	return nil
}

// planInput is the body of POST /api/v1/plans: a name and the siting request whose answer to save.
type planInput struct {
	Name   string          `json:"name"`
	Siting json.RawMessage `json:"siting"`
}

// handlePlanCreate answers POST /api/v1/plans (planner): runs the siting request on the current
// snapshot and saves its sites as planned facilities of a new plan → 201 with the plan.
func (s *Server) handlePlanCreate(c *gin.Context) error {
	var pin planInput
	if err := decodeBody(c, &pin); err != nil {
		return err
	}
	if p := checkName("name", pin.Name); p != nil {
		return p
	}
	if len(pin.Siting) == 0 {
		return badParam("siting", errors.New("required: the siting request whose answer to save"))
	}
	var in sitingInput
	dec := json.NewDecoder(bytes.NewReader(pin.Siting))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return badParam("siting", fmt.Errorf("not a siting request: %v", err))
	}
	snap := s.current()
	sp, an, _, err := in.params(snap)
	if err != nil {
		return err
	}
	res, err := an.SitingContext(c.Request.Context(), sp)
	if err != nil {
		return domainProblem(err)
	}
	if err != nil {
		return err
	}
	if len(res.Sites) == 0 {
		return badParam("siting", errors.New("the siting proposes no site: nothing to save"))
	}
	summary, err := json.Marshal(res.Summary())
	if err != nil {
		return err
	}
	fs := an.PlanFacilities(res)
	plan := store.Plan{Name: pin.Name, Kind: res.Query.Kind, Division: res.Query.Division, Params: pin.Siting,
		Summary: summary, Author: actor(c).Name}
	ctx := s.keyed(c, func(*sql.Tx, int64, any) (store.IdemResponse, error) {
		r, err := jsonAnswer(http.StatusCreated, jsonUTF8, plan)
		r.Location = "/api/v1/plans/" + itoa(plan.ID)
		return r, err
	})
	err = s.store.Write(ctx, actor(c), "plan.create", "plan", func(tx *sql.Tx) (any, any, error) {
		p, err := s.store.InsertPlan(ctx, tx, plan, fs)
		plan = p
		return nil, p, err
	})
	if sent, err := s.sendKeyed(c, err, func(context.Context) error { return s.Reload() }); sent || err != nil {
		return err
	}
	if err := s.Reload(); err != nil {
		return err
	}
	c.Header("Location", "/api/v1/plans/"+itoa(plan.ID))
	c.JSON(http.StatusCreated, plan)
	return nil
}

func planID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badParam("id", fmt.Errorf("%q is not a plan id", c.Param("id")))
	}
	return id, nil
}

// handlePlans answers GET /api/v1/plans (planner): every saved plan, newest first.
func (s *Server) handlePlans(c *gin.Context) error {
	if p := onlyParams(c); p != nil {
		return p
	}
	ps, err := s.store.ListPlans(c.Request.Context())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"plans": ps})
	return nil
}

// handlePlan answers GET /api/v1/plans/{id} (planner): the plan and its facilities as features;
// f=csv|xlsx: the facilities as a table (WGS84 lon/lat) with the plan's summary under it.
func (s *Server) handlePlan(c *gin.Context) error {
	if p := onlyParams(c, "crs", "f"); p != nil {
		return p
	}
	f, pr := tableFormat(c)
	if pr != nil {
		return pr
	}
	crs, err := parseCRS(c.Query("crs"))
	if err != nil {
		return badParam("crs", err)
	}
	id, err := planID(c)
	if err != nil {
		return err
	}
	p, err := s.store.Plan(c.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("no plan with id %d", id)
	}
	if err != nil {
		return err
	}
	var fs []facilities.Facility
	for _, fid := range p.Facilities {
		if fac, ok := s.current().registry.Get(fid); ok {
			fs = append(fs, fac)
		}
	}
	if f != "json" {
		if c.Query("crs") != "" {
			return badParam("crs", errors.New("tables are in WGS84 lon/lat; crs applies to the JSON answer only"))
		}
		var sum *facilities.PlanSummary
		if err := json.Unmarshal(p.Summary, &sum); err != nil {
			sum = nil // an unreadable summary leaves only the facilities
		}
		return writeTable(c, f, facilities.PlanTable(p.ID, p.Name, fs, sum), "plan-"+itoa(p.ID))
	}
	feats := []feature{}
	for k := range fs {
		feats = append(feats, facilityFeature(&fs[k], crs))
	}
	c.JSON(http.StatusOK, gin.H{"plan": p, "facilities": gin.H{"type": "FeatureCollection", "features": feats, "numberReturned": len(feats)}})
	return nil
}

// handlePlanDelete answers DELETE /api/v1/plans/{id} (planner): the plan and its still-planned
// facilities are deleted (soft, with history) → 204.
func (s *Server) handlePlanDelete(c *gin.Context) error {
	id, err := planID(c)
	if err != nil {
		return err
	}
	ctx := s.keyed(c, noContent)
	err = s.store.Write(ctx, actor(c), "plan.delete", "plan/"+itoa(id), func(tx *sql.Tx) (any, any, error) {
		p, err := s.store.DeletePlan(ctx, tx, id)
		return p, nil, err
	})
	if sent, err := s.sendKeyed(c, err, func(context.Context) error { return s.Reload() }); sent {
		return err
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound("no plan with id %d", id)
	}
	if err != nil {
		return err
	}
	if err := s.Reload(); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
