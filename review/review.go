// Package review runs applications for competency-based badges and their
// evidence review, as programmes like KMUTT's UMAP assess them: staff open
// an achievement to applications; a learner signed in to the wallet (or,
// when the achievement allows it, anyone with the link, giving a name and
// an email address) submits evidence against the criteria (files, URLs and
// a statement); the organization's reviewers read it and score it with a
// rubric made from the achievement's result descriptions, then approve it
// (the award is issued with the evidence and the results), return it with
// comments (the learner can resubmit) or reject it with a reason.
//
// # Who reviews
//
// An application is approved, returned or rejected by staff whose role
// may review (cairn.ActionReview): assessors, issuers and owners. An
// assessor reads the organization's data and decides applications, and
// may do nothing else: approving issues the application's award, but an
// assessor cannot issue otherwise, nor manage achievements, keys or the
// team. Applicants are told of each decision by mail (see MailKind).
//
// # Files
//
// Files are at most MaxFileSize each and MaxFiles per application, kept
// in the database, and accepted only when their content is a PDF, a PNG,
// a JPEG or plain UTF-8 text (Sniff; the name and the browser's claimed
// type are not trusted). They are served to the organization's staff and
// to the applicant only, with X-Content-Type-Options: nosniff and
// Content-Disposition: attachment for everything but images. An approved
// award points to a file at a stable public evidence URL
// ({base}/evidence/{fileID}) only when the learner consented; otherwise the
// evidence names the file without a link.
package review

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/issuing"
	cmail "github.com/cairn-badges/cairn/notify/mail"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/store"
)

// Limits on an application.
const (
	MaxFileSize        = 10 << 20
	MaxFiles           = 5
	MaxURLs            = 10
	MaxURLLen          = 2000
	MaxStatementLen    = 20_000
	MaxInstructionsLen = 10_000
	MaxNameLen         = 200
	MaxFileNameLen     = 200
	MaxCommentLen      = 10_000
	// MaxBody caps the body of an application form.
	MaxBody = MaxFiles*MaxFileSize + 1<<20
)

// RateLimitError is returned when a client address (or a learner) applied
// too often: answer 429 with Retry-After.
type RateLimitError struct{ RetryAfter time.Duration }

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many applications from your network; try again in %d s", int(e.RetryAfter.Seconds()+0.999))
}

// Service runs applications. Create it with New.
type Service struct {
	db  *store.DB
	svc *issuing.Service
	log *slog.Logger
	now func() time.Time
	// anyone limits anyone-with-the-link submissions per client address;
	// learners limits a signed-in learner's submissions.
	anyone, learners *auth.Limiter
	mail             *cmail.Config // nil: applicants are not mailed
	sender           cmail.Sender
}

// Options configure a Service. The zero value is usable.
type Options struct {
	// AnyoneLimiter limits anyone-can-apply submissions per client address
	// (default: 5 at once, then one per 10 minutes).
	AnyoneLimiter *auth.Limiter
	// LearnerLimiter limits a signed-in learner's submissions (default: 10
	// at once, then one per minute).
	LearnerLimiter *auth.Limiter
	Log            *slog.Logger
	Now            func() time.Time
	// Mail, when not nil, tells applicants of decisions by mail (through
	// the outbox: register Consumer). Sender defaults to SMTP with Mail.
	Mail   *cmail.Config
	Sender cmail.Sender
}

