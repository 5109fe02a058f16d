package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb/geojson"
)

// domainProblem maps the facilities package's typed errors to problems: a bad parameter → 400
// naming it, an unknown reference → 404; anything else stays an internal error.
func domainProblem(err error) error {
	var pe *facilities.ParamError
	if errors.As(err, &pe) {
		return &Problem{Type: "about:blank", Title: "Bad Request", Status: http.StatusBadRequest, Detail: pe.Error(),
			InvalidParams: []InvalidParam{{Name: pe.Param, Reason: pe.Reason}}}
	}
	var ne *facilities.NotFoundError
	if errors.As(err, &ne) {
		return notFound("%s", ne.Error())
	}
	return err
}

func boolParam(c *gin.Context, name string) (bool, *Problem) {
	s, ok := c.GetQuery(name)
	if !ok || s == "" {
		return false, nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return false, badParam(name, fmt.Errorf("%q is not true or false", s))
	}
	return v, nil
}

// coverageParams reads the parameters shared by coverage, gaps and accessibility.
func coverageParams(c *gin.Context, snap *snapshot) (facilities.Params, *facilities.Analyzer, error) {
	var p facilities.Params
	kind := c.Query("kind")
	if kind == "" {
		return p, nil, badParam("kind", errors.New("required (e.g. mutual_aid_elderly)"))
	}
	p.Kind = facilities.Kind(kind)
	if d := c.Query("division"); d != "" {
		code, pr := parseCodeParam("division", d)
		if pr != nil {
			return p, nil, pr
		}
		p.Division = code
	}
	p.Mode = facilities.Mode(c.Query("mode"))
	cfg := snap.analyzer.Config()
	r, err := facilities.ParseRadius(c.Query("radius_m"), cfg.MaxRadiusM)
	if err != nil {
		return p, nil, domainProblem(err)
	}
	p.RadiusM = r
	if p.Detour, p.DetourDefault, err = facilities.ParseDetour(c.Query("detour"), cfg); err != nil {
		return p, nil, domainProblem(err)
	}
	if p.Elderly, err = facilities.ParseElderly(c.Query("elderly")); err != nil {
		return p, nil, domainProblem(err)
	}
	if g := c.Query("group_by"); g != "" {
		l, err := divisions.ParseLevel(g)
		if err != nil {
			return p, nil, badParam("group_by", err)
		}
		p.GroupBy = l
	}
	var pr *Problem
	if p.RuralOnly, pr = boolParam(c, "rural"); pr != nil {
		return p, nil, pr
	}
	if p.IncludeVillageLike, pr = boolParam(c, "include_village_like"); pr != nil {
		return p, nil, pr
	}
	an, err := planAnalyzer(c, snap)
	return p, an, err
}

// planTable marks an exported table t as including the planned facilities of the request's
// plan=ID — a last column "规划方案" naming the plan on every row and a first note line — and
// returns the file name with "-planID" appended; without plan= both are unchanged.
func (s *Server) planTable(c *gin.Context, t facilities.Table, name string) (facilities.Table, string) {
	ps := c.Query("plan")
	if ps == "" {
		return t, name
	}
	id, err := strconv.ParseInt(ps, 10, 64)
	if err != nil {
		return t, name // planAnalyzer has refused it already
	}
	label := fmt.Sprintf("plan %d", id)
	if p, err := s.store.Plan(c.Request.Context(), id); err == nil {
		label = fmt.Sprintf("plan %d「%s」", id, p.Name)
	}
	t.Notes = append([]string{fmt.Sprintf("含规划方案的规划设施 (counted as operating): %s", label)}, t.Notes...)
	return t.WithColumn(facilities.Column{Key: "plan", TitleZH: "规划方案", TitleEN: "Plan included"}, label), name + "-plan" + ps
}

// planAnalyzer is the snapshot's analyzer, or with plan=ID one that counts that saved plan's
// planned facilities as operating.
func planAnalyzer(c *gin.Context, snap *snapshot) (*facilities.Analyzer, error) {
	ps := c.Query("plan")
	if ps == "" {
		return snap.analyzer, nil
	}
	id, err := strconv.ParseInt(ps, 10, 64)
	if err != nil || id <= 0 {
		return nil, badParam("plan", fmt.Errorf("%q is not a plan id", ps))
	}
	if !facilities.PlanIDs(snap.facilityList())[id] {
		return nil, notFound("no saved plan %d with planned facilities", id)
	}
	return snap.analyzer.WithRegistry(snap.registry.WithPlanned(id)), nil
}

var coverageParamNames = []string{"kind", "division", "mode", "radius_m", "detour", "elderly", "group_by", "rural", "include_village_like", "plan", "f"}

// analysisRequest is a parsed coverage-style request: the answer format, whether per-village
// answers are wanted, and the analysis parameters with the analyzer (and snapshot) to run them on.
type analysisRequest struct {
	format   string
	villages bool
	snap     *snapshot
	params   facilities.Params
	analyzer *facilities.Analyzer
}

