package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/badgeimg"
	"github.com/cairn-badges/cairn/bake"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/web"
)

// FirstRun is what the first run on an empty database created: what a
// newcomer needs to log in and issue a first badge. The API key and the
// password are shown once and never stored in clear.
type FirstRun struct {
	OrgID         string `json:"orgId"`
	OwnerEmail    string `json:"ownerEmail"`
	OwnerPassword string `json:"-"`
	APIKey        string `json:"-"`
	IssuerID      string `json:"issuerId"`
	AchievementID string `json:"achievementId"`
	AwardID       string `json:"awardId"`
}

// firstRunFile keeps the ids (not the secrets) of what the first run made,
// so later runs can show the same demo badge.
const firstRunFile = "first-run.json"

// bootstrap fills an empty database: an organization, its owner account and
// an owner API key, an issuer with fresh keys, an achievement with a
// generated badge image, and one award. With Demo it also seeds sample
// achievements and awards, so every page shows something real. It returns
// nil when the database already has an organization.
func (a *App) bootstrap(ctx context.Context) (*FirstRun, error) {
	n, err := a.db.CountOrganizations(ctx)
	if err != nil || n > 0 {
		return nil, err
	}
	fr := &FirstRun{OwnerEmail: "owner@cairn.localhost", OwnerPassword: randomPassword()}
	hash, err := auth.HashPassword(ctx, fr.OwnerPassword)
	if err != nil {
		return nil, err
	}
	org := &cairn.Organization{Slug: "my-organization", Name: "My Organization"}
	issuerIn := issuing.IssuerInput{
		Name:        "My Organization",
		Description: "The issuer created on Cairn's first run. Give it your institution's name, logo and address under Issuers in the staff pages.",
	}
	if a.cfg.Demo {
		// A demo looks like an institution a visitor could be dealing with.
		org = &cairn.Organization{Slug: "northbridge", Name: "Northbridge Institute of Technology"}
		issuerIn = demoIssuer
	}
	owner := &cairn.Account{Email: fr.OwnerEmail, Name: "Owner", PasswordHash: hash}
	key, k := api.NewAPIKey("", "first-run owner key", cairn.RoleOwner)
	if err := a.db.CreateOrganizationWithOwner(ctx, org, owner, k); cairn.KindOf(err) == cairn.Conflict {
		return nil, nil // another replica, started at the same moment, bootstrapped the database
	} else if err != nil {
		return nil, err
	}
	fr.OrgID, fr.APIKey = org.ID, key
	if a.cfg.Demo {
		logo := badgeimg.Design{Title: "NIT", Shape: badgeimg.Shield, Icon: badgeimg.Book, Primary: "#1e3a8a", Secondary: "#f59e0b"}
		if issuerIn.ImageID, err = a.storeImage(ctx, org.ID, logo); err != nil {
			return nil, err
		}
	}
	is, err := a.svc.CreateIssuer(ctx, org.ID, issuerIn)
	if err != nil {
		return nil, err
	}
	fr.IssuerID = is.ID
	ach, err := a.achievement(ctx, org.ID, is.ID, badgeimg.Design{Title: "Cairn Explorer", Icon: badgeimg.Star}, issuing.AchievementInput{
		Name:              "Cairn Explorer",
		Description:       "Started Cairn and verified a signed Open Badge.",
		CriteriaNarrative: "Run Cairn for the first time, open the credential page of this badge and check its verification.",
		AchievementType:   "Badge",
		Tags:              []string{"open badges", "verifiable credentials"},
	})
	if err != nil {
		return nil, err
	}
	fr.AchievementID = ach.ID
	aw, _, err := a.svc.Award(ctx, org.ID, issuing.AwardInput{
		AchievementID: ach.ID,
		Recipient:     issuing.RecipientInput{Email: "newcomer@example.org", Name: "Alex Newcomer", ShowName: true},
		Narrative:     "Explored Cairn on its first run.",
		Formats:       []string{cairn.FormatDataIntegrity, cairn.FormatJWT},
	})
	if err != nil {
		return nil, err
	}
	fr.AwardID = aw.ID
	if a.cfg.Demo {
		if err := a.seedDemo(ctx, org.ID, is.ID); err != nil {
			return nil, fmt.Errorf("demo data: %w", err)
		}
	}
	data, _ := json.MarshalIndent(fr, "", "  ")
	if err := os.WriteFile(filepath.Join(a.cfg.DataDir, firstRunFile), data, 0o600); err != nil {
		return nil, err
	}
	return fr, nil
}

// demoIssuer is the issuer profile of the demo: a made-up institution
// with everything a real one fills in (the example.edu names are
// reserved, so nothing points at a real place).
var demoIssuer = issuing.IssuerInput{
	Name:        "Northbridge Institute of Technology",
	URL:         "https://www.northbridge.example.edu/",
	Email:       "credentials@northbridge.example.edu",
	Phone:       "+64 4 555 0100",
	Description: "Northbridge Institute of Technology is a public polytechnic offering degrees, diplomas and stackable micro-credentials in data, engineering and education. Its badges are Open Badges 3.0 credentials that anyone can verify.",
	Address: &cairn.Address{Street: "12 Harbour Quay", Locality: "Wellington", PostalCode: "6011",
		Country: "New Zealand", CountryCode: "NZ"},
}

// achievement stores a generated badge image and creates the achievement.
func (a *App) achievement(ctx context.Context, orgID, issuerID string, d badgeimg.Design, in issuing.AchievementInput) (*cairn.Achievement, error) {
	imageID, err := a.storeImage(ctx, orgID, d)
	if err != nil {
		return nil, err
	}
	in.IssuerID, in.ImageID = issuerID, imageID
	return a.svc.CreateAchievement(ctx, orgID, in)
}

