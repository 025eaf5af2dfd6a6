package wallet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/keys"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/pathway"
	"github.com/cairn-badges/cairn/proof"
	"github.com/cairn-badges/cairn/store"
)

// # Portfolio
//
// A learner may publish a portfolio at {base}/learners/{handle}: the
// credentials of their wallet they choose to share (every one with
// shareAll, else those marked public; a credential marked private stays
// out either way), grouped by skill (the alignments of their achievements)
// and by the progress they make on the pathways they count toward, each
// linking to its own verification page. Beside it, {handle}.json is a
// Verifiable Presentation of the same set, signed by a did:key the wallet
// generates for the learner and keeps sealed by the keyring (as issuer
// keys are), so an employer verifies every credential, and who presents
// them, at once. Revoked and suspended credentials are never shown, and
// expired ones are shown as expired but left out of the presentation.

// PortfolioStore is what the portfolio reads and writes; *store.DB
// implements it.
type PortfolioStore interface {
	LearnerProfile(ctx context.Context, learnerID string) (*store.LearnerProfile, error)
	LearnerProfileByHandle(ctx context.Context, handle string) (*store.LearnerProfile, error)
	PutLearnerProfile(ctx context.Context, p *store.LearnerProfile) error
	CredentialVisibility(ctx context.Context, learnerID string) (map[string]bool, error)
	SetCredentialVisibility(ctx context.Context, learnerID, credentialID string, public bool) error
	LearnerKey(ctx context.Context, learnerID string) (*store.LearnerKey, error)
	CreateLearnerKey(ctx context.Context, k *store.LearnerKey) (*store.LearnerKey, error)
	PathwaysInvolving(ctx context.Context, achievementID string) ([]*pathway.Pathway, error)
	PublicPathway(ctx context.Context, id string) (*pathway.Pathway, error)
	LearnerImports(ctx context.Context, learnerID string, withCredential bool) ([]*store.LearnerImport, error)
	LearnerImport(ctx context.Context, learnerID, id string) (*store.LearnerImport, error)
	LearnerImportImage(ctx context.Context, learnerID, id string) ([]byte, string, error)
}

// Sealer generates and opens the keys the wallet holds for learners
// (*keyring.Keyring). The learner's key never leaves it except as a
// keys.Signer.
type Sealer interface {
	Generate(t keys.Type, aad []byte) (sealed, publicJWK []byte, signer keys.Signer, err error)
	NewSigner(sealed, aad []byte) (keys.Signer, error)
}

// LearnerKeyAAD is the associated data a learner's key is sealed with (see
// package keyring): it binds the blob to its learner. Master key rotation
// needs it to re-seal the blob.
func LearnerKeyAAD(learnerID string) []byte { return []byte("learner-key:" + learnerID) }

// Profile limits.
const (
	MinHandleLen   = 3
	MaxHandleLen   = 40
	MaxHeadlineLen = 120
	MaxBioLen      = 2000
)

// reservedHandles are refused: they name pages or roles, or would mislead.
var reservedHandles = map[string]bool{}

func init() {
	for _, h := range strings.Fields(`about account accounts achievements admin administrator api app assets auth cairn claim
		credentials dashboard did docs edit export help home images info issuer issuers json learner learners log login logout
		me mail new null ob2 official openapi pathways portfolio portfolios privacy profile public register root security
		settings signin signout signup staff static status support system terms undefined verify wallet webmaster well-known www`) {
		reservedHandles[h] = true
	}
}

