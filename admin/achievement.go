package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/badgeimg"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/store"
)

// achievementForm is the data of the achievement form: the choices and
// what was typed.
type achievementForm struct {
	ID        string // "" for a new achievement
	ImageID   string // the current image
	Issuers   []*cairn.Issuer
	Issuer    string
	Name      string
	Desc      string
	Criteria  string
	CritURL   string
	Type      string
	Tags      string // comma-separated
	ValidFor  string // months
	Reminders string // days before expiry, comma-separated
	// Image: "keep" (the current one), "design", "upload" or "none".
	ImageMode string
	Design    designForm
	Errors    fieldErrors

	// Details: skills, results, credits and the OB 3.0 descriptors.
	Aligns                                   []alignRow
	Results                                  []resultRow
	Evidence                                 []evidenceRow
	Trans                                    []transRow
	EvidenceKinds                            []string
	Credits, FieldOfStudy, Language, Version string

	Shapes   []badgeimg.Shape
	Icons    []badgeimg.Icon
	Palettes []badgeimg.Palette
	Types    []string

	ResultTypes, AlignmentTypes, Languages []string

	// Cert is the certificate design form (existing achievements only).
	Cert *certificateForm
	// Apps are the achievement's application settings (nil: the server
	// runs no applications); ApplyURL is its apply page.
	Apps     *store.ApplicationSettings
	ApplyURL string
}

// designForm is a generated badge design as typed in the form.
type designForm struct {
	Shape, Primary, Secondary, Title, Subtitle, Icon string
}

// achievementTypes are offered in the form's list; others (OB 3.0 types
// and ext:Name) can be typed.
var achievementTypes = []string{"Badge", "Achievement", "Assessment", "Award", "Certificate", "CertificateOfCompletion",
	"Certification", "Competency", "Course", "License", "Membership", "MicroCredential"}

// achievementFields maps the issuing service's field names to the form's.
var achievementFields = map[string]string{
	"issuerId": "issuer", "name": "name", "description": "description", "criteriaNarrative": "criteria",
	"criteriaUrl": "criteriaUrl", "achievementType": "type", "tag": "tags", "validForMonths": "validFor",
	"imageId": "image", "reminderDays": "reminders",
}

func (h *Handler) newAchievementForm(ctx context.Context, a *actor) (*achievementForm, error) {
	f := &achievementForm{Shapes: badgeimg.Shapes, Icons: badgeimg.Icons, Palettes: badgeimg.Palettes, Types: achievementTypes,
		EvidenceKinds: []string{"file", "url", "text"},
		ResultTypes:   resultTypes, AlignmentTypes: alignmentTypes, Languages: languages}
	var err error
	f.Issuers, err = h.store.Issuers(ctx, a.Org.ID)
	return f, err
}

func (h *Handler) showAchievementForm(w http.ResponseWriter, r *http.Request, a *actor, status int, f *achievementForm, notice string) {
	title, nav := h.t(r, a, "New achievement"), "new-achievement"
	if f.ID != "" {
		title, nav = f.Name, "dashboard"
	}
	h.render(w, r, status, "achievement.html", view{Title: title, Actor: a, Nav: nav, Notice: notice, Data: f})
}

// achievementNew shows an empty achievement form.
func (h *Handler) achievementNew(w http.ResponseWriter, r *http.Request, a *actor) {
	f, err := h.newAchievementForm(r.Context(), a)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	p := badgeimg.Palettes[0]
	f.Type, f.ImageMode = "Badge", "design"
	f.Design = designForm{Shape: string(badgeimg.Hexagon), Primary: p.Primary, Secondary: p.Secondary, Icon: string(badgeimg.Star)}
	if len(f.Issuers) > 0 {
		f.Issuer = f.Issuers[0].ID
	}
	padRows(f, blankRows)
	h.showAchievementForm(w, r, a, http.StatusOK, f, "")
}

// achievementEdit shows an achievement's form (read-only for viewers).
func (h *Handler) achievementEdit(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	ach, err := h.store.Achievement(r.Context(), a.Org.ID, id)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	f, err := h.editForm(r.Context(), a, ach)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	notice := map[string]string{"created": "The achievement is created.", "saved": "The changes are saved. Awards issued before keep what they were signed with; re-issue one to sign the new version.",
		"certificate":  "The certificate design is saved. Every certificate downloaded from now on, of awards old and new, shows it.",
		"applications": "The application settings are saved."}[r.URL.Query().Get("done")]
	h.showAchievementForm(w, r, a, http.StatusOK, f, h.t(r, a, notice))
}

