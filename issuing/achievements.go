package issuing

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/jsonld"
	"github.com/cairn-badges/cairn/ob"
)

// Limits on achievements.
const (
	MaxCriteriaLen   = 20_000
	MaxAlignments    = 50
	MaxTags          = 50
	MaxTagLen        = 100
	MaxResultDescs   = 50
	MaxValidForMonth = 1200
	MaxReminders     = 5
	MaxReminderDays  = 365
)

// AchievementInput is what a caller gives to create or update an
// achievement. Field names follow OB 3.0 where it has them.
type AchievementInput struct {
	IssuerID           string                 `json:"issuerId"`
	Name               string                 `json:"name"`
	Description        string                 `json:"description"`
	CriteriaNarrative  string                 `json:"criteriaNarrative,omitempty"`
	CriteriaURL        string                 `json:"criteriaUrl,omitempty"`
	AchievementType    string                 `json:"achievementType,omitempty"`
	Alignments         []ob.Alignment         `json:"alignment,omitempty"`
	ResultDescriptions []ob.ResultDescription `json:"resultDescription,omitempty"`
	CreditsAvailable   *float64               `json:"creditsAvailable,omitempty"`
	Tags               []string               `json:"tag,omitempty"`
	FieldOfStudy       string                 `json:"fieldOfStudy,omitempty"`
	InLanguage         string                 `json:"inLanguage,omitempty"`
	Version            string                 `json:"version,omitempty"`
	ImageID            string                 `json:"imageId,omitempty"`
	// ValidForMonths sets validUntil of awards to validFrom plus this many
	// months; 0 means awards do not expire.
	ValidForMonths int `json:"validForMonths,omitempty"`
	// ReminderDays are the days before an award's validUntil on which its
	// learner is reminded by mail, e.g. [30, 7]; none by default. At most
	// MaxReminders, each from 1 to MaxReminderDays.
	ReminderDays []int `json:"reminderDays,omitempty"`
	// EvidenceRequirements are what an applicant must submit when the
	// achievement is open to applications: at most MaxEvidenceItems, each
	// with a label, a kind (file, url or text) and whether it is
	// required. Kept by Cairn, not put in the credential.
	EvidenceRequirements []cairn.EvidenceRequirement `json:"evidenceRequirements,omitempty"`
	// Translations are the name and description in other languages (at
	// most MaxTranslations, each a different language from inLanguage,
	// which they require). Credentials carry each as an OB 3.0 Related
	// entry: an alternate language edition of the achievement.
	Translations []cairn.Translation `json:"translations,omitempty"`
}

// MaxTranslations is the most translations of one achievement.
const MaxTranslations = 20

// languageTag is the form OB 3.0's JSON Schema asks of a LanguageCode.
var languageTag = regexp.MustCompile(`^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$`)

// checkTranslations checks the translations of an achievement in
// language own and trims them.
func checkTranslations(own string, trs []cairn.Translation) error {
	if len(trs) == 0 {
		return nil
	}
	if own == "" {
		return cairn.Invalidf("inLanguage", "is required with translations: the language of name and description (e.g. en)")
	}
	if len(trs) > MaxTranslations {
		return cairn.Invalidf("translations", "has %d entries; the limit is %d", len(trs), MaxTranslations)
	}
	seen := map[string]bool{strings.ToLower(own): true}
	for i := range trs {
		t := &trs[i]
		f := fmt.Sprintf("translations[%d]", i)
		t.InLanguage, t.Name, t.Description = strings.TrimSpace(t.InLanguage), strings.TrimSpace(t.Name), strings.TrimSpace(t.Description)
		if !languageTag.MatchString(t.InLanguage) {
			return cairn.Invalidf(f+".inLanguage", "%q is not a language code such as ko, th or pt-BR", t.InLanguage)
		}
		if seen[strings.ToLower(t.InLanguage)] {
			return cairn.Invalidf(f+".inLanguage", "%s is given twice (or is the achievement's own language)", t.InLanguage)
		}
		seen[strings.ToLower(t.InLanguage)] = true
		if err := checkText(f+".name", t.Name, 1, MaxNameLen); err != nil {
			return err
		}
		if err := checkText(f+".description", t.Description, 0, MaxDescriptionLen); err != nil {
			return err
		}
	}
	return nil
}

// Limits on evidence requirements.
const (
	MaxEvidenceItems    = 20
	MaxEvidenceLabelLen = 200
	MaxEvidenceDescLen  = 2000
)