// CheckHandle returns the handle normalized (trimmed, lower case), or an
// Invalid error for field "handle" saying what is wrong: 3 to 40
// lowercase letters, digits and hyphens, starting and ending with a letter
// or digit, and not a reserved word.
func CheckHandle(h string) (string, error) {
	h = strings.ToLower(strings.TrimSpace(h))
	switch n := len(h); {
	case n == 0:
		return "", cairn.Invalidf("handle", "is required: the name in your portfolio's address (/learners/HANDLE)")
	case n < MinHandleLen || n > MaxHandleLen:
		return "", cairn.Invalidf("handle", "must be %d to %d characters, not %d", MinHandleLen, MaxHandleLen, utf8.RuneCountInString(h))
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return "", cairn.Invalidf("handle", "may hold only lowercase letters a-z, digits and hyphens, not %q", r)
		}
	}
	if h[0] == '-' || h[len(h)-1] == '-' {
		return "", cairn.Invalidf("handle", "must start and end with a letter or a digit")
	}
	if strings.Contains(h, "--") {
		return "", cairn.Invalidf("handle", "must not hold two hyphens in a row")
	}
	if reservedHandles[h] {
		return "", cairn.Invalidf("handle", "%q is reserved; choose another", h)
	}
	return h, nil
}

func checkLine(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n\x00"):
		return "", cairn.Invalidf(field, "must be one line of text")
	case utf8.RuneCountInString(s) > max:
		return "", cairn.Invalidf(field, "is longer than %d characters", max)
	}
	return s, nil
}

// ProfileInput is what a learner sets of their portfolio.
type ProfileInput struct {
	Handle   string
	Public   bool
	ShareAll bool
	Headline string
	Bio      string
}

// PortfolioOptions configure a Portfolio.
type PortfolioOptions struct {
	// Baked returns the credential of an award baked into its badge PNG
	// (what /credentials/{id}.png serves), for the export.
	Baked func(ctx context.Context, aw *cairn.Award) ([]byte, error)
	// OB2 returns the hosted OB 2.0 documents of an award (its Assertion,
	// BadgeClass and Issuer), for the export; nil leaves them out.
	OB2 func(ctx context.Context, aw *cairn.Award) ([]OB2Document, error)
	// Verify verifies a credential (JSON, JWT or baked image) and returns
	// its result ("verified", "failed", "indeterminate") for the export's
	// manifest; nil records "not checked".
	Verify func(ctx context.Context, credential []byte) string
	Now    func() time.Time
}

// OB2Document is one hosted OB 2.0 document: its kind ("assertion",
// "badge" or "issuer"), URL and JSON.
type OB2Document struct {
	Kind string
	URL  string
	JSON []byte
}

// Portfolio is the learners' public portfolios, their presentations and
// their exports. Create it with NewPortfolio.
type Portfolio struct {
	w    *Service
	st   PortfolioStore
	keys Sealer
	o    PortfolioOptions

	mu  sync.Mutex
	vps map[string]cachedVP // by learner
}

type cachedVP struct {
	key  string // what the presentation was made of
	json []byte
}

// maxCachedVPs bounds the signed presentations kept in memory.
const maxCachedVPs = 1024

// NewPortfolio returns the portfolios of the wallet w's learners.
func NewPortfolio(w *Service, st PortfolioStore, sealer Sealer, o PortfolioOptions) *Portfolio {
	if o.Now == nil {
		o.Now = w.now
	}
	return &Portfolio{w: w, st: st, keys: sealer, o: o, vps: map[string]cachedVP{}}
}

// Wallet is the wallet the portfolio shows.
func (p *Portfolio) Wallet() *Service { return p.w }

// PortfolioURL is the public page of a handle.
func (p *Portfolio) PortfolioURL(handle string) string { return p.w.base + "/learners/" + handle }

// Profile returns the learner's portfolio settings. Errors: NotFound (none
// set yet).
func (p *Portfolio) Profile(ctx context.Context, learnerID string) (*store.LearnerProfile, error) {
	return p.st.LearnerProfile(ctx, learnerID)
}

