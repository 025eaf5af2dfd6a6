package fail500

import (
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRecord(t *testing.T) {
	file := filepath.Join(t.TempDir(), "500s")
	t.Setenv(EnvVar, "")
	Record(httptest.NewRequest("GET", "/x", nil), errors.New("ignored"))
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("a file without the variable: %v", err)
	}
	t.Setenv(EnvVar, file)
	Record(httptest.NewRequest("POST", "/api/v1/awards", nil), errors.New("signing\nfailed"))
	Record(nil, nil)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], ` POST /api/v1/awards: signing\nfailed`) || !strings.HasSuffix(lines[1], " - -: (no error)") {
		t.Fatalf("file:\n%s", b)
	}
}
