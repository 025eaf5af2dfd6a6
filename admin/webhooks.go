package admin

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/webhooks"
)

// webhooksPage is the data of the webhooks list page.
type webhooksPage struct {
	Endpoints []*webhooks.Endpoint
	Types     []string
	// Kept values of the add form.
	URL, Description string
	Events           map[string]bool
	Secret           string // the new endpoint's secret, shown once
	Created          *webhooks.Endpoint
	AllowPrivate     bool
	Errors           fieldErrors
}

// webhookPage is the data of one endpoint's page.
type webhookPage struct {
	Endpoint   *webhooks.Endpoint
	Types      []string
	Events     map[string]bool
	Deliveries []*webhooks.Delivery
	Errors     fieldErrors
}

// webhookFields maps the service's field names to the form's.
var webhookFields = map[string]string{"url": "url", "events": "events", "description": "description"}

var webhookNotices = map[string]string{
	"update": "The endpoint is saved.",
	"test":   "A test event is on its way; its delivery shows below in a moment (reload the page).",
	"retry":  "The delivery is queued again, with the same webhook-id.",
	"delete": "The endpoint is removed.",
}

func (h *Handler) showWebhooks(w http.ResponseWriter, r *http.Request, a *actor, status int, p *webhooksPage, notice string) {
	var err error
	if p.Endpoints, err = h.webhooks.Endpoints(r.Context(), a.Org.ID); err != nil {
		h.fail(w, r, a, err)
		return
	}
	p.Types, p.AllowPrivate = webhooks.EventTypes, h.webhooks.AllowPrivate()
	if p.Events == nil {
		p.Events = map[string]bool{}
	}
	h.render(w, r, status, "webhooks.html", view{Title: h.t(r, a, "Webhooks"), Actor: a, Nav: "webhooks", Notice: notice, Data: p})
}

// webhookList lists the organization's endpoints, with the add form.
func (h *Handler) webhookList(w http.ResponseWriter, r *http.Request, a *actor) {
	h.showWebhooks(w, r, a, http.StatusOK, &webhooksPage{}, h.t(r, a, webhookNotices[r.URL.Query().Get("done")]))
}

// formEvents returns the event types ticked in the form.
func formEvents(r *http.Request) ([]string, map[string]bool) {
	evs := []string{}
	set := map[string]bool{}
	for _, t := range r.PostForm["events"] {
		if !set[t] {
			set[t] = true
			evs = append(evs, t)
		}
	}
	return evs, set
}

// webhookCreate registers an endpoint and shows its secret, once.
func (h *Handler) webhookCreate(w http.ResponseWriter, r *http.Request, a *actor) {
	evs, set := formEvents(r)
	p := &webhooksPage{URL: strings.TrimSpace(r.PostFormValue("url")), Description: r.PostFormValue("description"), Events: set}
	e, secret, err := h.webhooks.Create(r.Context(), a.Org.ID, webhooks.Input{URL: &p.URL, Description: &p.Description, Events: &evs})
	if err != nil {
		var ok bool
		if p.Errors, ok = fromError(err, webhookFields); !ok {
			h.fail(w, r, a, err)
			return
		}
		h.showWebhooks(w, r, a, http.StatusBadRequest, p, "")
		return
	}
	// Answered, not redirected: the secret is in this response only.
	h.showWebhooks(w, r, a, http.StatusOK, &webhooksPage{Secret: secret, Created: e}, "")
}

func (h *Handler) showWebhook(w http.ResponseWriter, r *http.Request, a *actor, status int, p *webhookPage, notice string) {
	var err error
	if p.Deliveries, err = h.webhooks.Deliveries(r.Context(), a.Org.ID, p.Endpoint.ID, 50); err != nil {
		h.fail(w, r, a, err)
		return
	}
	p.Types = webhooks.EventTypes
	if p.Events == nil {
		p.Events = map[string]bool{}
		for _, t := range p.Endpoint.Events {
			p.Events[t] = true
		}
	}
	h.render(w, r, status, "webhook.html", view{Title: h.t(r, a, "Webhook %s", p.Endpoint.URL), Actor: a, Nav: "webhooks", Notice: notice, Data: p})
}

func (h *Handler) loadWebhook(r *http.Request, a *actor) (*webhooks.Endpoint, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return h.webhooks.Endpoint(r.Context(), a.Org.ID, id)
}

// webhookShow shows an endpoint: its settings and recent deliveries.
func (h *Handler) webhookShow(w http.ResponseWriter, r *http.Request, a *actor) {
	e, err := h.loadWebhook(r, a)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.showWebhook(w, r, a, http.StatusOK, &webhookPage{Endpoint: e}, h.t(r, a, webhookNotices[r.URL.Query().Get("done")]))
}

// webhookUpdate saves an endpoint's URL, description, events and whether
// it is enabled.
func (h *Handler) webhookUpdate(w http.ResponseWriter, r *http.Request, a *actor) {
	e, err := h.loadWebhook(r, a)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	evs, set := formEvents(r)
	u, d := strings.TrimSpace(r.PostFormValue("url")), r.PostFormValue("description")
	enabled := r.PostFormValue("enabled") == "on"
	if _, err := h.webhooks.Update(r.Context(), a.Org.ID, e.ID, webhooks.Input{URL: &u, Description: &d, Events: &evs, Enabled: &enabled}); err != nil {
		errs, ok := fromError(err, webhookFields)
		if !ok {
			h.fail(w, r, a, err)
			return
		}
		e.URL, e.Description, e.Enabled = u, d, enabled
		h.showWebhook(w, r, a, http.StatusBadRequest, &webhookPage{Endpoint: e, Events: set, Errors: errs}, "")
		return
	}
	h.redirect(w, r, "/admin/webhooks/"+e.ID+"?done=update")
}

// webhookTest sends a webhook.test event.
func (h *Handler) webhookTest(w http.ResponseWriter, r *http.Request, a *actor) {
	e, err := h.loadWebhook(r, a)
	if err == nil {
		_, err = h.webhooks.SendTest(r.Context(), a.Org.ID, e.ID)
	}
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/webhooks/"+e.ID+"?done=test")
}

// webhookDelete removes an endpoint.
func (h *Handler) webhookDelete(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err == nil {
		err = h.webhooks.Delete(r.Context(), a.Org.ID, id)
	}
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/webhooks?done=delete")
}

// webhookRetry queues a delivery again.
func (h *Handler) webhookRetry(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	did, err := strconv.ParseInt(r.PathValue("delivery"), 10, 64)
	if err != nil || did <= 0 {
		h.fail(w, r, a, cairn.Errorf(cairn.NotFound, "no such delivery"))
		return
	}
	if _, err := h.webhooks.Retry(r.Context(), a.Org.ID, id, did); err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/webhooks/"+id+"?done=retry")
}