// SetProfile checks and stores the learner's portfolio settings. Errors:
// Invalid (handle, headline, bio), Conflict (handle taken).
func (p *Portfolio) SetProfile(ctx context.Context, learnerID string, in ProfileInput) (*store.LearnerProfile, error) {
	h, err := CheckHandle(in.Handle)
	if err != nil {
		return nil, err
	}
	headline, err := checkLine("headline", in.Headline, MaxHeadlineLen)
	if err != nil {
		return nil, err
	}
	bio := strings.TrimSpace(strings.ReplaceAll(in.Bio, "\r\n", "\n"))
	switch {
	case !utf8.ValidString(bio) || strings.ContainsRune(bio, 0):
		return nil, cairn.Invalidf("bio", "must be text")
	case utf8.RuneCountInString(bio) > MaxBioLen:
		return nil, cairn.Invalidf("bio", "is longer than %d characters", MaxBioLen)
	}
	pr := &store.LearnerProfile{LearnerID: learnerID, Handle: h, Public: in.Public, ShareAll: in.ShareAll, Headline: headline, Bio: bio}
	if err := p.st.PutLearnerProfile(ctx, pr); err != nil {
		return nil, err
	}
	return pr, nil
}

// SetCredentialPublic records whether one credential of the learner's
// wallet is shown on their portfolio. Errors: NotFound (not in the
// learner's wallet).
func (p *Portfolio) SetCredentialPublic(ctx context.Context, learnerID, credentialID string, public bool) (*Item, error) {
	items, err := p.Items(ctx, learnerID)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(items, func(it *Item) bool { return it.ID == credentialID })
	if i < 0 {
		return nil, cairn.Errorf(cairn.NotFound, "no credential %q in your wallet", credentialID)
	}
	if err := p.st.SetCredentialVisibility(ctx, learnerID, credentialID, public); err != nil {
		return nil, err
	}
	items[i].Choice, items[i].Public = &public, public
	if pr, err := p.st.LearnerProfile(ctx, learnerID); err == nil {
		items[i].Shared = items[i].shown(pr)
	} else if cairn.KindOf(err) != cairn.NotFound {
		return nil, err
	}
	return items[i], nil
}

// Item is one credential of a wallet as the portfolio, the share page and
// the export see it.
type Item struct {
	ID            string // the id the wallet lists it under
	Source        string // "cairn": issued on this server
	Name          string
	Description   string
	AchievementID string // "" for a credential not issued here
	IssuerID      string
	IssuerName    string
	IssuerURL     string
	LinkedInOrgID string
	URL           string // its verification (credential) page
	ImageURL      string
	AwardedDate   time.Time
	ValidUntil    *time.Time
	State         cairn.AwardState
	Skills        []ob.Alignment
	// Public is the learner's choice, or false without one; Choice is nil
	// when they made none. Shared says whether the portfolio shows it.
	Public bool
	Choice *bool
	Shared bool

	Award *cairn.Award // nil for a credential not issued here
	JSON  []byte       // the credential as issued (JSON), or nil
	JWT   string       // its VC-JWT, or ""

	// Of an imported credential (Source "import"): its format ("ob3",
	// "clr", "vc", "ob2"), its latest verification's result and when,
	// whom it is addressed to (see store.LearnerImport.Addressed), and
	// whether it has a badge image. Its JSON and JWT are nil in lists
	// (see Portfolio.withCredential).
	Format, Result, Addressed string
	CheckedAt                 time.Time
	HasImage                  bool
	Digest                    string // of the credential as received
}

// Imported reports whether the credential was imported into the wallet
// (not issued here).
func (it *Item) Imported() bool { return it.Source == SourceImport }

// Item sources.
const (
	SourceCairn  = "cairn"
	SourceImport = "import"
)

// NotShareable says why an imported credential cannot be shown on a public
// portfolio, or "" when it can: only what verified, and is addressed to
// the learner (or to no one the wallet can compare), is shown to
// employers under the learner's name. Cairn's own credentials answer "".
func (it *Item) NotShareable() string {
	if !it.Imported() {
		return ""
	}
	switch {
	case it.Addressed == AddressedToOther:
		return "it is addressed to someone else"
	case it.Result == "failed":
		return "it failed verification"
	case it.Result != "verified":
		return "it could not be fully verified"
	}
	return ""
}