// New returns the service over db, issuing approved awards with svc.
func New(db *store.DB, svc *issuing.Service, o Options) *Service {
	s := &Service{db: db, svc: svc, log: o.Log, now: o.Now, anyone: o.AnyoneLimiter, learners: o.LearnerLimiter,
		mail: o.Mail, sender: o.Sender}
	if s.sender == nil && s.mail != nil {
		s.sender = &cmail.SMTP{Config: s.mail}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.anyone == nil {
		s.anyone = auth.NewLimiter(auth.LimiterConfig{Burst: 5, Every: 10 * time.Minute})
	}
	if s.learners == nil {
		s.learners = auth.NewLimiter(auth.LimiterConfig{Burst: 10, Every: time.Minute})
	}
	return s
}

// EvidenceURL is the stable public URL of an evidence file (served only
// once its application is approved, and only with the learner's consent).
func (s *Service) EvidenceURL(fileID string) string { return s.svc.URL("/evidence/" + fileID) }

// ApplyURL is the page where one applies for an achievement.
func (s *Service) ApplyURL(achievementID string) string {
	return s.svc.URL("/achievements/" + achievementID + "/apply")
}

// Settings are what staff set on an achievement.
type Settings struct {
	Open         bool   `json:"open"`
	Instructions string `json:"instructions"`
	Anyone       bool   `json:"anyone"`
}

// SetSettings opens or closes an achievement of the organization to
// applications. Errors: Invalid (instructions), NotFound.
func (s *Service) SetSettings(ctx context.Context, orgID, achievementID string, in Settings) (*store.ApplicationSettings, error) {
	in.Instructions = strings.TrimSpace(in.Instructions)
	if err := checkText("instructions", in.Instructions, MaxInstructionsLen); err != nil {
		return nil, err
	}
	st := &store.ApplicationSettings{AchievementID: achievementID, OrgID: orgID, Open: in.Open, Anyone: in.Anyone, Instructions: in.Instructions}
	if err := s.db.PutApplicationSettings(ctx, st); err != nil {
		return nil, err
	}
	return st, nil
}

// Settings returns an achievement's settings (closed when never set).
func (s *Service) Settings(ctx context.Context, orgID, achievementID string) (*store.ApplicationSettings, error) {
	return s.db.ApplicationSettings(ctx, orgID, achievementID)
}

// Opening is an achievement open to applications, as the apply page shows
// it.
type Opening struct {
	Achievement *cairn.Achievement
	Issuer      *cairn.Issuer
	Settings    *store.ApplicationSettings
}

// Opening returns an achievement with its settings, by its globally
// unique ID; Settings.Open says whether it takes applications. Errors:
// NotFound.
func (s *Service) Opening(ctx context.Context, achievementID string) (*Opening, error) {
	ach, err := s.db.PublicAchievement(ctx, achievementID)
	if err != nil {
		return nil, err
	}
	is, err := s.db.PublicIssuer(ctx, ach.IssuerID)
	if err != nil {
		return nil, err
	}
	st, err := s.db.PublicApplicationSettings(ctx, achievementID)
	if err != nil {
		return nil, err
	}
	if st.OrgID != ach.OrgID {
		st = &store.ApplicationSettings{AchievementID: ach.ID, OrgID: ach.OrgID}
	}
	return &Opening{Achievement: ach, Issuer: is, Settings: st}, nil
}

// Upload is a file as submitted.
type Upload struct {
	Name string
	Data []byte
	// Size is the size as received; larger than MaxFileSize means Data
	// was not read whole.
	Size int64
}

// Submission is what an applicant submits.
type Submission struct {
	// Learner is the signed-in learner; nil for anyone with the link
	// (then Name and Email are the applicant's).
	Learner   *store.Learner
	Name      string
	Email     string // for a learner: one of their verified addresses ("" for the sign-in address)
	Statement string
	URLs      []string
	Files     []Upload
	// Keep are the IDs of the files of a returned application to keep
	// when resubmitting.
	Keep    []string
	Consent bool
	// Items are the links and texts given for the achievement's evidence
	// requirements, ItemFiles the files, by requirement id.
	Items     map[string]string
	ItemFiles map[string]Upload
}

// checkItems checks what a submission gives for the achievement's
// evidence requirements: each required item must be there (field
// items.ID), a link must be http(s), a file must be of a kind Cairn keeps.
// Item files join sub.Files. When resubmitting, an item left empty keeps
// its previous value (for a file, if the file is kept: keptNames).
func checkItems(reqs []cairn.EvidenceRequirement, sub *Submission, prev []store.ApplicationItem, keptNames map[string]bool) ([]store.ApplicationItem, error) {
	var items []store.ApplicationItem
	previous := func(id string) *store.ApplicationItem {
		for i := range prev {
			if prev[i].ID == id {
				return &prev[i]
			}
		}
		return nil
	}
	for _, rq := range reqs {
		field := "items." + rq.ID
		it := store.ApplicationItem{ID: rq.ID, Label: rq.Label, Kind: rq.Kind}
		switch rq.Kind {
		case cairn.EvidenceFile:
			u := sub.ItemFiles[rq.ID]
			if u.Name != "" || u.Size > 0 || len(u.Data) > 0 {
				name := cleanName(u.Name)
				if u.Size > MaxFileSize || len(u.Data) > MaxFileSize {
					return nil, cairn.Invalidf(field, "the file %s is larger than %d MiB", name, MaxFileSize>>20)
				}
				if len(u.Data) == 0 {
					return nil, cairn.Invalidf(field, "the file %s is empty", name)
				}
				if Sniff(u.Data) == "" {
					return nil, cairn.Invalidf(field, "the file %s is not a PDF, PNG, JPEG or plain text file", name)
				}
				if name == "" {
					name = rq.ID + Extension(Sniff(u.Data))
				}
				u.Name, it.Value = name, name
				sub.Files = append(sub.Files, u)
			} else if p := previous(rq.ID); p != nil && keptNames[p.Value] {
				it.Value = p.Value
			}
		case cairn.EvidenceURL:
			it.Value = strings.TrimSpace(sub.Items[rq.ID])
			if it.Value != "" {
				p, err := url.Parse(it.Value)
				if len(it.Value) > MaxURLLen || err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
					return nil, cairn.Invalidf(field, "%s: give an http or https link", rq.Label)
				}
			}
		default:
			it.Value = strings.TrimSpace(sub.Items[rq.ID])
			if err := checkText(field, it.Value, MaxStatementLen); err != nil {
				return nil, err
			}
		}
		if it.Value == "" {
			if rq.Required {
				return nil, cairn.Invalidf(field, "%s is required", rq.Label)
			}
			continue
		}
		items = append(items, it)
	}
	return items, nil
}

