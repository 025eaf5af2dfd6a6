package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/cairn-badges/cairn/bake"
	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/keys"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/proof"
	"github.com/cairn-badges/cairn/web"
)

// Files of the data folder.
const (
	issuerKeyFile  = "issuer-key.jwk"
	demoCredential = "demo-credential.json"
)

// loadOrCreateDemo loads the demo badge, creating the issuer key and the
// signed demo credential when the data folder has none.
func loadOrCreateDemo(ctx context.Context, dir string) (*web.Demo, bool, error) {
	created := false
	keyPath := filepath.Join(dir, issuerKeyFile)
	k, err := keys.LoadFile(keyPath)
	if errors.Is(err, fs.ErrNotExist) {
		if k, err = keys.Generate(keys.Ed25519); err != nil {
			return nil, false, err
		}
		if err := k.SaveFile(keyPath); err != nil {
			return nil, false, err
		}
		created = true
	} else if err != nil {
		return nil, false, err
	}
	issuerDID, vm, err := did.KeyDID(k.Public())
	if err != nil {
		return nil, false, err
	}
	credPath := filepath.Join(dir, demoCredential)
	signed, err := os.ReadFile(credPath)
	if errors.Is(err, fs.ErrNotExist) {
		cred, err := demoCredentialFor(issuerDID, time.Now().UTC())
		if err != nil {
			return nil, false, err
		}
		doc, err := proof.SignDI(ctx, cred, k, vm, time.Now().UTC())
		if err != nil {
			return nil, false, fmt.Errorf("signing the demo credential: %w", err)
		}
		if signed, err = json.MarshalIndent(doc, "", "  "); err != nil {
			return nil, false, err
		}
		if err := os.WriteFile(credPath, signed, 0o644); err != nil {
			return nil, false, err
		}
		created = true
	} else if err != nil {
		return nil, false, err
	}
	var cred map[string]any
	if err := json.Unmarshal(signed, &cred); err != nil {
		return nil, false, fmt.Errorf("%s: %w", credPath, err)
	}
	delete(cred, "proof")
	jwt, err := proof.SignJWT(cred, k, vm)
	if err != nil {
		return nil, false, fmt.Errorf("signing the demo JWT: %w", err)
	}
	d := &web.Demo{IssuerDID: issuerDID, JSON: signed, JWT: []byte(jwt + "\n")}
	if d.PNG, err = bake.BakePNG(badgePNG(), signed); err != nil {
		return nil, false, err
	}
	if d.SVG, err = bake.BakeSVG(badgeSVG("Cairn Explorer"), signed); err != nil {
		return nil, false, err
	}
	return d, created, nil
}

// demoCredentialFor builds the unsigned demo OpenBadgeCredential.
func demoCredentialFor(issuerDID string, now time.Time) (map[string]any, error) {
	ach := ob.NewAchievement("urn:uuid:2f5e4d1c-cairn-demo-achievement", "Cairn Explorer",
		"Ran Cairn for the first time and verified a signed Open Badge.",
		"Start Cairn, open its home page and verify the demo badge.")
	ach.AchievementType = "Badge"
	ach.Tag = ob.List[string]{"open badges", "verifiable credentials"}
	subject := ob.NewAchievementSubject("did:example:newcomer", ach)
	issuer := ob.NewProfile(issuerDID, "Cairn demo issuer")
	c := ob.NewOpenBadgeCredential(fmt.Sprintf("urn:uuid:%s", demoUUID(issuerDID)), issuer, subject, now.Truncate(time.Second))
	c.Name = "Cairn Explorer"
	data, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	err = json.Unmarshal(data, &m)
	return m, err
}

// demoUUID derives a stable UUID-shaped id from the issuer.
func demoUUID(seed string) string {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(seed); i++ {
		h = (h ^ uint64(seed[i])) * 1099511628211
	}
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(h>>32), uint16(h>>16), uint16(h)&0xfff, uint16(h>>8)&0xfff, h&0xffffffffffff)
}

// badgeSVG draws a simple hexagonal badge with a title.
func badgeSVG(title string) []byte {
	return []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">
<polygon points="128,8 232,68 232,188 128,248 24,188 24,68" fill="#3451b2"/>
<polygon points="128,28 214,78 214,178 128,228 42,178 42,78" fill="#fff"/>
<polygon points="128,60 170,140 86,140" fill="#7a8ba8"/><polygon points="128,90 152,140 104,140" fill="#3451b2"/>
<text x="128" y="178" font-family="sans-serif" font-size="20" font-weight="700" text-anchor="middle" fill="#1d2430">` + html.EscapeString(title) + `</text>
</svg>
`)
}

// badgePNG draws the same hexagon as a 256×256 PNG.
func badgePNG() []byte {
	const size = 256
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	blue := color.NRGBA{0x34, 0x51, 0xb2, 0xff}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			d := hexDist(float64(x)-128, float64(y)-128)
			switch {
			case d < 100:
				img.Set(x, y, color.White)
			case d < 120:
				img.Set(x, y, blue)
			}
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// hexDist is the "radius" of (x, y) for a pointy-top hexagon.
func hexDist(x, y float64) float64 {
	x, y = math.Abs(x), math.Abs(y)
	return math.Max(x/math.Cos(math.Pi/6), (x*math.Tan(math.Pi/6)+y)*math.Cos(math.Pi/6)/math.Cos(math.Pi/6))
}