// Expired reports whether the credential's validUntil has passed.
func (it *Item) Expired(now time.Time) bool { return it.ValidUntil != nil && !it.ValidUntil.After(now) }

// shown says whether the portfolio shows the item under pr.
func (it *Item) shown(pr *store.LearnerProfile) bool {
	if it.State == cairn.StateRevoked || it.State == cairn.StateSuspended || it.NotShareable() != "" {
		return false
	}
	if it.Choice != nil {
		return *it.Choice
	}
	return pr != nil && pr.ShareAll
}

// itemOf reads a credential of the wallet's list: the one place that
// knows what a wallet Credential holds.
func itemOf(c *Credential) *Item {
	it := &Item{ID: c.Award.ID, Source: SourceCairn, Name: c.Achievement.Name, Description: c.Achievement.Description,
		AchievementID: c.Achievement.ID, IssuerID: c.Issuer.ID, IssuerName: c.Issuer.Name, IssuerURL: c.Issuer.URL,
		LinkedInOrgID: c.Issuer.LinkedInOrgID, URL: c.URL, ImageURL: c.ImageURL,
		AwardedDate: c.Award.AwardedDate, ValidUntil: c.Award.ValidUntil, State: c.Award.State,
		Skills: c.Achievement.Alignments, Award: c.Award, JWT: c.Award.CredentialJWT}
	if slices.Contains(c.Award.Formats, cairn.FormatDataIntegrity) && json.Valid(c.Award.CredentialJSON) {
		it.JSON = c.Award.CredentialJSON
	}
	if it.AwardedDate.IsZero() {
		it.AwardedDate = c.Award.ValidFrom
	}
	return it
}

// importedItem reads an imported credential: the one place that knows
// what a store.LearnerImport holds for the portfolio. Its pages are the
// learner's own (PublicPortfolio gives shared ones public addresses).
func (p *Portfolio) importedItem(li *store.LearnerImport) *Item {
	page := p.w.base + "/wallet/credentials/" + li.ID
	it := &Item{ID: li.ID, Source: SourceImport, Name: li.Name, Description: li.Description, IssuerID: li.IssuerID,
		IssuerName: li.IssuerName, URL: page, ValidUntil: li.ValidUntil, Format: li.Format, Result: li.Result,
		Addressed: li.Addressed, CheckedAt: li.CheckedAt, HasImage: li.HasImage, AwardedDate: li.CreatedAt,
		Digest: li.Digest}
	if strings.HasPrefix(li.IssuerID, "https://") || strings.HasPrefix(li.IssuerID, "http://") {
		it.IssuerURL = li.IssuerID
	}
	if li.IssuedAt != nil {
		it.AwardedDate = *li.IssuedAt
	}
	if li.HasImage {
		it.ImageURL = page + "/image"
	}
	for _, sk := range li.Skills {
		it.Skills = append(it.Skills, ob.Alignment{TargetName: sk})
	}
	p.withCredential(it, li)
	return it
}

// withCredential sets the item's JSON or JWT from li's credential as
// received (when li holds it). An OB 2.0 assertion is kept in JSON too,
// but it is no Verifiable Credential: the presentation leaves it out.
func (p *Portfolio) withCredential(it *Item, li *store.LearnerImport) {
	c := bytes.TrimSpace(li.Credential)
	switch {
	case len(c) == 0:
	case c[0] == '{':
		it.JSON = c
	default:
		it.JWT = string(c)
	}
}