// checkEvidenceRequirements checks the items and gives those without an
// id one from their position (item-1, item-2, …).
func checkEvidenceRequirements(reqs []cairn.EvidenceRequirement) error {
	const field = "evidenceRequirements"
	if len(reqs) > MaxEvidenceItems {
		return cairn.Invalidf(field, "has %d entries; the limit is %d", len(reqs), MaxEvidenceItems)
	}
	seen := map[string]bool{}
	for i := range reqs {
		r := &reqs[i]
		f := fmt.Sprintf("%s[%d]", field, i)
		r.Label, r.ID, r.Description = strings.TrimSpace(r.Label), strings.TrimSpace(r.ID), strings.TrimSpace(r.Description)
		if r.ID == "" {
			r.ID = fmt.Sprintf("item-%d", i+1)
		}
		if len(r.ID) > 40 || strings.IndexFunc(r.ID, func(c rune) bool {
			return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')
		}) >= 0 {
			return cairn.Invalidf(f+".id", "%q: use up to 40 letters, digits, - or _", r.ID)
		}
		if seen[r.ID] {
			return cairn.Invalidf(f+".id", "%q is given twice", r.ID)
		}
		seen[r.ID] = true
		if err := checkText(f+".label", r.Label, 1, MaxEvidenceLabelLen); err != nil {
			return err
		}
		if r.Kind == "" {
			return cairn.Invalidf(f+".kind", "is required: file, url or text")
		}
		if !r.Kind.Valid() {
			return cairn.Invalidf(f+".kind", "%q: want file, url or text", r.Kind)
		}
		if err := checkText(f+".description", r.Description, 0, MaxEvidenceDescLen); err != nil {
			return err
		}
	}
	return nil
}

// achievementTypes are the OB 3.0 AchievementType enumeration; "ext:Name"
// extends it.
var achievementTypes = map[string]bool{
	"Achievement": true, "ApprenticeshipCertificate": true, "Assessment": true, "Assignment": true,
	"AssociateDegree": true, "Award": true, "Badge": true, "BachelorDegree": true, "Certificate": true,
	"CertificateOfCompletion": true, "Certification": true, "CommunityService": true, "Competency": true,
	"Course": true, "CoCurricular": true, "Degree": true, "Diploma": true, "DoctoralDegree": true,
	"Fieldwork": true, "GeneralEducationDevelopment": true, "JourneymanCertificate": true,
	"LearningProgram": true, "License": true, "Membership": true, "ProfessionalDoctorate": true,
	"QualityAssuranceCredential": true, "MasterCertificate": true, "MasterDegree": true,
	"MicroCredential": true, "ResearchDoctorate": true, "SecondarySchoolDiploma": true,
}

