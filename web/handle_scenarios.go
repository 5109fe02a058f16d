package web

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/facilities/assess"
	"github.com/gin-gonic/gin"
)

// scenarioInput is the body of POST and PUT /api/v1/scenarios.
type scenarioInput struct {
	Name         string            `json:"name"`
	Status       string            `json:"status"`
	ApprovalDate string            `json:"approval_date"`
	Notes        string            `json:"notes"`
	Inputs       *divisions.Inputs `json:"inputs"`
	Ops          []divisions.Op    `json:"ops"`
	ReplayCSV    string            `json:"replay_csv"` // a code change list to replay instead of ops
}

// scenarioProblem turns an evaluation error into a 400 naming the operation, or passes it on.
func scenarioProblem(err error) error {
	if !errors.Is(err, assess.ErrInvalid) {
		return err
	}
	var ie *divisions.InputError
	if errors.As(err, &ie) {
		return badParam(ie.Field, errors.New(ie.Reason))
	}
	var oe *divisions.OpError
	if errors.As(err, &oe) {
		return &Problem{Type: "about:blank", Title: "Bad Request", Status: http.StatusBadRequest, Detail: oe.Error(),
			InvalidParams: []InvalidParam{{Name: fmt.Sprintf("ops[%d]", oe.Index), Reason: fmt.Sprintf("%s: %s", oe.Op, oe.Reason)}}}
	}
	return problemOf(http.StatusBadRequest, "%v", err)
}

// evalOptions are the impact options read from the query (kind, mode, elderly, seat_growth_m).
func (s *Server) evalOptions(c *gin.Context, snap *snapshot) (assess.Options, error) {
	opt := assess.Options{Vintages: snap.vintages(), Impact: facilities.ImpactOptions{Base: snap.analyzer}, Context: c.Request.Context()}
	if k := c.Query("kind"); k != "" {
		for _, w := range strings.Split(k, ",") {
			ki, err := facilities.ParseKind(w)
			if err != nil {
				return opt, badParam("kind", err)
			}
			opt.Impact.Kinds = append(opt.Impact.Kinds, ki.Kind)
		}
	}
	if m := c.Query("mode"); m != "" {
		mode, err := facilities.ParseMode(m)
		if err != nil {
			return opt, domainProblem(err)
		}
		opt.Impact.Mode = mode
	}
	if e := c.Query("elderly"); e != "" {
		el, err := facilities.ParseElderly(e)
		if err != nil {
			return opt, domainProblem(err)
		}
		opt.Impact.Elderly = el
	}
	if g := c.Query("seat_growth_m"); g != "" {
		v, err := strconv.ParseFloat(g, 64)
		if err != nil || !finite(v) || v <= 0 {
			return opt, badParam("seat_growth_m", fmt.Errorf("%q is not a distance > 0 in metres", g))
		}
		opt.Impact.SeatGrowthM = v
	}
	return opt, nil
}

// evaluate applies a scenario to the current snapshot.
func (s *Server) evaluate(c *gin.Context, sc divisions.Scenario) (*assess.Evaluation, error) {
	snap := s.current()
	opt, err := s.evalOptions(c, snap)
	if err != nil {
		return nil, err
	}
	ev, err := assess.Evaluate(snap.tree, snap.facilityList(), sc, opt)
	if err != nil {
		return nil, scenarioProblem(err)
	}
	return ev, nil
}

func scenarioID(c *gin.Context, param string) (int64, error) {
	raw := c.Param(param)
	if raw == "" {
		raw = c.Query(param)
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, badParam(param, fmt.Errorf("%q is not a scenario id", raw))
	}
	return id, nil
}

// loadScenario reads a stored scenario or answers 404.
func (s *Server) loadScenario(c *gin.Context, param string) (divisions.Scenario, error) {
	id, err := scenarioID(c, param)
	if err != nil {
		return divisions.Scenario{}, err
	}
	sc, err := s.store.Scenario(c.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return sc, notFound("no scenario with id %d", id)
	}
	return sc, err
}

