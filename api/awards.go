package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/ob"
)

// Page sizes of GET /api/v1/awards.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// recipientView is who an award is for.
type recipientView struct {
	Type     cairn.RecipientType `json:"type"`
	Identity string              `json:"identity"`
	Name     string              `json:"name,omitempty"`
	ShowName bool                `json:"showName"`
	Hashed   bool                `json:"hashed"`
}

// awardLinks are the public URLs of an award's credential.
type awardLinks struct {
	Credential string `json:"credential"` // the credential page, and the credential id
	JSON       string `json:"json"`
	JWT        string `json:"jwt,omitempty"`
	PNG        string `json:"png"`
	SVG        string `json:"svg"`
}

// awardView is an award as the API shows it; Credential is the signed
// credential exactly as stored.
type awardView struct {
	ID              string           `json:"id"`
	CredentialID    string           `json:"credentialId"`
	IssuerID        string           `json:"issuerId"`
	AchievementID   string           `json:"achievementId"`
	Recipient       recipientView    `json:"recipient"`
	Narrative       string           `json:"narrative,omitempty"`
	Evidence        []ob.Evidence    `json:"evidence,omitempty"`
	Results         []ob.Result      `json:"results,omitempty"`
	CreditsEarned   *float64         `json:"creditsEarned,omitempty"`
	ActivityStart   *time.Time       `json:"activityStartDate,omitempty"`
	ActivityEnd     *time.Time       `json:"activityEndDate,omitempty"`
	AwardedDate     time.Time        `json:"awardedDate"`
	ValidFrom       time.Time        `json:"validFrom"`
	ValidUntil      *time.Time       `json:"validUntil"`
	Formats         []string         `json:"formats"`
	State           cairn.AwardState `json:"state"`
	StateReason     string           `json:"stateReason,omitempty"`
	StatusListIndex int              `json:"statusListIndex"`
	StatusListURL   string           `json:"statusListCredential"`
	CreatedAt       time.Time        `json:"createdAt"`
	UpdatedAt       time.Time        `json:"updatedAt"`
	Links           awardLinks       `json:"links"`
	// Claimed says whether a learner claimed the award into their wallet
	// (never which learner); ClaimedAt when.
	Claimed    bool            `json:"claimed"`
	ClaimedAt  *time.Time      `json:"claimedAt,omitempty"`
	Credential json.RawMessage `json:"credential,omitempty"`
	JWT        string          `json:"jwt,omitempty"`
	Log        *logView        `json:"log,omitempty"`
}

// logView says where an award's latest event is in the transparency log
// (POST /awards?wait=inclusion).
type logView struct {
	Index      uint64 `json:"index"`
	TreeSize   uint64 `json:"treeSize"`
	Checkpoint string `json:"checkpoint,omitempty"`
	Pending    bool   `json:"pending,omitempty"`
}

// Waiting for log inclusion: default and longest wait.
const (
	DefaultInclusionWait = 10 * time.Second
	MaxInclusionWait     = 30 * time.Second
)

func (s *Server) awardView(a *cairn.Award, withCredential bool) awardView {
	page := s.Service.CredentialURL(a.ID)
	v := awardView{
		ID: a.ID, CredentialID: page, IssuerID: a.IssuerID, AchievementID: a.AchievementID,
		Recipient: recipientView{Type: a.Recipient.Type, Identity: a.Recipient.Identity, Name: a.Recipient.Name,
			ShowName: a.Recipient.ShowName, Hashed: a.Recipient.Salt != ""},
		Narrative: a.Narrative, Evidence: a.Evidence, Results: a.Results, CreditsEarned: a.CreditsEarned,
		ActivityStart: a.ActivityStart, ActivityEnd: a.ActivityEnd,
		AwardedDate: a.AwardedDate, ValidFrom: a.ValidFrom, ValidUntil: a.ValidUntil, Formats: a.Formats,
		State: a.State, StateReason: a.StateReason,
		StatusListIndex: a.StatusIndex, StatusListURL: s.Service.StatusListURL(a.StatusListID),
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		Links: awardLinks{Credential: page, JSON: page + ".json", PNG: page + ".png", SVG: page + ".svg"},
	}
	if v.Formats == nil {
		v.Formats = []string{}
	}
	if a.CredentialJWT != "" || slices.Contains(a.Formats, cairn.FormatJWT) {
		v.Links.JWT = page + ".jwt"
	}
	if withCredential {
		if json.Valid(a.CredentialJSON) {
			v.Credential = a.CredentialJSON
		}
		v.JWT = a.CredentialJWT
	}
	return v
}

