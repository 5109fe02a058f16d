package facilities

import (
	"math"
	"strconv"
	"strings"

	"github.com/civplan/civplan/divisions"
)

// ParseRadius parses a radius_m query value: a number of metres in (0, maxM]; "" → 0 (the default).
func ParseRadius(s string, maxM float64) (float64, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	r, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(r) || r <= 0 || r > maxM {
		return 0, paramErr("radius_m", s, "want a radius in (0, %g] metres", maxM)
	}
	return r, nil
}

// ParseDetour parses a detour query value: "" (none), a single factor "1.3" applied everywhere,
// "suggested" (the config's mountain-county factors), or a list "4228:1.5,429021:1.6" of
// division code (short or 12-digit) and factor, optionally with a default as a bare number
// ("1.1,4228:1.5"). Every factor must be ≥ 1.
func ParseDetour(s string, cfg *Config) (perDivision map[divisions.Code]float64, def float64, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, 0, nil
	}
	if s == "suggested" {
		return cfg.SuggestedDetourFactors(), 0, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		code, val, hasCode := strings.Cut(part, ":")
		if !hasCode {
			val = code
		}
		f, perr := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if perr != nil || !(f >= 1) || math.IsInf(f, 0) {
			return nil, 0, paramErr("detour", part, "a detour factor must be a number ≥ 1")
		}
		if !hasCode {
			def = f
			continue
		}
		c, cerr := divisions.ParseCode(code)
		if cerr != nil {
			return nil, 0, paramErr("detour", part, "%v", cerr)
		}
		if perDivision == nil {
			perDivision = map[divisions.Code]float64{}
		}
		perDivision[c] = f
	}
	return perDivision, def, nil
}