// checkText refuses text over max characters or with NUL bytes.
func checkText(field, v string, max int) error {
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return cairn.Invalidf(field, "is not valid text")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return cairn.Invalidf(field, "has %d characters; the limit is %d", n, max)
	}
	return nil
}

// checkEvidence validates the statement, URLs and files of a submission
// and returns the files to store. Field names: statement, urls[i],
// files[i] (the error names the file), evidence.
func checkEvidence(sub *Submission, kept int, items int) ([]*store.ApplicationFile, error) {
	sub.Statement = strings.TrimSpace(sub.Statement)
	if err := checkText("statement", sub.Statement, MaxStatementLen); err != nil {
		return nil, err
	}
	var urls []string
	for _, u := range sub.URLs {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	if len(urls) > MaxURLs {
		return nil, cairn.Invalidf("urls", "has %d links; the limit is %d", len(urls), MaxURLs)
	}
	for i, u := range urls {
		field := fmt.Sprintf("urls[%d]", i)
		if len(u) > MaxURLLen {
			return nil, cairn.Invalidf(field, "is longer than %d characters", MaxURLLen)
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
			return nil, cairn.Invalidf(field, "%q is not an http or https link", u)
		}
	}
	sub.URLs = urls
	var files []*store.ApplicationFile
	var uploads []Upload
	for _, f := range sub.Files {
		if f.Name == "" && f.Size == 0 && len(f.Data) == 0 {
			continue // an empty file input
		}
		uploads = append(uploads, f)
	}
	if kept+len(uploads) > MaxFiles {
		return nil, cairn.Invalidf("files", "%d files: at most %d per application", kept+len(uploads), MaxFiles)
	}
	for i, f := range uploads {
		field := fmt.Sprintf("files[%d]", i)
		name := cleanName(f.Name)
		switch {
		case f.Size > MaxFileSize || len(f.Data) > MaxFileSize:
			return nil, cairn.Invalidf(field, "the file %s is larger than %d MiB", name, MaxFileSize>>20)
		case len(f.Data) == 0:
			return nil, cairn.Invalidf(field, "the file %s is empty", name)
		}
		ctype := Sniff(f.Data)
		if ctype == "" {
			return nil, cairn.Invalidf(field, "the file %s is not a PDF, PNG, JPEG or plain text file", name)
		}
		if name == "" {
			name = "evidence-" + strconv.Itoa(i+1) + Extension(ctype)
		}
		sum := sha256.Sum256(f.Data)
		files = append(files, &store.ApplicationFile{Name: name, ContentType: ctype, Data: f.Data, SHA256: hex.EncodeToString(sum[:])})
	}
	if sub.Statement == "" && len(urls) == 0 && len(files) == 0 && kept == 0 && items == 0 {
		return nil, cairn.Invalidf("evidence", "give some evidence: a statement, a link or a file")
	}
	return files, nil
}

// cleanName keeps the last path element of a file name, without control
// characters, quotes or backslashes, cut to MaxFileNameLen characters.
func cleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7F || r == '"' || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	if r := []rune(name); len(r) > MaxFileNameLen {
		name = string(r[:MaxFileNameLen])
	}
	return name
}

