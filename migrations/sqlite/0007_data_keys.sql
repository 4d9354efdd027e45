-- Secrets at rest. Data keys, each wrapped (AES-256-GCM) by a master key that never sits in
-- the database; `master_key` is that key's fingerprint, so a node can tell which key it needs
-- and a rotation which keys are left to re-wrap. Every user has a data key of their own
-- (deleting the user destroys it: crypto-shredding); `shared` seals webhook secrets and the
-- stored responses that carry new API keys.
CREATE TABLE data_keys (
    id          TEXT PRIMARY KEY,
    master_key  TEXT NOT NULL,
    wrapped     TEXT NOT NULL,      -- base64 of nonce and ciphertext
    created_at  INTEGER NOT NULL
);
CREATE INDEX data_keys_by_master_key ON data_keys (master_key);

-- The data key that seals the user's `data`; NULL on rows written before encryption, which a
-- node seals when it starts.
ALTER TABLE users ADD COLUMN key_id TEXT;
CREATE INDEX users_not_sealed ON users (wallet_id, user_ref) WHERE key_id IS NULL;
