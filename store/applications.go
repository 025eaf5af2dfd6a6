package store

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/outbox"
)

// Applications and evidence review (package review): an achievement open
// to applications, the evidence learners submit against its criteria, and
// the staff's decision.

// ApplicationSettings say whether an achievement takes applications. An
// achievement without a row is closed.
type ApplicationSettings struct {
	AchievementID string
	OrgID         string
	Open          bool
	// Anyone lets people without a wallet apply with a name and an email
	// address; otherwise applicants sign in to their wallet.
	Anyone       bool
	Instructions string
	UpdatedAt    time.Time
}

// ApplicationState is where an application stands.
type ApplicationState string

// The application states: submitted (waiting for review), returned (the
// learner may resubmit), approved (the award is issued) and rejected.
const (
	AppSubmitted ApplicationState = "submitted"
	AppReturned  ApplicationState = "returned"
	AppApproved  ApplicationState = "approved"
	AppRejected  ApplicationState = "rejected"
)

// Valid reports whether s is one of the states.
func (s ApplicationState) Valid() bool {
	switch s {
	case AppSubmitted, AppReturned, AppApproved, AppRejected:
		return true
	}
	return false
}

// ApplicationEvent is one step of an application's history.
type ApplicationEvent struct {
	At      time.Time        `json:"at"`
	State   ApplicationState `json:"state"`
	By      string           `json:"by,omitempty"` // reviewer (account email or API key name); "" for the applicant
	Comment string           `json:"comment,omitempty"`
}

// Application is one learner's evidence for one achievement, and what the
// reviewers decided.
type Application struct {
	ID            string
	OrgID         string
	AchievementID string
	LearnerID     string // "" for an anyone-with-the-link applicant
	Name          string
	Email         string
	EmailVerified bool // a wallet address the learner verified
	Statement     string
	URLs          []string
	// Consent: the learner lets the files be published as evidence of the
	// award (at a stable public URL); otherwise the award names them only.
	Consent     bool
	State       ApplicationState
	Comment     string      // the reviewer's last comment or reason
	Results     []ob.Result // the rubric, on approval
	History     []ApplicationEvent
	ReviewedBy  string
	AwardID     string // on approval
	CreatedAt   time.Time
	SubmittedAt time.Time // the last submission
	UpdatedAt   time.Time
	// Files are the evidence files, without their data.
	Files []*ApplicationFile
	// Items are what the applicant gave for the achievement's evidence
	// requirements (cairn.EvidenceRequirement), in their order.
	Items []ApplicationItem
}

// ApplicationItem is what an applicant gave for one evidence requirement:
// the link or the text, or the name of the file (one of the
// application's files).
type ApplicationItem struct {
	ID    string             `json:"id"` // the requirement's
	Label string             `json:"label"`
	Kind  cairn.EvidenceKind `json:"kind"`
	Value string             `json:"value"`
}

// ApplicationFile is one evidence file. Data is only read by
// ApplicationFile and PublicEvidenceFile.
type ApplicationFile struct {
	ID            string
	ApplicationID string
	OrgID         string
	Name          string
	ContentType   string
	Size          int64
	SHA256        string
	Data          []byte
	CreatedAt     time.Time
}

// ApplicationFilter selects applications: of one organization (OrgID), or
// of one learner (LearnerID, across organizations). Zero fields do not
// filter.
type ApplicationFilter struct {
	OrgID         string
	LearnerID     string
	State         ApplicationState
	AchievementID string
	Limit         int    // 0 means 50; at most 200
	Cursor        string // from the previous page
}

const applicationColumns = "id, org_id, achievement_id, COALESCE(learner_id, ''), name, email, email_verified, statement, urls, consent, " +
	"state, comment, results, history, reviewed_by, award_id, created_at, submitted_at, updated_at, items"

func scanApplication(s scanner) (*Application, error) {
	var a Application
	err := s.Scan(&a.ID, &a.OrgID, &a.AchievementID, &a.LearnerID, &a.Name, &a.Email, &a.EmailVerified, &a.Statement,
		jsonCol{&a.URLs}, &a.Consent, &a.State, &a.Comment, jsonCol{&a.Results}, jsonCol{&a.History}, &a.ReviewedBy, &a.AwardID,
		timeCol{&a.CreatedAt}, timeCol{&a.SubmittedAt}, timeCol{&a.UpdatedAt}, jsonCol{&a.Items})
	if len(a.Items) == 0 {
		a.Items = nil
	}
	return &a, err
}

