//go:build unix

package warehousetest

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used, engine threads included:
// on a machine shared with other work it is steadier than wall time. (For
// PostgreSQL the server's own CPU is not in it.)
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
