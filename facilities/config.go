package facilities

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/civplan/civplan/divisions"
)

//go:embed coverage_defaults.json
var coverageDefaultsJSON []byte

// Target is a measurable target: a fraction (0.8, never percent) to reach by Deadline (a year).
type Target struct {
	Ratio    float64 `json:"ratio"`
	Deadline string  `json:"deadline"`
	Source   string  `json:"source"`
	Note     string  `json:"note,omitempty"`
}

// KindDefaults is the default radius of a kind with its reasoning, and its coverage target if any.
type KindDefaults struct {
	RadiusM   float64  `json:"radius_m"`
	Level     string   `json:"level"` // "planning assumption" or a POLICY.md level
	Reasoning string   `json:"reasoning"`
	Sources   []string `json:"sources"`
	Target    *Target  `json:"target,omitempty"`
}

// SuggestedDetour is a documented (not applied by default) detour factor for a division prefix.
type SuggestedDetour struct {
	Factor float64 `json:"factor"`
	NameZH string  `json:"name_zh"`
	Note   string  `json:"note"`
}

// Step is one zone of a stepped E2SFCA decay: weight for distances up to UptoFraction·d0.
type Step struct {
	UptoFraction float64 `json:"upto_fraction"`
	Weight       float64 `json:"weight"`
}

// Config holds the analysis defaults read from the embedded coverage_defaults.json.
type Config struct {
	About          string                `json:"about"`
	DistanceNoteZH string                `json:"distance_note_zh"`
	DistanceNoteEN string                `json:"distance_note_en"`
	MaxRadiusM     float64               `json:"max_radius_m"`
	DefaultMode    Mode                  `json:"default_mode"`
	ModeNote       string                `json:"mode_note"`
	Kinds          map[Kind]KindDefaults `json:"kinds"`
	Detour         struct {
		Default   float64                    `json:"default"`
		Level     string                     `json:"level"`
		Reasoning string                     `json:"reasoning"`
		Suggested map[string]SuggestedDetour `json:"suggested"` // key: 4-, 6- or 9-digit code prefix
	} `json:"detour"`
	Beds struct {
		NormPer1000 float64    `json:"norm_per_1000"`
		NormRange   [2]float64 `json:"norm_range"`
		Level       string     `json:"level"`
		Source      string     `json:"source"`
		Note        string     `json:"note"`
	} `json:"beds"`
	E2SFCA struct {
		DefaultDecay Decay  `json:"default_decay"`
		Gaussian     string `json:"gaussian"`
		Steps        []Step `json:"steps"`
		StepsSource  string `json:"steps_source"`
	} `json:"e2sfca"`
}

// DefaultConfig decodes the embedded defaults; each call returns a fresh copy the caller may change.
// It fails only if the embedded file is broken (a build defect), and then says which kind is wrong.
func DefaultConfig() (*Config, error) {
	var c Config
	if err := json.Unmarshal(coverageDefaultsJSON, &c); err != nil {
		return nil, fmt.Errorf("facilities/coverage_defaults.json: %w", err)
	}
	for _, k := range Kinds() {
		d, ok := c.Kinds[k.Kind]
		if !ok || d.RadiusM <= 0 || d.RadiusM > c.MaxRadiusM {
			return nil, fmt.Errorf("facilities/coverage_defaults.json: kind %s: missing or bad radius_m", k.Kind)
		}
	}
	if _, err := ParseMode(string(c.DefaultMode)); err != nil {
		return nil, fmt.Errorf("facilities/coverage_defaults.json: default_mode: %w", err)
	}
	return &c, nil
}

// SuggestedDetourFactors returns the documented mountain-county detour factors keyed by division
// code (12-digit form), ready for Params.Detour. They are planning assumptions (see the config).
func (c *Config) SuggestedDetourFactors() map[divisions.Code]float64 {
	out := make(map[divisions.Code]float64, len(c.Detour.Suggested))
	keys := make([]string, 0, len(c.Detour.Suggested))
	for k := range c.Detour.Suggested {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if code, err := divisions.ParseCode(k); err == nil {
			out[code] = c.Detour.Suggested[k].Factor
		}
	}
	return out
}
