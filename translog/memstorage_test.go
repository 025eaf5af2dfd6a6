package translog_test

import (
	"testing"

	"github.com/cairn-badges/cairn/translog"
	"github.com/cairn-badges/cairn/translog/translogtest"
)

func TestMemStorage(t *testing.T) {
	translogtest.Run(t, func() translog.Storage { return translog.NewMemStorage() })
}