// editForm returns the form of an existing achievement, with its
// certificate design.
func (h *Handler) editForm(ctx context.Context, a *actor, ach *cairn.Achievement) (*achievementForm, error) {
	f, err := h.newAchievementForm(ctx, a)
	if err != nil {
		return nil, err
	}
	if f.Cert, err = h.newCertificateForm(ctx, a.Org.ID, ach.ID); err != nil {
		return nil, err
	}
	f.ID, f.ImageID, f.Issuer, f.Name, f.Desc = ach.ID, ach.ImageID, ach.IssuerID, ach.Name, ach.Description
	f.Criteria, f.CritURL, f.Type, f.Tags = ach.CriteriaNarrative, ach.CriteriaURL, ach.AchievementType, strings.Join(ach.Tags, ", ")
	if ach.ValidFor > 0 {
		f.ValidFor = strconv.Itoa(ach.ValidFor)
	}
	var days []string
	for _, d := range ach.ReminderDays {
		days = append(days, strconv.Itoa(d))
	}
	f.Reminders = strings.Join(days, ", ")
	fillDetails(f, ach)
	f.ImageMode = "keep"
	if ach.ImageID == "" {
		f.ImageMode = "none"
	}
	p := badgeimg.Palettes[0]
	f.Design = designForm{Shape: string(badgeimg.Hexagon), Primary: p.Primary, Secondary: p.Secondary, Icon: string(badgeimg.Star)}
	if h.review != nil {
		if f.Apps, err = h.review.Settings(ctx, a.Org.ID, ach.ID); err != nil {
			return nil, err
		}
		f.ApplyURL = h.review.ApplyURL(ach.ID)
	}
	return f, nil
}

// readAchievementForm reads the posted form into f and returns the
// service input; it records what is wrong in f.Errors.
func readAchievementForm(r *http.Request, f *achievementForm) issuing.AchievementInput {
	v := func(k string) string { return r.PostFormValue(k) }
	f.Issuer, f.Name, f.Desc = v("issuer"), strings.TrimSpace(v("name")), v("description")
	f.Criteria, f.CritURL, f.Type = v("criteria"), strings.TrimSpace(v("criteriaUrl")), strings.TrimSpace(v("type"))
	f.Tags, f.ValidFor, f.ImageMode = v("tags"), strings.TrimSpace(v("validFor")), v("imageMode")
	f.Design = designForm{Shape: v("shape"), Primary: v("primary"), Secondary: v("secondary"),
		Title: strings.TrimSpace(v("title")), Subtitle: strings.TrimSpace(v("subtitle")), Icon: v("icon")}
	in := issuing.AchievementInput{IssuerID: f.Issuer, Name: f.Name, Description: f.Desc,
		CriteriaNarrative: f.Criteria, CriteriaURL: f.CritURL, AchievementType: f.Type}
	for t := range strings.SplitSeq(f.Tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			in.Tags = append(in.Tags, t)
		}
	}
	if f.ValidFor != "" {
		n, err := strconv.Atoi(f.ValidFor)
		if err != nil || n < 0 {
			f.Errors = f.Errors.add("validFor", "Enter a whole number of months, or leave it empty for no expiry.")
		}
		in.ValidForMonths = n
	}
	f.Reminders = strings.TrimSpace(v("reminders"))
	for d := range strings.SplitSeq(f.Reminders, ",") {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		n, err := strconv.Atoi(d)
		if err != nil {
			f.Errors = f.Errors.add("reminders", "Enter whole numbers of days separated by commas, e.g. 30, 7.")
			break
		}
		in.ReminderDays = append(in.ReminderDays, n)
	}
	if f.Name == "" {
		f.Errors = f.Errors.add("name", "Give the achievement a name.")
	}
	if strings.TrimSpace(f.Desc) == "" {
		f.Errors = f.Errors.add("description", "Say in a sentence what the achievement is.")
	}
	if strings.TrimSpace(f.Criteria) == "" && f.CritURL == "" {
		f.Errors = f.Errors.add("criteria", "Say what earners did to earn it, or give the URL of the criteria.")
	}
	return in
}

