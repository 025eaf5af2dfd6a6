package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/internal/app"
	"github.com/cairn-badges/cairn/issuing"
)

// TestEndorsementCLI: another organization endorses the first run's
// achievement; `cairn verify` verifies the EndorsementCredential from its
// public URL and from a file, and the achievement's JSON carries it.
func TestEndorsementCLI(t *testing.T) {
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	svc := a.Service()
	guild := &cairn.Organization{Slug: "guild", Name: "The Guild"}
	if err := svc.Store().CreateOrganization(ctx, guild); err != nil {
		t.Fatal(err)
	}
	gi, err := svc.CreateIssuer(ctx, guild.ID, issuing.IssuerInput{Name: "The Surveyors' Guild"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := svc.Endorse(ctx, guild.ID, issuing.EndorsementInput{IssuerID: gi.ID, AchievementID: a.FirstRun.AchievementID, Comment: "Sound & rigorous."})
	if err != nil {
		t.Fatal(err)
	}
	url := svc.EndorsementURL(e.ID)
	// The endorsement enters the instance's transparency log, as awards do.
	if _, err := a.TransparencyLog().WaitIncluded(ctx, url, 10*time.Second); err != nil {
		t.Fatalf("the endorsement is not in the log: %v", err)
	}
	code, out := runCLI(t, "verify", url)
	if code != 0 || !strings.Contains(out, "VERIFIED") || !strings.Contains(out, "EndorsementCredential") {
		t.Fatalf("cairn verify %s: exit %d\n%s", url, code, out)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != string(e.CredentialJSON) {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	file := filepath.Join(t.TempDir(), "endorsement.json")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := runCLI(t, "verify", file); code != 0 || !strings.Contains(out, "VERIFIED") {
		t.Fatalf("cairn verify %s: exit %d\n%s", file, code, out)
	}
	// Tampered, it fails.
	bad := filepath.Join(t.TempDir(), "tampered.json")
	os.WriteFile(bad, []byte(strings.Replace(string(body), "Sound", "Weak", 1)), 0o644)
	if code, out := runCLI(t, "verify", bad); code == 0 || strings.Contains(out, "VERIFIED") {
		t.Fatalf("a tampered endorsement verifies: exit %d\n%s", code, out)
	}
}