// PutApplicationSettings opens or closes an achievement of the
// organization to applications. Errors: NotFound (no such achievement in
// the organization).
func (db *DB) PutApplicationSettings(ctx context.Context, s *ApplicationSettings) error {
	return db.write(ctx, func(x q) error {
		var n int
		if err := x.row(ctx, "SELECT COUNT(*) FROM achievements WHERE id = ? AND org_id = ?", s.AchievementID, s.OrgID).Scan(&n); err != nil {
			return mapErr(err)
		}
		if n == 0 {
			return notFound("achievement")
		}
		s.UpdatedAt = db.now()
		_, err := x.exec(ctx, `INSERT INTO application_settings (achievement_id, org_id, open, anyone, instructions, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (achievement_id) DO UPDATE SET open = excluded.open, anyone = excluded.anyone,
			instructions = excluded.instructions, updated_at = excluded.updated_at`,
			s.AchievementID, s.OrgID, s.Open, s.Anyone, s.Instructions, s.UpdatedAt)
		return err
	})
}

// PublicApplicationSettings returns an achievement's settings by its
// globally unique ID (closed, zero settings when none were saved).
func (db *DB) PublicApplicationSettings(ctx context.Context, achievementID string) (*ApplicationSettings, error) {
	s := &ApplicationSettings{AchievementID: achievementID}
	err := db.read().row(ctx, "SELECT org_id, open, anyone, instructions, updated_at FROM application_settings WHERE achievement_id = ?",
		achievementID).Scan(&s.OrgID, &s.Open, &s.Anyone, &s.Instructions, timeCol{&s.UpdatedAt})
	if err == sqlNoRows {
		return s, nil
	}
	return s, mapErr(err)
}

// ApplicationSettings returns the settings of an achievement of the
// organization (closed when none were saved, or when the achievement is
// another organization's).
func (db *DB) ApplicationSettings(ctx context.Context, orgID, achievementID string) (*ApplicationSettings, error) {
	s, err := db.PublicApplicationSettings(ctx, achievementID)
	if err != nil {
		return nil, err
	}
	if s.OrgID != orgID {
		return &ApplicationSettings{AchievementID: achievementID, OrgID: orgID}, nil
	}
	return s, nil
}

// pendingApplication returns the ID of an application of the same
// applicant (learner, or email for anyone) for the achievement still
// under review or returned, or "".
func pendingApplication(ctx context.Context, x q, a *Application) (string, error) {
	query := "SELECT id FROM applications WHERE achievement_id = ? AND state IN ('submitted', 'returned') AND "
	arg := a.Email
	if a.LearnerID != "" {
		query, arg = query+"learner_id = ?", a.LearnerID
	} else {
		// Without a wallet one cannot resubmit: a returned application
		// does not stand in the way of a new one.
		query = "SELECT id FROM applications WHERE achievement_id = ? AND state = 'submitted' AND learner_id IS NULL AND email = ?"
	}
	var id string
	err := x.row(ctx, query+" LIMIT 1", a.AchievementID, arg).Scan(&id)
	if err == sqlNoRows {
		return "", nil
	}
	return id, mapErr(err)
}

// CreateApplication stores a new application (state submitted) with its
// files, in one transaction. Errors: Conflict (the applicant has an
// application for the achievement under review or returned), NotFound
// (no such achievement in the organization).
func (db *DB) CreateApplication(ctx context.Context, a *Application, files []*ApplicationFile) error {
	if err := required("org_id", a.OrgID, "achievement_id", a.AchievementID, "email", a.Email); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		var n int
		if err := x.row(ctx, "SELECT COUNT(*) FROM achievements WHERE id = ? AND org_id = ?", a.AchievementID, a.OrgID).Scan(&n); err != nil {
			return mapErr(err)
		}
		if n == 0 {
			return notFound("achievement")
		}
		if id, err := pendingApplication(ctx, x, a); err != nil {
			return err
		} else if id != "" {
			return &cairn.Error{Kind: cairn.Conflict, Field: "application",
				Message: "you have an application for this achievement under review already (" + id + ")"}
		}
		if a.ID == "" {
			a.ID = newID()
		}
		now := db.now()
		a.CreatedAt, a.SubmittedAt, a.UpdatedAt, a.State = now, now, now, AppSubmitted
		a.History = []ApplicationEvent{{At: now, State: AppSubmitted}}
		if err := insertApplication(ctx, x, a); err != nil {
			return err
		}
		a.Files = nil
		return insertFiles(ctx, x, a, files, now)
	})
}