// createAward issues an award. With an Idempotency-Key header, a retry of
// the same request answers the first award (200, Idempotent-Replayed:
// true); the same key with another request is a 409.
func (s *Server) createAward(w http.ResponseWriter, r *http.Request, c *caller) error {
	q, err := query(r, "wait", "timeout")
	if err != nil {
		return err
	}
	wait := DefaultInclusionWait
	switch q.Get("wait") {
	case "":
	case "inclusion":
		if s.WaitIncluded == nil {
			return badRequest("wait", "this server has no transparency log")
		}
		if t := q.Get("timeout"); t != "" {
			if wait, err = time.ParseDuration(t); err != nil || wait <= 0 || wait > MaxInclusionWait {
				return badRequest("timeout", "want a duration up to %s, e.g. 5s", MaxInclusionWait)
			}
		}
	default:
		return badRequest("wait", "%q: the only value is inclusion", q.Get("wait"))
	}
	var in issuing.AwardInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if vals := r.Header.Values("Idempotency-Key"); len(vals) > 0 {
		key := vals[0]
		if len(vals) > 1 || key == "" || strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			return badRequest("Idempotency-Key", "must be one value of 1 to %d visible ASCII characters", issuing.MaxIdemKeyLen)
		}
		if len(key) > issuing.MaxIdemKeyLen {
			return badRequest("Idempotency-Key", "is %d characters long; the limit is %d", len(key), issuing.MaxIdemKeyLen)
		}
		in.IdempotencyKey = key
	}
	a, created, err := s.Service.Award(r.Context(), c.orgID, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/awards/"+a.ID)
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
		w.Header().Set("Idempotent-Replayed", "true")
	}
	view := s.awardView(a, true)
	if q.Get("wait") == "inclusion" {
		// The award is durable already: a timeout still answers 201, with
		// log.pending set.
		inc, err := s.WaitIncluded(r.Context(), s.Service.CredentialURL(a.ID), wait)
		switch {
		case err == nil:
			view.Log = &logView{Index: inc.Index, TreeSize: inc.Checkpoint.Size, Checkpoint: string(inc.Note)}
		case cairn.KindOf(err) == cairn.Unavailable || cairn.KindOf(err) == cairn.NotFound:
			view.Log = &logView{Pending: true}
		default:
			return err
		}
	}
	return writeJSON(w, status, view)
}

