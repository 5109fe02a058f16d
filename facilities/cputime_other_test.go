//go:build !unix

package facilities_test

import "time"

// cpuNow is 0 where getrusage is missing: the cpu-ms/op metric then reads 0.
func cpuNow() time.Duration { return 0 }
