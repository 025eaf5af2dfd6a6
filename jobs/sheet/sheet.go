// Package sheet reads the files of award jobs: CSV (UTF-8, with or without
// a byte order mark) and XLSX workbooks (the first sheet), a row at a time,
// and turns each row into an issuing.AwardInput. It does no I/O beyond
// the reader it is given and holds one row at a time, in CSV. An XLSX
// file is different: the zip library reads it whole into memory (its
// directory is at its end), so it has a limit of its own,
// Options.MaxXLSXFileBytes; its rows are then streamed, and a sheet larger
// than 16 MiB unpacked is spooled to Options.TempDir rather than memory.
//
// The first row is the header. Column names are matched case- and
// space-insensitively ("Evidence URL" is evidenceUrl):
//
//	email | did          the recipient (one of the two per row)
//	name, showName       the recipient's name, and whether public pages may show it
//	narrative            how the award was earned
//	evidenceUrl, evidenceName   one piece of evidence
//	validFrom, validUntil        RFC 3339 date-times or YYYY-MM-DD dates (UTC midnight)
//	creditsEarned        a number
//	achievementId        the achievement, if not the job's default
//	externalId           the caller's own ID of the row (also tells duplicates)
//	result:NAME          the result for the achievement's result description named NAME
//
// An unknown or repeated column rejects the file, naming it. A cell that
// starts with "=" is a spreadsheet formula, not a value: its row fails.
package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Limits on files.
const (
	MaxColumns   = 200
	MaxCellBytes = 20_000
)

// Format is the kind of a file.
type Format string

// The formats Read understands.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// FileError rejects a whole file: nothing in it is issued.
type FileError struct {
	Row    int    // 0 when not about one row
	Column string // "" when not about one column
	Reason string
}

func (e *FileError) Error() string {
	var b strings.Builder
	if e.Row > 0 {
		fmt.Fprintf(&b, "row %d: ", e.Row)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, "column %s: ", e.Column)
	}
	b.WriteString(e.Reason)
	return b.String()
}

// RowError fails one row; the others are issued.
type RowError struct {
	Row    int
	Column string // the column (as the header names it canonically); "" for the row
	Reason string
}

func (e *RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("row %d, column %s: %s", e.Row, e.Column, e.Reason)
	}
	return fmt.Sprintf("row %d: %s", e.Row, e.Reason)
}

// Reader reads the rows of a file.
type Reader struct {
	format Format
	num    int // number of the row last read
	csv    *csv.Reader
	rows   *excelize.Rows
	xl     *excelize.File
}

// Options bound what Open reads.
type Options struct {
	// MaxXLSXBytes caps the uncompressed size of an XLSX workbook (default
	// 1 GiB).
	MaxXLSXBytes int64
	// MaxXLSXFileBytes caps the size of an XLSX file itself, which is
	// held in memory while it is read (default DefaultMaxXLSXFileBytes).
	// A larger one is refused, asking for CSV, which is streamed.
	MaxXLSXFileBytes int64
	// TempDir is where an XLSX sheet too large for memory is unpacked
	// (default the system's).
	TempDir string
}

// Open tells the format of r by its first bytes and returns a reader of
// its rows. Errors are *FileError.
func Open(r io.Reader, opts Options) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(512)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, &FileError{Reason: "the file could not be read: " + err.Error()}
	}
	if len(head) == 0 {
		return nil, &FileError{Reason: "the file is empty"}
	}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return openXLSX(br, opts)
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0")):
		return nil, &FileError{Reason: "this is an old Excel (.xls) or other OLE file; save it as .xlsx or as CSV UTF-8"}
	case bytes.HasPrefix(head, []byte("\xFF\xFE")), bytes.HasPrefix(head, []byte("\xFE\xFF")):
		return nil, &FileError{Reason: "the file is UTF-16 text; save it as CSV UTF-8"}
	case bytes.HasPrefix(head, []byte("%PDF")), bytes.HasPrefix(head, []byte("\x1f\x8b")),
		bytes.HasPrefix(head, []byte("\x89PNG")), bytes.HasPrefix(head, []byte("\xFF\xD8\xFF")),
		bytes.IndexByte(head, 0) >= 0:
		return nil, &FileError{Reason: "the file is neither CSV nor XLSX (it holds binary data)"}
	}
	if bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) {
		br.Discard(3)
	}
	c := csv.NewReader(br)
	c.FieldsPerRecord = -1
	c.ReuseRecord = true
	c.LazyQuotes = true // a quote inside an unquoted cell is kept, as spreadsheets do
	return &Reader{format: CSV, csv: c}, nil
}