func (in *AchievementInput) validate() error {
	in.Name = strings.TrimSpace(in.Name)
	if in.IssuerID == "" {
		return cairn.Invalidf("issuerId", "is required")
	}
	if err := checkText("name", in.Name, 1, MaxNameLen); err != nil {
		return err
	}
	if err := checkText("description", in.Description, 1, MaxDescriptionLen); err != nil {
		return err
	}
	if err := checkText("criteriaNarrative", in.CriteriaNarrative, 0, MaxCriteriaLen); err != nil {
		return err
	}
	if in.CriteriaNarrative == "" && in.CriteriaURL == "" {
		return cairn.Invalidf("criteriaNarrative", "is required when there is no criteriaUrl: say what earners did")
	}
	if in.CriteriaURL != "" {
		if err := checkURL("criteriaUrl", in.CriteriaURL); err != nil {
			return err
		}
	}
	if in.AchievementType == "" {
		in.AchievementType = "Badge"
	}
	if !achievementTypes[in.AchievementType] && !(strings.HasPrefix(in.AchievementType, "ext:") && len(in.AchievementType) > 4) {
		return cairn.Invalidf("achievementType", "%q is not an OB 3.0 achievement type (e.g. Badge, Certificate, MicroCredential) or ext:Name", in.AchievementType)
	}
	if err := checkAlignments("alignment", in.Alignments); err != nil {
		return err
	}
	if len(in.ResultDescriptions) > MaxResultDescs {
		return cairn.Invalidf("resultDescription", "has %d entries; the limit is %d", len(in.ResultDescriptions), MaxResultDescs)
	}
	for i := range in.ResultDescriptions {
		rd := &in.ResultDescriptions[i]
		field := fmt.Sprintf("resultDescription[%d]", i)
		rd.Type = ob.List[string]{"ResultDescription"}
		if rd.ID == "" {
			rd.ID = fmt.Sprintf("urn:cairn:result-description:%d", i+1)
		}
		if err := checkIRI(field+".id", rd.ID); err != nil {
			return err
		}
		if err := checkAlignments(field+".alignment", rd.Alignment); err != nil {
			return err
		}
		for j := range rd.RubricCriterionLevel {
			l := &rd.RubricCriterionLevel[j]
			lf := fmt.Sprintf("%s.rubricCriterionLevel[%d]", field, j)
			if l.ID != "" {
				if err := checkIRI(lf+".id", l.ID); err != nil {
					return err
				}
			}
			if err := checkAlignments(lf+".alignment", l.Alignment); err != nil {
				return err
			}
		}
		if err := checkText(field+".name", rd.Name, 1, MaxNameLen); err != nil {
			return err
		}
		if rd.ResultType == "" {
			return cairn.Invalidf(field+".resultType", "is required (e.g. GradePointAverage, LetterGrade, Percent, Status)")
		}
	}
	if in.CreditsAvailable != nil && (*in.CreditsAvailable < 0 || *in.CreditsAvailable > 1e6) {
		return cairn.Invalidf("creditsAvailable", "must be between 0 and 1000000")
	}
	if len(in.Tags) > MaxTags {
		return cairn.Invalidf("tag", "has %d entries; the limit is %d", len(in.Tags), MaxTags)
	}
	for i, t := range in.Tags {
		if err := checkText(fmt.Sprintf("tag[%d]", i), t, 1, MaxTagLen); err != nil {
			return err
		}
	}
	for field, v := range map[string]string{"fieldOfStudy": in.FieldOfStudy, "inLanguage": in.InLanguage, "version": in.Version} {
		if err := checkText(field, v, 0, MaxNameLen); err != nil {
			return err
		}
	}
	if in.ValidForMonths < 0 || in.ValidForMonths > MaxValidForMonth {
		return cairn.Invalidf("validForMonths", "must be between 0 (no expiry) and %d", MaxValidForMonth)
	}
	if len(in.ReminderDays) > MaxReminders {
		return cairn.Invalidf("reminderDays", "has %d entries; the limit is %d", len(in.ReminderDays), MaxReminders)
	}
	seen := map[int]bool{}
	for i, d := range in.ReminderDays {
		if d < 1 || d > MaxReminderDays {
			return cairn.Invalidf(fmt.Sprintf("reminderDays[%d]", i), "must be a whole number of days from 1 to %d", MaxReminderDays)
		}
		if seen[d] {
			return cairn.Invalidf(fmt.Sprintf("reminderDays[%d]", i), "repeats %d", d)
		}
		seen[d] = true
	}
	slices.SortFunc(in.ReminderDays, func(a, b int) int { return b - a })
	in.InLanguage = strings.TrimSpace(in.InLanguage)
	if in.InLanguage != "" && !languageTag.MatchString(in.InLanguage) && len(in.Translations) > 0 {
		return cairn.Invalidf("inLanguage", "%q is not a language code such as en, ko or pt-BR", in.InLanguage)
	}
	if err := checkTranslations(in.InLanguage, in.Translations); err != nil {
		return err
	}
	return checkEvidenceRequirements(in.EvidenceRequirements)
}

// checkAlignments checks the alignments of an achievement, a result
// description, a rubric level or a result: each names its target and
// points at it with an http(s) URL.
func checkAlignments(field string, as []ob.Alignment) error {
	if len(as) > MaxAlignments {
		return cairn.Invalidf(field, "has %d entries; the limit is %d", len(as), MaxAlignments)
	}
	for i := range as {
		a := &as[i]
		f := fmt.Sprintf("%s[%d]", field, i)
		a.Type = ob.List[string]{"Alignment"}
		if err := checkText(f+".targetName", a.TargetName, 1, MaxNameLen); err != nil {
			return err
		}
		if err := checkURL(f+".targetUrl", a.TargetURL); err != nil {
			return err
		}
	}
	return nil
}

func (in *AchievementInput) apply(a *cairn.Achievement) {
	a.IssuerID, a.Name, a.Description = in.IssuerID, in.Name, in.Description
	a.CriteriaNarrative, a.CriteriaURL, a.AchievementType = in.CriteriaNarrative, in.CriteriaURL, in.AchievementType
	a.Alignments, a.ResultDescriptions, a.CreditsAvailable = in.Alignments, in.ResultDescriptions, in.CreditsAvailable
	a.Tags, a.FieldOfStudy, a.InLanguage, a.Version = in.Tags, in.FieldOfStudy, in.InLanguage, in.Version
	a.ImageID, a.ValidFor = in.ImageID, in.ValidForMonths
	a.ReminderDays = in.ReminderDays
	a.EvidenceRequirements = in.EvidenceRequirements
	a.Translations = in.Translations
}