// Items returns every credential of the learner's wallet (as the wallet
// lists them: those issued here, then those imported) with the learner's
// choices. Imported items come without their JSON or JWT.
func (p *Portfolio) Items(ctx context.Context, learnerID string) ([]*Item, error) {
	cs, err := p.w.Credentials(ctx, learnerID)
	if err != nil {
		return nil, err
	}
	ims, err := p.st.LearnerImports(ctx, learnerID, false)
	if err != nil {
		return nil, err
	}
	vis, err := p.st.CredentialVisibility(ctx, learnerID)
	if err != nil {
		return nil, err
	}
	pr, err := p.st.LearnerProfile(ctx, learnerID)
	if err != nil && cairn.KindOf(err) != cairn.NotFound {
		return nil, err
	}
	out := make([]*Item, 0, len(cs)+len(ims))
	for _, c := range cs {
		out = append(out, itemOf(c))
	}
	for _, li := range ims {
		out = append(out, p.importedItem(li))
	}
	for _, it := range out {
		if v, ok := vis[it.ID]; ok {
			it.Choice, it.Public = &v, v
		}
		it.Shared = it.shown(pr)
	}
	return out, nil
}

// fill loads an imported item's credential, for the presentation and the
// export; Cairn's items hold theirs already. Errors: NotFound (deleted
// meanwhile).
func (p *Portfolio) fill(ctx context.Context, learnerID string, it *Item) error {
	if !it.Imported() || it.JSON != nil || it.JWT != "" {
		return nil
	}
	li, err := p.st.LearnerImport(ctx, learnerID, it.ID)
	if err != nil {
		return err
	}
	p.withCredential(it, li)
	return nil
}

// PublicImportURL is the public page of an imported credential on the
// portfolio of handle.
func (p *Portfolio) PublicImportURL(handle, id string) string {
	return p.PortfolioURL(handle) + "/credentials/" + id
}

// sharedItem returns handle's public portfolio and the imported
// credential id it shows. Errors: NotFound (no such portfolio, or it does
// not show that credential).
func (p *Portfolio) sharedItem(ctx context.Context, handle, id string) (*Public, *Item, error) {
	pub, err := p.PublicPortfolio(ctx, handle)
	if err != nil {
		return nil, nil, err
	}
	for _, it := range pub.Items {
		if it.Imported() && it.ID == id {
			return pub, it, nil
		}
	}
	return nil, nil, cairn.Errorf(cairn.NotFound, "this portfolio shows no such credential")
}

// SharedImport returns an imported credential that handle's public
// portfolio shows, with its credential as received and its original (the
// baked image it came in). Errors: NotFound (no such portfolio, or it
// does not show that credential).
func (p *Portfolio) SharedImport(ctx context.Context, handle, id string) (*Public, *Item, *store.LearnerImport, error) {
	pub, it, err := p.sharedItem(ctx, handle, id)
	if err != nil {
		return nil, nil, nil, err
	}
	li, err := p.st.LearnerImport(ctx, pub.Profile.LearnerID, id)
	if err != nil {
		return nil, nil, nil, err
	}
	return pub, it, li, nil
}

// SharedImportImage returns the badge image of an imported credential
// that handle's public portfolio shows. Errors: NotFound.
func (p *Portfolio) SharedImportImage(ctx context.Context, handle, id string) ([]byte, string, error) {
	pub, _, err := p.sharedItem(ctx, handle, id)
	if err != nil {
		return nil, "", err
	}
	return p.st.LearnerImportImage(ctx, pub.Profile.LearnerID, id)
}

// Public is a published portfolio.
type Public struct {
	Profile  *store.LearnerProfile
	Learner  *store.Learner
	URL      string // the page
	JSONURL  string // the presentation
	Items    []*Item
	Skills   []SkillGroup
	Pathways []PathwayProgress
}

// SkillGroup is the shared credentials aligned to one skill.
type SkillGroup struct {
	Name, Framework, URL string
	Items                []*Item
}

