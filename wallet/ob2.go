package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/verify"
)

// Open Badges 2.0 assertions
//
// The server's verifier reads OB 2.0 but does not verify it. The wallet
// imports OB 2.0 badges from platforms that still issue them (the Mozilla
// Backpack's heirs, Badgr exports), so it checks hosted assertions itself,
// as the OB 2.0 verification rules say: the assertion is fetched again
// from its id, on the issuer's origin (or an origin the issuer allows);
// there it must not be revoked (nor gone: 410), and its dates must hold.
// Signed OB 2.0 assertions are read but not verified (indeterminate).

// CheckHosted is the check of an OB 2.0 hosted assertion: fetched again
// from its issuer.
const CheckHosted = "hosted"

// ob2Skew is the clock skew tolerated on OB 2.0 dates.
const ob2Skew = 5 * time.Minute

func isOB2(m map[string]any) bool {
	for _, c := range list(m["@context"]) {
		if s, ok := c.(string); ok && (s == "https://w3id.org/openbadges/v2" || strings.HasPrefix(s, "https://w3id.org/openbadges/v1")) {
			return true
		}
	}
	// Assertions of 1.x platforms may carry no context.
	_, recipient := m["recipient"]
	_, badge := m["badge"]
	_, vc := m["credentialSubject"]
	return recipient && badge && !vc
}

type ob2Run struct {
	im      *Importer
	rep     *verify.Report
	fetches int
}

func (r *ob2Run) add(name string, o verify.Outcome, format string, args ...any) {
	r.rep.Checks = append(r.rep.Checks, verify.NewCheck(name, o, format, args...))
}

// fetchJSON fetches a JSON object (at most 3 per verification).
func (r *ob2Run) fetchJSON(ctx context.Context, u string) (map[string]any, error) {
	if r.fetches >= 3 {
		return nil, fmt.Errorf("not fetching %s: an OB 2.0 check fetches at most 3 documents: %w", u, fetch.ErrUnavailable)
	}
	r.fetches++
	if _, err := checkURL(u); err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), ": "))
	}
	data, err := r.im.fetcher.Fetch(ctx, u)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s is not a JSON object: %v", u, err)
	}
	return m, nil
}

// object returns v as an object: embedded, or fetched by its URL.
func (r *ob2Run) object(ctx context.Context, v any) (map[string]any, string, error) {
	switch x := v.(type) {
	case map[string]any:
		return x, str(x["id"]), nil
	case string:
		m, err := r.fetchJSON(ctx, x)
		return m, x, err
	}
	return nil, "", errors.New("missing")
}

func outcomeOfFetch(err error) verify.Outcome {
	if errors.Is(err, fetch.ErrUnavailable) {
		return verify.Indeterminate
	}
	return verify.Failed
}

