package wallet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/badgeimg"
	"github.com/cairn-badges/cairn/bake"
	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/verify"
)

// Importing credentials from anywhere
//
// A learner imports a credential issued elsewhere: OB 3.0 or CLR 2.0 JSON
// with an embedded proof, a VC-JWT, a PNG or SVG with either baked in (or
// an OB 2.0 assertion, embedded or hosted), an OB 2.0 hosted assertion's
// URL, or the URL of a credential page (which answers the credential by
// content negotiation, links it as rel=alternate, or has it next to it as
// .json). The importer verifies it with the server's verifier and keeps it
// with the result, then checks it again every day (and on demand), so
// that a revocation shows.
//
// Policy on what fails: input that is no credential at all (an image with
// nothing baked in, JSON that is not a credential, a page that leads to
// none) is refused and nothing is kept. A credential that is one but fails
// verification (a bad signature, revoked, expired) is kept by default,
// flagged "failed" with its reasons: it is the learner's record of what
// they were given, the wallet shows it as failed, and the learner decides
// to delete it (OnFailure "refuse" refuses it instead, with the report).
// The wallet never presents a failed credential as verified.

// Import limits and schedules.
const (
	// MaxImports bounds the imported credentials of one learner.
	MaxImports = 500
	// MaxImportFetches bounds the documents one URL import fetches to
	// find the credential (the page, its alternate or .json, an OB 2.0
	// hosted assertion), besides what verification fetches.
	MaxImportFetches = 3
	// RecheckEvery is how often an imported credential is verified again
	// in the background; RecheckIndeterminate how soon one whose result
	// was indeterminate (a document could not be fetched) is.
	RecheckEvery         = 24 * time.Hour
	RecheckIndeterminate = 2 * time.Hour
	// CheckBatch is how many imports the background verifies per tick
	// (CheckTick): bounded work, whatever the number of wallets.
	CheckBatch = 20
	CheckTick  = time.Minute
	// checkLease is how long a background check holds an import (so that
	// replicas do not verify the same one at once).
	checkLease = 10 * time.Minute
)

// OnFailure values: what Import does with a credential that fails
// verification.
const (
	KeepFailed   = "keep"   // keep it, flagged failed (the default)
	RefuseFailed = "refuse" // refuse it: a *FailedError
)

// Import formats (store.LearnerImport.Format).
const (
	FormatOB3 = "ob3" // an Open Badges 3.0 credential
	FormatCLR = "clr" // a CLR 2.0 credential
	FormatVC  = "vc"  // another Verifiable Credential
	FormatOB2 = "ob2" // an Open Badges 2.0 assertion
)

// ImportStore is what the importer reads and writes; *store.DB
// implements it.
type ImportStore interface {
	CreateLearnerImport(ctx context.Context, li *store.LearnerImport, max int) (*store.LearnerImport, bool, error)
	UpsertLearnerImport(ctx context.Context, li *store.LearnerImport, max int) (*store.LearnerImport, bool, error)
	LearnerImports(ctx context.Context, learnerID string, withCredential bool) ([]*store.LearnerImport, error)
	LearnerImport(ctx context.Context, learnerID, id string) (*store.LearnerImport, error)
	LearnerImportImage(ctx context.Context, learnerID, id string) ([]byte, string, error)
	DeleteLearnerImport(ctx context.Context, learnerID, id string) error
	UpdateLearnerImportCheck(ctx context.Context, id, result string, report []byte, checkedAt, next time.Time) error
	LeaseLearnerImportCheck(ctx context.Context, id string, due, until time.Time) (bool, error)
	DueLearnerImports(ctx context.Context, now time.Time, limit int) ([]*store.LearnerImport, error)
	VerifiedLearnerEmails(ctx context.Context, learnerID string) ([]string, error)
	VerifiedLearnerDIDs(ctx context.Context, learnerID string) ([]string, error)
}

// Importer imports credentials into wallets and keeps their verification
// current. Create it with NewImporter.
type Importer struct {
	st      ImportStore
	v       *verify.Verifier
	fetcher fetch.Fetcher
	log     *slog.Logger
	now     func() time.Time
	limit   *auth.Limiter // imports and re-verifications, per learner
	batch   int
	tick    time.Duration
}

