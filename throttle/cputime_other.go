//go:build !linux

package throttle

import "time"

// threadCPU reports that this system's thread CPU clock is not used.
func threadCPU() (time.Duration, bool) { return 0, false }