// DefaultMaxXLSXFileBytes is the default Options.MaxXLSXFileBytes: a
// workbook of about a million short rows.
const DefaultMaxXLSXFileBytes = 64 << 20

// xlsxLimit fails with errXLSXTooLarge past n bytes.
type xlsxLimit struct {
	r    io.Reader
	n    int64
	over bool
}

var errXLSXTooLarge = errors.New("XLSX file over its limit")

func (l *xlsxLimit) Read(p []byte) (int, error) {
	if l.over {
		return 0, errXLSXTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	if l.n -= int64(n); l.n < 0 {
		l.over = true
		return n, errXLSXTooLarge
	}
	return n, err
}

// sizeText writes a byte count in MiB when it is a whole number of them.
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

func openXLSX(r io.Reader, opts Options) (*Reader, error) {
	limit := opts.MaxXLSXBytes
	if limit <= 0 {
		limit = 1 << 30
	}
	fileLimit := opts.MaxXLSXFileBytes
	if fileLimit <= 0 {
		fileLimit = DefaultMaxXLSXFileBytes
	}
	lr := &xlsxLimit{r: r, n: fileLimit}
	f, err := excelize.OpenReader(lr, excelize.Options{UnzipSizeLimit: limit, UnzipXMLSizeLimit: min(limit, 16<<20), TmpDir: opts.TempDir})
	if lr.over || errors.Is(err, errXLSXTooLarge) {
		if f != nil {
			f.Close()
		}
		return nil, &FileError{Reason: "the XLSX file is larger than " + sizeText(fileLimit) + ", the limit for XLSX files (a workbook is read into memory whole); save it as CSV UTF-8, which is read as it arrives"}
	}
	if err != nil {
		return nil, &FileError{Reason: "the file starts as an XLSX workbook but cannot be read as one: " + err.Error()}
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, &FileError{Reason: "the workbook has no sheet"}
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, &FileError{Reason: "the first sheet cannot be read: " + err.Error()}
	}
	return &Reader{format: XLSX, rows: rows, xl: f}, nil
}

// Format is the format of the file.
func (r *Reader) Format() Format { return r.format }

// Next returns the next row and its 1-based number in the file (the
// header is row 1), or io.EOF after the last. The cells are valid until
// the next call. Errors are *FileError.
func (r *Reader) Next() (num int, cells []string, err error) {
	switch r.format {
	case CSV:
		rec, err := r.csv.Read()
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		r.num++
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return r.num, nil, &FileError{Row: r.num, Reason: "malformed CSV: " + pe.Err.Error()}
			}
			return r.num, nil, &FileError{Row: r.num, Reason: "the file could not be read: " + err.Error()}
		}
		cells = rec
	case XLSX:
		if !r.rows.Next() {
			if err := r.rows.Error(); err != nil {
				return r.num + 1, nil, &FileError{Row: r.num + 1, Reason: "the sheet could not be read: " + err.Error()}
			}
			return 0, nil, io.EOF
		}
		r.num++
		if cells, err = r.rows.Columns(); err != nil {
			return r.num, nil, &FileError{Row: r.num, Reason: "the sheet could not be read: " + err.Error()}
		}
	}
	if len(cells) > MaxColumns {
		return r.num, nil, &FileError{Row: r.num, Reason: fmt.Sprintf("has %d columns; the limit is %d", len(cells), MaxColumns)}
	}
	for i, c := range cells {
		if !utf8.ValidString(c) {
			return r.num, nil, &FileError{Row: r.num, Reason: fmt.Sprintf("cell %d is not UTF-8 text; save the file as CSV UTF-8", i+1)}
		}
		if len(c) > MaxCellBytes {
			return r.num, nil, &FileError{Row: r.num, Reason: fmt.Sprintf("cell %d is longer than %d bytes", i+1, MaxCellBytes)}
		}
	}
	return r.num, cells, nil
}

// Close releases the reader (and an XLSX file's temporary files).
func (r *Reader) Close() error {
	if r.xl != nil {
		r.rows.Close()
		return r.xl.Close()
	}
	return nil
}

// Normalize folds a column name for matching: lower case, without spaces.
func Normalize(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, name)
}

