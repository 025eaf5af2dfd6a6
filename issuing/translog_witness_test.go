package issuing

import (
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/translog"
)

func TestParseWitnesses(t *testing.T) {
	_, v1, _ := translog.GenerateCosignerKey(nil, "w.example/one")
	_, v2, _ := translog.GenerateCosignerKey(nil, "w2.example")
	ws, err := ParseWitnesses("w.example/one=https://w.example/one/=" + v1 + ",\n# comment\n w2.example=http://127.0.0.1:7380=" + v2 + "\n")
	if err != nil || len(ws) != 2 || ws[0].URL != "https://w.example/one" || ws[0].Verifier.Name() != "w.example/one" ||
		ws[1].URL != "http://127.0.0.1:7380" || ws[1].Verifier.Name() != "w2.example" {
		t.Fatalf("%+v, %v", ws, err)
	}
	for _, bad := range []string{
		"w.example/one=https://w.example=" + v2,                               // vkey of another name
		"w.example/one=ftp://w.example=" + v1,                                 // not http(s)
		"w.example/one=https://w.example=" + strings.Replace(v1, "+", "-", 1), // malformed vkey
		"https://w.example=" + v1,                                             // no name
	} {
		if _, err := ParseWitnesses(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if ws, err := ParseWitnesses(""); err != nil || len(ws) != 0 {
		t.Errorf("empty: %v, %v", ws, err)
	}
}
