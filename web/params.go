package web

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
)

// parseCRS reads the crs parameter of /api/v1 with geo.ParseCRS: wgs84 (the default), gcj02
// (AMap, Tencent) or bd09 (Baidu), all longitude first; other systems are refused.
func parseCRS(s string) (geo.CRS, error) {
	c, err := geo.ParseCRS(s)
	if err == nil && (c == geo.WGS84 || c == geo.GCJ02 || c == geo.BD09) {
		return c, nil
	}
	return geo.WGS84, fmt.Errorf("unknown crs %q (want wgs84, gcj02 or bd09)", s)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// parseFloat parses a finite decimal number.
func parseFloat(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !finite(v) {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return v, nil
}

// parseLonLat validates a longitude and latitude in degrees.
func parseLonLat(lonS, latS string) (orb.Point, *Problem) {
	if lonS == "" {
		return orb.Point{}, badParam("lon", errors.New("required"))
	}
	if latS == "" {
		return orb.Point{}, badParam("lat", errors.New("required"))
	}
	lon, err := parseFloat(lonS)
	if err == nil && (lon < -180 || lon > 180) {
		err = fmt.Errorf("%v is outside [-180, 180]", lon)
	}
	if err != nil {
		return orb.Point{}, badParam("lon", err)
	}
	lat, err := parseFloat(latS)
	if err == nil && (lat < -90 || lat > 90) {
		err = fmt.Errorf("%v is outside [-90, 90]", lat)
	}
	if err != nil {
		return orb.Point{}, badParam("lat", err)
	}
	return orb.Point{lon, lat}, nil
}

// parseBBox parses "minLon,minLat,maxLon,maxLat" in degrees.
func parseBBox(s string) (orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return orb.Bound{}, fmt.Errorf("want 4 comma-separated numbers minLon,minLat,maxLon,maxLat, got %d", len(parts))
	}
	var v [4]float64
	for i, p := range parts {
		f, err := parseFloat(p)
		if err != nil {
			return orb.Bound{}, fmt.Errorf("number %d: %v", i+1, err)
		}
		v[i] = f
	}
	switch {
	case v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90:
		return orb.Bound{}, errors.New("outside [-180,-90,180,90]")
	case v[0] > v[2]:
		return orb.Bound{}, errors.New("minLon is greater than maxLon")
	case v[1] > v[3]:
		return orb.Bound{}, errors.New("minLat is greater than maxLat")
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}

// parseCodeParam parses a division code from parameter name.
func parseCodeParam(name, s string) (divisions.Code, *Problem) {
	c, err := divisions.ParseCode(s)
	if err != nil {
		return "", badParam(name, err)
	}
	return c, nil
}

// intParam parses an optional integer parameter within [lo, hi].
func intParam(c *gin.Context, name string, def, lo, hi int) (int, *Problem) {
	s, ok := c.GetQuery(name)
	if !ok || s == "" {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, badParam(name, fmt.Errorf("%q is not an integer", s))
	}
	if v < lo || v > hi {
		return 0, badParam(name, fmt.Errorf("%d is outside [%d, %d]", v, lo, hi))
	}
	return v, nil
}

// onlyParams rejects query parameters not in allowed, naming the first unknown one.
func onlyParams(c *gin.Context, allowed ...string) *Problem {
	for k := range c.Request.URL.Query() {
		found := false
		for _, a := range allowed {
			if k == a {
				found = true
				break
			}
		}
		if !found {
			return badParam(k, fmt.Errorf("unknown parameter (allowed: %s)", strings.Join(allowed, ", ")))
		}
	}
	return nil
}