// analysisRequest reads the parameters shared by coverage and accessibility (plus extra ones
// the caller reads itself), rejecting unknown ones.
func (s *Server) analysisRequest(c *gin.Context, extra ...string) (analysisRequest, error) {
	var q analysisRequest
	if p := onlyParams(c, append(append(coverageParamNames, "villages"), extra...)...); p != nil {
		return q, p
	}
	var pr *Problem
	if q.format, pr = tableFormat(c); pr != nil {
		return q, pr
	}
	if q.villages, pr = boolParam(c, "villages"); pr != nil {
		return q, pr
	}
	q.snap = s.current()
	var err error
	q.params, q.analyzer, err = coverageParams(c, q.snap)
	return q, err
}

// handleCoverage answers GET /api/v1/coverage: covered / total village committees and elderly per
// division against the target (villages=true adds the per-village answers).
func (s *Server) handleCoverage(c *gin.Context) error {
	q, err := s.analysisRequest(c)
	if err != nil {
		return err
	}
	f, withVillages, snap, p, an := q.format, q.villages, q.snap, q.params, q.analyzer
	p.Nearest = withVillages
	var cov *facilities.Coverage
	if withVillages {
		cov, err = an.Coverage(p)
	} else {
		// Aggregates only: memoised per snapshot under the normalised query.
		var v any
		p.SummaryOnly = true
		v, err = snap.answers.getFor("coverage "+c.Request.URL.Query().Encode(), p.Kind, func() (any, error) { return an.Coverage(p) })
		if v != nil {
			cov = v.(*facilities.Coverage)
		}
	}
	if err != nil {
		return domainProblem(err)
	}
	if f != "json" {
		t := cov.Table()
		if withVillages {
			t = cov.VillageTable()
		}
		t, name := s.planTable(c, t, "coverage-"+string(p.Kind))
		return writeTable(c, f, t, name)
	}
	c.JSON(http.StatusOK, gin.H{"coverage": cov, "plan": nilIfEmpty(c.Query("plan")), "vintages": snap.vintages(), "note": approxNote})
	return nil
}

// handleGaps answers GET /api/v1/gaps: the uncovered village committees as a FeatureCollection,
// elderly descending, each with its nearest facility; clusters=true adds the clusters.
func (s *Server) handleGaps(c *gin.Context) error {
	key := memoKey(c)
	if a := s.encoded.get(key, s.current()); a != nil { // only JSON answers are stored
		s.metrics.countMemo(true)
		writeEncoded(c, s.encoded, a)
		return nil
	}
	if p := onlyParams(c, append(coverageParamNames, "clusters", "crs", "limit")...); p != nil {
		return p
	}
	f, pr := tableFormat(c)
	if pr != nil {
		return pr
	}
	clusters, pr := boolParam(c, "clusters")
	if pr != nil {
		return pr
	}
	crs, err := parseCRS(c.Query("crs"))
	if err != nil {
		return badParam("crs", err)
	}
	limit, pr := intParam(c, "limit", 0, 0, 100000)
	if pr != nil {
		return pr
	}
	snap := s.current()
	p, an, err := coverageParams(c, snap)
	if err != nil {
		return err
	}
	v, err := snap.answers.getCosted("gaps "+c.Request.URL.Query().Encode(), p.Kind, func() (any, int, error) {
		g, err := an.Gaps(p, clusters)
		if err != nil {
			return nil, 0, err
		}
		return g, len(g.Villages), nil
	})
	if err != nil {
		return domainProblem(err)
	}
	g := v.(*facilities.Gaps)
	if f != "json" {
		t := g.Table()
		if clusters {
			t = g.ClusterTable()
		}
		t, name := s.planTable(c, t, "gaps-"+string(p.Kind))
		return writeTable(c, f, t, name)
	}
	vs := g.Villages
	if limit > 0 && len(vs) > limit {
		vs = vs[:limit]
	}
	fc := gapsAnswer(g, vs, clusters, crs)
	fc["vintages"], fc["note"], fc["crs"], fc["plan"] = snap.vintages(), approxNote, crs, nilIfEmpty(c.Query("plan"))
	// ≈ 4 MB for a province: sent as it is encoded, then kept (within the cache's cap) for the
	// next request of this query while the kind's facilities and the tree stay as they are
	keep := s.encoded != nil && c.Query("plan") == "" // a plan's existence is the store's, not the snapshot's
	if body := s.writeStreamed(c, geoJSONType, fc, keep); body != nil {
		s.metrics.countMemo(false)
		s.encoded.put(newEncodedAnswer(key, kindsOf(map[facilities.Kind]bool{p.Kind: true}), snap, geoJSONType, body))
	}
	return nil
}

// gapFeature is one uncovered village as a GeoJSON Feature; its properties are a struct with
// the members in the order encoding/json gives a map (alphabetical), which encodes faster.
type gapFeature struct {
	Type       string            `json:"type"`
	ID         string            `json:"id,omitempty"`
	Geometry   *geojson.Geometry `json:"geometry"`
	Properties gapProps          `json:"properties"`
}

