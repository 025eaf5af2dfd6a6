package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/webhooks"
)

// webhookView describes an endpoint; the secret is only in the answer to
// POST.
type webhookView struct {
	ID             string    `json:"id"`
	URL            string    `json:"url"`
	Description    string    `json:"description"`
	Events         []string  `json:"events"`
	Enabled        bool      `json:"enabled"`
	DisabledReason string    `json:"disabledReason,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
	Secret         string    `json:"secret,omitempty"`
}

func webhookViewOf(e *webhooks.Endpoint) webhookView {
	return webhookView{ID: e.ID, URL: e.URL, Description: e.Description, Events: e.Events, Enabled: e.Enabled,
		DisabledReason: e.DisabledReason, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

// webhookInput is the body of POST and PATCH /api/v1/webhooks[/{id}]:
// members left out are left as they are (POST requires url and events).
type webhookInput struct {
	URL         *string   `json:"url"`
	Description *string   `json:"description"`
	Events      *[]string `json:"events"`
	Enabled     *bool     `json:"enabled"`
}

func (in webhookInput) input() webhooks.Input {
	return webhooks.Input{URL: in.URL, Description: in.Description, Events: in.Events, Enabled: in.Enabled}
}

// webhooksService returns the webhooks service, or Unavailable when the
// server runs without one.
func (s *Server) webhooksService() (*webhooks.Service, error) {
	if s.Webhooks == nil {
		return nil, cairn.Errorf(cairn.Unavailable, "webhooks are not available on this server")
	}
	return s.Webhooks, nil
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, c *caller) error {
	wh, err := s.webhooksService()
	if err != nil {
		return err
	}
	eps, err := wh.Endpoints(r.Context(), c.orgID)
	if err != nil {
		return err
	}
	items := make([]webhookView, 0, len(eps))
	for _, e := range eps {
		items = append(items, webhookViewOf(e))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items, "eventTypes": webhooks.EventTypes})
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, c *caller) error {
	wh, err := s.webhooksService()
	if err != nil {
		return err
	}
	var in webhookInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	e, secret, err := wh.Create(r.Context(), c.orgID, in.input())
	if err != nil {
		return err
	}
	v := webhookViewOf(e)
	v.Secret = secret
	w.Header().Set("Location", Prefix+"/webhooks/"+e.ID)
	return writeJSON(w, http.StatusCreated, v)
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, c *caller) error {
	wh, err := s.webhooksService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	e, err := wh.Endpoint(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, webhookViewOf(e))
}

func (s *Server) patchWebhook(w http.ResponseWriter, r *http.Request, c *caller) error {
	wh, err := s.webhooksService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in webhookInput
	if err := decodeJSON(r, &in, "application/json", "application/merge-patch+json"); err != nil {
		return err
	}
	e, err := wh.Update(r.Context(), c.orgID, id, in.input())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, webhookViewOf(e))
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, c *caller) error {
	wh, err := s.webhooksService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := wh.Delete(r.Context(), c.orgID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request, c *caller) error {
	wh, err := s.webhooksService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	webhookID, err := wh.SendTest(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, map[string]string{"webhookId": webhookID, "type": webhooks.Test})
}

// attemptView is one attempt of a delivery.
type attemptView struct {
	Attempt    int       `json:"attempt"`
	StartedAt  time.Time `json:"startedAt"`
	StatusCode int       `json:"statusCode"` // 0: no response
	Response   string    `json:"response"`   // the first KiB of the body
	DurationMS int64     `json:"durationMs"`
	Error      string    `json:"error,omitempty"`
}

// deliveryView is one delivery of an endpoint.
type deliveryView struct {
	ID        string          `json:"id"`
	WebhookID string          `json:"webhookId"`
	Type      string          `json:"type"`
	State     string          `json:"state"`
	LastError string          `json:"lastError,omitempty"`
	NextAt    *time.Time      `json:"nextAttemptAt,omitempty"`
	CreatedAt time.Time       `json:"createdAt"`
	Body      json.RawMessage `json:"body"`
	Attempts  []attemptView   `json:"attempts"`
}

func deliveryViewOf(d *webhooks.Delivery) deliveryView {
	v := deliveryView{ID: strconv.FormatInt(d.ID, 10), WebhookID: d.WebhookID, Type: d.Type, State: d.State,
		LastError: d.LastError, CreatedAt: d.CreatedAt, Body: d.Body, Attempts: []attemptView{}}
	if len(v.Body) == 0 {
		v.Body = json.RawMessage("null")
	}
	if d.State == "pending" {
		at := d.NextAt
		v.NextAt = &at
	}
	for _, a := range d.Attempts {
		v.Attempts = append(v.Attempts, attemptView{Attempt: a.Attempt, StartedAt: a.StartedAt, StatusCode: a.StatusCode,
			Response: a.Response, DurationMS: a.Duration.Milliseconds(), Error: a.Error})
	}
	return v
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request, c *caller) error {
	wh, err := s.webhooksService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return cairn.Invalidf("limit", "%q: want a number from 1 to 200", v)
		}
		limit = n
	}
	ds, err := wh.Deliveries(r.Context(), c.orgID, id, limit)
	if err != nil {
		return err
	}
	items := make([]deliveryView, 0, len(ds))
	for _, d := range ds {
		items = append(items, deliveryViewOf(d))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request, c *caller) error {
	wh, err := s.webhooksService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	did, err := strconv.ParseInt(r.PathValue("deliveryId"), 10, 64)
	if err != nil || did <= 0 {
		return cairn.Errorf(cairn.NotFound, "no such delivery")
	}
	d, err := wh.Retry(r.Context(), c.orgID, id, did)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, deliveryViewOf(d))
}
