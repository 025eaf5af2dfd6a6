package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestMsg(t *testing.T) {
	for _, tc := range []struct {
		format string
		args   []any
		key    string
		want   []string
	}{
		{"plain", nil, "plain", nil},
		{"%d of %d", []any{3, 10}, "%s of %s", []string{"3", "10"}},
		{"id: %q is not %s", []any{"a\"b", "x"}, "id: %s is not %s", []string{`"a\"b"`, "x"}},
		{"%v and %x and %5.2f", []any{[]int{1}, 255, 3.14159}, "%s and %s and %s", []string{"[1]", "ff", " 3.14"}},
		{"100%% of %s", []any{"them"}, "100%% of %s", []string{"them"}},
		{"%v", []any{fmt.Errorf("boom")}, "%s", []string{"boom"}},
		{"%s: %v", []any{"a", nil}, "%s: %s", []string{"a", "<nil>"}},
		// No translatable form: numbered arguments, a width argument, too
		// few or too many arguments.
		{"%[1]s %[1]s", []any{"a"}, "", []string{"a a"}},
		{"%*d", []any{3, 4}, "", []string{"  4"}},
		{"%s %s", []any{"a"}, "", []string{"a %!s(MISSING)"}},
		{"%s", []any{"a", "b"}, "", []string{"a%!(EXTRA string=b)"}},
	} {
		m := msg(tc.format, tc.args...)
		if m.Key != tc.key || !slices.Equal(m.Args, tc.want) {
			t.Errorf("msg(%q, %v) = %q %q, want %q %q", tc.format, tc.args, m.Key, m.Args, tc.key, tc.want)
		}
		if got, want := m.english(), fmt.Sprintf(tc.format, tc.args...); got != want {
			t.Errorf("msg(%q, %v) reads %q, want %q", tc.format, tc.args, got, want)
		}
	}
}

// A report's messages read, in English, exactly as its reasons, warnings
// and notes: what is translated is what the English says.
func TestMessagesReadAsReasons(t *testing.T) {
	var files []string
	for _, g := range []string{"testdata/1edtech/ob30/*.json", "testdata/1edtech/ob30/*.png", "testdata/1edtech/clr20/*", "testdata/vc-verify/*", "testdata/foreign/*"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	v := testVerifier(controllerDocs(t, files...))
	keyed := 0
	var walk func(name string, r *Report)
	walk = func(name string, r *Report) {
		for _, c := range r.Checks {
			if len(c.Messages) == 0 {
				t.Errorf("%s: check %s has no messages", name, c.Name)
			}
			english := c.Text(func(key string, args []string, english string) string { return english })
			if english != c.Reason {
				t.Errorf("%s: check %s reads %q, its reason is %q", name, c.Name, english, c.Reason)
			}
			for _, m := range c.Messages {
				if m.Key != "" {
					keyed++
				}
			}
		}
		for what, pair := range map[string][2][]string{
			"warnings": {r.Warnings, r.WarningTexts(func(_ string, _ []string, english string) string { return english })},
			"notes":    {r.Notes, r.NoteTexts(func(_ string, _ []string, english string) string { return english })},
		} {
			if !slices.Equal(pair[0], pair[1]) {
				t.Errorf("%s: %s read %q, want %q", name, what, pair[1], pair[0])
			}
		}
		if len(r.WarningMessages) != len(r.Warnings) || len(r.NoteMessages) != len(r.Notes) {
			t.Errorf("%s: %d warning messages for %d warnings, %d note messages for %d notes", name,
				len(r.WarningMessages), len(r.Warnings), len(r.NoteMessages), len(r.Notes))
		}
		for _, in := range append(r.Inner, r.Endorsements...) {
			walk(name+" (inner)", in)
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		walk(filepath.Base(f), v.Verify(context.Background(), data))
	}
	if keyed < 100 {
		t.Errorf("only %d messages with a key in %d reports", keyed, len(files))
	}
}