// PathwayProgress is what the shared credentials make of one pathway.
type PathwayProgress struct {
	ID, Name, Description, URL string
	Completed                  bool
	// Have of Need: requirements met, or credits when Credits is set.
	Have, Need float64
	Credits    bool
	Percent    int
	Items      []*Item // the shared credentials that count toward it
}

// ErrNoPortfolio is the NotFound answer for a handle that has no public
// portfolio: unknown and private answer the same.
var ErrNoPortfolio = cairn.Errorf(cairn.NotFound, "no public portfolio has this address")

// PublicPortfolio returns the public portfolio of handle. Errors: NotFound
// (ErrNoPortfolio: no such handle, or not public).
func (p *Portfolio) PublicPortfolio(ctx context.Context, handle string) (*Public, error) {
	pr, err := p.st.LearnerProfileByHandle(ctx, strings.ToLower(handle))
	if cairn.KindOf(err) == cairn.NotFound || err == nil && !pr.Public {
		return nil, ErrNoPortfolio
	}
	if err != nil {
		return nil, err
	}
	l, err := p.w.st.Learner(ctx, pr.LearnerID)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, ErrNoPortfolio
	}
	if err != nil {
		return nil, err
	}
	items, err := p.Items(ctx, pr.LearnerID)
	if err != nil {
		return nil, err
	}
	pub := &Public{Profile: pr, Learner: l, URL: p.PortfolioURL(pr.Handle), JSONURL: p.PortfolioURL(pr.Handle) + ".json"}
	for _, it := range items {
		if !it.Shared {
			continue
		}
		if it.Imported() {
			it.URL = p.PublicImportURL(pr.Handle, it.ID)
			if it.HasImage {
				it.ImageURL = it.URL + "/image"
			}
		}
		pub.Items = append(pub.Items, it)
	}
	sort.SliceStable(pub.Items, func(i, j int) bool { return pub.Items[i].AwardedDate.After(pub.Items[j].AwardedDate) })
	pub.Skills = skillGroups(pub.Items)
	if pub.Pathways, err = p.pathwayProgress(ctx, pub.Items); err != nil {
		return nil, err
	}
	return pub, nil
}

// skillGroups groups items by the skills (alignments) of their
// achievements, the most evidenced skill first; items aligned to nothing
// are grouped last under "Other".
func skillGroups(items []*Item) []SkillGroup {
	byKey := map[string]*SkillGroup{}
	var order []string
	var other []*Item
	for _, it := range items {
		seen := map[string]bool{}
		for _, a := range it.Skills {
			name := strings.TrimSpace(a.TargetName)
			if name == "" {
				continue
			}
			key := strings.ToLower(name) + "\x00" + strings.ToLower(a.TargetFramework)
			if seen[key] {
				continue
			}
			seen[key] = true
			g := byKey[key]
			if g == nil {
				g = &SkillGroup{Name: name, Framework: a.TargetFramework, URL: a.TargetURL}
				byKey[key] = g
				order = append(order, key)
			}
			g.Items = append(g.Items, it)
		}
		if len(seen) == 0 {
			other = append(other, it)
		}
	}
	out := make([]SkillGroup, 0, len(order)+1)
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Items) > len(out[j].Items) })
	if len(other) > 0 {
		out = append(out, SkillGroup{Name: "Other", Items: other})
	}
	return out
}

