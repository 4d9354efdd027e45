-- rampflow's schema for PostgreSQL: the same tables as migrations/sqlite. Ids sort bytewise
-- (COLLATE "C") so cursors follow UUIDv7 order on any locale. Times are Unix milliseconds
-- (BIGINT) so SQLite and PostgreSQL compare them the same way; ids are UUID text; money lives
-- inside the JSON documents as decimal strings, never as floating point.

CREATE TABLE wallets (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,   -- SHA-256 of the API key; the key itself is never stored
    created_at  BIGINT NOT NULL
);

CREATE TABLE partners (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

-- A wallet's users, scoped by wallet: two wallets may use the same user_ref.
CREATE TABLE users (
    wallet_id   TEXT NOT NULL REFERENCES wallets (id),
    user_ref    TEXT NOT NULL,
    data        TEXT NOT NULL,          -- the KYC fields as JSON
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (wallet_id, user_ref)
);

-- Which partners a user let see their data.
CREATE TABLE grants (
    wallet_id   TEXT NOT NULL,
    user_ref    TEXT NOT NULL,
    partner_id  TEXT COLLATE "C" NOT NULL REFERENCES partners (id),
    granted_at  BIGINT NOT NULL,
    PRIMARY KEY (wallet_id, user_ref, partner_id),
    FOREIGN KEY (wallet_id, user_ref) REFERENCES users (wallet_id, user_ref) ON DELETE CASCADE
);

-- Every read of a user's data by a partner.
CREATE TABLE user_access_log (
    seq         BIGSERIAL PRIMARY KEY,
    wallet_id   TEXT NOT NULL,
    user_ref    TEXT NOT NULL,
    partner_id  TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX user_access_log_by_user ON user_access_log (wallet_id, user_ref, seq);

-- One row per order. `document` is the order resource exactly as the API returns it; the
-- other columns are what queries filter on, and the server-side state (timers, last command).
CREATE TABLE orders (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    wallet_id           TEXT NOT NULL,
    partner_id          TEXT NOT NULL,
    user_ref            TEXT NOT NULL,
    direction           TEXT NOT NULL,
    status              TEXT NOT NULL,
    version             BIGINT NOT NULL,
    external_ref        TEXT,
    external_id         TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    live                BIGINT NOT NULL,   -- 1 while the order is still moving
    acceptance_due      BIGINT,            -- timer deadlines, re-armed after every restart
    reminder_due        BIGINT,
    expiry_due          BIGINT,
    last_command        TEXT,               -- JSON; lets a retried command be answered 200
    document            TEXT NOT NULL
);
CREATE INDEX orders_by_wallet ON orders (wallet_id, id);
CREATE INDEX orders_by_partner ON orders (partner_id, id);
CREATE INDEX orders_live ON orders (id) WHERE live = 1;

-- The outbox: one event per order change, in version order per order.
CREATE TABLE order_events (
    id          TEXT COLLATE "C" PRIMARY KEY,
    order_id    TEXT NOT NULL,
    version     BIGINT NOT NULL,
    type        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    payload     TEXT NOT NULL,          -- the webhook body: {"type","timestamp","data"}
    UNIQUE (order_id, version)
);

-- The first response to each (caller, Idempotency-Key).
CREATE TABLE idempotency_keys (
    owner         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        BIGINT NOT NULL,
    body          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
