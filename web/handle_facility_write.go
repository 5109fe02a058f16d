package web

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
)

// facilityInput is the body of POST/PUT (all fields) and PATCH (any subset) on facilities.
// Coordinates are in crs (default wgs84).
type facilityInput struct {
	Kind         *string                `json:"kind"`
	Name         *string                `json:"name"`
	DivisionCode *string                `json:"division_code"`
	Lon          *float64               `json:"lon"`
	Lat          *float64               `json:"lat"`
	CRS          *string                `json:"crs"`
	Status       *string                `json:"status"`
	Beds         *int                   `json:"beds"`
	FloorAreaM2  *float64               `json:"floor_area_m2"`
	Renovated    *facilities.Renovation `json:"renovated"`
	Opened       *string                `json:"opened"`
}

// decodeBody reads one JSON object into v, rejecting unknown fields and trailing data.
func decodeBody(c *gin.Context, v any) error {
	body, err := readBody(c, "application/json", "application/merge-patch+json")
	if err != nil {
		return err
	}
	return decodeStrict(body, v, "body")
}

// readBody reads the request body, which must have one of the content types and be UTF-8.
func readBody(c *gin.Context, types ...string) ([]byte, error) {
	ct := c.ContentType()
	ok := false
	for _, t := range types {
		ok = ok || ct == t
	}
	if !ok {
		return nil, problemOf(http.StatusUnsupportedMediaType, "send the body as %s (got %q)", strings.Join(types, " or "), c.GetHeader("Content-Type"))
	}
	// JSON is UTF-8 (RFC 8259); encoding/json would silently turn invalid bytes (or GBK text)
	// into U+FFFD and store mangled names, so the body is checked first.
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, problemOf(http.StatusRequestEntityTooLarge, "request body exceeds the limit of %d bytes", mbe.Limit)
		}
		return nil, problemOf(http.StatusBadRequest, "reading the body: %v", err)
	}
	if !utf8.Valid(body) {
		return nil, problemOf(http.StatusBadRequest, "body is not valid UTF-8 (bad byte at offset %d); send JSON as UTF-8", invalidUTF8At(body))
	}
	if at := loneSurrogateAt(body); at >= 0 { // encoding/json would store U+FFFD (input_limits.go)
		return nil, problemOf(http.StatusBadRequest, "body has a \\u escape at offset %d that is half of a UTF-16 surrogate pair (%.6s), not a character", at, body[at:])
	}
	return body, nil
}

// decodeStrict decodes one JSON object of body into v, rejecting unknown fields and trailing
// data; what names the part of the request in errors ("body", "properties").
func decodeStrict(body []byte, v any, what string) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return problemOf(http.StatusBadRequest, "%s is not a valid JSON object of the expected shape: %v", what, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return problemOf(http.StatusBadRequest, "%s has data after the JSON object", what)
	}
	return nil
}

