package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// readAll opens data and returns the header and the data rows.
func readAll(t *testing.T, data []byte) (*Header, [][]string, []int, error) {
	t.Helper()
	r, err := Open(bytes.NewReader(data), Options{})
	if err != nil {
		return nil, nil, nil, err
	}
	defer r.Close()
	_, cells, err := r.Next()
	if err != nil {
		return nil, nil, nil, err
	}
	h, err := ParseHeader(cells)
	if err != nil {
		return nil, nil, nil, err
	}
	var rows [][]string
	var nums []int
	for {
		n, cells, err := r.Next()
		if err == io.EOF {
			return h, rows, nums, nil
		}
		if err != nil {
			return h, rows, nums, err
		}
		rows = append(rows, append([]string(nil), cells...))
		nums = append(nums, n)
	}
}

func TestOpenFiles(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		rows       int
		err        string // part of the *FileError, "" for none
	}{
		{"csv", "email,name\na@example.com,Ann\nb@example.com,Bo\n", 2, ""},
		{"bom", "\xEF\xBB\xBFemail\na@example.com\n", 1, ""},
		{"crlf", "email\r\na@example.com\r\n", 1, ""},
		{"quoted newline", "email,narrative\na@example.com,\"two\nlines\"\n", 1, ""},
		{"latin-1", "email,name\na@example.com,Jos\xe9\n", 0, "row 2: cell 2 is not UTF-8"},
		{"utf-16", "\xFF\xFEe\x00", 0, "UTF-16"},
		{"pdf", "%PDF-1.4 ...", 0, "neither CSV nor XLSX"},
		{"nul", "email\x00\n", 0, "neither CSV nor XLSX"},
		{"xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 0, ".xls"},
		{"broken zip", "PK\x03\x04garbage", 0, "cannot be read as one"},
		{"empty", "", 0, "empty"},
		{"unknown column", "email,colour\n", 0, `unknown column "colour"`},
		{"two unknown", "email,Colour,size\n", 0, `"Colour", "size"`},
		{"repeated", "email,E Mail\n", 0, "appears twice"},
		{"no recipient", "name\n", 0, "no email or did column"},
		{"empty result name", "email,result:\n", 0, "result:NAME"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rows, _, err := readAll(t, []byte(tc.data))
			if tc.err == "" {
				if err != nil || len(rows) != tc.rows {
					t.Fatalf("%d rows, %v; want %d rows", len(rows), err, tc.rows)
				}
				return
			}
			var fe *FileError
			if !errors.As(err, &fe) || !strings.Contains(fe.Error(), tc.err) {
				t.Fatalf("error %v, want a FileError with %q", err, tc.err)
			}
		})
	}
}