func (s *Service) limit(sub *Submission, addr netip.Addr) error {
	lim, key := s.anyone, ""
	if sub.Learner != nil {
		lim, key, addr = s.learners, sub.Learner.ID, netip.IPv6Unspecified()
	}
	if wait, err := lim.Allow(key, addr, s.now()); err != nil {
		return &RateLimitError{RetryAfter: wait}
	}
	return nil
}

// Submit files an application for the achievement from addr. Errors:
// Invalid (naming the field: name, email, statement, urls[i], files[i],
// evidence), NotFound (no such achievement, or not open), Forbidden (open
// to wallet learners only and sub.Learner is nil), Conflict (an
// application under review already), *RateLimitError.
func (s *Service) Submit(ctx context.Context, achievementID string, sub Submission, addr netip.Addr) (*store.Application, error) {
	op, err := s.Opening(ctx, achievementID)
	if err != nil {
		return nil, err
	}
	if !op.Settings.Open {
		return nil, cairn.Errorf(cairn.NotFound, "this achievement does not take applications")
	}
	if sub.Learner == nil && !op.Settings.Anyone {
		return nil, cairn.Errorf(cairn.Forbidden, "sign in to your wallet to apply for this achievement")
	}
	a := &store.Application{OrgID: op.Achievement.OrgID, AchievementID: op.Achievement.ID}
	if sub.Learner != nil {
		a.LearnerID, a.Name = sub.Learner.ID, sub.Learner.Name
		verified, err := s.db.VerifiedLearnerEmails(ctx, sub.Learner.ID)
		if err != nil {
			return nil, err
		}
		want := strings.ToLower(strings.TrimSpace(sub.Email))
		if want == "" {
			want = sub.Learner.Email
		}
		for _, e := range verified {
			if e == want {
				a.Email, a.EmailVerified = e, true
			}
		}
		if a.Email == "" {
			if len(verified) == 0 {
				return nil, cairn.Invalidf("email", "confirm an email address of your wallet first: the badge is sent to it")
			}
			return nil, cairn.Invalidf("email", "%q is not a confirmed address of your wallet", want)
		}
	} else {
		a.Name = strings.TrimSpace(sub.Name)
		if a.Name == "" {
			return nil, cairn.Invalidf("name", "is required")
		}
		if err := checkText("name", a.Name, MaxNameLen); err != nil {
			return nil, err
		}
		e := strings.ToLower(strings.TrimSpace(sub.Email))
		if e == "" {
			return nil, cairn.Invalidf("email", "is required")
		}
		if m, err := mail.ParseAddress(e); err != nil || m.Address != e || len(e) > 254 {
			return nil, cairn.Invalidf("email", "%q is not an email address", sub.Email)
		}
		a.Email = e
	}
	items, err := checkItems(op.Achievement.EvidenceRequirements, &sub, nil, nil)
	if err != nil {
		return nil, err
	}
	files, err := checkEvidence(&sub, 0, len(items))
	if err != nil {
		return nil, err
	}
	a.Items = items
	if err := s.limit(&sub, addr); err != nil {
		return nil, err
	}
	a.Statement, a.URLs, a.Consent = sub.Statement, sub.URLs, sub.Consent
	if err := s.db.CreateApplication(ctx, a, files); err != nil {
		return nil, err
	}
	return a, nil
}

