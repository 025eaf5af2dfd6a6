package api

import (
	"net/http"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
)

// memberView is a member of the organization as the API shows it.
type memberView struct {
	AccountID  string     `json:"accountId"`
	Email      string     `json:"email"`
	Name       string     `json:"name,omitempty"`
	Role       cairn.Role `json:"role"`
	LastSeenAt *time.Time `json:"lastSeenAt,omitempty"`
}

// invitationView is a pending invitation; Link only in the answer that
// made it.
type invitationView struct {
	ID        string     `json:"id"`
	Email     string     `json:"email"`
	Role      cairn.Role `json:"role"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt time.Time  `json:"expiresAt"`
	Link      string     `json:"link,omitempty"`
	Mailed    bool       `json:"mailed"`
}

func (s *Server) needTeam(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		if s.Team == nil {
			return cairn.Errorf(cairn.Unavailable, "team management is not enabled on this server")
		}
		return h(w, r, c)
	}
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request, c *caller) error {
	ms, err := s.Team.Members(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	items := make([]memberView, 0, len(ms))
	for _, m := range ms {
		items = append(items, memberView{AccountID: m.Account.ID, Email: m.Account.Email, Name: m.Account.Name, Role: m.Role, LastSeenAt: m.LastSeenAt})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) patchMember(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		Role cairn.Role `json:"role"`
	}
	if err := decodeJSON(r, &in, "application/json", "application/merge-patch+json"); err != nil {
		return err
	}
	if err := s.Team.SetRole(r.Context(), c.orgID, id, in.Role); err != nil {
		return err
	}
	return s.writeMember(w, r, c, id)
}

func (s *Server) writeMember(w http.ResponseWriter, r *http.Request, c *caller, id string) error {
	ms, err := s.Team.Members(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.Account.ID == id {
			return writeJSON(w, http.StatusOK, memberView{AccountID: id, Email: m.Account.Email, Name: m.Account.Name, Role: m.Role, LastSeenAt: m.LastSeenAt})
		}
	}
	return cairn.Errorf(cairn.NotFound, "member not found")
}

func (s *Server) deleteMember(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.Team.Remove(r.Context(), c.orgID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func invitationOf(in *store.Invitation) invitationView {
	return invitationView{ID: in.ID, Email: in.Email, Role: in.Role, CreatedAt: in.CreatedAt, ExpiresAt: in.ExpiresAt}
}

func (s *Server) listInvitations(w http.ResponseWriter, r *http.Request, c *caller) error {
	ins, err := s.Team.Pending(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	items := make([]invitationView, 0, len(ins))
	for _, in := range ins {
		items = append(items, invitationOf(in))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) createInvitation(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in struct {
		Email string     `json:"email"`
		Role  cairn.Role `json:"role"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	org, err := s.Store.Organization(ctx, c.orgID)
	if err != nil {
		return err
	}
	inviter := &cairn.Account{ID: c.accountID, Name: org.Name}
	if c.accountID != "" {
		if inviter, err = s.Store.Account(ctx, c.accountID); err != nil {
			return err
		}
	} else if c.apiKey != nil {
		inviter.ID = "apikey:" + c.apiKey.ID
	}
	inv, link, err := s.Team.Invite(ctx, org, inviter, in.Email, in.Role)
	if err != nil {
		return err
	}
	v := invitationOf(inv)
	v.Link, v.Mailed = link, !s.Team.MailOff()
	w.Header().Set("Location", Prefix+"/invitations/"+inv.ID)
	return writeJSON(w, http.StatusCreated, v)
}

func (s *Server) deleteInvitation(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.Team.Withdraw(r.Context(), c.orgID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
