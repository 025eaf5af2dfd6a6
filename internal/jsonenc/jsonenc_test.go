package jsonenc

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func same(t *testing.T, v any) {
	t.Helper()
	want, werr := json.Marshal(v)
	got, gerr := Marshal(v)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("errors differ: encoding/json %v, jsonenc %v", werr, gerr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("jsonenc:\n%s\nencoding/json:\n%s", got, want)
	}
}

// TestMarshalAsEncodingJSON: every JSON document of the repository's test
// data, decoded, encodes to the bytes encoding/json gives.
func TestMarshalAsEncodingJSON(t *testing.T) {
	n := 0
	for _, root := range []string{"../../proof/testdata", "../../jsonld/testdata", "../../ob/testdata"} {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if json.Unmarshal(b, &v) != nil {
				return nil
			}
			n++
			t.Run(path, func(t *testing.T) { same(t, v) })
			return nil
		})
	}
	if n < 20 {
		t.Fatalf("only %d documents", n)
	}
}

func TestMarshalEdges(t *testing.T) {
	for _, v := range []any{
		nil, true, false, "", "plain", "a<b>&c", "quote\" back\\slash", "tab\there\nnl\r\b\f\x01\x1f",
		"é ü 中文 🎓", "line\u2028sep\u2029", "bad\xffutf8", "\xc3", "\u007f",
		0.0, math.Copysign(0, -1), 1.0, -1.0, 3.0, 1e14, 1e15, 1e20, 1e21, 1.5, 0.1, 1e-6, 1e-7, -2.5e-8, 123456789.125,
		math.MaxFloat64, math.SmallestNonzeroFloat64,
		[]any{}, []any(nil), map[string]any{}, map[string]any(nil),
		map[string]any{"b": 1.0, "a": []any{"x", map[string]any{"z": nil, "<": "&"}}, "é": true, "A": "B", "": ""},
		map[string]any{"s": struct {
			X string `json:"x"`
		}{"<y>"}, "m": map[string]string{"k": "v"}, "n": json.Number("12"), "r": json.RawMessage(`{ "a" : 1 }`)},
		map[string]any{"nan": math.NaN()},
		[]any{map[string]any{"a": map[string]any{"b": map[string]any{"c": []any{map[string]any{"d": 1.0, "c": 2.0}}}}}, map[string]any{"y": 1.0, "x": 2.0}},
	} {
		same(t, v)
	}
}

func FuzzMarshal(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":[true,null,"x<"],"c":{"é":1.5e-9}}`, `[1e21, -0, "\u2028", "\ud800"]`, `"\u0000"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v any
		if json.Unmarshal(b, &v) != nil {
			return
		}
		same(t, v)
	})
}

func BenchmarkMarshalTypical(b *testing.B) {
	data, err := os.ReadFile("../../proof/testdata/typical-signed.json")
	if err != nil {
		b.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		b.Fatal(err)
	}
	b.Run("jsonenc", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 8192)
		for b.Loop() {
			buf, _ = Append(buf[:0], v)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			json.Marshal(v)
		}
	})
}