func insertApplication(ctx context.Context, x q, a *Application) error {
	urls, _ := jsonArg(nonNil(a.URLs))
	results, _ := jsonArg(nonNil(a.Results))
	history, _ := jsonArg(a.History)
	items, _ := jsonArg(nonNil(a.Items))
	var learner any
	if a.LearnerID != "" {
		learner = a.LearnerID
	}
	_, err := x.exec(ctx, `INSERT INTO applications (id, org_id, achievement_id, learner_id, name, email, email_verified, statement, urls,
		consent, state, comment, results, history, reviewed_by, award_id, created_at, submitted_at, updated_at, items)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.OrgID, a.AchievementID, learner, a.Name, a.Email, a.EmailVerified, a.Statement, urls, a.Consent,
		string(a.State), a.Comment, results, history, a.ReviewedBy, a.AwardID, a.CreatedAt, a.SubmittedAt, a.UpdatedAt, items)
	return err
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func insertFiles(ctx context.Context, x q, a *Application, files []*ApplicationFile, now time.Time) error {
	for _, f := range files {
		if f.ID == "" {
			f.ID = newID()
		}
		f.ApplicationID, f.OrgID, f.CreatedAt, f.Size = a.ID, a.OrgID, now, int64(len(f.Data))
		if _, err := x.exec(ctx, `INSERT INTO application_files (id, application_id, org_id, name, content_type, size, sha256, data, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, f.ID, f.ApplicationID, f.OrgID, f.Name, f.ContentType, f.Size, f.SHA256, f.Data, f.CreatedAt); err != nil {
			return err
		}
		meta := *f
		meta.Data = nil
		a.Files = append(a.Files, &meta)
	}
	return nil
}

// Resubmission is what a learner changes when resubmitting a returned
// application.
type Resubmission struct {
	Statement string
	URLs      []string
	Consent   bool
	Keep      []string // IDs of the files to keep; the others are deleted
	Add       []*ApplicationFile
	MaxFiles  int // the files kept and added may be at most this many
	Items     []ApplicationItem
}

// ResubmitApplication resubmits a returned application of the learner:
// statement, URLs and consent are replaced, files not kept are deleted
// and new ones added, the state is submitted again. Errors: NotFound (no
// such application of the learner), Conflict (not returned), Invalid
// (files, too many).
func (db *DB) ResubmitApplication(ctx context.Context, learnerID, id string, rs Resubmission) (*Application, error) {
	var a *Application
	err := db.write(ctx, func(x q) error {
		var err error
		a, err = scanApplication(x.row(ctx, "SELECT "+applicationColumns+" FROM applications WHERE id = ? AND learner_id = ?", id, learnerID))
		if err != nil {
			return orNotFound(err, "application")
		}
		if a.State != AppReturned {
			return cairn.Errorf(cairn.Conflict, "this application is %s: only a returned application can be submitted again", a.State)
		}
		if a.Files, err = listFiles(ctx, x, a.ID); err != nil {
			return err
		}
		keep := map[string]bool{}
		for _, k := range rs.Keep {
			keep[k] = true
		}
		var kept []*ApplicationFile
		for _, f := range a.Files {
			if keep[f.ID] {
				kept = append(kept, f)
				continue
			}
			if _, err := x.exec(ctx, "DELETE FROM application_files WHERE id = ?", f.ID); err != nil {
				return err
			}
		}
		if rs.MaxFiles > 0 && len(kept)+len(rs.Add) > rs.MaxFiles {
			return cairn.Invalidf("files", "%d files kept and %d added: at most %d", len(kept), len(rs.Add), rs.MaxFiles)
		}
		now := db.now()
		a.Files = kept
		if err := insertFiles(ctx, x, a, rs.Add, now); err != nil {
			return err
		}
		a.Statement, a.URLs, a.Consent, a.State, a.SubmittedAt, a.UpdatedAt = rs.Statement, rs.URLs, rs.Consent, AppSubmitted, now, now
		a.Items = rs.Items
		a.History = append(a.History, ApplicationEvent{At: now, State: AppSubmitted})
		urls, _ := jsonArg(nonNil(a.URLs))
		history, _ := jsonArg(a.History)
		items, _ := jsonArg(nonNil(a.Items))
		_, err = x.exec(ctx, `UPDATE applications SET statement = ?, urls = ?, consent = ?, state = ?, history = ?, submitted_at = ?, updated_at = ?, items = ?
			WHERE id = ?`, a.Statement, urls, a.Consent, string(a.State), history, now, now, items, a.ID)
		return err
	})
	return a, err
}