// Resubmit submits a returned application of the learner again with new
// evidence (sub.Keep names the files kept). Errors: as Submit, and
// Conflict (not returned).
func (s *Service) Resubmit(ctx context.Context, learner *store.Learner, id string, sub Submission) (*store.Application, error) {
	sub.Learner = learner
	a, err := s.db.LearnerApplication(ctx, learner.ID, id)
	if err != nil {
		return nil, err
	}
	if a.State != store.AppReturned {
		return nil, cairn.Errorf(cairn.Conflict, "this application is %s: only a returned application can be submitted again", a.State)
	}
	kept := 0
	keep, keptNames := map[string]bool{}, map[string]bool{}
	for _, k := range sub.Keep {
		keep[k] = true
	}
	for _, f := range a.Files {
		if keep[f.ID] {
			kept++
			keptNames[f.Name] = true
		}
	}
	var reqs []cairn.EvidenceRequirement
	if ach, err := s.db.PublicAchievement(ctx, a.AchievementID); err == nil {
		reqs = ach.EvidenceRequirements
	} else if cairn.KindOf(err) != cairn.NotFound {
		return nil, err
	}
	items, err := checkItems(reqs, &sub, a.Items, keptNames)
	if err != nil {
		return nil, err
	}
	files, err := checkEvidence(&sub, kept, len(items))
	if err != nil {
		return nil, err
	}
	if err := s.limit(&sub, netip.Addr{}); err != nil {
		return nil, err
	}
	return s.db.ResubmitApplication(ctx, learner.ID, id, store.Resubmission{Statement: sub.Statement, URLs: sub.URLs,
		Consent: sub.Consent, Keep: sub.Keep, Add: files, MaxFiles: MaxFiles, Items: items})
}

// List lists applications (of f.OrgID, or of f.LearnerID).
func (s *Service) List(ctx context.Context, f store.ApplicationFilter) ([]*store.Application, string, error) {
	if f.State != "" && !f.State.Valid() {
		return nil, "", cairn.Invalidf("state", "must be submitted, returned, approved or rejected, not %q", f.State)
	}
	return s.db.Applications(ctx, f)
}

// Get returns an application of the organization. Errors: NotFound.
func (s *Service) Get(ctx context.Context, orgID, id string) (*store.Application, error) {
	return s.db.Application(ctx, orgID, id)
}

// LearnerApplication returns an application of the learner.
func (s *Service) LearnerApplication(ctx context.Context, learnerID, id string) (*store.Application, error) {
	return s.db.LearnerApplication(ctx, learnerID, id)
}

// File returns an evidence file of an application of the organization.
func (s *Service) File(ctx context.Context, orgID, appID, fileID string) (*store.ApplicationFile, error) {
	return s.db.ApplicationFile(ctx, orgID, appID, fileID)
}

// LearnerFile returns an evidence file of an application of the learner.
func (s *Service) LearnerFile(ctx context.Context, learnerID, appID, fileID string) (*store.ApplicationFile, error) {
	return s.db.LearnerApplicationFile(ctx, learnerID, appID, fileID)
}

// PublicFile returns a published evidence file (approved, consented).
func (s *Service) PublicFile(ctx context.Context, fileID string) (*store.ApplicationFile, error) {
	return s.db.PublicEvidenceFile(ctx, fileID)
}

// RubricField is one result description of an achievement as a field of
// the review form.
type RubricField struct {
	Index       int
	ID          string // the result description's id
	Name        string
	Type        string
	Allowed     []string // a select when not empty
	Required    string   // the value required to earn the achievement
	Min, Max    string
	Description string
}

// Rubric returns the review form's fields: one per result description.
func Rubric(ach *cairn.Achievement) []RubricField {
	var out []RubricField
	for i, rd := range ach.ResultDescriptions {
		f := RubricField{Index: i, ID: rd.ID, Name: rd.Name, Type: rd.ResultType, Allowed: rd.AllowedValue,
			Required: rd.RequiredValue, Min: rd.ValueMin, Max: rd.ValueMax}
		if f.Name == "" {
			f.Name = rd.ResultType
		}
		out = append(out, f)
	}
	return out
}

