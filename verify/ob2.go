package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cairn-badges/cairn/fetch"
)

// Open Badges 2.0 verification
// (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Verification).
//
// Hosted verification (§HostedBadge): the assertion is fetched again from
// its id, an HTTP(S) URL, and the document found there is the one that
// counts; its BadgeClass and the issuer's Profile are fetched when given
// as URLs; the assertion's id must be on the issuer's origin (the
// Profile's id), or match its verification.allowedOrigins or startsWith.
// A 410 Gone, or "revoked": true, means revoked; "expires" in the past
// means expired. Signed verification (a JWS) is not supported yet: it is
// reported indeterminate.

// maxOB2Docs bounds what one OB 2.0 verification fetches (assertion,
// BadgeClass, Issuer).
const maxOB2Docs = 3

func (r *run) verifyOB2(ctx context.Context, rep *Report, payload []byte, bakedURL bool, doc map[string]any) {
	rep.Format = "ob2"
	var given map[string]any
	var id string
	switch {
	case bakedURL:
		id = strings.TrimSpace(string(payload))
	case doc != nil:
		given = doc
	default:
		p := bytes.TrimSpace(payload)
		if len(p) > 0 && p[0] != '{' {
			rep.add(CheckFormat, Verified, "Open Badges 2.0 signed assertion (JWS)")
			rep.add(CheckProof, Indeterminate, "Open Badges 2.0 signed verification (JWS) is not supported yet; only hosted assertions are verified")
			return
		}
		if err := json.Unmarshal(p, &given); err != nil {
			rep.add(CheckFormat, Failed, "the baked Open Badges 2.0 assertion is not JSON: %v", err)
			return
		}
	}
	if given != nil {
		id = stringField(given, "id")
		switch t := verificationType(given); t {
		case "hosted", "HostedBadge", "":
		case "signed", "SignedBadge":
			r.describeOB2(rep, given, nil)
			rep.add(CheckFormat, Verified, "Open Badges 2.0 signed assertion")
			rep.add(CheckProof, Indeterminate, "Open Badges 2.0 signed verification (JWS) is not supported yet; only hosted assertions are verified")
			return
		default:
			rep.add(CheckFormat, Failed, "verification.type: %q is neither hosted nor signed", t)
			return
		}
	}
	u, err := url.Parse(id)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		rep.add(CheckFormat, Failed, "id: %q is not an HTTP(S) URL, so a hosted assertion cannot be fetched again", id)
		return
	}
	rep.add(CheckFormat, Verified, "Open Badges 2.0 hosted assertion at %s", id)

	// Re-fetch the assertion: the hosted copy is the one that counts.
	data, err := r.fetcher.Fetch(ctx, id)
	var se *fetch.StatusError
	switch {
	case errors.As(err, &se) && se.StatusCode == http.StatusGone:
		r.describeOB2(rep, given, nil)
		rep.add(CheckProof, Verified, "the issuer answers for the assertion at its id (hosted verification)")
		rep.add(CheckStatus, Failed, "revoked: the issuer answers 410 Gone at the assertion's id")
		return
	case err != nil:
		r.describeOB2(rep, given, nil)
		rep.add(CheckProof, outcomeOf(err), "the hosted assertion could not be fetched again from its id: %v", errText(err))
		return
	}
	var hosted map[string]any
	if err := json.Unmarshal(data, &hosted); err != nil {
		rep.add(CheckProof, Failed, "the document at the assertion's id is not JSON: %v", err)
		return
	}
	if hid := stringField(hosted, "id"); hid != id {
		rep.add(CheckProof, Failed, "the document at %s has id %q: it is not this assertion", id, hid)
		return
	}
	if given != nil && !sameOB2(given, hosted) {
		rep.warn("the assertion presented differs from the one hosted at its id; the hosted one is what was verified")
	}
	if rev, _ := hosted["revoked"].(bool); rev {
		r.describeOB2(rep, hosted, nil)
		rep.add(CheckProof, Verified, "the issuer answers for the assertion at its id (hosted verification)")
		reason := stringField(hosted, "revocationReason")
		if reason != "" {
			reason = ": " + reason
		}
		rep.add(CheckStatus, Failed, "revoked by its issuer%s", reason)
		return
	}
	if t := verificationType(hosted); t != "hosted" && t != "HostedBadge" {
		rep.add(CheckProof, Failed, "verification.type of the hosted assertion is %q, not hosted", t)
		return
	}
	var probs []string
	need := func(m map[string]any, what string, fields ...string) {
		for _, f := range fields {
			if v, ok := m[f]; !ok || v == nil || v == "" {
				probs = append(probs, what+"."+f+": missing")
			}
		}
	}
	need(hosted, "assertion", "recipient", "badge", "verification", "issuedOn")
	if rcp, ok := hosted["recipient"].(map[string]any); ok {
		need(rcp, "recipient", "type", "identity")
		if _, ok := rcp["hashed"].(bool); !ok {
			probs = append(probs, "recipient.hashed: must be true or false")
		}
	} else if hosted["recipient"] != nil {
		probs = append(probs, "recipient: must be an IdentityObject")
	}
	fetched := 1
	object := func(v any, what string) map[string]any {
		switch x := v.(type) {
		case map[string]any:
			return x
		case string:
			if fetched >= maxOB2Docs {
				return nil
			}
			fetched++
			b, err := r.fetcher.Fetch(ctx, x)
			if err != nil {
				probs = append(probs, fmt.Sprintf("%s %s could not be fetched: %v", what, x, errText(err)))
				return nil
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				probs = append(probs, fmt.Sprintf("%s at %s is not JSON", what, x))
				return nil
			}
			if got := stringField(m, "id"); got != x {
				probs = append(probs, fmt.Sprintf("%s at %s has id %q", what, x, got))
			}
			return m
		}
		return nil
	}
	badge := object(hosted["badge"], "the BadgeClass")
	var issuer map[string]any
	if badge != nil {
		need(badge, "badge", "name", "description", "image", "criteria", "issuer")
		issuer = object(badge["issuer"], "the issuer Profile")
	}
	if issuer != nil {
		need(issuer, "issuer", "name", "url")
		if stringField(issuer, "email") == "" {
			rep.warn("the issuer Profile has no email")
		}
	}
	r.describeOB2(rep, hosted, badge)
	if issuer != nil {
		rep.Issuer = stringField(issuer, "id")
	}
	if len(probs) > 0 {
		rep.add(CheckSchema, Failed, "not a complete Open Badges 2.0 assertion: %s", strings.Join(probs, "; "))
	} else {
		rep.add(CheckSchema, Verified, "has the properties Open Badges 2.0 requires of an Assertion, its BadgeClass and its Issuer")
	}
	rep.add(CheckProof, Verified, "hosted verification: the issuer serves this assertion at its id %s", id)
	if issuer == nil {
		rep.add(CheckIssuerKey, Indeterminate, "the issuer Profile could not be read, so whether the assertion's address is the issuer's is unknown")
	} else if ok, why := ob2Origin(id, issuer); ok {
		rep.addMessages(CheckIssuerKey, Verified, why)
	} else {
		rep.addMessages(CheckIssuerKey, Failed, why)
	}
	r.checkOB2Dates(rep, hosted)
}