// scenarioOf reads the body into a scenario and validates it against the current snapshot;
// nothing is stored when it is bad.
func (s *Server) scenarioOf(c *gin.Context) (divisions.Scenario, *assess.Evaluation, error) {
	var in scenarioInput
	if err := decodeBody(c, &in); err != nil {
		return divisions.Scenario{}, nil, err
	}
	if p := checkScenarioText(&in); p != nil {
		return divisions.Scenario{}, nil, p
	}
	st, err := divisions.ParseScenarioStatus(in.Status)
	if err != nil {
		return divisions.Scenario{}, nil, badParam("status", err)
	}
	if len(in.Ops) > maxScenarioOps {
		return divisions.Scenario{}, nil, badParam("ops", fmt.Errorf("%d operations is more than the %d one scenario may hold", len(in.Ops), maxScenarioOps))
	}
	if in.Ops == nil {
		in.Ops = []divisions.Op{}
	}
	sc := divisions.Scenario{Name: in.Name, Status: st, ApprovalDate: in.ApprovalDate, Notes: in.Notes, Inputs: in.Inputs,
		Ops: in.Ops, ReplayCSV: in.ReplayCSV, Author: actor(c).Name}
	ev, err := s.evaluate(c, sc)
	if err != nil {
		return sc, nil, err
	}
	return sc, ev, nil
}

// scenarioAnswer is a stored scenario with the summary of its evaluation.
func scenarioAnswer(sc divisions.Scenario, ev *assess.Evaluation) gin.H {
	h := gin.H{"scenario": sc, "links": gin.H{
		"impact": fmt.Sprintf("/api/v1/scenarios/%d/impact", sc.ID), "report": fmt.Sprintf("/api/v1/scenarios/%d/report.html", sc.ID),
		"codes_csv": fmt.Sprintf("/api/v1/scenarios/%d/codes.csv", sc.ID), "codes_xlsx": fmt.Sprintf("/api/v1/scenarios/%d/codes.xlsx", sc.ID)}}
	if ev != nil {
		h["summary"] = ev.Summarize()
	}
	return h
}

// handleScenarioCreate answers POST /api/v1/scenarios (planner): validates the operations on the
// current snapshot (400 naming the operation) and stores the draft → 201.
func (s *Server) handleScenarioCreate(c *gin.Context) error {
	sc, ev, err := s.scenarioOf(c)
	if err != nil {
		return err
	}
	ctx := s.keyed(c, func(*sql.Tx, int64, any) (store.IdemResponse, error) {
		ev.Scenario = sc
		h := scenarioAnswer(sc, ev)
		h["id"] = sc.ID
		r, err := jsonAnswer(http.StatusCreated, jsonUTF8, h)
		r.Location = "/api/v1/scenarios/" + itoa(sc.ID)
		return r, err
	})
	err = s.store.Write(ctx, actor(c), "scenario.create", "scenario", func(tx *sql.Tx) (any, any, error) {
		out, err := s.store.InsertScenario(ctx, tx, sc)
		sc = out
		return nil, out, err
	})
	if sent, err := s.sendKeyed(c, err, nil); sent || err != nil {
		return err
	}
	ev.Scenario = sc
	c.Header("Location", "/api/v1/scenarios/"+itoa(sc.ID))
	h := scenarioAnswer(sc, ev)
	h["id"] = sc.ID
	c.JSON(http.StatusCreated, h)
	return nil
}

// handleScenarios answers GET /api/v1/scenarios (planner): every live scenario by id.
func (s *Server) handleScenarios(c *gin.Context) error {
	if p := onlyParams(c); p != nil {
		return p
	}
	list, err := s.store.Scenarios(c.Request.Context())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"scenarios": list})
	return nil
}

// handleScenario answers GET /api/v1/scenarios/{id} (planner).
func (s *Server) handleScenario(c *gin.Context) error {
	if p := onlyParams(c); p != nil {
		return p
	}
	sc, err := s.loadScenario(c, "id")
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, scenarioAnswer(sc, nil))
	return nil
}

// handleScenarioUpdate answers PUT /api/v1/scenarios/{id} (planner): a full replacement,
// validated like a create; a bad one leaves the stored scenario unchanged.
func (s *Server) handleScenarioUpdate(c *gin.Context) error {
	id, err := scenarioID(c, "id")
	if err != nil {
		return err
	}
	sc, ev, err := s.scenarioOf(c)
	if err != nil {
		return err
	}
	sc.ID = id
	ctx := s.keyed(c, func(*sql.Tx, int64, any) (store.IdemResponse, error) {
		ev.Scenario = sc
		return jsonAnswer(http.StatusOK, jsonUTF8, scenarioAnswer(sc, ev))
	})
	err = s.store.Write(ctx, actor(c), "scenario.update", "scenario/"+itoa(id), func(tx *sql.Tx) (any, any, error) {
		old, cur, err := s.store.UpdateScenario(ctx, tx, sc)
		sc = cur
		return old, cur, err
	})
	if sent, err := s.sendKeyed(c, err, nil); sent {
		return err
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound("no scenario with id %d", id)
	}
	if err != nil {
		return err
	}
	ev.Scenario = sc
	c.JSON(http.StatusOK, scenarioAnswer(sc, ev))
	return nil
}