// Decision is a reviewer's decision on a submitted application.
type Decision struct {
	State   ApplicationState // approved, returned or rejected
	By      string
	Comment string
	Results []ob.Result // approved
	AwardID string      // approved
	// Messages are outbox messages (the applicant's mail) written in the
	// decision's transaction.
	Messages []outbox.Message
}

// DecideApplication records a decision on an application of the
// organization that is submitted. Errors: NotFound, Conflict (not
// submitted: decided already, or returned).
func (db *DB) DecideApplication(ctx context.Context, orgID, id string, d Decision) (*Application, error) {
	var a *Application
	var stored bool
	err := db.write(ctx, func(x q) error {
		var err error
		a, err = scanApplication(x.row(ctx, "SELECT "+applicationColumns+" FROM applications WHERE id = ? AND org_id = ?", id, orgID))
		if err != nil {
			return orNotFound(err, "application")
		}
		if a.State != AppSubmitted {
			return cairn.Errorf(cairn.Conflict, "this application is %s already", a.State)
		}
		now := db.now()
		a.State, a.Comment, a.ReviewedBy, a.UpdatedAt = d.State, d.Comment, d.By, now
		if d.State == AppApproved {
			a.Results, a.AwardID = d.Results, d.AwardID
		}
		a.History = append(a.History, ApplicationEvent{At: now, State: d.State, By: d.By, Comment: d.Comment})
		results, _ := jsonArg(nonNil(a.Results))
		history, _ := jsonArg(a.History)
		if _, err := x.exec(ctx, `UPDATE applications SET state = ?, comment = ?, reviewed_by = ?, results = ?, award_id = ?, history = ?, updated_at = ?
			WHERE id = ?`, string(a.State), a.Comment, a.ReviewedBy, results, a.AwardID, history, now, a.ID); err != nil {
			return err
		}
		if stored, err = db.writeMessages(ctx, x, d.Messages); err != nil {
			return err
		}
		a.Files, err = listFiles(ctx, x, a.ID)
		return err
	})
	if err == nil && stored {
		db.wakeOutbox()
	}
	return a, err
}

func listFiles(ctx context.Context, x q, appID string) ([]*ApplicationFile, error) {
	rows, err := x.query(ctx, `SELECT id, application_id, org_id, name, content_type, size, sha256, created_at
		FROM application_files WHERE application_id = ? ORDER BY created_at, id`, appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ApplicationFile
	for rows.Next() {
		var f ApplicationFile
		if err := rows.Scan(&f.ID, &f.ApplicationID, &f.OrgID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, timeCol{&f.CreatedAt}); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, &f)
	}
	return out, mapErr(rows.Err())
}

// Application returns an application of the organization with its files'
// metadata. Errors: NotFound.
func (db *DB) Application(ctx context.Context, orgID, id string) (*Application, error) {
	return db.oneApplication(ctx, "org_id", orgID, id)
}

// LearnerApplication returns an application of the learner. Errors:
// NotFound.
func (db *DB) LearnerApplication(ctx context.Context, learnerID, id string) (*Application, error) {
	return db.oneApplication(ctx, "learner_id", learnerID, id)
}

func (db *DB) oneApplication(ctx context.Context, col, owner, id string) (*Application, error) {
	var a *Application
	err := db.readTx(ctx, func(x q) error {
		var err error
		a, err = scanApplication(x.row(ctx, "SELECT "+applicationColumns+" FROM applications WHERE id = ? AND "+col+" = ?", id, owner))
		if err != nil {
			return orNotFound(err, "application")
		}
		a.Files, err = listFiles(ctx, x, a.ID)
		return err
	})
	return a, err
}

