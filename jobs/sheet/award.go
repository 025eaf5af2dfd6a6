package sheet

import (
	"strconv"
	"strings"
	"time"

	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/ob"
)

// MaxExternalIDLen caps the externalId column.
const MaxExternalIDLen = 200

// ResultLookup finds the result description of an achievement by its
// name (as Normalize folds it), returning its ID, or an error saying why
// there is none (its message is shown as the row's reason).
type ResultLookup func(achievementID, name string) (string, error)

// Award turns a record into the award it asks for, and its externalId.
// defaultAchievement is used when the row has no achievementId. Errors are
// *RowError naming the column.
func (rec *Record) Award(defaultAchievement string, results ResultLookup) (in issuing.AwardInput, externalID string, err error) {
	v := rec.Values
	fail := func(col, reason string) (issuing.AwardInput, string, error) {
		return issuing.AwardInput{}, "", &RowError{Row: rec.Num, Column: col, Reason: reason}
	}
	in.AchievementID = defaultAchievement
	if a := v["achievementId"]; a != "" {
		in.AchievementID = a
	}
	if in.AchievementID == "" {
		return fail("achievementId", "no achievement: give an achievementId column or the job's achievementId")
	}
	in.Recipient.Email, in.Recipient.DID = v["email"], v["did"]
	switch {
	case in.Recipient.Email != "" && in.Recipient.DID != "":
		return fail("email", "give an email or a did, not both")
	case in.Recipient.Email == "" && in.Recipient.DID == "":
		return fail("email", "the row has no recipient: give an email or a did")
	}
	in.Recipient.Name = v["name"]
	if s := v["showName"]; s != "" {
		b, ok := parseBool(s)
		if !ok {
			return fail("showName", strconv.Quote(s)+" is not true or false")
		}
		in.Recipient.ShowName = b
	}
	in.Narrative = v["narrative"]
	if u, n := v["evidenceUrl"], v["evidenceName"]; u != "" || n != "" {
		in.Evidence = []ob.Evidence{{ID: u, Name: n}}
	}
	for _, col := range []string{"validFrom", "validUntil"} {
		s := v[col]
		if s == "" {
			continue
		}
		t, ok := parseTime(s)
		if !ok {
			return fail(col, strconv.Quote(s)+" is not a date (YYYY-MM-DD) or an RFC 3339 date-time")
		}
		if col == "validFrom" {
			in.ValidFrom = &t
		} else {
			in.ValidUntil = &t
		}
	}
	if s := v["creditsEarned"]; s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f != f {
			return fail("creditsEarned", strconv.Quote(s)+" is not a number")
		}
		in.CreditsEarned = &f
	}
	externalID = v["externalId"]
	if len(externalID) > MaxExternalIDLen {
		return fail("externalId", "is longer than "+strconv.Itoa(MaxExternalIDLen)+" bytes")
	}
	for _, r := range rec.Results {
		id, err := results(in.AchievementID, Normalize(r.Name))
		if err != nil {
			return fail(ResultPrefix+r.Name, err.Error())
		}
		in.Results = append(in.Results, ob.Result{ResultDescription: id, Value: r.Value})
	}
	return in, externalID, nil
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "y", "1":
		return true, true
	case "false", "no", "n", "0":
		return false, true
	}
	return false, false
}

func parseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}
