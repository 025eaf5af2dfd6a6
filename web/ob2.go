package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ob"
)

// Open Badges 2.0 export
// (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html),
// for platforms that read only OB 2.0: every award issued here is also a
// hosted OB 2.0 Assertion at a stable URL, with its BadgeClass and Issuer
// Profile beside it:
//
//	/ob2/assertions/{awardId}        Assertion, verification {"type": "hosted"}
//	/ob2/badges/{achievementId}      BadgeClass
//	/ob2/badges/{achievementId}/image.svg  its image, when the achievement has none uploaded
//	/ob2/issuers/{issuerId}          Issuer Profile
//
// Hosted verification (§HostedBadge) re-fetches the assertion from its id,
// which shares its origin with the issuer's id. The recipient is the
// award's identity hashed with its salt ("sha256$…", §IdentityObject). A
// revoked award, and a suspended one (OB 2.0 has no suspension; it must
// not verify while suspended), answers 410 Gone with {"revoked": true}
// and the reason, as §Assertion revocation says for hosted assertions.
// These documents are not signed: OB 2.0 hosted verification trusts the
// issuer's origin (HTTPS), where the OB 3.0 credential carries a signature.

// OB2Doc is one hosted OB 2.0 document.
type OB2Doc struct {
	Kind string // "assertion", "badge" or "issuer"
	URL  string
	JSON []byte
}

func (p *Public) registerOB2(mux *http.ServeMux) {
	mux.HandleFunc("GET /ob2/assertions/{id}", p.ob2Assertion)
	mux.HandleFunc("GET /ob2/badges/{id}", p.ob2Badge)
	mux.HandleFunc("GET /ob2/badges/{id}/image.svg", p.ob2BadgeImage)
	mux.HandleFunc("GET /ob2/issuers/{id}", p.ob2Issuer)
	mux.HandleFunc("GET /ob2/", p.NotFound)
}

// OB2AssertionURL, OB2BadgeURL and OB2IssuerURL are the stable URLs (and
// ids) of the OB 2.0 documents.
func (p *Public) OB2AssertionURL(awardID string) string {
	return p.svc.URL("/ob2/assertions/" + awardID)
}

// OB2BadgeURL is the URL of an achievement's OB 2.0 BadgeClass.
func (p *Public) OB2BadgeURL(achievementID string) string {
	return p.svc.URL("/ob2/badges/" + achievementID)
}

// OB2IssuerURL is the URL of an issuer's OB 2.0 Profile.
func (p *Public) OB2IssuerURL(issuerID string) string { return p.svc.URL("/ob2/issuers/" + issuerID) }