// ImportOptions configure an Importer.
type ImportOptions struct {
	// Fetcher fetches what a URL import names (the credential, its page,
	// an OB 2.0 assertion, badge and issuer, a badge image): the same
	// network rules as the verifier's (public addresses only, timeouts,
	// size caps). Nil: fetch.Offline (URL imports fail).
	Fetcher fetch.Fetcher
	// Limiter bounds imports and re-verifications per learner (default:
	// 30 at once, then one every 2 s).
	Limiter *auth.Limiter
	// Batch and Tick bound the background re-verification: at most Batch
	// imports every Tick (defaults CheckBatch, CheckTick).
	Batch int
	Tick  time.Duration
	Log   *slog.Logger
	Now   func() time.Time
}

// NewImporter returns an importer that stores in st and verifies with v.
func NewImporter(st ImportStore, v *verify.Verifier, o ImportOptions) *Importer {
	im := &Importer{st: st, v: v, fetcher: o.Fetcher, log: o.Log, now: o.Now, limit: o.Limiter, batch: o.Batch, tick: o.Tick}
	if im.fetcher == nil {
		im.fetcher = fetch.Offline
	}
	if im.log == nil {
		im.log = slog.Default()
	}
	if im.now == nil {
		im.now = time.Now
	}
	if im.limit == nil {
		im.limit = auth.NewLimiter(auth.LimiterConfig{Burst: 30, Every: 2 * time.Second})
	}
	if im.batch <= 0 {
		im.batch = CheckBatch
	}
	if im.tick <= 0 {
		im.tick = CheckTick
	}
	return im
}

// ImportInput is one credential to import: Data (an upload or a pasted
// credential, with its declared media type, "" to tell by its bytes) or
// URL.
type ImportInput struct {
	Data        []byte
	ContentType string
	URL         string
	// OnFailure is KeepFailed ("" too) or RefuseFailed.
	OnFailure string
	// Upsert replaces the learner's credential equal to this one by the
	// OB 3.0 credential equality (same issuer and credential id), unless
	// the one held was issued later (store.UpsertLearnerImport); the OB
	// 3.0 API's upsertCredential.
	Upsert bool
}

// FailedError refuses a credential that failed verification (OnFailure
// RefuseFailed): Report says why.
type FailedError struct {
	Report *verify.Report
}

func (e *FailedError) Error() string {
	return "the credential failed verification, and was not imported: " + e.Report.Summary()
}

// Imported is an imported credential with its latest report.
type Imported struct {
	*store.LearnerImport
	Report *verify.Report
}

// ReportOf decodes the stored verification report of li.
func ReportOf(li *store.LearnerImport) *Imported {
	im := &Imported{LearnerImport: li, Report: &verify.Report{Result: verify.Outcome(li.Result)}}
	if len(li.Report) > 0 {
		_ = json.Unmarshal(li.Report, im.Report)
	}
	return im
}

func (im *Importer) allow(learnerID string) error {
	if wait, err := im.limit.Allow("import:"+learnerID, netip.IPv6Unspecified(), im.now()); err != nil {
		return &RateLimitError{RetryAfter: wait, What: "imports and checks"}
	}
	return nil
}

// found is a credential found in an input.
type found struct {
	credential   []byte // JSON or a compact JWS
	ob2          bool   // an OB 2.0 assertion (JSON)
	original     []byte // the baked image it came in
	originalType string
	sourceURL    string
}

