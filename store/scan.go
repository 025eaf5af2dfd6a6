package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// timeCol scans a timestamp stored by either dialect into a UTC time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	t, ok, err := parseTime(src)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("store: NULL timestamp in a NOT NULL column")
	}
	*c.t = t
	return nil
}

// nullTimeCol scans a nullable timestamp.
type nullTimeCol struct{ t **time.Time }

func (c nullTimeCol) Scan(src any) error {
	t, ok, err := parseTime(src)
	if err != nil {
		return err
	}
	if ok {
		*c.t = &t
	} else {
		*c.t = nil
	}
	return nil
}

func parseTime(src any) (time.Time, bool, error) {
	switch v := src.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return v.UTC(), true, nil
	case string:
		return parseTimeText(v)
	case []byte:
		return parseTimeText(string(v))
	}
	return time.Time{}, false, fmt.Errorf("store: cannot scan %T as a timestamp", src)
}

func parseTimeText(s string) (time.Time, bool, error) {
	t, err := time.Parse(sqliteTime, s)
	if err != nil {
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return time.Time{}, false, fmt.Errorf("store: bad timestamp %q", s)
		}
	}
	return t.UTC(), true, nil
}

// jsonCol scans a JSON text column into the value v points to.
type jsonCol struct{ v any }

func (c jsonCol) Scan(src any) error {
	var b []byte
	switch s := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(s)
	case []byte:
		b = s
	default:
		return fmt.Errorf("store: cannot scan %T as JSON", src)
	}
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, c.v)
}

// jsonArg encodes v for a JSON text column.
func jsonArg(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// nullFloatCol scans a nullable number into a *float64.
type nullFloatCol struct{ f **float64 }

func (c nullFloatCol) Scan(src any) error {
	var n sql.NullFloat64
	if err := n.Scan(src); err != nil {
		return err
	}
	if n.Valid {
		v := n.Float64
		*c.f = &v
	} else {
		*c.f = nil
	}
	return nil
}

// floatArg returns the argument for a nullable number.
func floatArg(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// bytesArg returns b, or an empty slice for nil (NOT NULL BLOB columns).
func bytesArg(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// bytesCol scans a BLOB into a fresh []byte ([]byte{} for empty).
type bytesCol struct{ b *[]byte }

func (c bytesCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.b = nil
	case []byte:
		*c.b = append([]byte{}, v...)
	case string:
		*c.b = []byte(v)
	default:
		return fmt.Errorf("store: cannot scan %T as bytes", src)
	}
	return nil
}
