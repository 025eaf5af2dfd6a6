package api

import (
	"net/http"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/wallet"
)

// The learner's portfolio (issue 10, items 4 and 7): the profile that
// publishes it at /learners/{handle}, the choice of which credentials it
// shows, and the export of the whole wallet as a ZIP.

func (s *Server) portfolioRoutes() []route {
	in := func(h learnerHandler) handler { return s.needPortfolio(s.learner(h)) }
	return []route{
		{"GET", "/learner/profile", "", 0, in(s.learnerGetProfile)},
		{"PUT", "/learner/profile", "", 0, in(s.learnerPutProfile)},
		{"PATCH", "/learner/credentials/{id}", "", 0, in(s.learnerPatchCredential)},
		{"GET", "/learner/export", "", 0, in(s.learnerExport)},
	}
}

func (s *Server) needPortfolio(h handler) handler {
	return s.needWallet(func(w http.ResponseWriter, r *http.Request, c *caller) error {
		if s.Portfolio == nil {
			return cairn.Errorf(cairn.Unavailable, "portfolios are not enabled on this server")
		}
		return h(w, r, c)
	})
}

type profileInput struct {
	Handle   string `json:"handle"`
	Public   bool   `json:"public"`
	ShareAll bool   `json:"shareAll"`
	Headline string `json:"headline"`
	Bio      string `json:"bio"`
}

type profileView struct {
	Handle          string    `json:"handle"`
	Public          bool      `json:"public"`
	ShareAll        bool      `json:"shareAll"`
	Headline        string    `json:"headline"`
	Bio             string    `json:"bio"`
	URL             string    `json:"url"`             // the public page (served only while public)
	PresentationURL string    `json:"presentationUrl"` // the signed presentation beside it
	UpdatedAt       time.Time `json:"updatedAt"`
}

func (s *Server) profileViewOf(p *store.LearnerProfile) profileView {
	u := s.Portfolio.PortfolioURL(p.Handle)
	return profileView{Handle: p.Handle, Public: p.Public, ShareAll: p.ShareAll, Headline: p.Headline, Bio: p.Bio,
		URL: u, PresentationURL: u + ".json", UpdatedAt: p.UpdatedAt}
}

func (s *Server) learnerGetProfile(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	pr, err := s.Portfolio.Profile(r.Context(), p.Learner.ID)
	if cairn.KindOf(err) == cairn.NotFound {
		return cairn.Errorf(cairn.NotFound, "no portfolio yet: choose a handle with PUT /api/v1/learner/profile")
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.profileViewOf(pr))
}

func (s *Server) learnerPutProfile(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	var in profileInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	pr, err := s.Portfolio.SetProfile(r.Context(), p.Learner.ID, wallet.ProfileInput{Handle: in.Handle, Public: in.Public,
		ShareAll: in.ShareAll, Headline: in.Headline, Bio: in.Bio})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.profileViewOf(pr))
}

type credentialPatch struct {
	Public *bool `json:"public"`
}

type visibilityView struct {
	ID     string `json:"id"`
	Public bool   `json:"public"`
	// Shared says whether the portfolio shows it now: public (or, without
	// a choice, shareAll), and neither revoked nor suspended.
	Shared bool `json:"shared"`
}

func (s *Server) learnerPatchCredential(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	id := r.PathValue("id")
	if id == "" || len(id) > 200 {
		return cairn.Errorf(cairn.NotFound, "no such credential in your wallet")
	}
	var in credentialPatch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Public == nil {
		return cairn.Invalidf("public", "is required: true to show the credential on your portfolio, false to hide it")
	}
	it, err := s.Portfolio.SetCredentialPublic(r.Context(), p.Learner.ID, id, *in.Public)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, visibilityView{ID: it.ID, Public: it.Public, Shared: it.Shared})
}

func (s *Server) learnerExport(w http.ResponseWriter, r *http.Request, p *wallet.Principal) error {
	items, err := s.Portfolio.Items(r.Context(), p.Learner.ID)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", `attachment; filename="`+wallet.ExportFileName(s.now())+`"`)
	h.Set("Cache-Control", "no-store")
	// The ZIP is streamed: once it starts, an error can only cut it short
	// (the manifest, written last, is then missing).
	if err := s.Portfolio.Export(r.Context(), w, p.Learner.ID, items); err != nil {
		s.log().ErrorContext(r.Context(), "learner export cut short", "learner", p.Learner.ID, "err", err)
	}
	return nil
}