// pathwayProgress evaluates every pathway a shared credential counts
// toward, with the shared credentials only (what is not shared is not
// shown, not even as progress).
func (p *Portfolio) pathwayProgress(ctx context.Context, items []*Item) ([]PathwayProgress, error) {
	var facts []pathway.Award
	byAward := map[string]*Item{}
	held := map[string]bool{} // achievements held
	for _, it := range items {
		if it.Award == nil {
			continue
		}
		a := it.Award
		facts = append(facts, pathway.Award{ID: a.ID, AchievementID: a.AchievementID, State: a.State, AwardedDate: a.AwardedDate,
			ValidFrom: a.ValidFrom, ValidUntil: a.ValidUntil, Score: pathway.Score(a.Results), CreditsEarned: a.CreditsEarned})
		byAward[a.ID] = it
		held[a.AchievementID] = true
	}
	seen := map[string]bool{}
	var pws []*pathway.Pathway
	for _, it := range items {
		if it.AchievementID == "" {
			continue
		}
		list, err := p.st.PathwaysInvolving(ctx, it.AchievementID)
		if err != nil {
			return nil, err
		}
		for _, pw := range list {
			if !seen[pw.ID] {
				seen[pw.ID] = true
				pws = append(pws, pw)
			}
		}
	}
	f := &pathway.Facts{Now: p.o.Now(), Awards: facts, Pathway: func(id string) (string, *pathway.Rule, bool) {
		pw, err := p.st.PublicPathway(ctx, id)
		if err != nil {
			return "", nil, false
		}
		return pw.AchievementID, pw.Rule, true
	}}
	out := make([]PathwayProgress, 0, len(pws))
	for _, pw := range pws {
		o := pathway.Evaluate(pw.Rule, f)
		pp := PathwayProgress{ID: pw.ID, Name: pw.Name, Description: pw.Description, URL: p.w.base + "/pathways/" + pw.ID,
			Completed: o.Satisfied || held[pw.AchievementID]}
		switch t := o.Tree; {
		case t.Kind == pathway.KindCredits:
			pp.Have, pp.Need, pp.Credits = t.Credits, t.Need, true
		case t.Need > 0:
			pp.Have, pp.Need = t.Have, t.Need
		default:
			pp.Need = 1
			if t.Satisfied {
				pp.Have = 1
			}
		}
		if pp.Completed {
			pp.Percent = 100
		} else if pp.Need > 0 {
			pp.Percent = min(99, int(100*pp.Have/pp.Need))
		}
		for _, id := range o.Awards {
			if it := byAward[id]; it != nil && !slices.Contains(pp.Items, it) {
				pp.Items = append(pp.Items, it)
			}
		}
		if len(pp.Items) == 0 {
			// Involved, but not counted (a minimum score not met, say):
			// still show which shared credentials are on the pathway.
			for _, it := range items {
				if it.AchievementID != "" && pathwayInvolves(pw.Rule, it.AchievementID) {
					pp.Items = append(pp.Items, it)
				}
			}
		}
		out = append(out, pp)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Percent > out[j].Percent })
	return out, nil
}

func pathwayInvolves(r *pathway.Rule, achievementID string) bool {
	if r == nil {
		return false
	}
	if r.Achievement == achievementID {
		return true
	}
	for _, list := range [][]pathway.Rule{r.All, r.Any, r.Of} {
		for i := range list {
			if pathwayInvolves(&list[i], achievementID) {
				return true
			}
		}
	}
	return false
}

// HolderKey returns the learner's did:key and a signer for it, made (and
// sealed) the first time.
func (p *Portfolio) HolderKey(ctx context.Context, learnerID string) (didKey, vm string, s keys.Signer, err error) {
	if p.keys == nil {
		return "", "", nil, cairn.Errorf(cairn.Unavailable, "the wallet holds no keys on this server")
	}
	aad := LearnerKeyAAD(learnerID)
	k, err := p.st.LearnerKey(ctx, learnerID)
	if cairn.KindOf(err) == cairn.NotFound {
		sealed, pubJWK, signer, gerr := p.keys.Generate(keys.Ed25519, aad)
		if gerr != nil {
			return "", "", nil, cairn.Wrapf(cairn.Internal, gerr, "making the learner's key")
		}
		d, _, kerr := did.KeyDID(signer.Public())
		if kerr != nil {
			return "", "", nil, cairn.Wrapf(cairn.Internal, kerr, "the learner's did:key")
		}
		k, err = p.st.CreateLearnerKey(ctx, &store.LearnerKey{LearnerID: learnerID, DID: d, PublicJWK: pubJWK, PrivateSealed: sealed})
	}
	if err != nil {
		return "", "", nil, err
	}
	s, err = p.keys.NewSigner(k.PrivateSealed, aad)
	if err != nil {
		return "", "", nil, cairn.Wrapf(cairn.Internal, err, "opening the learner's key")
	}
	d, vm, err := did.KeyDID(s.Public())
	if err != nil || d != k.DID {
		return "", "", nil, cairn.Errorf(cairn.Internal, "the learner's sealed key does not match its did:key %s", k.DID)
	}
	return d, vm, s, nil
}