// invalidUTF8At is the offset of the first byte of b that is not part of valid UTF-8, or -1.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// apply copies the given fields of in onto f and validates the result against the snapshot:
// kind, status, name, division code that exists, finite coordinates in or near the division.
func (in *facilityInput) apply(f *facilities.Facility, snap *snapshot, full bool) error {
	if full {
		for name, missing := range map[string]bool{"kind": in.Kind == nil, "name": in.Name == nil,
			"lon": in.Lon == nil, "lat": in.Lat == nil} {
			if missing {
				return badParam(name, errors.New("required"))
			}
		}
	}
	if in.Kind != nil {
		k, err := facilities.ParseKind(*in.Kind)
		if err != nil {
			return badParam("kind", err)
		}
		f.Kind = k.Kind
	}
	if in.Name != nil {
		if p := checkName("name", *in.Name); p != nil { // input_limits.go
			return p
		}
		f.Name = strings.TrimSpace(*in.Name)
	}
	if in.DivisionCode != nil {
		code, p := parseCodeParam("division_code", *in.DivisionCode)
		if p != nil {
			return p
		}
		if snap.tree.Get(code) == nil {
			return badParam("division_code", fmt.Errorf("no division %s", code))
		}
		f.DivisionCode = code
	}
	if in.Status != nil {
		st, err := facilities.ParseStatus(*in.Status)
		if err != nil {
			return badParam("status", err)
		}
		f.Status = st
	} else if f.Status == "" {
		f.Status = facilities.StatusOperating
	}
	if in.Beds != nil {
		if *in.Beds < 0 || *in.Beds > 100000 {
			return badParam("beds", fmt.Errorf("%d is outside [0, 100000]", *in.Beds))
		}
		f.Beds = *in.Beds
	}
	if in.FloorAreaM2 != nil {
		if v := *in.FloorAreaM2; !finite(v) || v < 0 || v > 1e7 {
			return badParam("floor_area_m2", fmt.Errorf("%v is outside [0, 1e7]", v))
		}
		f.FloorAreaM2 = *in.FloorAreaM2
	}
	if in.Renovated != nil {
		f.Renovated = *in.Renovated
	}
	if in.Opened != nil {
		if *in.Opened != "" && !isISODate(*in.Opened) {
			return badParam("opened", fmt.Errorf("%q is not a date YYYY-MM-DD", *in.Opened))
		}
		f.Opened = *in.Opened
	}
	crs := geo.WGS84
	if in.CRS != nil {
		var err error
		if crs, err = parseCRS(*in.CRS); err != nil {
			return badParam("crs", err)
		}
	}
	if in.Lon != nil || in.Lat != nil {
		lon, lat := f.Point[0], f.Point[1]
		if in.Lon != nil {
			lon = *in.Lon
		}
		if in.Lat != nil {
			lat = *in.Lat
		}
		pt, p := parseLonLat(strconv.FormatFloat(lon, 'g', -1, 64), strconv.FormatFloat(lat, 'g', -1, 64))
		if p != nil {
			return p
		}
		f.Point = crs.Inverse(pt)
	}
	if f.DivisionCode == "" { // no division_code: registered where the point lies
		chain := snap.locator.Locate(f.Point)
		if len(chain) == 0 {
			return badParam("lon", fmt.Errorf("no division_code, and the point %.6f, %.6f lies in no county of the division tree", f.Point[0], f.Point[1]))
		}
		f.DivisionCode = chain[len(chain)-1].Code
		return nil
	}
	return checkNear(snap, f.DivisionCode, f.Point)
}

// isISODate reports whether s is a real calendar date YYYY-MM-DD in 1900–2100 (not 2020-02-30).
func isISODate(s string) bool {
	t, err := time.Parse(time.DateOnly, s)
	return err == nil && t.Year() >= 1900 && t.Year() <= 2100
}

// checkNear applies divisions.Locator.CheckNear: the point must lie in the division's county or
// near its seat.
func checkNear(snap *snapshot, code divisions.Code, p orb.Point) error {
	if err := snap.locator.CheckNear(code, p); err != nil {
		return badParam("lon", err)
	}
	return nil
}

// ifMatch reads the required If-Match header as a facility version.
func ifMatch(c *gin.Context) (int64, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" {
		return 0, problemOf(http.StatusPreconditionRequired, "send If-Match with the ETag you read (GET /api/v1/facilities/{id}) so a concurrent change is not overwritten")
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), 10, 64)
	if err != nil || v <= 0 {
		return 0, badParam("If-Match", fmt.Errorf("%q is not an ETag of this API", h))
	}
	return v, nil
}

func etag(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }

func facilityID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badParam("id", fmt.Errorf("%q is not a facility id", c.Param("id")))
	}
	return id, nil
}

// storeProblem maps the store's sentinel errors to problems.
func storeProblem(err error, id int64) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound("no facility with id %d", id)
	case errors.Is(err, store.ErrVersionConflict):
		return problemOf(http.StatusPreconditionFailed, "%v: read it again and retry", err)
	}
	return err
}

// facilityBody is a facility write's body: the flat object (facilityInput), a GeoJSON Feature
// (what GET answers, so a map can write back the Feature it read), or on POST a GeoJSON
// FeatureCollection (batch).
type facilityBody struct {
	in    facilityInput
	batch []byte // the FeatureCollection, nil for one facility
}

