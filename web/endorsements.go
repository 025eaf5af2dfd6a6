package web

import (
	"context"
	"encoding/json"
	"github.com/cairn-badges/cairn/i18n"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
)

// EndorsementItem is an endorsement listed on the page of what it
// endorses: "Endorsed by X: comment", with the signed credential to
// verify.
type EndorsementItem struct {
	Endorser, EndorserURL string
	Comment, Date         string
	URL                   string // the endorsement's signed JSON
	Credential            string // the same, for the page's Verify button
	VerifyURL             string // the verifier the button posts it to
}

// EvidenceItem is one evidence requirement as the achievement page lists
// it under "How to earn it".
type EvidenceItem struct {
	Label, Kind, Description string
	Required                 bool
}

// endorsementsOf lists the active endorsements of an achievement or an
// issuer profile; a store error leaves the list out (and is logged).
func (p *Public) endorsementsOf(ctx context.Context, typ cairn.EndorsementSubjectType, id string, l *i18n.Printer) []EndorsementItem {
	es, err := p.store.EndorsementsOf(ctx, typ, id)
	if err != nil {
		p.log.Warn("listing endorsements", "subject", id, "err", err)
		return nil
	}
	var out []EndorsementItem
	for _, e := range es {
		out = append(out, EndorsementItem{Endorser: e.EndorserName, EndorserURL: p.path("/issuers/" + e.IssuerID),
			Comment: e.Comment, Date: l.Date(e.CreatedAt), URL: p.path("/endorsements/" + e.ID), Credential: string(e.CredentialJSON), VerifyURL: p.path("/verify")})
	}
	return out
}

// withEndorsements is withContext(v) for an Achievement or a Profile,
// with the signed endorsements it received in force as its endorsement
// list (OB 3.0 allows endorsement on both), each the signed JSON as
// issued (encoding/json may escape &, < and > in strings: same values).
func (p *Public) withEndorsements(ctx context.Context, v any, typ cairn.EndorsementSubjectType, id string) ([]byte, error) {
	es, err := p.store.EndorsementsOf(ctx, typ, id)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return withContext(v)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "encoding %T", v)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "encoding %T", v)
	}
	list := make([]json.RawMessage, len(es))
	for i, e := range es {
		list[i] = e.CredentialJSON
	}
	if m["endorsement"], err = json.Marshal(list); err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "encoding the endorsements")
	}
	return withContext(m)
}

// endorsement serves GET /endorsements/{id}: the signed
// EndorsementCredential, byte for byte as issued (its id is this URL);
// 410 Gone once its endorser revoked it.
func (p *Public) endorsement(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSuffix(r.PathValue("id"), ".json")
	if !validID(id) {
		p.NotFound(w, r)
		return
	}
	e, err := p.store.PublicEndorsement(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if e.State == cairn.EndorsementRevoked {
		p.writeError(w, r, http.StatusGone, "This endorsement was revoked by its endorser.")
		return
	}
	ct := negotiate(r.Header.Get("Accept"), typeVC, typeLD, typeJSON)
	setJSONHeaders(w.Header(), ct)
	w.Header().Set("Cache-Control", pageCache)
	w.Header().Set("Content-Length", strconv.Itoa(len(e.CredentialJSON)))
	_, _ = w.Write(e.CredentialJSON)
}