// Applications lists applications, most recently changed first, with
// their files' metadata. It answers the cursor of the next page ("" at the end).
func (db *DB) Applications(ctx context.Context, f ApplicationFilter) ([]*Application, string, error) {
	var where []string
	var args []any
	switch {
	case f.OrgID != "":
		where, args = append(where, "org_id = ?"), append(args, f.OrgID)
	case f.LearnerID != "":
	default:
		return nil, "", cairn.Invalidf("orgId", "is required")
	}
	if f.LearnerID != "" {
		where, args = append(where, "learner_id = ?"), append(args, f.LearnerID)
	}
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, string(f.State))
	}
	if f.AchievementID != "" {
		where, args = append(where, "achievement_id = ?"), append(args, f.AchievementID)
	}
	if f.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(f.Cursor)
		at, id, ok := strings.Cut(string(raw), "|")
		t, terr := time.Parse(time.RFC3339Nano, at)
		if err != nil || !ok || terr != nil {
			return nil, "", cairn.Invalidf("cursor", "is not a cursor this server gave")
		}
		where = append(where, "(updated_at < ? OR (updated_at = ? AND id < ?))")
		args = append(args, t, t, id)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	rows, err := db.read().query(ctx, "SELECT "+applicationColumns+" FROM applications WHERE "+strings.Join(where, " AND ")+
		" ORDER BY updated_at DESC, id DESC LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*Application
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, "", mapErr(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", mapErr(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = base64.RawURLEncoding.EncodeToString([]byte(last.UpdatedAt.UTC().Format(time.RFC3339Nano) + "|" + last.ID))
	}
	if len(out) == 0 {
		return out, next, nil
	}
	byID := map[string]*Application{}
	ids := make([]any, 0, len(out))
	for _, a := range out {
		byID[a.ID] = a
		ids = append(ids, a.ID)
	}
	frows, err := db.read().query(ctx, `SELECT id, application_id, org_id, name, content_type, size, sha256, created_at
		FROM application_files WHERE application_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY created_at, id`, ids...)
	if err != nil {
		return nil, "", err
	}
	defer frows.Close()
	for frows.Next() {
		var f ApplicationFile
		if err := frows.Scan(&f.ID, &f.ApplicationID, &f.OrgID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, timeCol{&f.CreatedAt}); err != nil {
			return nil, "", mapErr(err)
		}
		byID[f.ApplicationID].Files = append(byID[f.ApplicationID].Files, &f)
	}
	return out, next, mapErr(frows.Err())
}

// ApplicationFile returns one file of an application of the organization,
// with its data. Errors: NotFound.
func (db *DB) ApplicationFile(ctx context.Context, orgID, appID, fileID string) (*ApplicationFile, error) {
	return scanFile(db.read().row(ctx, `SELECT id, application_id, org_id, name, content_type, size, sha256, data, created_at
		FROM application_files WHERE id = ? AND application_id = ? AND org_id = ?`, fileID, appID, orgID))
}

// LearnerApplicationFile returns one file of an application of the
// learner, with its data. Errors: NotFound.
func (db *DB) LearnerApplicationFile(ctx context.Context, learnerID, appID, fileID string) (*ApplicationFile, error) {
	return scanFile(db.read().row(ctx, `SELECT f.id, f.application_id, f.org_id, f.name, f.content_type, f.size, f.sha256, f.data, f.created_at
		FROM application_files f JOIN applications a ON a.id = f.application_id
		WHERE f.id = ? AND f.application_id = ? AND a.learner_id = ?`, fileID, appID, learnerID))
}

// PublicEvidenceFile returns a file of an approved application whose
// learner consented to publishing it, by the file's ID. Errors: NotFound
// (also when not approved or not consented).
func (db *DB) PublicEvidenceFile(ctx context.Context, fileID string) (*ApplicationFile, error) {
	return scanFile(db.read().row(ctx, `SELECT f.id, f.application_id, f.org_id, f.name, f.content_type, f.size, f.sha256, f.data, f.created_at
		FROM application_files f JOIN applications a ON a.id = f.application_id
		WHERE f.id = ? AND a.state = 'approved' AND a.consent = ?`, fileID, true))
}

func scanFile(s scanner) (*ApplicationFile, error) {
	var f ApplicationFile
	err := s.Scan(&f.ID, &f.ApplicationID, &f.OrgID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.Data, timeCol{&f.CreatedAt})
	if err != nil {
		return nil, orNotFound(err, "file")
	}
	return &f, nil
}