// facilityFeatureInput is a GeoJSON Feature as a write body. The read-only properties GET
// answers (id, version, provenance, plan_id) are accepted and ignored, except that an id must
// name the facility written.
type facilityFeatureInput struct {
	Type     string          `json:"type"`
	ID       json.RawMessage `json:"id"`
	BBox     json.RawMessage `json:"bbox"`
	Geometry *struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

type featureProperties struct {
	facilityInput
	ID         *int64          `json:"id"`
	Version    json.RawMessage `json:"version"`
	Provenance json.RawMessage `json:"provenance"`
	PlanID     json.RawMessage `json:"plan_id"`
}

// readFacilityBody reads a facility write's body; id is the facility written (0 on POST),
// batch whether a FeatureCollection is allowed.
func readFacilityBody(c *gin.Context, id int64, batch bool) (facilityBody, error) {
	var out facilityBody
	body, err := readBody(c, "application/json", "application/geo+json", "application/merge-patch+json")
	if err != nil {
		return out, err
	}
	var head struct {
		Type *string `json:"type"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return out, problemOf(http.StatusBadRequest, "body is not a valid JSON object: %v", err)
	}
	switch {
	case head.Type == nil:
		return out, decodeStrict(body, &out.in, "body")
	case *head.Type == "FeatureCollection" && batch:
		out.batch = body
		return out, nil
	case *head.Type != "Feature":
		want := `"Feature"`
		if batch {
			want += ` or "FeatureCollection"`
		}
		return out, badParam("type", fmt.Errorf("%q: want %s, or the flat facility object without type", *head.Type, want))
	}
	var ft facilityFeatureInput
	if err := decodeStrict(body, &ft, "Feature"); err != nil {
		return out, err
	}
	var props featureProperties
	if len(ft.Properties) > 0 && string(ft.Properties) != "null" {
		if err := decodeStrict(ft.Properties, &props, "properties"); err != nil {
			return out, err
		}
	}
	if props.ID != nil && *props.ID != id {
		if id == 0 {
			return out, badParam("properties.id", errors.New("a new facility gets its id from the store: leave id out (POST)"))
		}
		return out, badParam("properties.id", fmt.Errorf("%d is not the facility written (%d)", *props.ID, id))
	}
	out.in = props.facilityInput
	if g := ft.Geometry; g != nil {
		if g.Type != "Point" || len(g.Coordinates) < 2 || len(g.Coordinates) > 3 {
			return out, badParam("geometry", fmt.Errorf("want a Point [lon, lat], got %s with %d coordinates", g.Type, len(g.Coordinates)))
		}
		if out.in.Lon != nil || out.in.Lat != nil {
			return out, badParam("properties.lon", errors.New("give the position once: in geometry or as lon/lat, not both"))
		}
		out.in.Lon, out.in.Lat = &g.Coordinates[0], &g.Coordinates[1]
	}
	return out, nil
}

// answerFacility applies the committed write to the snapshot (catchUp) and answers the
// facility from it: body and ETag from the same snapshot, the ETag its last change's version.
func (s *Server) answerFacility(c *gin.Context, status int, id int64) error {
	if err := s.catchUpWrite(c.Request.Context()); err != nil {
		return err
	}
	f, ok := s.current().registry.Get(id)
	if !ok { // deleted by another writer right after this one
		c.Status(status)
		return nil
	}
	c.Header("ETag", etag(f.Version))
	writeGeoJSON(c, status, facilityFeature(&f, geo.WGS84))
	return nil
}

// handleFacilityCreate answers POST /api/v1/facilities (planner): one facility (flat object or
// GeoJSON Feature) → 201 with Location and ETag; a FeatureCollection → an all-or-nothing batch.
func (s *Server) handleFacilityCreate(c *gin.Context) error {
	body, err := readFacilityBody(c, 0, true)
	if err != nil {
		return err
	}
	if body.batch != nil {
		return s.facilityBatch(c, body.batch)
	}
	in := body.in
	f := facilities.Facility{Provenance: divisions.Real}
	if err := in.apply(&f, s.current(), true); err != nil {
		return err
	}
	var id int64
	ctx := s.keyed(c, s.renderFacility(c, http.StatusCreated, &id, true))
	err = s.store.Write(ctx, actor(c), "facility.create", "facility", func(tx *sql.Tx) (any, any, error) {
		var err error
		id, err = s.store.InsertFacility(ctx, tx, f)
		f.ID = id
		return nil, f, err
	})
	if sent, err := s.sendKeyed(c, err, s.catchUpWrite); sent || err != nil {
		return err
	}
	c.Header("Location", "/api/v1/facilities/"+itoa(id))
	return s.answerFacility(c, http.StatusCreated, id)
}

// facilityLocation is a created facility's URL: its OGC item on the OGC API's create.
func facilityLocation(c *gin.Context, id int64) string {
	if w, ok := c.Writer.(*ogcLocation); ok {
		return w.base + itoa(id)
	}
	return "/api/v1/facilities/" + itoa(id)
}

// renderFacility renders a keyed facility write's answer inside its transaction (what
// answerFacility sends): facility *id as a GeoJSON Feature with its ETag, and its Location when
// created.
func (s *Server) renderFacility(c *gin.Context, status int, id *int64, created bool) renderFunc {
	return func(tx *sql.Tx, _ int64, _ any) (store.IdemResponse, error) {
		rec, err := s.store.FacilityTx(c.Request.Context(), tx, *id)
		if err != nil {
			return store.IdemResponse{}, err
		}
		f := rec.Facility
		f.Version = rec.Version
		r, err := jsonAnswer(status, geoJSONType, facilityFeature(&f, geo.WGS84))
		r.ETag = etag(rec.Version)
		if created {
			r.Location = facilityLocation(c, *id)
		}
		return r, err
	}
}

// handleFacilityUpdate answers PUT (full replacement) and PATCH (merge patch: only the fields
// sent change) on /api/v1/facilities/{id} (planner); If-Match is required and compared with the
// stored version inside the write transaction: 412 when the facility changed since.
func (s *Server) handleFacilityUpdate(c *gin.Context) error {
	id, err := facilityID(c)
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	body, err := readFacilityBody(c, id, false)
	if err != nil {
		return err
	}
	in := body.in
	full := c.Request.Method == http.MethodPut
	ctx := s.keyed(c, s.renderFacility(c, http.StatusOK, &id, false))
	err = s.store.Write(ctx, actor(c), "facility.update", "facility/"+itoa(id), func(tx *sql.Tx) (any, any, error) {
		cur, err := s.store.FacilityTx(ctx, tx, id)
		if err != nil {
			return nil, nil, err
		}
		f := cur.Facility
		if full {
			f = facilities.Facility{ID: id, Provenance: divisions.Real}
		}
		if err := in.apply(&f, s.current(), full); err != nil {
			return nil, nil, err
		}
		old, err := s.store.UpdateFacility(ctx, tx, f, version)
		return old, f, err
	})
	if sent, err := s.sendKeyed(c, err, s.catchUpWrite); sent || err != nil {
		return storeProblem(err, id)
	}
	return s.answerFacility(c, http.StatusOK, id)
}

// handleFacilityDelete answers DELETE /api/v1/facilities/{id} (planner): a soft delete kept in
// the history; If-Match is required.
func (s *Server) handleFacilityDelete(c *gin.Context) error {
	id, err := facilityID(c)
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	ctx := s.keyed(c, noContent)
	err = s.store.Write(ctx, actor(c), "facility.delete", "facility/"+itoa(id), func(tx *sql.Tx) (any, any, error) {
		old, err := s.store.DeleteFacility(ctx, tx, id, version)
		return old, nil, err
	})
	if sent, err := s.sendKeyed(c, err, s.catchUpWrite); sent || err != nil {
		return storeProblem(err, id)
	}
	if err := s.catchUpWrite(ctx); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
