package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/ob"
)

// The achievement form's repeated rows: skills (alignments) and the
// results an award records (result descriptions). The pages run no
// script, so the form shows the rows there are plus a few blank ones,
// and "More rows" posts the form back with more.

// blankRows is how many empty rows the form adds after the filled ones.
const blankRows = 2

// alignRow is one alignment as typed.
type alignRow struct{ I, Name, URL, Framework, Code, Type, Description string }

// resultRow is one result description as typed. ID keeps the row tied to
// the stored description, so what the form does not show (rubric levels,
// alignments, required level) is kept.
type resultRow struct{ I, ID, Name, Type, Allowed, Required, Min, Max string }

// transRow is one translation of the name and description as typed.
type transRow struct{ I, Lang, Name, Desc string }

// evidenceRow is one evidence requirement as typed.
type evidenceRow struct {
	I, ID, Label, Kind, Description string
	Required                        bool
}

// resultTypes are OB 3.0's result types.
var resultTypes = []string{"GradePointAverage", "LetterGrade", "Percent", "PerformanceLevel", "PredictedScore", "RawScore",
	"Result", "RubricCriterion", "RubricCriterionLevel", "RubricScore", "ScaledScore", "Status"}

// alignmentTypes are the target types OB 3.0 names; ext:Name is allowed too.
var alignmentTypes = []string{"CFItem", "CFRubric", "CFRubricCriterion", "CFRubricCriterionLevel", "CTDL"}

// languages offered for inLanguage; any BCP 47 tag can be typed.
var languages = []string{"en", "ko", "th", "vi", "id", "ms", "fil", "fi", "de", "fr", "es", "pt", "zh", "ja"}

func init() {
	for i := range issuing.MaxAlignments {
		p := fmt.Sprintf("alignment[%d].", i)
		for field, form := range map[string]string{"targetName": "alignName", "targetUrl": "alignUrl", "targetFramework": "alignFramework",
			"targetCode": "alignCode", "targetType": "alignType", "targetDescription": "alignDescription"} {
			achievementFields[p+field] = form + strconv.Itoa(i)
		}
	}
	for i := range issuing.MaxResultDescs {
		p := fmt.Sprintf("resultDescription[%d]", i)
		achievementFields[p] = "resultName" + strconv.Itoa(i)
		for field, form := range map[string]string{"name": "resultName", "resultType": "resultType", "allowedValue": "resultAllowed",
			"requiredValue": "resultRequired", "valueMin": "resultMin", "valueMax": "resultMax"} {
			achievementFields[p+"."+field] = form + strconv.Itoa(i)
		}
	}
	for i := range issuing.MaxEvidenceItems {
		p := fmt.Sprintf("evidenceRequirements[%d]", i)
		achievementFields[p] = "evidenceLabel" + strconv.Itoa(i)
		for field, form := range map[string]string{"id": "evidenceId", "label": "evidenceLabel", "kind": "evidenceKind", "description": "evidenceDescription"} {
			achievementFields[p+"."+field] = form + strconv.Itoa(i)
		}
	}
	achievementFields["evidenceRequirements"] = "evidenceLabel0"
	for i := range issuing.MaxTranslations {
		p := fmt.Sprintf("translations[%d]", i)
		achievementFields[p] = "transLang" + strconv.Itoa(i)
		for field, form := range map[string]string{"inLanguage": "transLang", "name": "transName", "description": "transDesc"} {
			achievementFields[p+"."+field] = form + strconv.Itoa(i)
		}
	}
	achievementFields["translations"] = "transLang0"
	for field, form := range map[string]string{"creditsAvailable": "credits", "fieldOfStudy": "fieldOfStudy",
		"inLanguage": "language", "version": "version", "alignment": "alignName0", "resultDescription": "resultName0"} {
		achievementFields[field] = form
	}
}

// fillDetails puts a stored achievement's details into the form.
func fillDetails(f *achievementForm, ach *cairn.Achievement) {
	for _, a := range ach.Alignments {
		f.Aligns = append(f.Aligns, alignRow{Name: a.TargetName, URL: a.TargetURL, Framework: a.TargetFramework,
			Code: a.TargetCode, Type: a.TargetType, Description: a.TargetDescription})
	}
	for _, rd := range ach.ResultDescriptions {
		f.Results = append(f.Results, resultRow{ID: rd.ID, Name: rd.Name, Type: rd.ResultType,
			Allowed: strings.Join(rd.AllowedValue, ", "), Required: rd.RequiredValue, Min: rd.ValueMin, Max: rd.ValueMax})
	}
	if ach.CreditsAvailable != nil {
		f.Credits = strconv.FormatFloat(*ach.CreditsAvailable, 'f', -1, 64)
	}
	for _, e := range ach.EvidenceRequirements {
		f.Evidence = append(f.Evidence, evidenceRow{ID: e.ID, Label: e.Label, Kind: string(e.Kind), Required: e.Required, Description: e.Description})
	}
	for _, t := range ach.Translations {
		f.Trans = append(f.Trans, transRow{Lang: t.InLanguage, Name: t.Name, Desc: t.Description})
	}
	f.FieldOfStudy, f.Language, f.Version = ach.FieldOfStudy, ach.InLanguage, ach.Version
	padRows(f, blankRows)
}

