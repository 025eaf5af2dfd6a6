package store_test

import (
	"testing"

	"github.com/cairn-badges/cairn/translog"
	"github.com/cairn-badges/cairn/translog/translogtest"
)

func TestLogStorageSQLite(t *testing.T) {
	translogtest.Run(t, func() translog.Storage { return openSQLite(t).LogStorage() })
}

func TestLogStoragePostgres(t *testing.T) {
	postgresURL(t)
	translogtest.Run(t, func() translog.Storage { return openPostgres(t).LogStorage() })
}