func verificationType(m map[string]any) string {
	v, _ := m["verification"].(map[string]any)
	for _, t := range asList(v["type"]) {
		if s, ok := t.(string); ok {
			return s
		}
	}
	return ""
}

func sameOB2(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// ob2Origin applies §HostedBadge: the assertion's id must start with one of
// the issuer's verification.startsWith, or be on one of its
// allowedOrigins, by default the origin of the issuer's id.
func ob2Origin(assertionID string, issuer map[string]any) (bool, Message) {
	iid := stringField(issuer, "id")
	v, _ := issuer["verification"].(map[string]any)
	if sw := asList(v["startsWith"]); len(sw) > 0 {
		for _, s := range sw {
			if p, ok := s.(string); ok && p != "" && strings.HasPrefix(assertionID, p) {
				return true, msg("the assertion's id starts with %s, as the issuer %s allows (verification.startsWith)", p, iid)
			}
		}
		return false, msg("the assertion's id %s starts with none of the issuer %s's verification.startsWith", assertionID, iid)
	}
	au, _ := url.Parse(assertionID)
	host := ""
	if au != nil {
		host = au.Host
	}
	origins := asList(v["allowedOrigins"])
	if len(origins) == 0 {
		if iu, err := url.Parse(iid); err == nil && iu.Host != "" {
			origins = []any{iu.Host}
		}
	}
	for _, o := range origins {
		if s, ok := o.(string); ok && strings.EqualFold(s, host) {
			return true, msg("the assertion is hosted on %s, the issuer %s's origin", host, iid)
		}
	}
	return false, msg("the assertion is hosted on %s, which is not the origin of its issuer %s: anyone may host a document there", host, iid)
}

func (r *run) checkOB2Dates(rep *Report, a map[string]any) {
	issued, expires := stringField(a, "issuedOn"), stringField(a, "expires")
	skew := r.skew()
	if issued != "" {
		t, err := parseDate(issued)
		switch {
		case err != nil:
			rep.add(CheckDates, Failed, "issuedOn: %v", err)
			return
		case t.After(r.now.Add(skew)):
			rep.add(CheckDates, Failed, "issued in the future: issuedOn is %s", issued)
			return
		}
	}
	if expires != "" {
		t, err := parseDate(expires)
		switch {
		case err != nil:
			rep.add(CheckDates, Failed, "expires: %v", err)
		case !t.After(r.now.Add(-skew)):
			rep.add(CheckDates, Failed, "expired on %s", t.UTC().Format("2 January 2006 15:04 MST"))
		default:
			rep.add(CheckDates, Verified, "issued %s, expires %s", issued, expires)
		}
		return
	}
	rep.add(CheckDates, Verified, "issued %s, no expiry", issued)
}

func (r *run) describeOB2(rep *Report, a, badge map[string]any) {
	if a == nil {
		return
	}
	rep.ID = stringField(a, "id")
	for _, t := range asList(a["type"]) {
		if s, ok := t.(string); ok {
			rep.Types = append(rep.Types, s)
		}
	}
	if badge != nil {
		rep.Name = stringField(badge, "name")
	}
}
