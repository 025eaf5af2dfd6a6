package wallet

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	stdhash "hash"
	"io"
	"path"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
)

// # Export
//
// Export writes every credential of a wallet, as issued, into a ZIP:
//
//	credentials/{id}/credential.json  the signed JSON (Data Integrity), when there is one
//	credentials/{id}/credential.jwt   the VC-JWT, when there is one
//	credentials/{id}/badge.png        the badge with the credential baked in (OB 3.0)
//	ob2/assertions/{id}.json          the hosted OB 2.0 Assertion (credentials issued here)
//	ob2/badges/{achievementId}.json   its BadgeClass
//	ob2/issuers/{issuerId}.json       its Issuer Profile
//	imported/{id}/credential.json     a credential imported into the wallet, as received (JSON)
//	imported/{id}/credential.jwt      or its VC-JWT
//	imported/{id}/badge.png (.svg)    the baked image it came in, when it came in one
//	manifest.json                     every file above: sha256, size, credential, issuer, verification result
//
// The ZIP is streamed: one credential's files are in memory at a time, and
// the manifest, written last, is the list of what was written. A reader
// checks each file against the manifest's sha256.

// ManifestName is the manifest's name in the ZIP.
const ManifestName = "manifest.json"

// Manifest is the export's table of contents.
type Manifest struct {
	Format      string               `json:"format"` // ManifestFormat
	ExportedAt  time.Time            `json:"exportedAt"`
	Files       []ManifestFile       `json:"files"`
	Credentials []ManifestCredential `json:"credentials"`
}

// ManifestFormat names the manifest's layout (its version).
const ManifestFormat = "cairn-wallet-export/1"

// ManifestFile is one file of the export.
type ManifestFile struct {
	Path         string `json:"path"`
	Kind         string `json:"kind"` // credential-json, credential-jwt, baked-png, baked-svg, ob2-assertion, ob2-badge, ob2-issuer
	SHA256       string `json:"sha256"`
	Bytes        int64  `json:"bytes"`
	CredentialID string `json:"credentialId"`
	Issuer       string `json:"issuer"`
	Verification string `json:"verification"` // the credential's result: verified, failed, indeterminate, not checked
}

// ManifestCredential is one credential of the export.
type ManifestCredential struct {
	ID           string    `json:"id"`
	URL          string    `json:"url,omitempty"`
	Name         string    `json:"name"`
	Issuer       string    `json:"issuer"`
	IssuerName   string    `json:"issuerName"`
	AwardedDate  time.Time `json:"awardedDate"`
	State        string    `json:"state"` // of a credential issued here; "imported" for one imported into the wallet
	Verification string    `json:"verification"`
	// CheckedAt is when an imported credential was last verified (the
	// export does not verify it again).
	CheckedAt *time.Time `json:"checkedAt,omitempty"`
	// Problems says what could not be exported (a badge image that could
	// not be baked, say); the rest of the credential is in the ZIP.
	Problems []string `json:"problems,omitempty"`
}

// ExportFileName is the download's name.
func ExportFileName(now time.Time) string {
	return "cairn-wallet-" + now.UTC().Format("2006-01-02") + ".zip"
}

type exporter struct {
	learnerID string
	zw        *zip.Writer
	now       time.Time
	man       Manifest
	seen      map[string]bool
}

// write adds one file, streaming it through SHA-256.
func (e *exporter) write(name, kind string, data []byte, it *Item, result string) error {
	if e.seen[name] {
		return nil
	}
	e.seen[name] = true
	f, err := e.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: e.now})
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), bytes.NewReader(data))
	if err != nil {
		return err
	}
	e.man.Files = append(e.man.Files, ManifestFile{Path: name, Kind: kind, SHA256: hexSum(h), Bytes: n,
		CredentialID: it.ID, Issuer: it.IssuerID, Verification: result})
	return nil
}

func hexSum(h stdhash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// safeName keeps the characters of an id that are safe in a ZIP path.
func safeName(id string) string {
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.Trim(b.String(), ".")
	if s == "" {
		s = "_"
	}
	return s
}

// Export writes the ZIP of the learner's items (see Items) to w. An error
// after the first byte leaves a ZIP without its manifest.
func (p *Portfolio) Export(ctx context.Context, w io.Writer, learnerID string, items []*Item) error {
	e := &exporter{zw: zip.NewWriter(w), now: p.o.Now().UTC(), seen: map[string]bool{}, learnerID: learnerID}
	e.man = Manifest{Format: ManifestFormat, ExportedAt: e.now, Files: []ManifestFile{}, Credentials: []ManifestCredential{}}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := p.exportOne(ctx, e, it); err != nil {
			return err
		}
	}
	f, err := e.zw.CreateHeader(&zip.FileHeader{Name: ManifestName, Method: zip.Deflate, Modified: e.now})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(e.man); err != nil {
		return err
	}
	return e.zw.Close()
}

