package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
)

// CLRSource makes the CLR 2.0 records of pathway awards
// (*issuing.Pathways implements it).
type CLRSource interface {
	// HasCLR reports whether the award has a CLR.
	HasCLR(ctx context.Context, aw *cairn.Award) (bool, error)
	// PublicAwardCLR makes the signed CLR of a pathway award. Errors:
	// NotFound, Conflict (revoked).
	PublicAwardCLR(ctx context.Context, awardID string) (*issuing.CLR, error)
}

// clrTTL is how long a public CLR is served before it is made again: each
// is signed anew (its inner credentials are the stored ones, so a state
// change of one shows in its own status at once).
const clrTTL = 5 * time.Minute

// credentialCLR answers /credentials/{id}/clr.json and clr.jwt: the CLR of
// a pathway award, made at most once per clrTTL and award version.
func (p *Public) credentialCLR(w http.ResponseWriter, r *http.Request) {
	id, file := r.PathValue("id"), r.PathValue("file")
	if p.clr == nil || !validID(id) || (file != "clr.json" && file != "clr.jwt") {
		p.NotFound(w, r)
		return
	}
	aw, err := p.head(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	now := p.now()
	clr, err := p.clrs.get("clr:"+version(aw), now, func() (*issuing.CLR, time.Time, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), buildTimeout)
		defer cancel()
		c, err := p.clr.PublicAwardCLR(ctx, aw.ID)
		return c, now.Add(clrTTL), err
	})
	switch {
	case cairn.KindOf(err) == cairn.Conflict:
		p.writeError(w, r, http.StatusGone, "This credential is revoked: it has no learner record.")
		return
	case err != nil:
		p.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	if strings.HasSuffix(file, ".jwt") {
		if clr.JWT == "" {
			p.writeError(w, r, http.StatusNotFound, "This learner record is not issued as a VC-JWT. Its signed JSON is at clr.json.")
			return
		}
		setJSONHeaders(w.Header(), typeJWT)
		w.Write([]byte(clr.JWT))
		return
	}
	setJSONHeaders(w.Header(), typeVC)
	w.Header().Set("Content-Disposition", `attachment; filename="clr-`+aw.ID+`.json"`)
	w.Write(clr.JSON)
}

// clrURL returns the CLR download of an award's page, or "".
func (p *Public) clrURL(ctx context.Context, aw *cairn.Award) string {
	if p.clr == nil {
		return ""
	}
	ok, err := p.clr.HasCLR(ctx, aw)
	if err != nil {
		p.log.Warn("credential page: does the award have a CLR", "award", aw.ID, "err", err)
	}
	if !ok {
		return ""
	}
	return p.path("/credentials/" + aw.ID + "/clr.json")
}