func TestHeaderMatching(t *testing.T) {
	h, err := ParseHeader([]string{" E-mail ", "Evidence URL", "SHOW NAME", "Result: Final Grade", "", "externalid"})
	if err == nil {
		t.Fatal("E-mail is not email: want an unknown column")
	}
	h, err = ParseHeader([]string{" EMail ", "Evidence URL", "SHOW NAME", "Result: Final Grade", "", "externalid"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"email", "evidenceUrl", "showName", "externalId"} {
		if !h.Has(c) {
			t.Errorf("header lacks %s", c)
		}
	}
	rec, err := h.Record(7, []string{"a@example.com", "https://e.example/1", "yes", "B+", "", "x1"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Num != 7 || rec.Values["email"] != "a@example.com" || len(rec.Results) != 1 || rec.Results[0] != (NamedValue{"Final Grade", "B+"}) {
		t.Fatalf("record %+v", rec)
	}
	if _, err := h.Record(8, []string{"a@example.com", "", "", "", "stray"}); err == nil || !strings.Contains(err.Error(), "no header") {
		t.Fatalf("a value under an empty header: %v", err)
	}
	_, err = h.Record(9, []string{"a@example.com", "=HYPERLINK(\"http://x\",\"y\")"})
	var re *RowError
	if !errors.As(err, &re) || re.Row != 9 || re.Column != "evidenceUrl" || !strings.Contains(re.Reason, "formula") {
		t.Fatalf("formula: %v", err)
	}
}

func TestRecordAward(t *testing.T) {
	h, err := ParseHeader([]string{"email", "did", "name", "showName", "narrative", "evidenceUrl", "evidenceName",
		"validFrom", "validUntil", "creditsEarned", "achievementId", "externalId", "result:grade"})
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(ach, name string) (string, error) {
		if name == "grade" {
			return "urn:rd:" + ach, nil
		}
		return "", errors.New("no such result")
	}
	for _, tc := range []struct {
		name   string
		cells  []string
		column string // of the error; "" for success
	}{
		{"full", []string{"a@example.com", "", "Ann", "true", "Did it", "https://e.example/1", "Essay", "2026-01-01", "2030-01-01T00:00:00Z", "2.5", "", "x1", "A"}, ""},
		{"did", []string{"", "did:example:1"}, ""},
		{"both", []string{"a@example.com", "did:example:1"}, "email"},
		{"neither", []string{"", "", "Ann"}, "email"},
		{"bad showName", []string{"a@example.com", "", "", "maybe"}, "showName"},
		{"bad date", []string{"a@example.com", "", "", "", "", "", "", "1/2/2026"}, "validFrom"},
		{"bad credits", []string{"a@example.com", "", "", "", "", "", "", "", "", "lots"}, "creditsEarned"},
		{"long externalId", []string{"a@example.com", "", "", "", "", "", "", "", "", "", "", strings.Repeat("x", 201)}, "externalId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := h.Record(2, tc.cells)
			if err != nil {
				t.Fatal(err)
			}
			in, ext, err := rec.Award("ach-1", lookup)
			if tc.column == "" {
				if err != nil {
					t.Fatal(err)
				}
				if in.AchievementID != "ach-1" {
					t.Errorf("achievement %q", in.AchievementID)
				}
				if tc.name == "full" && (ext != "x1" || !in.Recipient.ShowName || in.CreditsEarned == nil || *in.CreditsEarned != 2.5 ||
					len(in.Evidence) != 1 || in.Evidence[0].Name != "Essay" || in.ValidFrom == nil || len(in.Results) != 1 ||
					in.Results[0].ResultDescription != "urn:rd:ach-1" || in.Results[0].Value != "A") {
					t.Errorf("award %+v ext %q", in, ext)
				}
				return
			}
			var re *RowError
			if !errors.As(err, &re) || re.Column != tc.column || re.Row != 2 {
				t.Fatalf("error %v, want one about column %s of row 2", err, tc.column)
			}
		})
	}
	rec, _ := h.Record(3, []string{"a@example.com"})
	if _, _, err := rec.Award("", lookup); err == nil || !strings.Contains(err.Error(), "achievementId") {
		t.Fatalf("no achievement: %v", err)
	}
	h2, _ := ParseHeader([]string{"email", "result:colour"})
	rec, _ = h2.Record(4, []string{"a@example.com", "red"})
	if _, _, err := rec.Award("ach-1", lookup); err == nil || !strings.Contains(err.Error(), "result:colour") {
		t.Fatalf("unknown result: %v", err)
	}
}

func TestXLSX(t *testing.T) {
	f := excelize.NewFile()
	rows := [][]any{{"Email", "Name", "externalId"}, {"a@example.com", "Ann", "1"}, {}, {"b@example.com", "Bo", "2"}}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	h, got, nums, err := readAll(t, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !h.Has("email") {
		t.Fatal("no email column")
	}
	var data [][]string
	var dataNums []int
	for i, r := range got {
		if !Blank(r) {
			data = append(data, r)
			dataNums = append(dataNums, nums[i])
		}
	}
	if len(data) != 2 || data[1][0] != "b@example.com" || dataNums[1] != 4 {
		t.Fatalf("rows %q numbered %v, want two, the second on row 4", data, dataNums)
	}
}

// An XLSX file over Options.MaxXLSXFileBytes (it is read into memory
// whole) is refused with a FileError that names the limit and asks for
// CSV; one within it opens.
func TestXLSXFileLimit(t *testing.T) {
	f := excelize.NewFile()
	for i := range 200 {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		row := []any{fmt.Sprintf("learner%d@example.com", i), fmt.Sprintf("Learner %d", i)}
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	size := int64(buf.Len())
	_, err := Open(bytes.NewReader(buf.Bytes()), Options{MaxXLSXFileBytes: size - 1})
	var fe *FileError
	if !errors.As(err, &fe) || !strings.Contains(fe.Reason, fmt.Sprintf("larger than %d bytes", size-1)) || !strings.Contains(fe.Reason, "CSV") {
		t.Fatalf("an XLSX file one byte over the limit: %v, want a FileError naming the limit and CSV", err)
	}
	r, err := Open(bytes.NewReader(buf.Bytes()), Options{MaxXLSXFileBytes: size})
	if err != nil {
		t.Fatalf("an XLSX file at the limit: %v", err)
	}
	defer r.Close()
	n := 0
	for {
		_, _, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 200 {
		t.Errorf("%d rows, want 200", n)
	}
}

// FuzzSheet: any bytes either open as a file whose every row parses to a
// record or an error, or are refused with a FileError; never a panic.
func FuzzSheet(f *testing.F) {
	f.Add([]byte("email,name,result:grade\na@example.com,Ann,A\n"))
	f.Add([]byte("\xEF\xBB\xBFdid,showName,validFrom\ndid:example:1,yes,2026-01-01\n"))
	f.Add([]byte("email\n\"a@example.com\n"))
	f.Add([]byte("email,narrative\na@example.com,=HYPERLINK(\"x\")\n"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Open(bytes.NewReader(data), Options{MaxXLSXBytes: 1 << 20})
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Open: %T %v, want a FileError", err, err)
			}
			return
		}
		defer r.Close()
		_, cells, err := r.Next()
		if err != nil {
			return
		}
		h, err := ParseHeader(cells)
		if err != nil {
			return
		}
		for range 100 {
			n, cells, err := r.Next()
			if err != nil {
				return
			}
			rec, err := h.Record(n, cells)
			if err != nil {
				var re *RowError
				if !errors.As(err, &re) || re.Row != n {
					t.Fatalf("Record: %v", err)
				}
				continue
			}
			if _, _, err := rec.Award("ach", func(string, string) (string, error) { return "rd", nil }); err != nil {
				var re *RowError
				if !errors.As(err, &re) {
					t.Fatalf("Award: %T %v", err, err)
				}
			}
		}
	})
}
