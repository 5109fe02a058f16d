package web

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
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
	n, err := checkBatch(body)
	if err != nil {
		return err
	}
	ctx := s.keyed(c, func(_ *sql.Tx, version int64, result any) (store.IdemResponse, error) {
		return jsonAnswer(http.StatusOK, jsonUTF8, gin.H{"version": version, "report": result})
	})
	snap := s.current()
	rep, err := s.store.ImportFacilities(ctx, bytes.NewReader(body), "api.geojson",
		store.ImportOptions{Format: "geojson", CRS: crs, Tree: snap.tree, Locator: snap.locator, Properties: batchProperties}, actor(c))
	if sent, err := s.sendKeyed(c, err, s.catchUpWrite); sent {
		return err
	}
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

// checkBatch checks the FeatureCollection's shape (so that what the importer then refuses is a
// feature's fault) and returns its number of features.
func checkBatch(body []byte) (int, error) {
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		return 0, problemOf(http.StatusBadRequest, "body is not a GeoJSON FeatureCollection: %v", err)
	}
	switch n := len(fc.Features); {
	case n == 0:
		return 0, badParam("features", errors.New("empty: a batch needs at least one feature"))
	case n > maxBatchFeatures:
		return 0, problemOf(http.StatusRequestEntityTooLarge, "batch of %d features: at most %d per request", n, maxBatchFeatures)
	}
	return len(fc.Features), nil
}

// batchProperties flattens what GET answers into what the importer reads, feature by feature
// as the importer decodes them: the renovated object into fire_safety, accessibility and
// special_care (a property given flat wins); read-only properties dropped.
func batchProperties(props map[string]any) error {
	for _, k := range readOnlyProperties {
		delete(props, k)
	}
	r, ok := props["renovated"]
	if !ok {
		return nil
	}
	ren, isObj := r.(map[string]any)
	if !isObj && r != nil {
		return errors.New("renovated: want an object {fire_safety, accessibility, special_care}")
	}
	delete(props, "renovated")
	for k, v := range ren {
		if _, dup := props[k]; !dup {
			props[k] = v
		}
	}
	return nil
}