// verifyOB2 verifies an OB 2.0 assertion given as JSON.
func (im *Importer) verifyOB2(ctx context.Context, data []byte) (*verify.Report, *display) {
	r := &ob2Run{im: im, rep: &verify.Report{Format: "ob2"}}
	defer r.finish()
	var a map[string]any
	if err := json.Unmarshal(data, &a); err != nil {
		r.add(verify.CheckFormat, verify.Failed, "not JSON: %v", err)
		return r.rep, nil
	}
	r.rep.Credential = a
	r.rep.ID = str(a["id"])
	r.rep.Types = strs(a["type"])
	var missing []string
	for _, k := range []string{"id", "recipient", "badge", "verification", "issuedOn"} {
		if a[k] == nil {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		r.add(verify.CheckFormat, verify.Failed, "not an Open Badges 2.0 assertion: %s missing", strings.Join(missing, ", "))
		r.rep.Credential = nil
		return r.rep, nil
	}
	r.add(verify.CheckFormat, verify.Verified, "Open Badges 2.0 assertion")
	d := &display{format: FormatOB2, id: str(a["id"]), image: imageRef(a["image"])}
	d.issued = dateOf(a, "issuedOn")
	d.validUntil = dateOf(a, "expires")

	vtype := ""
	if v, ok := a["verification"].(map[string]any); ok {
		vtype = strings.ToLower(str(v["type"]))
	}
	hosted := a
	switch vtype {
	case "hosted", "hostedbadge":
		h, err := r.fetchJSON(ctx, str(a["id"]))
		var se *fetch.StatusError
		switch {
		case errors.As(err, &se) && se.StatusCode == 410:
			r.add(CheckHosted, verify.Verified, "the assertion's URL answers 410 Gone")
			r.add(verify.CheckStatus, verify.Failed, "revoked: its issuer no longer hosts the assertion (%s answers 410 Gone)", str(a["id"]))
			hosted = nil
		case err != nil:
			r.add(CheckHosted, outcomeOfFetch(err), "the hosted assertion could not be fetched from its issuer: %v", err)
			hosted = nil
		case str(h["id"]) != str(a["id"]):
			r.add(CheckHosted, verify.Failed, "the document at %s is another assertion (id %q)", str(a["id"]), str(h["id"]))
			hosted = nil
		default:
			r.add(CheckHosted, verify.Verified, "the assertion was fetched again from %s", str(a["id"]))
			hosted = h
		}
	case "signed", "signedbadge":
		r.add(CheckHosted, verify.Indeterminate, "signed Open Badges 2.0 assertions are read but not verified yet")
		hosted = nil
	default:
		r.add(CheckHosted, verify.Failed, "verification.type %q: want hosted or signed", vtype)
		hosted = nil
	}
	if hosted != nil {
		// The issuer's copy decides what the assertion says.
		a = hosted
		r.rep.Credential = a
		d.issued, d.validUntil = dateOf(a, "issuedOn"), dateOf(a, "expires")
		if revoked, _ := a["revoked"].(bool); revoked {
			reason := str(a["revocationReason"])
			if reason == "" {
				reason = "no reason given"
			}
			r.add(verify.CheckStatus, verify.Failed, "revoked by its issuer (%s)", reason)
		} else {
			r.add(verify.CheckStatus, verify.Verified, "not revoked: the issuer's hosted assertion says so")
		}
	}

	badge, badgeID, err := r.object(ctx, a["badge"])
	if err != nil {
		r.add(verify.CheckIssuerKey, outcomeOfFetch(err), "the badge class could not be read: %v", err)
	} else {
		d.name, d.description = str(badge["name"]), str(badge["description"])
		if d.image == "" {
			d.image = imageRef(badge["image"])
		}
		for _, al := range list(badge["alignment"]) {
			m, _ := al.(map[string]any)
			if n := strings.TrimSpace(str(m["targetName"])); n != "" && !containsStr(d.skills, n) && len(d.skills) < 100 {
				d.skills = append(d.skills, n)
			}
		}
		issuer, issuerID, err := r.object(ctx, badge["issuer"])
		if err != nil {
			r.add(verify.CheckIssuerKey, outcomeOfFetch(err), "the issuer profile of the badge class %s could not be read: %v", badgeID, err)
		} else {
			d.issuerID, d.issuerName = issuerID, str(issuer["name"])
			if vtype == "hosted" || vtype == "hostedbadge" {
				r.checkOrigin(a, issuer, issuerID)
			}
		}
	}
	r.rep.Issuer, r.rep.Name = d.issuerID, d.name
	r.checkDates(a)
	if d.name == "" {
		d.name = "Untitled badge"
	}
	d.name, d.description = clip(d.name, 300), clip(d.description, 2000)
	d.issuerID, d.issuerName = clip(d.issuerID, 2048), clip(d.issuerName, 300)
	return r.rep, d
}

// checkOrigin checks that a hosted assertion lives on its issuer's origin
// or one the issuer allows (verification.allowedOrigins, or
// verification.startsWith).
func (r *ob2Run) checkOrigin(a, issuer map[string]any, issuerID string) {
	au, err1 := url.Parse(str(a["id"]))
	iu, err2 := url.Parse(issuerID)
	if err1 != nil || err2 != nil || au.Host == "" {
		r.add(verify.CheckIssuerKey, verify.Failed, "the assertion's id or its issuer's is not a URL")
		return
	}
	allowed := []string{iu.Host}
	var starts []string
	if v, ok := issuer["verification"].(map[string]any); ok {
		if o := strs(v["allowedOrigins"]); len(o) > 0 {
			allowed = o
		}
		starts = strs(v["startsWith"])
	}
	ok := containsStr(allowed, au.Host)
	if ok && len(starts) > 0 {
		ok = false
		for _, s := range starts {
			ok = ok || strings.HasPrefix(au.String(), s)
		}
	}
	if !ok {
		r.add(verify.CheckIssuerKey, verify.Failed, "the assertion is hosted on %s, which its issuer %s does not allow (%s)", au.Host, issuerID, strings.Join(allowed, ", "))
		return
	}
	r.add(verify.CheckIssuerKey, verify.Verified, "hosted on %s, an origin of its issuer %s", au.Host, issuerID)
}

func (r *ob2Run) checkDates(a map[string]any) {
	now := r.im.now()
	issued := dateOf(a, "issuedOn")
	expires := dateOf(a, "expires")
	switch {
	case issued == nil:
		r.add(verify.CheckDates, verify.Failed, "issuedOn %q is not a date", str(a["issuedOn"]))
	case issued.After(now.Add(ob2Skew)):
		r.add(verify.CheckDates, verify.Failed, "issued in the future (%s)", issued.UTC().Format(time.RFC3339))
	case expires != nil && expires.Before(now.Add(-ob2Skew)):
		r.add(verify.CheckDates, verify.Failed, "expired on %s", expires.UTC().Format(time.RFC3339))
	case expires != nil && expires.Before(*issued):
		r.add(verify.CheckDates, verify.Failed, "expires (%s) before it was issued (%s)", expires.UTC().Format(time.RFC3339), issued.UTC().Format(time.RFC3339))
	case expires != nil:
		r.add(verify.CheckDates, verify.Verified, "issued %s, valid until %s", issued.UTC().Format("2006-01-02"), expires.UTC().Format("2006-01-02"))
	default:
		r.add(verify.CheckDates, verify.Verified, "issued %s, no expiry", issued.UTC().Format("2006-01-02"))
	}
}

// finish computes the result as the verifier does: failed if a check
// failed, else indeterminate if one could not run, else verified.
func (r *ob2Run) finish() {
	res := verify.Verified
	for _, c := range r.rep.Checks {
		switch c.Outcome {
		case verify.Failed:
			res = verify.Failed
		case verify.Indeterminate:
			if res == verify.Verified {
				res = verify.Indeterminate
			}
		}
	}
	if len(r.rep.Checks) == 0 {
		res = verify.Indeterminate
	}
	r.rep.Result = res
}
