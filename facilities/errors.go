package facilities

import (
	"errors"
	"fmt"
)

// ParamError is a bad request parameter (HTTP 400): Param names the parameter as the API spells
// it ("kind", "radius_m", "mode", "detour", …), Value is what was given.
type ParamError struct {
	Param  string
	Value  string
	Reason string
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("parameter %s=%q: %s", e.Param, e.Value, e.Reason)
}

// NotFoundError is a reference to something that does not exist (HTTP 404): What is
// "division" or "facility", Key is the code or id asked for.
type NotFoundError struct {
	What string
	Key  string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %s not found", e.What, e.Key) }

// IsParamError reports whether err is (or wraps) a *ParamError.
func IsParamError(err error) bool {
	var pe *ParamError
	return errors.As(err, &pe)
}

// IsNotFound reports whether err is (or wraps) a *NotFoundError.
func IsNotFound(err error) bool {
	var ne *NotFoundError
	return errors.As(err, &ne)
}

func paramErr(param string, value any, format string, args ...any) error {
	return &ParamError{Param: param, Value: fmt.Sprint(value), Reason: fmt.Sprintf(format, args...)}
}