type gapProps struct {
	Code       divisions.Code              `json:"code"`
	Detour     float64                     `json:"detour"`
	Elderly    int64                       `json:"elderly"`
	HasPoint   bool                        `json:"has_point"`
	Kind       divisions.Kind              `json:"kind"`
	Name       string                      `json:"name"`
	Nearest    *facilities.NearestFacility `json:"nearest"`
	Provenance divisions.Provenance        `json:"provenance"`
	Rank       int                         `json:"rank"`
	Rural      string                      `json:"rural"`
	ShortName  string                      `json:"short_name"`
}

// gapsAnswer is the JSON gap list of vs (the first villages of g) without vintages and notes;
// the features are a jsonArray, encoded one by one.
func gapsAnswer(g *facilities.Gaps, vs []facilities.VillageResult, clusters bool, crs geo.CRS) gin.H {
	fc := gin.H{"type": "FeatureCollection", "numberMatched": len(g.Villages), "numberReturned": len(vs)}
	fc["features"] = jsonArray{n: len(vs), elem: func(i int) any {
		v := &vs[i]
		var geom = geometryOf(nil)
		if v.HasPoint {
			geom = geometryOf(crs.Forward(v.Point))
		}
		return gapFeature{Type: "Feature", ID: string(v.Code), Geometry: geom, Properties: gapProps{
			Rank: i + 1, Code: v.Code, Name: v.Name, ShortName: v.ShortName, Kind: v.Kind, Rural: v.Rural,
			Elderly: v.Elderly, Nearest: v.Nearest, Detour: v.Detour, HasPoint: v.HasPoint, Provenance: v.Provenance,
		}}
	}}
	fc["query"], fc["summary"], fc["excluded"] = g.Query, g.Summary, g.Excluded
	if clusters {
		cl := make([]gin.H, 0, len(g.Clusters))
		for _, k := range g.Clusters {
			cl = append(cl, gin.H{"rank": k.Rank, "centre": crs.Forward(k.Centre), "centre_code": k.CentreCode, "unit": nilIfEmpty(string(k.Unit)),
				"villages": k.Villages, "elderly": k.Elderly, "max_distance_m": k.MaxDistanceM})
		}
		fc["clusters"], fc["cluster_by"], fc["unplaced"] = cl, g.ClusterBy, g.Unplaced
	}
	return fc
}

// handleScorecard answers GET /api/v1/scorecard/{code}: every measurable seed target for the
// division, optionally counting a saved plan's facilities (plan=ID).
func (s *Server) handleScorecard(c *gin.Context) error {
	if p := onlyParams(c, "f", "plan"); p != nil {
		return p
	}
	f, pr := tableFormat(c)
	if pr != nil {
		return pr
	}
	code, pr := parseCodeParam("code", c.Param("code"))
	if pr != nil {
		return pr
	}
	snap := s.current()
	an, err := planAnalyzer(c, snap)
	if err != nil {
		return err
	}
	v, err := snap.answers.get("scorecard "+string(code)+" plan="+c.Query("plan"), func() (any, error) { return an.Scorecard(code) })
	if err != nil {
		return domainProblem(err)
	}
	sc := v.(*facilities.Scorecard)
	if f != "json" {
		t, name := s.planTable(c, sc.Table(), "scorecard-"+code.Short())
		return writeTable(c, f, t, name)
	}
	c.JSON(http.StatusOK, gin.H{"scorecard": sc, "plan": nilIfEmpty(c.Query("plan")), "vintages": snap.vintages()})
	return nil
}

// handleAccessibility answers GET /api/v1/accessibility: beds per 1,000 elderly reachable (2SFCA/E2SFCA).
func (s *Server) handleAccessibility(c *gin.Context) error {
	q, err := s.analysisRequest(c, "method", "decay", "norm")
	if err != nil {
		return err
	}
	f, withVillages, snap, p, an := q.format, q.villages, q.snap, q.params, q.analyzer
	ap := facilities.AccessParams{Params: p, Method: facilities.Method(c.Query("method")), Decay: facilities.Decay(c.Query("decay"))}
	if n := c.Query("norm"); n != "" {
		v, err := parseFloat(n)
		if err != nil || v <= 0 || v > 1000 {
			return badParam("norm", fmt.Errorf("%q: want beds per 1,000 elderly in (0, 1000]", n))
		}
		ap.NormPer1000 = v
	}
	x, err := an.Accessibility(ap)
	if err != nil {
		return domainProblem(err)
	}
	if f != "json" {
		t := x.Table()
		if withVillages {
			t = x.VillageTable()
		}
		t, name := s.planTable(c, t, "accessibility-"+string(p.Kind))
		return writeTable(c, f, t, name)
	}
	if !withVillages {
		x.Villages = nil
	}
	c.JSON(http.StatusOK, gin.H{"accessibility": x, "plan": nilIfEmpty(c.Query("plan")), "vintages": snap.vintages()})
	return nil
}
