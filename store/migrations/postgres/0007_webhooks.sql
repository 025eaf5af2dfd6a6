-- Webhook endpoints and the attempts to deliver to them (package webhooks),
-- PostgreSQL. Released migrations are never edited.

-- webhook_endpoints holds the URLs an organization registered, the event
-- types each one wants (a JSON array of strings) and its signing secret,
-- sealed by the keyring (bound to the endpoint's id). disabled_reason says
-- why an endpoint is not enabled ("" when an operator disabled it).
CREATE TABLE webhook_endpoints (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	url             TEXT NOT NULL,
	description     TEXT NOT NULL,
	events          TEXT NOT NULL,
	secret_sealed   BYTEA NOT NULL,
	enabled         BOOLEAN NOT NULL,
	disabled_reason TEXT NOT NULL,
	created_at      TIMESTAMPTZ NOT NULL,
	updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id, created_at);

-- webhook_attempts records every attempt to deliver a delivery (an outbox
-- message of kind webhook.delivery, delivery_id its id): the response's
-- status code (0 when there was none), the first KiB of its body, how long
-- it took and the error.
CREATE TABLE webhook_attempts (
	id          BIGSERIAL PRIMARY KEY,
	org_id      TEXT NOT NULL,
	endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
	delivery_id BIGINT NOT NULL,
	attempt     INTEGER NOT NULL,
	started_at  TIMESTAMPTZ NOT NULL,
	status_code INTEGER NOT NULL,
	response    TEXT NOT NULL,
	duration_ms BIGINT NOT NULL,
	error       TEXT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, started_at);
