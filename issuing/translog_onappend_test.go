package issuing

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cairn-badges/cairn/keyring"
)

// OnAppend hears of every award change the log takes, once, after the
// checkpoint that includes it is signed, and of nothing when nothing was
// appended.
func TestOnAppend(t *testing.T) {
	ctx := context.Background()
	kr, err := keyring.New(keyring.GenerateMasterKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := openLogNode(t, filepath.Join(t.TempDir(), "cairn.db"), kr)
	orgID, achID := n.setup(t)
	l := n.openLog(t) // batches of 7
	var got []string
	signedFirst := true
	l.OnAppend(func(ctx context.Context, ids []string) {
		for _, id := range ids {
			if inc, pending, err := l.included(ctx, id); inc == nil || pending || err != nil {
				signedFirst = false
			}
		}
		got = append(got, ids...)
	})
	var want []string
	for i := range 10 {
		want = append(want, n.svc.CredentialURL(n.award(t, orgID, achID, i).ID))
	}
	if _, err := l.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("OnAppend heard %d ids %v, want the %d awards in order", len(got), got, len(want))
	}
	if !signedFirst {
		t.Error("OnAppend was called before the checkpoint including the change was signed")
	}
	if _, err := l.Drain(ctx); err != nil || len(got) != len(want) {
		t.Errorf("a drain with nothing to append called OnAppend: %d ids (%v)", len(got), err)
	}
}