func (s *Server) getAward(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := s.Store.Award(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	v := s.awardView(a, true)
	if err := s.setClaims(r.Context(), c.orgID, &v); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// claimStore is the part of the store that knows which awards were
// claimed (*store.DB).
type claimStore interface {
	AwardClaims(ctx context.Context, orgID string, ids []string) (map[string]time.Time, error)
}

// setClaims fills in whether each award was claimed.
func (s *Server) setClaims(ctx context.Context, orgID string, vs ...*awardView) error {
	cs, ok := s.Store.(claimStore)
	if !ok || len(vs) == 0 {
		return nil
	}
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	at, err := cs.AwardClaims(ctx, orgID, ids)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if t, ok := at[v.ID]; ok {
			v.Claimed, v.ClaimedAt = true, &t
		}
	}
	return nil
}

// query returns the request's query parameters, refusing names other than
// allowed and repeated ones (400 naming the parameter).
func query(r *http.Request, allowed ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("", "malformed query string: %v", err)
	}
	for name, vs := range q {
		if !slices.Contains(allowed, name) {
			return nil, badRequest(name, "unknown query parameter; the parameters here are %s", strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return nil, badRequest(name, "the query parameter is repeated")
		}
		if strings.HasSuffix(name, "Id") && vs[0] != "" && !validID(vs[0]) {
			return nil, badRequest(name, "%q is not an ID", vs[0])
		}
		if strings.ContainsRune(vs[0], 0) || len(vs[0]) > 2000 {
			return nil, badRequest(name, "contains a NUL character or is longer than 2000 bytes")
		}
		if !utf8.ValidString(vs[0]) {
			return nil, cairn.Invalidf(name, "is not valid UTF-8 once percent-decoded")
		}
	}
	return q, nil
}

var awardParams = []string{"achievementId", "issuerId", "state", "recipient", "since", "limit", "cursor"}

// listAwards answers one page of the organization's awards, newest first,
// with the total count (X-Total-Count) and the next page's URL (Link,
// rel="next", RFC 8288).
func (s *Server) listAwards(w http.ResponseWriter, r *http.Request, c *caller) error {
	q, err := query(r, awardParams...)
	if err != nil {
		return err
	}
	f := cairn.AwardFilter{OrgID: c.orgID, IssuerID: q.Get("issuerId"), AchievementID: q.Get("achievementId"),
		State: cairn.AwardState(q.Get("state")), Recipient: q.Get("recipient"), Limit: DefaultPageSize, Cursor: q.Get("cursor")}
	if f.State != "" && !f.State.Valid() {
		return badRequest("state", "%q: want active, suspended or revoked", f.State)
	}
	if f.Recipient != "" && !strings.HasPrefix(f.Recipient, "did:") {
		f.Recipient = strings.ToLower(f.Recipient) // emails are stored in lower case
	}
	if v := q.Get("since"); v != "" {
		if f.Since, err = time.Parse(time.RFC3339, v); err != nil {
			return badRequest("since", "%q is not an RFC 3339 date-time such as 2025-06-30T12:00:00Z", v)
		}
	}
	if v, ok := q["limit"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > MaxPageSize {
			return badRequest("limit", "%q: want a whole number from 1 to %d", v[0], MaxPageSize)
		}
		f.Limit = n
	}
	page, next, err := s.Store.Awards(r.Context(), f)
	if err != nil {
		if cairn.KindOf(err) == cairn.Invalid {
			field := cairn.FieldOf(err)
			if field == "" {
				field = "cursor"
			}
			return badRequest(field, "%s", strings.TrimPrefix(cairn.PublicMessage(err), field+": "))
		}
		return err
	}
	total, err := s.Store.CountAwards(r.Context(), f)
	if err != nil {
		return err
	}
	items := make([]awardView, 0, len(page))
	ptrs := make([]*awardView, len(page))
	for i, a := range page {
		items = append(items, s.awardView(a, false))
		ptrs[i] = &items[i]
	}
	if err := s.setClaims(r.Context(), c.orgID, ptrs...); err != nil {
		return err
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	body := map[string]any{"items": items, "next": nil}
	if next != "" {
		body["next"] = next
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", next)
		nq.Set("limit", strconv.Itoa(f.Limit))
		w.Header().Set("Link", "<"+s.Service.URL(Prefix+"/awards?"+nq.Encode())+`>; rel="next"`)
	}
	return writeJSON(w, http.StatusOK, body)
}

// stateInput is the body of revoke, suspend and reinstate.
type stateInput struct {
	Reason string `json:"reason"`
}

func (s *Server) stateChange(state cairn.AwardState) handler {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var in stateInput
		if err := decodeOptionalJSON(r, &in); err != nil {
			return err
		}
		a, err := s.Service.SetState(r.Context(), c.orgID, id, state, in.Reason)
		if err != nil {
			return err
		}
		v := s.awardView(a, false)
		if err := s.setClaims(r.Context(), c.orgID, &v); err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, v)
	}
}

func (s *Server) reissue(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := emptyBody(r); err != nil {
		return err
	}
	a, err := s.Service.Reissue(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	v := s.awardView(a, true)
	if err := s.setClaims(r.Context(), c.orgID, &v); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// renewInput is the body of renew: validUntil is required, null for no
// expiry.
type renewInput struct {
	ValidUntil *time.Time `json:"validUntil"`
}

func (s *Server) renew(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	data, err := readJSON(r)
	if err != nil {
		return err
	}
	var in renewInput
	if err := unmarshalStrict(data, &in); err != nil {
		return err
	}
	var present map[string]json.RawMessage
	_ = json.Unmarshal(data, &present)
	if _, ok := present["validUntil"]; !ok {
		return cairn.Invalidf("validUntil", "is required: a date-time, or null for no expiry")
	}
	a, err := s.Service.Renew(r.Context(), c.orgID, id, in.ValidUntil)
	if err != nil {
		return err
	}
	v := s.awardView(a, true)
	if err := s.setClaims(r.Context(), c.orgID, &v); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}
