//go:build unix

package facilities_test

import (
	"syscall"
	"time"
)

// cpuNow is the CPU time (user + system) the process has used so far; benchmarks report it per
// operation beside the wall time, which a shared machine inflates.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
