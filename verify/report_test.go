package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/i18n"
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
		if got, want := m.String(), fmt.Sprintf(tc.format, tc.args...); got != want {
			t.Errorf("msg(%q, %v) reads %q, want %q", tc.format, tc.args, got, want)
		}
	}
}

// A report's messages read, in English, exactly as its reasons, warnings
// and notes: what is translated is what the English says; and each is in
// the catalog in every language. The reports are of real credentials:
// verified, failed (tampered, expired, revoked) and indeterminate.
func TestMessagesReadAsReasons(t *testing.T) {
	var files []string
	for _, g := range []string{"testdata/1edtech/ob30/*.json", "testdata/1edtech/ob30/*.png", "testdata/1edtech/clr20/*", "testdata/vc-verify/*", "testdata/foreign/*"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	docs := controllerDocs(t, files...)
	// A revoked credential, with its status list served.
	revoked := "testdata/1edtech/ob30/bit-string-list/credential-status-revoked.json"
	files = append(files, revoked)
	for k, v := range controllerDocs(t, revoked) {
		docs[k] = v
	}
	list, err := os.ReadFile("testdata/1edtech/ob30/bit-string-list/testlist")
	if err != nil {
		t.Fatal(err)
	}
	docs["https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/main/inspector-vc/src/test/resources/ob30/bit-string-list/testlist"] = list
	v := testVerifier(docs)
	// Every message with a key is in the catalog in every language.
	var missing []string
	i18n.Missing = func(l i18n.Lang, key string) { missing = append(missing, string(l)+": "+key) }
	defer func() { i18n.Missing = nil }()
	translate := func(ms ...Message) {
		for _, m := range ms {
			for _, l := range i18n.Langs[1:] {
				if m.Key != "" {
					i18n.For(l.Lang).Text(m.Key, m.Args, m.String())
				}
			}
		}
	}
	results := map[Outcome]int{}
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
			translate(c.Messages...)
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
		translate(r.WarningMessages...)
		translate(r.NoteMessages...)
		results[r.Result]++
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
	if keyed < 100 || results[Verified] == 0 || results[Failed] == 0 || results[Indeterminate] == 0 {
		t.Errorf("only %d messages with a key in %d reports, results %v", keyed, len(files), results)
	}
	if rep := v.Verify(context.Background(), mustRead(t, revoked)); !strings.Contains(rep.Check(CheckStatus).Reason, "revoked") {
		t.Errorf("the revoked fixture is not revoked: %s", rep.Summary())
	}
	for _, m := range missing {
		t.Errorf("not translated: %s", m)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
