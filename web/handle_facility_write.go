package web

import (
	"bytes"
	"context"
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
	if ct := c.ContentType(); ct != "application/json" && ct != "application/merge-patch+json" {
		return problemOf(http.StatusUnsupportedMediaType, "send the body as application/json (got %q)", c.GetHeader("Content-Type"))
	}
	// JSON is UTF-8 (RFC 8259); encoding/json would silently turn invalid bytes (or GBK text)
	// into U+FFFD and store mangled names, so the body is checked first.
	body, err := io.ReadAll(c.Request.Body)
	if err == nil && !utf8.Valid(body) {
		return problemOf(http.StatusBadRequest, "body is not valid UTF-8 (bad byte at offset %d); send JSON as UTF-8", invalidUTF8At(body))
	}
	if err == nil {
		if at := loneSurrogateAt(body); at >= 0 { // encoding/json would store U+FFFD (input_limits.go)
			return problemOf(http.StatusBadRequest, "body has a \\u escape at offset %d that is half of a UTF-16 surrogate pair (%.6s), not a character", at, body[at:])
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err == nil {
		err = dec.Decode(v)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return problemOf(http.StatusRequestEntityTooLarge, "request body exceeds the limit of %d bytes", mbe.Limit)
		}
		return problemOf(http.StatusBadRequest, "body is not a valid JSON object of the expected shape: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return problemOf(http.StatusBadRequest, "body has data after the JSON object")
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

// answerFacility sends the stored facility with its ETag after a write (and a reloaded snapshot).
func (s *Server) answerFacility(c *gin.Context, status int, id int64) error {
	if err := s.Reload(); err != nil {
		return err
	}
	rec, err := s.store.Facility(c.Request.Context(), id)
	if err != nil {
		if status == http.StatusNoContent {
			c.Status(status)
			return nil
		}
		return storeProblem(err, id)
	}
	c.Header("ETag", etag(rec.Version))
	writeGeoJSON(c, status, facilityFeature(&rec.Facility, geo.WGS84))
	return nil
}

// handleFacilityCreate answers POST /api/v1/facilities (planner): 201 with Location and ETag.
func (s *Server) handleFacilityCreate(c *gin.Context) error {
	var in facilityInput
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	f := facilities.Facility{Provenance: divisions.Real}
	if err := in.apply(&f, s.current(), true); err != nil {
		return err
	}
	var id int64
	err := s.store.Write(c.Request.Context(), actor(c), "facility.create", "facility", func(tx *sql.Tx) (any, any, error) {
		var err error
		id, err = s.store.InsertFacility(c.Request.Context(), tx, f)
		f.ID = id
		return nil, f, err
	})
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/facilities/"+itoa(id))
	return s.answerFacility(c, http.StatusCreated, id)
}

// handleFacilityUpdate answers PUT (full replacement) and PATCH (merge patch: only the fields
// sent change) on /api/v1/facilities/{id} (planner); If-Match is required, 412 on a stale one.
func (s *Server) handleFacilityUpdate(c *gin.Context) error {
	id, err := facilityID(c)
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in facilityInput
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	full := c.Request.Method == http.MethodPut
	ctx := c.Request.Context()
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
	if err != nil {
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
	ctx := c.Request.Context()
	err = s.store.Write(ctx, actor(c), "facility.delete", "facility/"+itoa(id), func(tx *sql.Tx) (any, any, error) {
		old, err := s.store.DeleteFacility(ctx, tx, id, version)
		return old, nil, err
	})
	if err != nil {
		return storeProblem(err, id)
	}
	if err := s.Reload(); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// facilityETag sets the ETag of a single-facility GET from the store (the snapshot holds no versions).
func (s *Server) facilityETag(ctx context.Context, c *gin.Context, id int64) {
	if rec, err := s.store.Facility(ctx, id); err == nil {
		c.Header("ETag", etag(rec.Version))
	}
}
