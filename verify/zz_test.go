package verify

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/fetch"
)

func TestZZ(t *testing.T) {
	in, err := os.ReadFile(os.Getenv("ZZF"))
	if err != nil {
		t.Skip()
	}
	v := New(fetch.Offline)
	for range 5 {
		start := time.Now()
		rep := v.Verify(context.Background(), in)
		t.Logf("%v %s", time.Since(start), rep.Summary()[:100])
	}
}