// Presentation returns the signed Verifiable Presentation of handle's
// public portfolio: VC 2.0 context, holder the learner's did:key, every
// shared credential that is in force (not expired) as issued, and a
// DataIntegrityProof (eddsa-rdfc-2022, proofPurpose authentication,
// domain the portfolio page). It is signed again only when what it holds
// changes. Errors: NotFound (ErrNoPortfolio).
func (p *Portfolio) Presentation(ctx context.Context, handle string) ([]byte, error) {
	pub, err := p.PublicPortfolio(ctx, handle)
	if err != nil {
		return nil, err
	}
	now := p.o.Now()
	// What it holds names the signed presentation: the credentials issued
	// here by their bytes, the imported ones by their digest, so that a
	// cached one is served without reading or decoding any credential.
	var in []*Item
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", pub.URL)
	for _, it := range pub.Items {
		if it.Expired(now) || it.Format == FormatOB2 {
			continue
		}
		in = append(in, it)
		if it.Imported() {
			fmt.Fprintf(h, "import\x00%s\x00%s\x00", it.ID, it.Digest)
			continue
		}
		h.Write(it.JSON)
		h.Write([]byte(it.JWT))
	}
	key := hex.EncodeToString(h.Sum(nil))
	p.mu.Lock()
	c, ok := p.vps[pub.Profile.LearnerID]
	p.mu.Unlock()
	if ok && c.key == key {
		return c.json, nil
	}
	var creds []any
	for _, it := range in {
		if err := p.fill(ctx, pub.Profile.LearnerID, it); cairn.KindOf(err) == cairn.NotFound {
			continue
		} else if err != nil {
			return nil, err
		}
		var v any
		switch {
		case it.JSON != nil:
			if err := json.Unmarshal(it.JSON, &v); err != nil {
				return nil, cairn.Wrapf(cairn.Internal, err, "credential %s", it.ID)
			}
		case it.JWT != "":
			v = map[string]any{"@context": []any{ob.ContextVC2}, "type": "EnvelopedVerifiableCredential",
				"id": "data:application/vc+jwt," + it.JWT}
		default:
			continue
		}
		creds = append(creds, v)
	}
	holder, vm, signer, err := p.HolderKey(ctx, pub.Profile.LearnerID)
	if err != nil {
		return nil, err
	}
	if creds == nil {
		creds = []any{}
	}
	nonce := sha256.Sum256([]byte(key + holder))
	vp := map[string]any{
		"@context":             []any{ob.ContextVC2},
		"id":                   pub.JSONURL,
		"type":                 []any{"VerifiablePresentation"},
		"holder":               holder,
		"verifiableCredential": creds,
	}
	signed, err := proof.SignPresentationDI(ctx, vp, signer, vm, now,
		proof.PresentationOptions{Domain: pub.URL, Challenge: hex.EncodeToString(nonce[:16])})
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "signing the presentation of %s", handle)
	}
	data, err := json.MarshalIndent(signed, "", "  ")
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "encoding the presentation")
	}
	p.mu.Lock()
	if len(p.vps) >= maxCachedVPs {
		clear(p.vps)
	}
	p.vps[pub.Profile.LearnerID] = cachedVP{key: key, json: data}
	p.mu.Unlock()
	return data, nil
}