// The columns, as Normalize makes them, and their canonical names.
var columns = map[string]string{
	"email": "email", "did": "did", "name": "name", "showname": "showName", "narrative": "narrative",
	"evidenceurl": "evidenceUrl", "evidencename": "evidenceName", "validfrom": "validFrom", "validuntil": "validUntil",
	"creditsearned": "creditsEarned", "externalid": "externalId", "achievementid": "achievementId",
}

// ResultPrefix starts a result column's name: result:NAME.
const ResultPrefix = "result:"

// Header is the parsed header row of a file.
type Header struct {
	cols []column // by position; kind "" for an empty header cell
}

type column struct {
	kind   string // canonical name, or ResultPrefix for a result column
	result string // the result description's name (as written) of a result column
}

// ParseHeader reads the header row: every non-empty cell must name a
// known column once, and there must be an email or a did column. Errors
// are *FileError naming the columns.
func ParseHeader(cells []string) (*Header, error) {
	h := &Header{cols: make([]column, len(cells))}
	seen := map[string]bool{}
	var unknown []string
	hasRecipient := false
	for i, c := range cells {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		n := Normalize(c)
		var col column
		if name, ok := strings.CutPrefix(n, ResultPrefix); ok {
			rn := strings.TrimSpace(c[strings.IndexByte(c, ':')+1:])
			if name == "" {
				return nil, &FileError{Row: 1, Column: c, Reason: "a result column names its result description: result:NAME"}
			}
			col = column{kind: ResultPrefix, result: rn}
			n = ResultPrefix + name
		} else if canon, ok := columns[n]; ok {
			col = column{kind: canon}
			hasRecipient = hasRecipient || canon == "email" || canon == "did"
		} else {
			unknown = append(unknown, strconv.Quote(c))
			continue
		}
		if seen[n] {
			return nil, &FileError{Row: 1, Column: c, Reason: "the column appears twice"}
		}
		seen[n] = true
		h.cols[i] = col
	}
	if len(unknown) > 0 {
		return nil, &FileError{Row: 1, Reason: fmt.Sprintf("unknown column %s; the columns are email or did, name, showName, narrative, evidenceUrl, evidenceName, validFrom, validUntil, creditsEarned, achievementId, externalId and result:NAME",
			strings.Join(unknown, ", "))}
	}
	if !hasRecipient {
		return nil, &FileError{Row: 1, Reason: "there is no email or did column"}
	}
	return h, nil
}

// Has reports whether the header has the column (canonical name).
func (h *Header) Has(name string) bool {
	for _, c := range h.cols {
		if c.kind == name {
			return true
		}
	}
	return false
}

// Record is one data row, by column.
type Record struct {
	Num     int
	Values  map[string]string // canonical column name → trimmed value (non-empty only)
	Results []NamedValue      // result columns with a value, in header order
}

// NamedValue is the value of a result column.
type NamedValue struct{ Name, Value string }

// Blank reports whether the row has no value at all (such rows are
// skipped, as spreadsheets leave them).
func Blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Record maps the cells of row num to their columns. A formula, or a
// value under an empty header cell, fails the row.
func (h *Header) Record(num int, cells []string) (*Record, error) {
	rec := &Record{Num: num, Values: map[string]string{}}
	for i, c := range cells {
		v := strings.TrimSpace(c)
		if v == "" {
			continue
		}
		if i >= len(h.cols) || h.cols[i].kind == "" {
			return nil, &RowError{Row: num, Column: "", Reason: fmt.Sprintf("cell %d has a value but its column has no header", i+1)}
		}
		col := h.cols[i]
		name := col.kind
		if col.kind == ResultPrefix {
			name = ResultPrefix + col.result
		}
		if strings.HasPrefix(v, "=") {
			return nil, &RowError{Row: num, Column: name, Reason: "the cell holds a spreadsheet formula (it starts with =); give the value instead"}
		}
		if col.kind == ResultPrefix {
			rec.Results = append(rec.Results, NamedValue{Name: col.result, Value: v})
			continue
		}
		rec.Values[col.kind] = v
	}
	return rec, nil
}

// SafeCell makes a value safe to put in a CSV cell that a spreadsheet
// opens: a value starting with = + - @, a tab or a carriage return would
// be run as a formula, so it gets a leading apostrophe (OWASP CSV
// injection).
func SafeCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