func (p *Portfolio) exportOne(ctx context.Context, e *exporter, it *Item) error {
	if it.Imported() {
		return p.exportImported(ctx, e, it)
	}
	mc := ManifestCredential{ID: it.ID, URL: it.URL, Name: it.Name, Issuer: it.IssuerID, IssuerName: it.IssuerName,
		AwardedDate: it.AwardedDate, State: string(it.State), Verification: "not checked"}
	signed := it.JSON
	if signed == nil && it.JWT != "" {
		signed = []byte(it.JWT)
	}
	if p.o.Verify != nil && signed != nil {
		mc.Verification = p.o.Verify(ctx, signed)
	}
	dir := path.Join("credentials", safeName(it.ID))
	if it.JSON != nil {
		if err := e.write(dir+"/credential.json", "credential-json", it.JSON, it, mc.Verification); err != nil {
			return err
		}
	}
	if it.JWT != "" {
		if err := e.write(dir+"/credential.jwt", "credential-jwt", []byte(it.JWT), it, mc.Verification); err != nil {
			return err
		}
	}
	if it.Award != nil && p.o.Baked != nil {
		png, err := p.o.Baked(ctx, it.Award)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			mc.Problems = append(mc.Problems, fmt.Sprintf("badge.png: could not be baked (%v); the credential's JSON is in the export", err))
		} else if err := e.write(dir+"/badge.png", "baked-png", png, it, mc.Verification); err != nil {
			return err
		}
	}
	if it.Award != nil && p.o.OB2 != nil {
		docs, err := p.o.OB2(ctx, it.Award)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			mc.Problems = append(mc.Problems, fmt.Sprintf("OB 2.0 documents: %v", err))
		}
		for _, d := range docs {
			name := d.URL[strings.LastIndexByte(d.URL, '/')+1:]
			var where string
			switch d.Kind {
			case "assertion":
				where = "ob2/assertions/"
			case "badge":
				where = "ob2/badges/"
			case "issuer":
				where = "ob2/issuers/"
			default:
				continue
			}
			if err := e.write(where+safeName(name)+".json", "ob2-"+d.Kind, d.JSON, it, mc.Verification); err != nil {
				return err
			}
		}
	}
	e.man.Credentials = append(e.man.Credentials, mc)
	return nil
}

// exportImported writes an imported credential as it was received, with
// the image it was baked into, and the result of the wallet's latest
// verification of it (the export does not fetch anything).
func (p *Portfolio) exportImported(ctx context.Context, e *exporter, it *Item) error {
	li, err := p.st.LearnerImport(ctx, e.learnerID, it.ID)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil // deleted since the list was read
	}
	if err != nil {
		return err
	}
	result := li.Result
	if result == "" {
		result = "not checked"
	}
	mc := ManifestCredential{ID: it.ID, URL: li.SourceURL, Name: it.Name, Issuer: it.IssuerID, IssuerName: it.IssuerName,
		AwardedDate: it.AwardedDate, State: "imported", Verification: result, CheckedAt: &li.CheckedAt}
	dir := path.Join("imported", safeName(it.ID))
	kind, name := "credential-jwt", "credential.jwt"
	if c := bytes.TrimSpace(li.Credential); len(c) > 0 && c[0] == '{' {
		kind, name = "credential-json", "credential.json"
		if li.Format == "ob2" {
			kind = "ob2-assertion"
		}
	}
	if err := e.write(dir+"/"+name, kind, li.Credential, it, result); err != nil {
		return err
	}
	switch li.OriginalType {
	case "image/png":
		err = e.write(dir+"/badge.png", "baked-png", li.Original, it, result)
	case "image/svg+xml":
		err = e.write(dir+"/badge.svg", "baked-svg", li.Original, it, result)
	}
	if err != nil {
		return err
	}
	e.man.Credentials = append(e.man.Credentials, mc)
	return nil
}
