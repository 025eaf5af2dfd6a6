package cli

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-badges/cairn/wallet"
)

// export downloads the wallet's export (GET /api/v1/learner/export) into
// out: written to a temporary file beside it, checked (a ZIP whose
// manifest is there), then renamed, so a cut download never leaves a
// partial out.
func (c *learnerClient) export(ctx context.Context, e *env, out string) error {
	if out == "" {
		return usagef("learner export: --out is required: the ZIP file to write")
	}
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/api/v1/learner/export", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("learner export: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var p struct{ Detail string }
		if json.Unmarshal(data, &p) == nil && p.Detail != "" {
			return fmt.Errorf("learner export: %s", p.Detail)
		}
		return fmt.Errorf("learner export: HTTP %d", resp.StatusCode)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return fmt.Errorf("learner export: %v", err)
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, resp.Body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("learner export: downloading: %v", err)
	}
	m, err := readManifest(tmp.Name())
	if err != nil {
		return fmt.Errorf("learner export: the download is not a complete export (%v); try again", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("learner export: %v", err)
	}
	bad := 0
	for _, cr := range m.Credentials {
		if cr.Verification != "verified" {
			bad++
		}
	}
	fmt.Fprintf(e.stdout, "wrote %s: %d credentials, %d files, %d bytes\n", out, len(m.Credentials), len(m.Files), n)
	if bad > 0 {
		fmt.Fprintf(e.stderr, "%d credentials did not verify as verified: see %s in the ZIP\n", bad, wallet.ManifestName)
	}
	return nil
}

func readManifest(path string) (*wallet.Manifest, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != wallet.ManifestName {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		var m wallet.Manifest
		if err := json.NewDecoder(io.LimitReader(rc, 64<<20)).Decode(&m); err != nil {
			return nil, fmt.Errorf("%s: %v", wallet.ManifestName, err)
		}
		if !strings.HasPrefix(m.Format, "cairn-wallet-export/") {
			return nil, fmt.Errorf("%s: unknown format %q", wallet.ManifestName, m.Format)
		}
		return &m, nil
	}
	return nil, fmt.Errorf("no %s", wallet.ManifestName)
}