func ob2Time(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ob2Assertion builds the Assertion of aw; gone is set when it is revoked
// or suspended, and the document is then the revocation answer.
func (p *Public) ob2AssertionDoc(aw *cairn.Award) (doc map[string]any, gone bool) {
	id := p.OB2AssertionURL(aw.ID)
	if aw.State == cairn.StateRevoked || aw.State == cairn.StateSuspended {
		reason := aw.StateReason
		if aw.State == cairn.StateSuspended {
			reason = strings.TrimSpace("suspended by its issuer. " + reason)
		}
		doc = map[string]any{"@context": ob.ContextOB2, "type": "Assertion", "id": id, "revoked": true}
		if reason != "" {
			doc["revocationReason"] = reason
		}
		return doc, true
	}
	salt := aw.Recipient.Salt
	if salt == "" {
		salt = aw.ID
	}
	rtype := "email"
	if aw.Recipient.Type == cairn.RecipientDID {
		rtype = "url" // a DID is a URI
	}
	doc = map[string]any{
		"@context": ob.ContextOB2,
		"type":     "Assertion",
		"id":       id,
		"recipient": map[string]any{"type": rtype, "hashed": true, "salt": salt,
			"identity": ob.HashIdentity(aw.Recipient.Identity, salt)},
		"badge":        p.OB2BadgeURL(aw.AchievementID),
		"verification": map[string]any{"type": "hosted"},
		"issuedOn":     ob2Time(firstNonZero(aw.AwardedDate, aw.ValidFrom)),
	}
	if aw.ValidUntil != nil {
		doc["expires"] = ob2Time(*aw.ValidUntil)
	}
	if aw.Narrative != "" {
		doc["narrative"] = aw.Narrative
	}
	var ev []any
	for _, e := range aw.Evidence {
		m := map[string]any{"type": "Evidence"}
		for k, v := range map[string]string{"id": e.ID, "narrative": e.Narrative, "name": e.Name, "description": e.Description,
			"genre": e.Genre, "audience": e.Audience} {
			if v != "" {
				m[k] = v
			}
		}
		if len(m) > 1 {
			ev = append(ev, m)
		}
	}
	if ev != nil {
		doc["evidence"] = ev
	}
	return doc, false
}

func firstNonZero(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

func (p *Public) ob2BadgeDoc(a *cairn.Achievement) map[string]any {
	image := p.svc.URL("/ob2/badges/" + a.ID + "/image.svg")
	if a.ImageID != "" {
		image = p.svc.ImageURL(a.ImageID)
	}
	criteria := map[string]any{"id": p.svc.AchievementURL(a.ID)}
	if a.CriteriaURL != "" {
		criteria["id"] = a.CriteriaURL
	}
	if a.CriteriaNarrative != "" {
		criteria["narrative"] = a.CriteriaNarrative
	}
	desc := a.Description
	if desc == "" {
		desc = a.Name
	}
	doc := map[string]any{
		"@context":    ob.ContextOB2,
		"type":        "BadgeClass",
		"id":          p.OB2BadgeURL(a.ID),
		"name":        a.Name,
		"description": desc,
		"image":       image,
		"criteria":    criteria,
		"issuer":      p.OB2IssuerURL(a.IssuerID),
	}
	var al []any
	for _, x := range a.Alignments {
		// OB 2.0 requires targetName and targetUrl.
		if x.TargetName == "" || x.TargetURL == "" {
			continue
		}
		m := map[string]any{"targetName": x.TargetName, "targetUrl": x.TargetURL}
		for k, v := range map[string]string{"targetDescription": x.TargetDescription, "targetFramework": x.TargetFramework, "targetCode": x.TargetCode} {
			if v != "" {
				m[k] = v
			}
		}
		al = append(al, m)
	}
	if al != nil {
		doc["alignment"] = al
	}
	if len(a.Tags) > 0 {
		doc["tags"] = a.Tags
	}
	return doc
}

func (p *Public) ob2IssuerDoc(is *cairn.Issuer) map[string]any {
	u := is.URL
	if u == "" {
		u = p.svc.IssuerURL(is.ID)
	}
	doc := map[string]any{
		"@context": ob.ContextOB2,
		"type":     "Issuer",
		"id":       p.OB2IssuerURL(is.ID),
		"name":     is.Name,
		"url":      u,
	}
	if is.Email != "" {
		doc["email"] = is.Email
	}
	if is.Description != "" {
		doc["description"] = is.Description
	}
	if is.Phone != "" {
		doc["telephone"] = is.Phone
	}
	if is.ImageID != "" {
		doc["image"] = p.svc.ImageURL(is.ImageID)
	}
	return doc
}

// OB2Documents returns the hosted OB 2.0 documents of an award: its
// Assertion (the revocation answer when revoked or suspended), BadgeClass
// and Issuer Profile, as the /ob2/ routes serve them.
func (p *Public) OB2Documents(ctx context.Context, aw *cairn.Award) ([]OB2Doc, error) {
	ach, err := p.store.PublicAchievement(ctx, aw.AchievementID)
	if err != nil {
		return nil, err
	}
	is, err := p.store.PublicIssuer(ctx, aw.IssuerID)
	if err != nil {
		return nil, err
	}
	a, _ := p.ob2AssertionDoc(aw)
	out := make([]OB2Doc, 0, 3)
	for _, d := range []struct {
		kind, url string
		doc       map[string]any
	}{{"assertion", p.OB2AssertionURL(aw.ID), a}, {"badge", p.OB2BadgeURL(ach.ID), p.ob2BadgeDoc(ach)}, {"issuer", p.OB2IssuerURL(is.ID), p.ob2IssuerDoc(is)}} {
		data, err := json.MarshalIndent(d.doc, "", "  ")
		if err != nil {
			return nil, err
		}
		out = append(out, OB2Doc{Kind: d.kind, URL: d.url, JSON: data})
	}
	return out, nil
}

func (p *Public) writeOB2(w http.ResponseWriter, r *http.Request, status int, doc map[string]any, cache string) {
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		p.fail(w, r, cairn.Wrapf(cairn.Internal, err, "OB 2.0 document"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/ld+json")
	h.Set("Access-Control-Allow-Origin", "*") // backpacks fetch from browsers
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", cache)
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(append(data, '\n'))
	}
}

func (p *Public) ob2Assertion(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		p.NotFound(w, r)
		return
	}
	aw, err := p.store.PublicAward(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	doc, gone := p.ob2AssertionDoc(aw)
	status := http.StatusOK
	if gone {
		status = http.StatusGone
	}
	// Short: hosted verification is how a revocation is seen.
	p.writeOB2(w, r, status, doc, "public, max-age=60")
}

func (p *Public) ob2Badge(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		p.NotFound(w, r)
		return
	}
	a, err := p.store.PublicAchievement(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.writeOB2(w, r, http.StatusOK, p.ob2BadgeDoc(a), "public, max-age=300")
}

func (p *Public) ob2BadgeImage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		p.NotFound(w, r)
		return
	}
	a, err := p.store.PublicAchievement(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	issuerName := ""
	if is, err := p.store.PublicIssuer(r.Context(), a.IssuerID); err == nil {
		issuerName = is.Name
	}
	h := w.Header()
	h.Set("Content-Type", typeSVG)
	h.Set("Content-Security-Policy", imageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(designFor(p.svc.AchievementURL(a.ID), a.Name, issuerName).SVG())
}

func (p *Public) ob2Issuer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		p.NotFound(w, r)
		return
	}
	is, err := p.store.PublicIssuer(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.writeOB2(w, r, http.StatusOK, p.ob2IssuerDoc(is), "public, max-age=300")
}
