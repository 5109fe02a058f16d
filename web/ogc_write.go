package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/civplan/civplan/facilities"
	"github.com/gin-gonic/gin"
)

// OGC API – Features Part 4 (Create, Replace, Update, Delete) on the facility collections. Each
// handler checks the collection and the feature, makes the body's kind the collection's, and then
// runs the /api/v1 facility write (handle_facility_write.go): the same validation, If-Match
// check inside the write transaction, audit entry and snapshot step; only the Location differs.

// ogcPart4Conformance lists the Part 4 classes the facility collections implement.
func ogcPart4Conformance() []string {
	const base = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/"
	return []string{base + "create-replace-delete", base + "update", base + "features", base + "optimistic-locking-etags"}
}

// ogcWritableCollection finds the collection of the path and checks that it takes writes: only
// facility collections do (405 for the others, 404 for an unknown one).
func (s *Server) ogcWritableCollection(c *gin.Context) (*ogcData, *ogcCollection, error) {
	d, col, err := s.ogcCollectionParam(c)
	if err != nil {
		return nil, nil, err
	}
	if col.source != srcFacilities {
		c.Header("Allow", "GET, HEAD")
		return nil, nil, problemOf(http.StatusMethodNotAllowed, "collection %s is read-only: OGC API Part 4 writes go to the facility collections (%s)",
			col.id, strings.Join(facilityCollectionIDs(d), ", "))
	}
	return d, col, nil
}

func facilityCollectionIDs(d *ogcData) []string {
	var ids []string
	for _, col := range d.collections {
		if col.source == srcFacilities {
			ids = append(ids, col.id)
		}
	}
	return ids
}

// ogcFeatureOfCollection checks that the path's featureId is a facility of col in the current
// snapshot (404 otherwise) and passes it on as the id the /api/v1 handlers read.
func (s *Server) ogcFeatureOfCollection(c *gin.Context, col *ogcCollection) error {
	id, err := strconv.ParseInt(c.Param("fid"), 10, 64)
	if err != nil || id <= 0 {
		return notFound("no feature %q in collection %s (facility ids are positive integers)", c.Param("fid"), col.id)
	}
	f, ok := s.current().registry.Get(id)
	if !ok || f.Kind != col.kind {
		return notFound("no feature %d in collection %s", id, col.id)
	}
	c.Params = append(c.Params, gin.Param{Key: "id", Value: strconv.FormatInt(id, 10)})
	return nil
}

// ogcKindBody requires a GeoJSON Feature body and makes its properties.kind the collection's:
// added when absent, a 400 when it names another kind (a facility changes collection only by
// a write to /api/v1). The body is then handed on unchanged otherwise.
func ogcKindBody(c *gin.Context, kind facilities.Kind, colID string) error {
	raw, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return problemOf(http.StatusRequestEntityTooLarge, "request body exceeds the limit of %d bytes", mbe.Limit)
		}
		return problemOf(http.StatusBadRequest, "cannot read the body: %v", err)
	}
	var ft map[string]json.RawMessage
	if err := json.Unmarshal(raw, &ft); err != nil || ft == nil {
		return problemOf(http.StatusBadRequest, "body is not a GeoJSON Feature object: %v", err)
	}
	var typ string
	if err := json.Unmarshal(ft["type"], &typ); err != nil || typ != "Feature" {
		return badParam("type", fmt.Errorf("OGC API Part 4 takes a GeoJSON Feature (\"type\": \"Feature\"), got %s", strings.TrimSpace(string(ft["type"]))))
	}
	props := map[string]json.RawMessage{}
	if p, ok := ft["properties"]; ok && string(p) != "null" {
		if err := json.Unmarshal(p, &props); err != nil || props == nil {
			return badParam("properties", fmt.Errorf("want an object: %v", err))
		}
	}
	if k, ok := props["kind"]; ok {
		var got string
		if err := json.Unmarshal(k, &got); err != nil || got != string(kind) {
			return badParam("properties.kind", fmt.Errorf("%s: a feature of collection %s has kind %q (post other kinds to their own collection)", strings.TrimSpace(string(k)), colID, kind))
		}
	} else if c.Request.Method != http.MethodPatch {
		props["kind"], _ = json.Marshal(string(kind))
	}
	ft["properties"], _ = json.Marshal(props)
	body, _ := json.Marshal(ft)
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	c.Request.ContentLength = int64(len(body))
	return nil
}

// ogcLocation rewrites the /api/v1 Location of a created facility to its OGC item URL before
// the headers go out.
type ogcLocation struct {
	gin.ResponseWriter
	base string // /ogc/collections/{kind}/items/
}

func (w *ogcLocation) fix() {
	if id, ok := strings.CutPrefix(w.Header().Get("Location"), "/api/v1/facilities/"); ok {
		w.Header().Set("Location", w.base+id)
	}
}

func (w *ogcLocation) WriteHeader(code int) { w.fix(); w.ResponseWriter.WriteHeader(code) }
func (w *ogcLocation) WriteHeaderNow()      { w.fix(); w.ResponseWriter.WriteHeaderNow() }
func (w *ogcLocation) Write(b []byte) (int, error) {
	w.fix()
	return w.ResponseWriter.Write(b)
}
func (w *ogcLocation) WriteString(s string) (int, error) {
	w.fix()
	return w.ResponseWriter.WriteString(s)
}

// handleOGCCreate answers POST /ogc/collections/{kind}/items (planner): a GeoJSON Feature →
// 201 with Location (the OGC item URL) and ETag.
func (s *Server) handleOGCCreate(c *gin.Context) error {
	_, col, err := s.ogcWritableCollection(c)
	if err != nil {
		return err
	}
	if err := ogcKindBody(c, col.kind, col.id); err != nil {
		return err
	}
	w := &ogcLocation{ResponseWriter: c.Writer, base: "/ogc/collections/" + col.id + "/items/"}
	c.Writer = w
	defer func() { c.Writer = w.ResponseWriter }()
	return s.handleFacilityCreate(c)
}

// handleOGCReplace answers PUT (replace) and PATCH (update: only the properties sent change)
// on /ogc/collections/{kind}/items/{featureId} (planner); If-Match is required (428 without,
// 412 when stale).
func (s *Server) handleOGCReplace(c *gin.Context) error {
	_, col, err := s.ogcWritableCollection(c)
	if err != nil {
		return err
	}
	if err := s.ogcFeatureOfCollection(c, col); err != nil {
		return err
	}
	if err := ogcKindBody(c, col.kind, col.id); err != nil {
		return err
	}
	return s.handleFacilityUpdate(c)
}

// handleOGCDelete answers DELETE /ogc/collections/{kind}/items/{featureId} (planner): 204; the
// facility stays in the history. If-Match is required.
func (s *Server) handleOGCDelete(c *gin.Context) error {
	_, col, err := s.ogcWritableCollection(c)
	if err != nil {
		return err
	}
	if err := s.ogcFeatureOfCollection(c, col); err != nil {
		return err
	}
	return s.handleFacilityDelete(c)
}