// storeImage stores the SVG of a generated design as an image of the
// organization and returns its id.
func (a *App) storeImage(ctx context.Context, orgID string, d badgeimg.Design) (string, error) {
	svg := d.SVG()
	sum := sha256.Sum256(svg)
	img := &cairn.Image{OrgID: orgID, ContentType: "image/svg+xml", Data: svg, SHA256: hex.EncodeToString(sum[:])}
	if err := a.db.CreateImage(ctx, img); err != nil {
		return "", err
	}
	return img.ID, nil
}

// seedDemo adds sample achievements and awards in every state.
func (a *App) seedDemo(ctx context.Context, orgID, issuerID string) error {
	credits := 6.0
	data, err := a.achievement(ctx, orgID, issuerID,
		badgeimg.Design{Title: "Data Literacy", Subtitle: "Micro-credential", Shape: badgeimg.Shield, Icon: badgeimg.Book},
		issuing.AchievementInput{
			Name: "Data Literacy", Description: "Reads, analyses and communicates with data.",
			CriteriaNarrative: "Complete the four data modules and pass the capstone assessment with 70% or more.",
			AchievementType:   "MicroCredential", CreditsAvailable: &credits, FieldOfStudy: "Data science", InLanguage: "en",
			Alignments: []ob.Alignment{
				{TargetName: "Analyse data", TargetURL: "https://example.org/skills/analyse-data", TargetFramework: "Example skills framework", TargetCode: "S1.2"},
				{TargetName: "Communicate findings", TargetURL: "https://example.org/skills/communicate", TargetFramework: "Example skills framework", TargetCode: "S4.1"},
			},
			ValidForMonths: 36,
		})
	if err != nil {
		return err
	}
	facilitator, err := a.achievement(ctx, orgID, issuerID,
		badgeimg.Design{Title: "Workshop Facilitator", Shape: badgeimg.Rosette, Icon: badgeimg.Heart, Primary: "#0f766e", Secondary: "#f59e0b"},
		issuing.AchievementInput{
			Name: "Workshop Facilitator", Description: "Plans and runs inclusive, effective workshops.",
			CriteriaNarrative: "Facilitate three observed workshops and submit a reflective portfolio.",
			AchievementType:   "Certificate", ValidForMonths: 24,
		})
	if err != nil {
		return err
	}
	people := []struct{ email, name string }{
		{"amara.okafor@example.org", "Amara Okafor"}, {"li.wei@example.org", "Li Wei"},
		{"sofia.garcia@example.org", "Sofía García"}, {"jonas.berg@example.org", "Jonas Berg"},
		{"priya.natarajan@example.org", "Priya Natarajan"}, {"tom.hughes@example.org", "Tom Hughes"},
	}
	earned := 6.0
	for i, p := range people {
		ach := data
		in := issuing.AwardInput{Recipient: issuing.RecipientInput{Email: p.email, Name: p.name, ShowName: i%2 == 0}, Formats: []string{cairn.FormatDataIntegrity, cairn.FormatJWT}}
		if i%3 == 2 {
			ach = facilitator
		} else {
			in.CreditsEarned = &earned
			in.Evidence = []ob.Evidence{{ID: "https://example.org/portfolios/" + fmt.Sprint(i+1), Name: "Capstone project", Description: "The capstone report and its dataset."}}
			in.Results = []ob.Result{{Value: "Passed with distinction"}}
		}
		in.AchievementID = ach.ID
		aw, _, err := a.svc.Award(ctx, orgID, in)
		if err != nil {
			return err
		}
		switch i {
		case 3:
			if _, err := a.svc.SetState(ctx, orgID, aw.ID, cairn.StateRevoked, "Awarded in error: the capstone was not submitted."); err != nil {
				return err
			}
		case 4:
			if _, err := a.svc.SetState(ctx, orgID, aw.ID, cairn.StateSuspended, "Under review by the programme board."); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoBadge returns the first run's award as the home page's demo badge,
// or nil when this data folder did not bootstrap the database.
func (a *App) demoBadge(ctx context.Context) (*web.Demo, error) {
	fr := a.FirstRun
	if fr == nil {
		data, err := os.ReadFile(filepath.Join(a.cfg.DataDir, firstRunFile))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		fr = &FirstRun{}
		if err := json.Unmarshal(data, fr); err != nil {
			return nil, fmt.Errorf("%s: %w", firstRunFile, err)
		}
	}
	aw, err := a.db.Award(ctx, fr.OrgID, fr.AwardID)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	is, err := a.db.Issuer(ctx, aw.OrgID, aw.IssuerID)
	if err != nil {
		return nil, err
	}
	d := &web.Demo{IssuerDID: a.svc.IssuerDID(is), JSON: aw.CredentialJSON, JWT: []byte(aw.CredentialJWT + "\n"), URL: a.svc.CredentialURL(aw.ID)}
	art := badgeimg.Design{Title: "Cairn Explorer", Icon: badgeimg.Star}
	png, err := art.PNG(256)
	if err != nil {
		return nil, err
	}
	if d.PNG, err = bake.BakePNG(png, aw.CredentialJSON); err != nil {
		return nil, err
	}
	if d.SVG, err = bake.BakeSVG(art.SVG(), aw.CredentialJSON); err != nil {
		return nil, err
	}
	return d, nil
}

func randomPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