// padRows adds n blank rows of each kind (within the limits) and numbers
// the rows.
func padRows(f *achievementForm, n int) {
	for range n {
		if len(f.Aligns) < issuing.MaxAlignments {
			f.Aligns = append(f.Aligns, alignRow{})
		}
		if len(f.Results) < issuing.MaxResultDescs {
			f.Results = append(f.Results, resultRow{})
		}
		if len(f.Evidence) < issuing.MaxEvidenceItems {
			f.Evidence = append(f.Evidence, evidenceRow{Kind: "file", Required: true})
		}
		if len(f.Trans) < issuing.MaxTranslations {
			f.Trans = append(f.Trans, transRow{})
		}
	}
	for i := range f.Trans {
		f.Trans[i].I = strconv.Itoa(i)
	}
	for i := range f.Evidence {
		f.Evidence[i].I = strconv.Itoa(i)
	}
	for i := range f.Aligns {
		f.Aligns[i].I = strconv.Itoa(i)
	}
	for i := range f.Results {
		f.Results[i].I = strconv.Itoa(i)
	}
}

// readDetails reads the details part of the posted form into f and in.
// current is the stored achievement (nil for a new one): a result row
// with its id keeps the parts of the description the form does not show.
func readDetails(r *http.Request, f *achievementForm, in *issuing.AchievementInput, current *cairn.Achievement) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f.Credits, f.FieldOfStudy, f.Language, f.Version = v("credits"), v("fieldOfStudy"), v("language"), v("version")
	in.FieldOfStudy, in.InLanguage, in.Version = f.FieldOfStudy, f.Language, f.Version
	if f.Credits != "" {
		c, err := strconv.ParseFloat(strings.ReplaceAll(f.Credits, ",", "."), 64)
		if err != nil {
			f.Errors = f.Errors.add("credits", "Enter a number of credits, e.g. 5 or 2.5, or leave it empty.")
		} else {
			in.CreditsAvailable = &c
		}
	}
	rows := func(prefix string) int {
		n, _ := strconv.Atoi(r.PostFormValue(prefix + "Rows"))
		return min(max(n, 0), 50)
	}
	f.Aligns, f.Results, f.Trans = nil, nil, nil
	for i := range min(rows("trans"), issuing.MaxTranslations) {
		s := strconv.Itoa(i)
		row := transRow{Lang: v("transLang" + s), Name: v("transName" + s), Desc: v("transDesc" + s)}
		if row == (transRow{}) {
			continue
		}
		f.Trans = append(f.Trans, row)
		in.Translations = append(in.Translations, cairn.Translation{InLanguage: row.Lang, Name: row.Name, Description: row.Desc})
	}
	for i := range rows("align") {
		s := strconv.Itoa(i)
		row := alignRow{Name: v("alignName" + s), URL: v("alignUrl" + s), Framework: v("alignFramework" + s),
			Code: v("alignCode" + s), Type: v("alignType" + s), Description: v("alignDescription" + s)}
		if row == (alignRow{}) {
			continue
		}
		f.Aligns = append(f.Aligns, row)
		in.Alignments = append(in.Alignments, ob.Alignment{TargetName: row.Name, TargetURL: row.URL, TargetFramework: row.Framework,
			TargetCode: row.Code, TargetType: row.Type, TargetDescription: row.Description})
	}
	stored := map[string]ob.ResultDescription{}
	if current != nil {
		for _, rd := range current.ResultDescriptions {
			stored[rd.ID] = rd
		}
	}
	for i := range rows("result") {
		s := strconv.Itoa(i)
		row := resultRow{ID: v("resultId" + s), Name: v("resultName" + s), Type: v("resultType" + s), Allowed: v("resultAllowed" + s),
			Required: v("resultRequired" + s), Min: v("resultMin" + s), Max: v("resultMax" + s)}
		if row.Name == "" && row.Type == "" && row.Allowed == "" && row.Required == "" && row.Min == "" && row.Max == "" {
			continue
		}
		f.Results = append(f.Results, row)
		rd := stored[row.ID] // zero for a new row
		rd.ID, rd.Name, rd.ResultType, rd.RequiredValue, rd.ValueMin, rd.ValueMax = row.ID, row.Name, row.Type, row.Required, row.Min, row.Max
		rd.AllowedValue = nil
		for a := range strings.SplitSeq(row.Allowed, ",") {
			if a = strings.TrimSpace(a); a != "" {
				rd.AllowedValue = append(rd.AllowedValue, a)
			}
		}
		in.ResultDescriptions = append(in.ResultDescriptions, rd)
	}
	f.Evidence = nil
	for i := range min(rows("evidence"), issuing.MaxEvidenceItems) {
		s := strconv.Itoa(i)
		row := evidenceRow{ID: v("evidenceId" + s), Label: v("evidenceLabel" + s), Kind: v("evidenceKind" + s),
			Description: v("evidenceDescription" + s), Required: r.PostFormValue("evidenceRequired"+s) != ""}
		if row.Label == "" && row.Description == "" {
			continue // a blank row (its kind and checkbox have defaults)
		}
		f.Evidence = append(f.Evidence, row)
		in.EvidenceRequirements = append(in.EvidenceRequirements, cairn.EvidenceRequirement{ID: row.ID, Label: row.Label,
			Kind: cairn.EvidenceKind(row.Kind), Required: row.Required, Description: row.Description})
	}
	more := 0
	if r.PostFormValue("more") != "" {
		more = 3
	}
	padRows(f, blankRows+more)
}