// readImage returns the image the form asks for, validated but not
// stored: nil to keep the current one (or to have none, with none true).
func readImage(r *http.Request, f *achievementForm) (img *badgeimg.Image, none bool) {
	switch f.ImageMode {
	case "keep":
		if f.ID == "" {
			f.Errors = f.Errors.add("image", "Choose a badge image: design one or upload one.")
		}
		return nil, false
	case "none":
		return nil, true
	case "design":
		d := badgeimg.Design{Shape: badgeimg.Shape(f.Design.Shape), Primary: f.Design.Primary, Secondary: f.Design.Secondary,
			Title: f.Design.Title, Subtitle: f.Design.Subtitle, Icon: badgeimg.Icon(f.Design.Icon)}
		if d.Title == "" {
			d.Title = f.Name
			if n := []rune(d.Title); len(n) > badgeimg.MaxTitleLength {
				d.Title = string(n[:badgeimg.MaxTitleLength])
			}
		}
		if err := d.Validate(); err != nil {
			var de *badgeimg.DesignError
			if errors.As(err, &de) {
				f.Errors = f.Errors.add(de.Field, capitalize(de.Reason)+".")
			} else {
				f.Errors = f.Errors.add("image", "This design cannot be drawn.")
			}
			return nil, false
		}
		return &badgeimg.Image{Format: badgeimg.SVG, Data: d.SVG()}, false
	case "upload":
		file, fh, err := r.FormFile("file")
		if err != nil {
			f.Errors = f.Errors.add("file", "Choose a PNG or SVG file.")
			return nil, false
		}
		defer file.Close()
		data, err := io.ReadAll(io.LimitReader(file, badgeMaxUpload+1))
		switch {
		case err != nil:
			f.Errors = f.Errors.add("file", "The file could not be read. Choose it again.")
			return nil, false
		case len(data) > badgeMaxUpload:
			f.Errors = f.Errors.add("file", "The file is larger than 2 MiB.")
			return nil, false
		case len(data) == 0:
			f.Errors = f.Errors.add("file", "The file is empty.")
			return nil, false
		}
		ctype := fh.Header.Get("Content-Type")
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		v, err := badgeimg.Validate(data, ctype)
		if err != nil {
			f.Errors = f.Errors.add("file", capitalize(strings.TrimPrefix(err.Error(), "badgeimg: "))+".")
			return nil, false
		}
		return &v, false
	}
	f.Errors = f.Errors.add("image", "Choose how to make the badge image.")
	return nil, false
}

// saveImage stores a validated image of the organization.
func (h *Handler) saveImage(ctx context.Context, orgID string, img *badgeimg.Image) (string, error) {
	sum := sha256.Sum256(img.Data)
	ci := &cairn.Image{OrgID: orgID, ContentType: img.Format.ContentType(), Data: img.Data, SHA256: hex.EncodeToString(sum[:])}
	if err := h.store.CreateImage(ctx, ci); err != nil {
		return "", err
	}
	return ci.ID, nil
}

// achievementCreate creates an achievement from the form.
func (h *Handler) achievementCreate(w http.ResponseWriter, r *http.Request, a *actor) {
	h.saveAchievement(w, r, a, "")
}

// achievementUpdate saves the form of an existing achievement.
func (h *Handler) achievementUpdate(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.saveAchievement(w, r, a, id)
}

// saveAchievement creates (id "") or updates an achievement. The image is
// stored only after the achievement's fields passed the service's checks,
// so a form with a mistake leaves no stray image behind.
func (h *Handler) saveAchievement(w http.ResponseWriter, r *http.Request, a *actor, id string) {
	ctx := r.Context()
	f, err := h.newAchievementForm(ctx, a)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	var current *cairn.Achievement
	if id != "" {
		if current, err = h.store.Achievement(ctx, a.Org.ID, id); err != nil {
			h.fail(w, r, a, err)
			return
		}
		f.ID, f.ImageID = current.ID, current.ImageID
		f.Cert, _ = h.newCertificateForm(ctx, a.Org.ID, id) // the certificate card stays on the page
	}
	in := readAchievementForm(r, f)
	readDetails(r, f, &in, current)
	if r.PostFormValue("more") != "" {
		// More rows asked for: show the form again, saving nothing.
		f.Errors = nil
		h.showAchievementForm(w, r, a, http.StatusOK, f, "")
		return
	}
	img, none := readImage(r, f)
	if current != nil {
		// An achievement keeps its issuer.
		in.IssuerID = current.IssuerID
		f.Issuer = current.IssuerID
		if !none {
			in.ImageID = current.ImageID
		}
	}
	if f.Errors.Any() {
		h.showAchievementForm(w, r, a, http.StatusBadRequest, f, "")
		return
	}
	var ach *cairn.Achievement
	if current == nil {
		ach, err = h.svc.CreateAchievement(ctx, a.Org.ID, in)
	} else {
		ach, err = h.svc.UpdateAchievement(ctx, a.Org.ID, current.ID, in)
	}
	if err == nil && img != nil {
		if in.ImageID, err = h.saveImage(ctx, a.Org.ID, img); err == nil {
			ach, err = h.svc.UpdateAchievement(ctx, a.Org.ID, ach.ID, in)
		}
	}
	if err != nil {
		fe, ok := fromError(err, achievementFields)
		if !ok {
			h.fail(w, r, a, err)
			return
		}
		f.Errors = fe
		h.showAchievementForm(w, r, a, http.StatusBadRequest, f, "")
		return
	}
	done := "saved"
	if current == nil {
		done = "created"
	}
	h.redirect(w, r, "/admin/achievements/"+ach.ID+"?done="+done)
}
