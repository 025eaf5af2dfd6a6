package cli

import (
	"runtime"
	"testing"
)

// TestAvailableMemory: on Linux the server finds how much memory it may
// use (its cgroup's limit or /proc/meminfo), for the heap's soft limit.
func TestAvailableMemory(t *testing.T) {
	m := availableMemory()
	if runtime.GOOS == "linux" && m < 64<<20 {
		t.Fatalf("availableMemory() = %d on Linux, want the cgroup's limit or MemTotal", m)
	}
}
