-- Pricing and quotes (API.md § Pricing and quotes): the same tables as migrations/sqlite.
-- Money lives inside the JSON documents as decimal strings, never as floating point.

-- A partner's price list: {"pairs": [...], "fee": {...}}, replaced whole by PUT.
CREATE TABLE partner_pricing (
    partner_id  TEXT COLLATE "C" PRIMARY KEY REFERENCES partners (id),
    document    TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- A wallet's own fee: {"percent", "fixed"}.
CREATE TABLE wallet_fees (
    wallet_id   TEXT COLLATE "C" PRIMARY KEY REFERENCES wallets (id),
    document    TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- Quotes given to wallets. Used at most once: `used_at` is set by a conditional UPDATE
-- (WHERE used_at IS NULL) before the order is created.
CREATE TABLE quotes (
    id          TEXT COLLATE "C" PRIMARY KEY,
    wallet_id   TEXT NOT NULL REFERENCES wallets (id),
    partner_id  TEXT NOT NULL REFERENCES partners (id),
    document    TEXT NOT NULL,          -- the quote resource as answered
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    order_id    TEXT                    -- the order that used it
);
CREATE INDEX quotes_by_expiry ON quotes (expires_at);