// Score is the value a reviewer gives one result description.
type Score struct {
	ResultDescription string `json:"resultDescription"`
	Value             string `json:"value"`
}

// checkScores turns the scores into the award's results: every result
// description of the achievement needs a value, among its allowed values
// when it lists them and within its minimum and maximum when they are
// numbers. Field names: results, results[i].resultDescription,
// results[i].value.
func checkScores(ach *cairn.Achievement, scores []Score) ([]ob.Result, error) {
	byID := map[string]int{}
	for i, rd := range ach.ResultDescriptions {
		byID[rd.ID] = i
	}
	got := map[string]string{}
	for i, sc := range scores {
		field := fmt.Sprintf("results[%d]", i)
		idx, ok := byID[sc.ResultDescription]
		if !ok {
			return nil, cairn.Invalidf(field+".resultDescription", "%q is no result description of this achievement", sc.ResultDescription)
		}
		if _, dup := got[sc.ResultDescription]; dup {
			return nil, cairn.Invalidf(field+".resultDescription", "%q is given twice", sc.ResultDescription)
		}
		rd := ach.ResultDescriptions[idx]
		v := strings.TrimSpace(sc.Value)
		if v == "" {
			return nil, cairn.Invalidf(field+".value", "is required (%s)", rubricName(rd))
		}
		if err := checkText(field+".value", v, 500); err != nil {
			return nil, err
		}
		if len(rd.AllowedValue) > 0 {
			ok := false
			for _, a := range rd.AllowedValue {
				ok = ok || a == v
			}
			if !ok {
				return nil, cairn.Invalidf(field+".value", "%q is not one of %s (%s)", v, strings.Join(rd.AllowedValue, ", "), rubricName(rd))
			}
		}
		lo, loErr := strconv.ParseFloat(rd.ValueMin, 64)
		hi, hiErr := strconv.ParseFloat(rd.ValueMax, 64)
		if loErr == nil || hiErr == nil {
			n, err := strconv.ParseFloat(v, 64)
			switch {
			case err != nil:
				return nil, cairn.Invalidf(field+".value", "%q is not a number (%s)", v, rubricName(rd))
			case loErr == nil && n < lo:
				return nil, cairn.Invalidf(field+".value", "%s is below the lowest value %s (%s)", v, rd.ValueMin, rubricName(rd))
			case hiErr == nil && n > hi:
				return nil, cairn.Invalidf(field+".value", "%s is above the highest value %s (%s)", v, rd.ValueMax, rubricName(rd))
			}
		}
		got[sc.ResultDescription] = v
	}
	var out []ob.Result
	for _, rd := range ach.ResultDescriptions {
		v, ok := got[rd.ID]
		if !ok {
			return nil, cairn.Invalidf("results", "no value for %s (%s)", rubricName(rd), rd.ID)
		}
		out = append(out, ob.Result{ResultDescription: rd.ID, Value: v})
	}
	return out, nil
}

func rubricName(rd ob.ResultDescription) string {
	if rd.Name != "" {
		return rd.Name
	}
	return rd.ResultType
}