// Import verifies the credential in in and keeps it in the learner's
// wallet. It returns it and whether this call added it (false: the
// learner had imported the same credential before; that one is returned,
// not verified again). Errors: Invalid (no credential found, naming the
// field: "credential", "url" or "file"), Conflict (MaxImports),
// *FailedError, *RateLimitError.
func (im *Importer) Import(ctx context.Context, learnerID string, in ImportInput) (*Imported, bool, error) {
	if err := im.allow(learnerID); err != nil {
		return nil, false, err
	}
	switch in.OnFailure {
	case "", KeepFailed, RefuseFailed:
	default:
		return nil, false, cairn.Invalidf("onFailure", "must be keep or refuse")
	}
	budget := &fetchBudget{n: MaxImportFetches}
	var f *found
	var err error
	field := "credential"
	switch {
	case in.URL != "" && len(in.Data) > 0:
		return nil, false, cairn.Invalidf("url", "give a credential or a URL, not both")
	case in.URL != "":
		field = "url"
		f, err = im.fromURL(ctx, strings.TrimSpace(in.URL), budget)
	case len(in.Data) > 0:
		f, err = im.fromData(ctx, in.Data, in.ContentType, budget)
		if in.ContentType == "image/png" || in.ContentType == "image/svg+xml" {
			field = "file"
		}
	default:
		return nil, false, cairn.Invalidf("credential", "is required: a credential (JSON or JWT), a baked PNG or SVG badge, or a URL")
	}
	if err != nil {
		var ce *cairn.Error
		if errors.As(err, &ce) && ce.Field == "" && ce.Kind == cairn.Invalid {
			return nil, false, &cairn.Error{Kind: cairn.Invalid, Field: field, Message: ce.Message, Err: err}
		}
		return nil, false, err
	}
	now := im.now()
	rep, d := im.verifyFound(ctx, f)
	if rep.Credential == nil && d == nil {
		return nil, false, &cairn.Error{Kind: cairn.Invalid, Field: field, Message: "this is not a credential the wallet can read: " + rep.Summary()}
	}
	if rep.Result == verify.Failed && in.OnFailure == RefuseFailed {
		return nil, false, &FailedError{Report: rep}
	}
	if d == nil {
		d = describe(rep)
	}
	li := &store.LearnerImport{LearnerID: learnerID, Digest: digest(f.credential), Format: d.format, SourceURL: f.sourceURL,
		Credential: f.credential, Original: f.original, OriginalType: f.originalType, CredentialID: d.id,
		Name: d.name, Description: d.description, IssuerID: d.issuerID, IssuerName: d.issuerName,
		IssuedAt: d.issued, ValidUntil: d.validUntil, Skills: d.skills}
	li.Image, li.ImageType = im.image(ctx, f, d.image)
	var err2 error
	if li.Addressed, li.AddressedTo, err2 = im.addressed(ctx, learnerID, rep.Credential); err2 != nil {
		return nil, false, err2
	}
	if err := im.setReport(li, rep, now); err != nil {
		return nil, false, err
	}
	if in.Upsert {
		out, existed, err := im.st.UpsertLearnerImport(ctx, li, MaxImports)
		if err != nil {
			return nil, false, err
		}
		im.log.InfoContext(ctx, "wallet: credential upserted", "learner", learnerID, "import", out.ID, "existed", existed, "result", out.Result)
		return ReportOf(out), !existed, nil
	}
	out, created, err := im.st.CreateLearnerImport(ctx, li, MaxImports)
	if err != nil {
		return nil, false, err
	}
	if created {
		im.log.InfoContext(ctx, "wallet: credential imported", "learner", learnerID, "import", out.ID, "format", out.Format, "result", out.Result)
		return &Imported{LearnerImport: out, Report: rep}, true, nil
	}
	return ReportOf(out), false, nil
}

// Whom an imported credential is addressed to (store.LearnerImport.Addressed).
const (
	AddressedToYou   = "you"   // one of the learner's verified emails or DIDs
	AddressedToOther = "other" // someone else: a wallet may hold it, but it is not theirs
)