// CreateAchievement creates an achievement of one of the organization's
// issuers. Errors: Invalid (naming the field), Unavailable.
func (s *Service) CreateAchievement(ctx context.Context, orgID string, in AchievementInput) (*cairn.Achievement, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	is, err := s.checkRefs(ctx, orgID, in.IssuerID, in.ImageID)
	if err != nil {
		return nil, err
	}
	a := &cairn.Achievement{OrgID: orgID}
	in.apply(a)
	if err := s.checkSignable(ctx, a, is); err != nil {
		return nil, err
	}
	if err := s.store.CreateAchievement(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// UpdateAchievement changes an achievement. Awards already issued keep the
// achievement they were signed with; re-issuing one signs the new version.
// Errors: Invalid, NotFound.
func (s *Service) UpdateAchievement(ctx context.Context, orgID, id string, in AchievementInput) (*cairn.Achievement, error) {
	a, err := s.store.Achievement(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	if in.IssuerID == "" {
		in.IssuerID = a.IssuerID
	}
	if in.IssuerID != a.IssuerID {
		return nil, cairn.Invalidf("issuerId", "an achievement cannot move to another issuer")
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	is, err := s.checkRefs(ctx, orgID, in.IssuerID, in.ImageID)
	if err != nil {
		return nil, err
	}
	in.apply(a)
	if err := s.checkSignable(ctx, a, is); err != nil {
		return nil, err
	}
	if err := s.store.UpdateAchievement(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

func (s *Service) checkRefs(ctx context.Context, orgID, issuerID, imageID string) (*cairn.Issuer, error) {
	is, err := s.store.Issuer(ctx, orgID, issuerID)
	if err != nil {
		return nil, fieldErr("issuerId", err)
	}
	if imageID != "" {
		if _, err := s.store.Image(ctx, orgID, imageID); err != nil {
			return nil, fieldErr("imageId", err)
		}
	}
	return is, nil
}

// checkSignable builds the credential an award of a would carry and
// canonicalizes it as signing does, so that an achievement no credential
// can carry (an extension property that no context defines, say) is refused
// when it is saved, naming the field, instead of failing every award.
func (s *Service) checkSignable(ctx context.Context, a *cairn.Achievement, is *cairn.Issuer) error {
	now := s.clock()
	aw := &cairn.Award{ID: "00000000-0000-0000-0000-000000000000", StatusListID: "00000000-0000-0000-0000-000000000000",
		Recipient:   cairn.Recipient{Type: cairn.RecipientEmail, Identity: "check@example.org"},
		AwardedDate: now, ValidFrom: now}
	cred, err := s.Credential(aw, a, is)
	if err != nil {
		return cairn.Wrapf(cairn.Internal, err, "building a credential of the achievement")
	}
	if err := ob.ValidateIssued(cred); err != nil {
		return signingError(ctx, cred, err, achievementFields, achievementLists, "a credential of the achievement fails the OB 3.0 schema")
	}
	if _, err := jsonld.Canonicalize(ctx, cred, jsonld.Options{}); err != nil {
		return signingError(ctx, cred, err, achievementFields, achievementLists, "canonicalizing a credential of the achievement")
	}
	return nil
}

// OBAchievement returns the OB 3.0 Achievement that credentials embed.
func (s *Service) OBAchievement(a *cairn.Achievement, issuer *cairn.Issuer) ob.Achievement {
	o := ob.NewAchievement(s.AchievementURL(a.ID), a.Name, a.Description, a.CriteriaNarrative)
	if a.CriteriaURL != "" {
		o.Criteria.ID = a.CriteriaURL
	}
	o.AchievementType = a.AchievementType
	o.Alignment = a.Alignments
	o.ResultDescription = a.ResultDescriptions
	o.CreditsAvailable = a.CreditsAvailable
	o.Tag = a.Tags
	o.FieldOfStudy, o.InLanguage, o.Version = a.FieldOfStudy, a.InLanguage, a.Version
	for _, t := range a.Translations {
		o.Related = append(o.Related, ob.RelatedEdition(s.AchievementURL(a.ID)+"?lang="+url.QueryEscape(t.InLanguage), t.InLanguage, t.Name, t.Description))
	}
	if a.ImageID != "" {
		o.Image = &ob.Image{ID: s.ImageURL(a.ImageID), Type: "Image"}
	}
	if issuer != nil {
		p := s.Profile(issuer)
		o.Creator = &p
	}
	return o
}
