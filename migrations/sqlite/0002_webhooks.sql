-- Webhooks: endpoints, one delivery per (event, endpoint), and every attempt.

CREATE TABLE webhook_endpoints (
    id                     TEXT PRIMARY KEY,
    owner                  TEXT NOT NULL,      -- "wallet:<id>" or "partner:<id>"
    url                    TEXT NOT NULL,
    description            TEXT,
    event_types            TEXT,               -- JSON array of event types; NULL means every type
    secret                 TEXT NOT NULL,      -- whsec_…: signs every delivery
    previous_secret        TEXT,               -- the secret before the last rotation, which
    previous_secret_until  INTEGER,            -- keeps signing beside the new one until then
    disabled_at            INTEGER,            -- set when a receiver answered 410 Gone
    created_at             INTEGER NOT NULL,
    deleted_at             INTEGER
);
CREATE INDEX webhook_endpoints_by_owner ON webhook_endpoints (owner, id);

-- Written in the same transaction as the order event (fan-out), so no event is ever without
-- its deliveries. For one endpoint and one order, only the lowest pending version is sent.
CREATE TABLE webhook_deliveries (
    event_id         TEXT NOT NULL,
    endpoint_id      TEXT NOT NULL,
    order_id         TEXT NOT NULL,
    order_version    INTEGER NOT NULL,
    state            TEXT NOT NULL,            -- pending | delivered | failed
    attempts         INTEGER NOT NULL,         -- attempts made so far
    next_attempt_at  INTEGER NOT NULL,         -- a pending delivery is not sent before this
    leased_until     INTEGER,                  -- claimed by a sender until then (cleared at boot)
    last_status      INTEGER,                  -- HTTP status of the last attempt, if any
    last_error       TEXT,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_per_order ON webhook_deliveries (endpoint_id, order_id, order_version);

CREATE TABLE webhook_attempts (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT NOT NULL,
    endpoint_id    TEXT NOT NULL,
    attempted_at   INTEGER NOT NULL,
    status_code    INTEGER,                    -- NULL when no response came (timeout, refused)
    duration_ms    INTEGER NOT NULL,
    error          TEXT,
    response_body  TEXT                        -- the first 1 KiB
);
CREATE INDEX webhook_attempts_by_event ON webhook_attempts (event_id, seq);
