package web

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// chinaTime is the zone of the civil dates facilities carry (opened): China Standard Time, UTC+8.
var chinaTime = time.FixedZone("CST", 8*3600)

// datetimeDate turns one end of a datetime value into the civil date (UTC+8) it falls on: a
// date YYYY-MM-DD is taken as is, an RFC 3339 timestamp is converted to UTC+8 first; "" means
// open ("" or "..").
func datetimeDate(s string) (string, time.Time, error) {
	switch {
	case s == "" || s == "..":
		return "", time.Time{}, nil
	case len(s) == 10:
		t, err := time.ParseInLocation(time.DateOnly, s, chinaTime)
		if err != nil {
			return "", t, fmt.Errorf("%q is not a real calendar date YYYY-MM-DD", s)
		}
		return s, t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return "", t, fmt.Errorf("%q is neither a date YYYY-MM-DD nor an RFC 3339 timestamp with a real date and time", s)
	}
	return t.In(chinaTime).Format(time.DateOnly), t, nil
}

// datetimeFilter is the CQL2 text selecting the features whose temporal property prop (a civil
// date: the whole day) intersects the OGC datetime value v: an instant (a date or a timestamp) or
// an interval start/end with ".." or "" for an open end. Features with a null date never match.
func datetimeFilter(prop, v string) (string, error) {
	start, end, interval := strings.Cut(v, "/")
	if strings.Contains(end, "/") {
		return "", errors.New("an interval has one '/' (start/end)")
	}
	if !interval {
		if start == "" || start == ".." {
			return "", errors.New("an instant cannot be open ('..'); use an interval such as ../2020-01-01")
		}
		d, _, err := datetimeDate(start)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s = DATE('%s')", prop, d), nil
	}
	a, ta, err := datetimeDate(start)
	if err != nil {
		return "", fmt.Errorf("interval start: %w", err)
	}
	b, tb, err := datetimeDate(end)
	if err != nil {
		return "", fmt.Errorf("interval end: %w", err)
	}
	switch {
	case a != "" && b != "":
		if ta.After(tb) {
			return "", fmt.Errorf("interval start %s is after its end %s", start, end)
		}
		return fmt.Sprintf("%s BETWEEN DATE('%s') AND DATE('%s')", prop, a, b), nil
	case a != "":
		return fmt.Sprintf("%s >= DATE('%s')", prop, a), nil
	case b != "":
		return fmt.Sprintf("%s <= DATE('%s')", prop, b), nil
	}
	return prop + " IS NOT NULL", nil
}