// addressed compares the subject of cred (an OB 3.0 or CLR credential: its
// identifiers of type emailAddress, plain or hashed, and its DID) with the
// learner's verified emails and DIDs. It returns AddressedToYou with the
// identity that matched, AddressedToOther with what the credential names
// ("a hashed email address" when it shows none), or "" when the
// credential names no subject it can compare (plain VCs without one). An
// OB 2.0 assertion's recipient is compared as addressedOB2 does.
func (im *Importer) addressed(ctx context.Context, learnerID string, cred map[string]any) (addressed, to string, err error) {
	if cred == nil {
		return "", "", nil
	}
	data, err := json.Marshal(cred)
	if err != nil {
		return "", "", cairn.Wrapf(cairn.Internal, err, "encoding the credential")
	}
	if _, ok := cred["credentialSubject"]; !ok && cred["recipient"] != nil {
		return im.addressedOB2(ctx, learnerID, data)
	}
	subj, err := subjectOf(data)
	if err != nil {
		return "", "", nil // no subject the wallet can read
	}
	for _, id := range subj.Identifier {
		if id.IdentityType != "emailAddress" {
			continue
		}
		if to == "" {
			to = "a hashed email address"
			if !id.Hashed {
				to = id.IdentityHash
			}
		}
		emails, err := im.st.VerifiedLearnerEmails(ctx, learnerID)
		if err != nil {
			return "", "", err
		}
		for _, e := range emails {
			if id.Matches(e) {
				return AddressedToYou, e, nil
			}
		}
	}
	if subj.ID != "" && did.Method(subj.ID) != "" {
		dids, err := im.st.VerifiedLearnerDIDs(ctx, learnerID)
		if err != nil {
			return "", "", err
		}
		if slices.Contains(dids, subj.ID) {
			return AddressedToYou, subj.ID, nil
		}
		if to == "" {
			to = subj.ID
		}
	}
	if to == "" {
		return "", "", nil
	}
	return AddressedToOther, to, nil
}

// addressedOB2 compares the recipient of an OB 2.0 assertion (an email,
// plain or hashed with its salt, sha256$ or md5$) with the learner's
// verified emails. Recipients of other types (url, telephone) are none
// the wallet can compare: "".
func (im *Importer) addressedOB2(ctx context.Context, learnerID string, data []byte) (addressed, to string, err error) {
	var a ob.Assertion
	if ob.Unmarshal(data, &a) != nil || !strings.EqualFold(a.Recipient.Type, "email") || a.Recipient.Identity == "" {
		return "", "", nil
	}
	emails, err := im.st.VerifiedLearnerEmails(ctx, learnerID)
	if err != nil {
		return "", "", err
	}
	for _, e := range emails {
		if a.Recipient.Matches(e) {
			return AddressedToYou, e, nil
		}
	}
	if a.Recipient.Hashed {
		return AddressedToOther, "a hashed email address", nil
	}
	return AddressedToOther, a.Recipient.Identity, nil
}

// setReport records rep on li, checked at now.
func (im *Importer) setReport(li *store.LearnerImport, rep *verify.Report, now time.Time) error {
	data, err := json.Marshal(rep)
	if err != nil {
		return cairn.Wrapf(cairn.Internal, err, "encoding the report")
	}
	li.Result, li.Report, li.CheckedAt, li.NextCheckAt = string(rep.Result), data, now, nextCheck(rep.Result, now)
	return nil
}

func nextCheck(o verify.Outcome, now time.Time) time.Time {
	if o == verify.Indeterminate {
		return now.Add(RecheckIndeterminate)
	}
	return now.Add(RecheckEvery)
}

// digest is what tells the same credential imported twice: the SHA-256 of
// its JSON without insignificant white space, or of its JWT.
func digest(cred []byte) string {
	var b bytes.Buffer
	if json.Compact(&b, cred) == nil {
		cred = b.Bytes()
	}
	sum := sha256.Sum256(cred)
	return hex.EncodeToString(sum[:])
}

// fetchBudget counts the documents one import fetches.
type fetchBudget struct{ n int }

func (im *Importer) fetch(ctx context.Context, u string, b *fetchBudget) ([]byte, error) {
	if b.n <= 0 {
		return nil, cairn.Invalidf("", "not fetching %s: an import follows at most %d documents to find the credential", u, MaxImportFetches)
	}
	b.n--
	data, err := im.fetcher.Fetch(ctx, u)
	if err != nil {
		return nil, fetchError(u, err)
	}
	return data, nil
}

// fetchError words a failed fetch for the learner.
func fetchError(u string, err error) error {
	msg := err.Error()
	switch {
	case errors.Is(err, fetch.ErrNotFound):
		return cairn.Invalidf("", "nothing was found at %s (%s)", u, msg)
	case errors.Is(err, fetch.ErrTooLarge):
		return cairn.Invalidf("", "%s is too large to import (%s)", u, msg)
	case errors.Is(err, fetch.ErrUnavailable):
		return cairn.Invalidf("", "%s could not be fetched now (%s); try again later", u, msg)
	}
	return cairn.Invalidf("", "%s could not be fetched: %s", u, msg)
}

