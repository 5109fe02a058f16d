package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/civplan/civplan/data/formats"
	"github.com/civplan/civplan/data/store"
	"github.com/gin-gonic/gin"
)

// maxBatchFeatures caps one batch (the body limit caps its bytes too).
const maxBatchFeatures = 100000

// readOnlyProperties are the properties GET answers that a write ignores.
var readOnlyProperties = []string{"version", "provenance", "plan_id"}

// facilityBatch answers POST /api/v1/facilities with a FeatureCollection body: an all-or-nothing
// batch through the importer the CLI uses (data.ImportFacilities: features with properties.id
// update that facility, others are matched by kind + division + name or inserted). One
// transaction, one audit entry, one change-log version, one snapshot step. A bad feature
// answers 400 naming the feature (1-based) and the field; nothing is written.
func (s *Server) facilityBatch(c *gin.Context, body []byte) error {
	crs := strings.ToLower(c.Query("crs"))
	if _, err := parseCRS(crs); err != nil {
		return badParam("crs", err)
	}
	norm, n, err := normaliseBatch(body)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	snap := s.current()
	rep, err := s.store.ImportFacilities(ctx, bytes.NewReader(norm), "api.geojson",
		store.ImportOptions{Format: "geojson", CRS: crs, Tree: snap.tree, Locator: snap.locator}, actor(c))
	if err != nil {
		var re *formats.RowError
		if errors.As(err, &re) {
			return problemOf(http.StatusBadRequest, "batch of %d features: %v", n, err)
		}
		return err
	}
	if err := s.catchUpWrite(ctx); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"version": s.current().version, "report": rep})
	return nil
}

// normaliseBatch checks the FeatureCollection's shape (so that what the importer then refuses
// is a feature's fault) and flattens what GET answers into what the importer reads: the
// renovated object into fire_safety, accessibility and special_care; read-only properties
// dropped.
func normaliseBatch(body []byte) ([]byte, int, error) {
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		return nil, 0, problemOf(http.StatusBadRequest, "body is not a GeoJSON FeatureCollection: %v", err)
	}
	switch n := len(fc.Features); {
	case n == 0:
		return nil, 0, badParam("features", errors.New("empty: a batch needs at least one feature"))
	case n > maxBatchFeatures:
		return nil, 0, problemOf(http.StatusRequestEntityTooLarge, "batch of %d features: at most %d per request", n, maxBatchFeatures)
	}
	for i, raw := range fc.Features {
		var f map[string]json.RawMessage
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, 0, badParam(fmt.Sprintf("features[%d]", i), fmt.Errorf("feature %d is not a JSON object: %v", i+1, err))
		}
		var props map[string]json.RawMessage
		if p := f["properties"]; len(p) > 0 && string(p) != "null" {
			if err := json.Unmarshal(p, &props); err != nil {
				return nil, 0, badParam(fmt.Sprintf("features[%d].properties", i), fmt.Errorf("feature %d: properties is not an object: %v", i+1, err))
			}
		}
		changed := false
		for _, k := range readOnlyProperties {
			if _, ok := props[k]; ok {
				delete(props, k)
				changed = true
			}
		}
		if r, ok := props["renovated"]; ok {
			var ren map[string]json.RawMessage
			if err := json.Unmarshal(r, &ren); err != nil {
				return nil, 0, badParam(fmt.Sprintf("features[%d].properties.renovated", i), fmt.Errorf("feature %d: want an object {fire_safety, accessibility, special_care}", i+1))
			}
			delete(props, "renovated")
			for k, v := range ren {
				if _, dup := props[k]; !dup {
					props[k] = v
				}
			}
			changed = true
		}
		if !changed {
			continue
		}
		b, err := json.Marshal(props)
		if err != nil {
			return nil, 0, err
		}
		f["properties"] = b
		if fc.Features[i], err = json.Marshal(f); err != nil {
			return nil, 0, err
		}
	}
	out, err := json.Marshal(map[string]any{"type": fc.Type, "features": fc.Features})
	return out, len(fc.Features), err
}