// Approve approves a submitted application of the organization: the award
// is issued to the applicant's email with the evidence (links as evidence
// ids; files at their public evidence URL if the learner consented, else
// by name; the statement as a narrative) and the rubric's results, and,
// for a wallet learner, put in their wallet. by names the reviewer.
// Errors: Invalid (results…, comment), NotFound, Conflict (not
// submitted).
func (s *Service) Approve(ctx context.Context, orgID, id, by string, scores []Score, comment string) (*store.Application, *cairn.Award, error) {
	comment = strings.TrimSpace(comment)
	if err := checkText("comment", comment, MaxCommentLen); err != nil {
		return nil, nil, err
	}
	a, err := s.db.Application(ctx, orgID, id)
	if err != nil {
		return nil, nil, err
	}
	if a.State != store.AppSubmitted {
		return nil, nil, cairn.Errorf(cairn.Conflict, "this application is %s: only a submitted application can be approved", a.State)
	}
	ach, err := s.db.Achievement(ctx, orgID, a.AchievementID)
	if err != nil {
		return nil, nil, err
	}
	results, err := checkScores(ach, scores)
	if err != nil {
		return nil, nil, err
	}
	in := issuing.AwardInput{AchievementID: a.AchievementID, Recipient: issuing.RecipientInput{Email: a.Email, Name: a.Name},
		Evidence: s.evidence(a), Results: results,
		// One award per approval, whatever retries happen.
		IdempotencyKey: "application:" + a.ID + ":" + a.SubmittedAt.Format(time.RFC3339Nano)}
	aw, _, err := s.svc.Award(ctx, orgID, in)
	if err != nil {
		return nil, nil, err
	}
	a, err = s.db.DecideApplication(ctx, orgID, id, store.Decision{State: store.AppApproved, By: by, Comment: comment, Results: results, AwardID: aw.ID,
		Messages: s.decisionMail(ctx, a, store.AppApproved, comment, aw.ID)})
	if err != nil {
		if cairn.KindOf(err) == cairn.Conflict {
			// Decided otherwise meanwhile: the award must not stand.
			if _, rerr := s.svc.SetState(ctx, orgID, aw.ID, cairn.StateRevoked, "issued by mistake: the application was decided otherwise at the same time"); rerr != nil {
				s.log.ErrorContext(ctx, "review: revoking the award of an application decided twice", "award", aw.ID, "err", rerr)
			}
		}
		return nil, nil, err
	}
	if a.LearnerID != "" {
		if _, _, err := s.db.ClaimAward(ctx, a.LearnerID, aw.ID); err != nil {
			// The award stands; the learner can claim it by its link.
			s.log.WarnContext(ctx, "review: putting an approved award in the wallet", "award", aw.ID, "err", err)
		}
	}
	return a, aw, nil
}

// evidence is the award's evidence from an application.
func (s *Service) evidence(a *store.Application) []ob.Evidence {
	var ev []ob.Evidence
	if a.Statement != "" {
		st := a.Statement
		if n := []rune(st); len(n) > issuing.MaxDescriptionLen {
			st = string(n[:issuing.MaxDescriptionLen])
		}
		ev = append(ev, ob.Evidence{Name: "Statement by the applicant", Narrative: st})
	}
	for _, u := range a.URLs {
		ev = append(ev, ob.Evidence{ID: u, Name: "Link submitted by the applicant"})
	}
	for _, f := range a.Files {
		e := ob.Evidence{Name: f.Name}
		if a.Consent {
			e.ID = s.EvidenceURL(f.ID)
			e.Description = "File submitted by the applicant (" + f.ContentType + ", SHA-256 " + f.SHA256 + ")"
		} else {
			e.Description = "File submitted by the applicant and reviewed by the issuer; not published (SHA-256 " + f.SHA256 + ")"
		}
		ev = append(ev, e)
	}
	return ev
}

// Return returns a submitted application to the learner with comments:
// they may resubmit. Errors: Invalid (comment: required), NotFound,
// Conflict.
func (s *Service) Return(ctx context.Context, orgID, id, by, comment string) (*store.Application, error) {
	return s.decide(ctx, orgID, id, by, comment, store.AppReturned, "comment")
}

// Reject rejects a submitted application with a reason. Errors: Invalid
// (reason: required), NotFound, Conflict.
func (s *Service) Reject(ctx context.Context, orgID, id, by, reason string) (*store.Application, error) {
	return s.decide(ctx, orgID, id, by, reason, store.AppRejected, "reason")
}

func (s *Service) decide(ctx context.Context, orgID, id, by, text string, state store.ApplicationState, field string) (*store.Application, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, cairn.Invalidf(field, "is required: say what the applicant should know")
	}
	if err := checkText(field, text, MaxCommentLen); err != nil {
		return nil, err
	}
	a, err := s.db.Application(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	return s.db.DecideApplication(ctx, orgID, id, store.Decision{State: state, By: by, Comment: text,
		Messages: s.decisionMail(ctx, a, state, text, "")})
}