// handleScenarioDelete answers DELETE /api/v1/scenarios/{id} (planner) → 204.
func (s *Server) handleScenarioDelete(c *gin.Context) error {
	id, err := scenarioID(c, "id")
	if err != nil {
		return err
	}
	ctx := s.keyed(c, noContent)
	err = s.store.Write(ctx, actor(c), "scenario.delete", "scenario/"+itoa(id), func(tx *sql.Tx) (any, any, error) {
		old, err := s.store.DeleteScenario(ctx, tx, id)
		return old, nil, err
	})
	if sent, err := s.sendKeyed(c, err, nil); sent {
		return err
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound("no scenario with id %d", id)
	}
	if err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// storedEvaluation loads scenario {id} and evaluates it on the current snapshot.
func (s *Server) storedEvaluation(c *gin.Context) (*assess.Evaluation, error) {
	sc, err := s.loadScenario(c, "id")
	if err != nil {
		return nil, err
	}
	return s.evaluate(c, sc)
}

// handleScenarioImpact answers GET /api/v1/scenarios/{id}/impact?kind=&mode=&elderly=&seat_growth_m=&f=
// (planner): the evaluation as JSON, or f=geojson for the affected units before and after.
func (s *Server) handleScenarioImpact(c *gin.Context) error {
	if p := onlyParams(c, "kind", "mode", "elderly", "seat_growth_m", "f"); p != nil {
		return p
	}
	f := c.DefaultQuery("f", "json")
	if f != "json" && f != "geojson" {
		return badParam("f", fmt.Errorf("unknown format %q (want json or geojson)", f))
	}
	ev, err := s.storedEvaluation(c)
	if err != nil {
		return err
	}
	if f == "geojson" {
		writeGeoJSON(c, http.StatusOK, ev.GeoJSON())
		return nil
	}
	c.JSON(http.StatusOK, ev)
	return nil
}

// handleScenarioReport answers GET /api/v1/scenarios/{id}/report.html (planner): the printable
// report, rendered in full before anything is sent.
func (s *Server) handleScenarioReport(c *gin.Context) error {
	if p := onlyParams(c, "kind", "mode", "elderly", "seat_growth_m"); p != nil {
		return p
	}
	ev, err := s.storedEvaluation(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := ev.WriteHTML(&buf); err != nil {
		return err
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

// handleScenarioCodes answers GET /api/v1/scenarios/{id}/codes?f=json|csv|xlsx (suffix "")
// and its fixed-format forms codes.csv and codes.xlsx (planner): the code table (变更对照表).
// A fixed form accepts f only when it names the same format.
func (s *Server) handleScenarioCodes(suffix string) handler {
	return func(c *gin.Context) error {
		if p := onlyParams(c, "f"); p != nil {
			return p
		}
		f, pr := tableFormat(c)
		if pr != nil {
			return pr
		}
		if suffix != "" {
			if q, ok := c.GetQuery("f"); ok && q != suffix {
				return badParam("f", fmt.Errorf("%q contradicts the path's .%s (leave f out, or ask /codes?f=%s)", q, suffix, q))
			}
			f = suffix
		}
		ev, err := s.storedEvaluation(c)
		if err != nil {
			return err
		}
		if f == "json" {
			c.JSON(http.StatusOK, gin.H{"scenario": ev.Scenario.ID, "codes": ev.Codes, "disclaimer": assess.Disclaimer})
			return nil
		}
		return writeTable(c, f, ev.CodeTable(), fmt.Sprintf("scenario-%d-codes", ev.Scenario.ID))
	}
}

// handleScenarioCompare answers GET /api/v1/scenarios/compare?a=&b= (planner).
func (s *Server) handleScenarioCompare(c *gin.Context) error {
	if p := onlyParams(c, "a", "b", "kind", "mode", "elderly", "seat_growth_m"); p != nil {
		return p
	}
	var evs [2]*assess.Evaluation
	for i, p := range []string{"a", "b"} {
		if c.Query(p) == "" {
			return badParam(p, errors.New("required: a scenario id"))
		}
		sc, err := s.loadScenario(c, p)
		if err != nil {
			return err
		}
		if evs[i], err = s.evaluate(c, sc); err != nil {
			return err
		}
	}
	c.JSON(http.StatusOK, assess.Compare(evs[0], evs[1]))
	return nil
}

// addAPIv1Scenarios documents the scenario endpoints in the OpenAPI document (called from
// openAPIDoc; bodies and answers loosely as objects, as the handlers define them).
func addAPIv1Scenarios(paths obj) {
	id := pathParam("id", "scenario id", obj{"type": "integer", "minimum": 1})
	body := obj{"required": true, "description": "the scenario: name, status, approval_date, notes, inputs, ops (merge, transfer, change_kind, move_seat, rename, apply_plan) — or replay_csv, a code change list to replay",
		"content": content(jsonType, ref("Object"))}
	evalParams := []any{
		qparam("kind", "facility kinds to report, comma-separated (default every kind)", str()),
		qparam("mode", "coverage mode", enumStr("jurisdiction", "radius", "radius_in_jurisdiction")),
		qparam("elderly", "age60 (default) or age65", enumStr("age60", "age65")),
		qparam("seat_growth_m", "flag villages whose seat distance grows by more than this (m; default 5000)", obj{"type": "number", "exclusiveMinimum": true, "minimum": 0}),
	}
	withID := func(extra ...any) []any { return append(append([]any{id}, evalParams...), extra...) }
	jsonObj := func(desc string) obj { return resp(desc, content(jsonType, ref("Object"))) }
	table := resp("the code table (变更对照表)", obj{"text/csv": obj{"schema": str()},
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": obj{"schema": obj{"type": "string", "format": "binary"}}})
	paths["/api/v1/scenarios"] = obj{
		"post": obj{"operationId": "createScenario", "summary": "validate and store a division-adjustment scenario (planner)", "requestBody": body,
			"responses": mergeObj(problems("400", "401", "403", "413", "415"), obj{"201": jsonObj("the stored scenario and its summary; Location header")})},
		"get": op("listScenarios", "every stored scenario (planner)", nil, obj{"200": jsonObj("the scenarios")}, "401", "403"),
	}
	paths["/api/v1/scenarios/compare"] = obj{"get": op("compareScenarios", "two scenarios side by side (planner)", append([]any{
		obj{"name": "a", "in": "query", "required": true, "description": "scenario id", "schema": obj{"type": "integer", "minimum": 1}},
		obj{"name": "b", "in": "query", "required": true, "description": "scenario id", "schema": obj{"type": "integer", "minimum": 1}},
	}, evalParams...), obj{"200": jsonObj("the comparison")}, "400", "401", "403", "404")}
	paths["/api/v1/scenarios/{id}"] = obj{
		"get": op("getScenario", "a stored scenario (planner)", []any{id}, obj{"200": jsonObj("the scenario")}, "400", "401", "403", "404"),
		"put": obj{"operationId": "updateScenario", "summary": "replace a scenario (planner); a bad one leaves it unchanged", "parameters": []any{id}, "requestBody": body,
			"responses": mergeObj(problems("400", "401", "403", "404", "413", "415"), obj{"200": jsonObj("the stored scenario and its summary")})},
		"delete": op("deleteScenario", "delete a scenario (planner)", []any{id}, obj{"204": resp("deleted", nil)}, "400", "401", "403", "404"),
	}
	paths["/api/v1/scenarios/{id}/impact"] = obj{"get": op("scenarioImpact", "before/after per affected division and village, flags, statutory checks, code table (planner)",
		withID(qparam("f", "json (default) or geojson (affected units before and after)", enumStr("json", "geojson"))),
		obj{"200": resp("the evaluation", obj{jsonType: obj{"schema": ref("Object")}, geoJSONType: obj{"schema": ref("FeatureCollection")}})}, "400", "401", "403", "404")}
	paths["/api/v1/scenarios/{id}/report.html"] = obj{"get": op("scenarioReport", "the printable report in Chinese with before/after maps (planner)", withID(),
		obj{"200": resp("the report", obj{"text/html": obj{"schema": str()}})}, "400", "401", "403", "404")}
	paths["/api/v1/scenarios/{id}/codes"] = obj{"get": op("scenarioCodes", "the old→new code table (planner): JSON rows, or f=csv (UTF-8 with BOM) / f=xlsx",
		[]any{id, qparam("f", "json (default), csv or xlsx", enumStr("json", "csv", "xlsx"))},
		obj{"200": resp("the code table (变更对照表)", mergeObj(obj{jsonType: obj{"schema": ref("Object")}}, table["content"].(obj)))}, "400", "401", "403", "404")}
	for _, f := range []string{"csv", "xlsx"} {
		paths["/api/v1/scenarios/{id}/codes."+f] = obj{"get": op("scenarioCodes"+strings.ToUpper(f[:1])+f[1:], "the old→new code table as "+f+" (planner; f, if given, must say "+f+")",
			[]any{id, qparam("f", "optional; must be "+f, enumStr(f))}, obj{"200": table}, "400", "401", "403", "404")}
	}
}