// checkURL accepts an absolute http(s) URL of reasonable length.
func checkURL(raw string) (*url.URL, error) {
	if len(raw) > 2048 {
		return nil, cairn.Invalidf("", "the URL is longer than 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, cairn.Invalidf("", "%q is not an https URL", raw)
	}
	return u, nil
}

// fromURL fetches the credential a URL leads to: the document itself
// (JSON, a JWT, a baked image, an OB 2.0 assertion), or, for an HTML page,
// its rel=alternate credential link, else the .json next to it.
func (im *Importer) fromURL(ctx context.Context, raw string, b *fetchBudget) (*found, error) {
	u, err := checkURL(raw)
	if err != nil {
		return nil, err
	}
	data, err := im.fetch(ctx, u.String(), b)
	if err != nil {
		return nil, err
	}
	kind, err := SniffInput(data)
	if err != nil {
		return nil, cairn.Invalidf("", "%s answered something that is not a credential: %v", u, err)
	}
	if kind == InputURL {
		return nil, cairn.Invalidf("", "%s answered another URL, not a credential", u)
	}
	if kind == InputHTML {
		next := alternateLink(data, u)
		if next == "" {
			if ext := path.Ext(u.Path); ext != "" && ext != ".html" && ext != ".htm" {
				return nil, cairn.Invalidf("", "%s is a web page that links no credential (rel=alternate)", u)
			}
			j := *u
			j.Path = strings.TrimSuffix(strings.TrimSuffix(strings.TrimRight(j.Path, "/"), ".html"), ".htm") + ".json"
			j.RawPath, j.RawQuery, j.Fragment = "", "", ""
			next = j.String()
		}
		nu, err := checkURL(next)
		if err != nil {
			return nil, err
		}
		data, err = im.fetch(ctx, nu.String(), b)
		if err != nil {
			return nil, cairn.Invalidf("", "%s is a web page, and the credential it should lead to could not be read: %s", u, cairn.PublicMessage(err))
		}
		if kind, err = SniffInput(data); err != nil || kind == InputHTML || kind == InputURL {
			return nil, cairn.Invalidf("", "%s is a web page that leads to no credential (%s is not one)", u, nu)
		}
		u = nu
	}
	f, err := im.fromKind(ctx, data, kind, b)
	if err != nil {
		return nil, err
	}
	if f.sourceURL == "" {
		f.sourceURL = u.String()
	}
	return f, nil
}

// fromData reads an upload or a pasted credential.
func (im *Importer) fromData(ctx context.Context, data []byte, contentType string, b *fetchBudget) (*found, error) {
	allowed, err := declaredKind(contentType)
	if err != nil {
		return nil, &cairn.Error{Kind: cairn.Invalid, Field: "Content-Type", Message: err.Error()}
	}
	kind, err := SniffInput(data)
	if err != nil {
		return nil, cairn.Invalidf("", "%v", err)
	}
	if allowed != nil && !containsKind(allowed, kind) {
		return nil, cairn.Invalidf("", "declared as %s, but the data is %s", contentType, kindName(kind))
	}
	switch kind {
	case InputURL:
		return im.fromURL(ctx, string(bytes.TrimSpace(data)), b)
	case InputHTML:
		return nil, cairn.Invalidf("", "this is a web page, not a credential: give its URL instead")
	}
	return im.fromKind(ctx, data, kind, b)
}

func containsKind(ks []InputKind, k InputKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

func kindName(k InputKind) string {
	switch k {
	case InputPNG:
		return "a PNG image"
	case InputSVG:
		return "an SVG image"
	case InputJSON:
		return "JSON"
	case InputJWT:
		return "a JWT"
	case InputURL:
		return "a URL"
	case InputHTML:
		return "an HTML page"
	}
	return string(k)
}

// fromKind extracts the credential from data of a known kind.
func (im *Importer) fromKind(ctx context.Context, data []byte, kind InputKind, b *fetchBudget) (*found, error) {
	switch kind {
	case InputPNG, InputSVG:
		if len(data) > verify.MaxInputBytes {
			return nil, cairn.Invalidf("", "the image is %d bytes, more than the %d a badge may have", len(data), verify.MaxInputBytes)
		}
		bk, err := bake.Unbake(data)
		switch {
		case errors.Is(err, bake.ErrNotBaked):
			return nil, cairn.Invalidf("", "this %s carries no badge: no credential is baked into it", strings.ToUpper(string(kind)))
		case err != nil:
			return nil, cairn.Invalidf("", "%v", strings.TrimPrefix(err.Error(), "bake: "))
		}
		f := &found{original: data, originalType: "image/png"}
		if kind == InputSVG {
			f.originalType = "image/svg+xml"
		}
		switch {
		case bk.Version == bake.OB2 && bk.Kind == bake.URL:
			// A hosted assertion: the image holds its URL.
			u, err := checkURL(string(bk.Payload))
			if err != nil {
				return nil, cairn.Invalidf("", "the badge's assertion URL: %s", cairn.PublicMessage(err))
			}
			a, err := im.fetch(ctx, u.String(), b)
			if err != nil {
				return nil, err
			}
			f.credential, f.ob2, f.sourceURL = bytes.TrimSpace(a), true, u.String()
		case bk.Version == bake.OB2 && bk.Kind == bake.JSON:
			f.credential, f.ob2 = bk.Payload, true
		default:
			f.credential = bk.Payload
		}
		if len(f.credential) > verify.MaxCredentialBytes {
			return nil, cairn.Invalidf("", "the baked credential is %d bytes, more than the %d allowed", len(f.credential), verify.MaxCredentialBytes)
		}
		return f, nil
	case InputJWT:
		return &found{credential: bytes.TrimSpace(data)}, nil
	case InputJSON:
		t := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
		if len(t) > verify.MaxCredentialBytes {
			return nil, cairn.Invalidf("", "the credential is %d bytes, more than the %d allowed", len(t), verify.MaxCredentialBytes)
		}
		if t[0] == '"' {
			var s string
			if err := json.Unmarshal(t, &s); err != nil || !jwsRe.MatchString(s) {
				return nil, cairn.Invalidf("", "a JSON string that is not a JWT")
			}
			return &found{credential: []byte(s)}, nil
		}
		var m map[string]any
		if err := json.Unmarshal(t, &m); err != nil {
			return nil, cairn.Invalidf("", "not a JSON object: %v", err)
		}
		if s, ok := m["jwt"].(string); ok && len(m) == 1 && jwsRe.MatchString(s) {
			return &found{credential: []byte(s)}, nil
		}
		return &found{credential: t, ob2: isOB2(m)}, nil
	}
	return nil, cairn.Invalidf("", "%s is not a credential", kindName(kind))
}

// verifyFound verifies a found credential: OB 2.0 assertions by the
// wallet's own OB 2.0 check (hosted verification), the rest by the
// server's verifier. d is the OB 2.0 display (nil otherwise).
func (im *Importer) verifyFound(ctx context.Context, f *found) (*verify.Report, *display) {
	if f.ob2 {
		return im.verifyOB2(ctx, f.credential)
	}
	return im.v.Verify(ctx, f.credential), nil
}

// display is what a credential says, for the cards.
type display struct {
	format, id, name, description string
	issuerID, issuerName          string
	issued, validUntil            *time.Time
	skills                        []string
	image                         string // a URL or data: URL
}

// describe reads what a verified (or not) OB 3.0, CLR or VC says.
func describe(rep *verify.Report) *display {
	c := rep.Credential
	d := &display{format: FormatVC, id: str(c["id"]), name: str(c["name"]), description: str(c["description"])}
	types := strs(c["type"])
	switch {
	case containsStr(types, "ClrCredential"):
		d.format = FormatCLR
	case containsStr(types, "OpenBadgeCredential"), containsStr(types, "AchievementCredential"):
		d.format = FormatOB3
	}
	switch is := c["issuer"].(type) {
	case string:
		d.issuerID = is
	case map[string]any:
		d.issuerID, d.issuerName = str(is["id"]), str(is["name"])
	}
	d.image = imageRef(c["image"])
	var achievements []map[string]any
	for _, s := range list(c["credentialSubject"]) {
		subj, _ := s.(map[string]any)
		if a, ok := subj["achievement"].(map[string]any); ok {
			achievements = append(achievements, a)
		}
		// A CLR's inner credentials: their achievements' skills count.
		for _, inner := range list(subj["verifiableCredential"]) {
			ic, _ := inner.(map[string]any)
			for _, is := range list(ic["credentialSubject"]) {
				isubj, _ := is.(map[string]any)
				if a, ok := isubj["achievement"].(map[string]any); ok {
					achievements = append(achievements, a)
				}
			}
		}
	}
	if len(achievements) > 0 {
		a := achievements[0]
		if d.name == "" || d.format == FormatOB3 {
			if n := str(a["name"]); n != "" {
				d.name = n
			}
		}
		if d.description == "" || d.format == FormatOB3 {
			if s := str(a["description"]); s != "" {
				d.description = s
			}
		}
		if d.image == "" {
			d.image = imageRef(a["image"])
		}
	}
	for _, a := range achievements {
		for _, al := range list(a["alignment"]) {
			m, _ := al.(map[string]any)
			if n := strings.TrimSpace(str(m["targetName"])); n != "" && !containsStr(d.skills, n) && len(d.skills) < 100 {
				d.skills = append(d.skills, n)
			}
		}
	}
	d.issued = dateOf(c, "validFrom", "issuanceDate", "awardedDate")
	d.validUntil = dateOf(c, "validUntil", "expirationDate")
	if d.name == "" {
		d.name = "Untitled credential"
	}
	d.name, d.description = clip(d.name, 300), clip(d.description, 2000)
	d.issuerID, d.issuerName = clip(d.issuerID, 2048), clip(d.issuerName, 300)
	return d
}

func clip(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func dateOf(c map[string]any, names ...string) *time.Time {
	for _, n := range names {
		if s := str(c[n]); s != "" {
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
				if t, err := time.Parse(layout, s); err == nil {
					return &t
				}
			}
		}
	}
	return nil
}

// imageRef is the URL of an image given as a URL or as an Image object.
func imageRef(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		return str(x["id"])
	}
	return ""
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func strs(v any) []string {
	var out []string
	for _, x := range list(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func list(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// image returns the badge image to show for a found credential: the
// baked image itself (a PNG as is, an SVG sanitized), else the image the
// credential names (a data: URL, or fetched), validated as staff uploads
// are. Nothing when there is none or it is unusable.
func (im *Importer) image(ctx context.Context, f *found, ref string) ([]byte, string) {
	if f.original != nil {
		if img, err := badgeimg.Validate(f.original, f.originalType); err == nil {
			return img.Data, img.Format.ContentType()
		}
		// An image the sanitizer or the PNG checks refuse (too large, say):
		// show the credential's own image instead, if any.
	}
	if ref == "" {
		return nil, ""
	}
	var data []byte
	if strings.HasPrefix(ref, "data:") {
		data = decodeDataURL(ref)
	} else if u, err := checkURL(ref); err == nil {
		var err error
		if data, err = im.fetcher.Fetch(ctx, u.String()); err != nil {
			im.log.DebugContext(ctx, "wallet: import image", "url", u.Redacted(), "err", err)
			return nil, ""
		}
	}
	if data == nil {
		return nil, ""
	}
	img, err := badgeimg.Validate(data, "")
	if err != nil {
		return nil, ""
	}
	return img.Data, img.Format.ContentType()
}

// decodeDataURL decodes a data: URL of an image (base64 or percent-encoded),
// nil when it is not one.
func decodeDataURL(s string) []byte {
	meta, payload, ok := strings.Cut(strings.TrimPrefix(s, "data:"), ",")
	if !ok || len(payload) > 4<<20 {
		return nil
	}
	if strings.HasSuffix(meta, ";base64") {
		b, err := base64.StdEncoding.DecodeString(payload)
		if err != nil {
			b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(payload, "="))
		}
		if err != nil {
			return nil
		}
		return b
	}
	p, err := url.PathUnescape(payload)
	if err != nil {
		return nil
	}
	return []byte(p)
}

// List returns the learner's imports, newest first (without their
// credentials unless withCredential).
func (im *Importer) List(ctx context.Context, learnerID string, withCredential bool) ([]*Imported, error) {
	lis, err := im.st.LearnerImports(ctx, learnerID, withCredential)
	if err != nil {
		return nil, err
	}
	out := make([]*Imported, len(lis))
	for i, li := range lis {
		out[i] = ReportOf(li)
	}
	return out, nil
}

// Get returns one import of the learner. Errors: NotFound.
func (im *Importer) Get(ctx context.Context, learnerID, id string) (*Imported, error) {
	li, err := im.st.LearnerImport(ctx, learnerID, id)
	if err != nil {
		return nil, err
	}
	return ReportOf(li), nil
}

// Image returns the badge image of one import of the learner and its
// media type. Errors: NotFound.
func (im *Importer) Image(ctx context.Context, learnerID, id string) ([]byte, string, error) {
	return im.st.LearnerImportImage(ctx, learnerID, id)
}

// Delete removes one import of the learner. Errors: NotFound.
func (im *Importer) Delete(ctx context.Context, learnerID, id string) error {
	if err := im.st.DeleteLearnerImport(ctx, learnerID, id); err != nil {
		return err
	}
	im.log.InfoContext(ctx, "wallet: imported credential deleted", "learner", learnerID, "import", id)
	return nil
}

// Reverify verifies one import of the learner again, now, and stores the
// result. Errors: NotFound, *RateLimitError.
func (im *Importer) Reverify(ctx context.Context, learnerID, id string) (*Imported, error) {
	if err := im.allow(learnerID); err != nil {
		return nil, err
	}
	li, err := im.st.LearnerImport(ctx, learnerID, id)
	if err != nil {
		return nil, err
	}
	return im.recheck(ctx, li)
}

func (im *Importer) recheck(ctx context.Context, li *store.LearnerImport) (*Imported, error) {
	now := im.now()
	rep, _ := im.verifyFound(ctx, &found{credential: li.Credential, ob2: li.Format == FormatOB2})
	if err := im.setReport(li, rep, now); err != nil {
		return nil, err
	}
	if err := im.st.UpdateLearnerImportCheck(ctx, li.ID, li.Result, li.Report, li.CheckedAt, li.NextCheckAt); err != nil {
		return nil, err
	}
	return &Imported{LearnerImport: li, Report: rep}, nil
}

// CheckDue verifies again up to the batch size of imports whose check is
// due, and returns how many it checked. Each is leased first, so that
// replicas share the work.
func (im *Importer) CheckDue(ctx context.Context) (int, error) {
	now := im.now()
	due, err := im.st.DueLearnerImports(ctx, now, im.batch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, li := range due {
		if ctx.Err() != nil {
			break
		}
		ok, err := im.st.LeaseLearnerImportCheck(ctx, li.ID, li.NextCheckAt, now.Add(checkLease))
		if err != nil {
			return n, err
		}
		if !ok {
			continue // another replica took it
		}
		before := li.Result
		got, err := im.recheck(ctx, li)
		if cairn.KindOf(err) == cairn.NotFound {
			continue // deleted meanwhile
		}
		if err != nil {
			return n, err
		}
		n++
		if got.Result != before {
			im.log.InfoContext(ctx, "wallet: imported credential's verification changed", "import", li.ID, "was", before, "now", got.Result)
		}
	}
	return n, nil
}

// Run re-verifies due imports every tick until ctx ends.
func (im *Importer) Run(ctx context.Context) {
	t := time.NewTicker(im.tick)
	defer t.Stop()
	for {
		if _, err := im.CheckDue(ctx); err != nil && ctx.Err() == nil {
			im.log.Warn("wallet: re-verifying imported credentials", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CheckTitle names a check in words, for the pages.
func CheckTitle(name string) string {
	switch name {
	case verify.CheckFormat:
		return "Format"
	case verify.CheckSchema:
		return "Schema"
	case verify.CheckProof:
		return "Signature"
	case verify.CheckIssuerKey:
		return "Issuer's key"
	case verify.CheckStatus:
		return "Revocation"
	case verify.CheckLog:
		return "Transparency log"
	case verify.CheckDates:
		return "Validity dates"
	case verify.CheckInner:
		return "Inner credentials"
	case CheckHosted:
		return "Hosted by its issuer"
	}
	return name
}
