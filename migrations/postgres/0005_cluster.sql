-- Cluster mode: several nodes on this database, each order owned by one node at a time.
--
-- Every order belongs to a shard: the last 16 bits of its id (the last four hex digits of the
-- UUID text, random in a UUIDv7) modulo the shard count. The count is fixed for the
-- database's life (cluster_settings); orders that exist before the first cluster start were
-- sharded by the default, 256.
ALTER TABLE orders ADD COLUMN shard BIGINT NOT NULL DEFAULT 0;
UPDATE orders SET shard = ('x' || substr(id, 33, 4))::bit(16)::int % 256;
CREATE INDEX orders_live_by_shard ON orders (shard, id) WHERE live = 1;

-- One row: what every node of the cluster must agree on.
CREATE TABLE cluster_settings (
    id                BIGINT PRIMARY KEY CHECK (id = 1),
    shard_count       BIGINT NOT NULL,
    -- SHA-256 of the operator's token, so a node started with another token can say so.
    admin_token_hash  TEXT
);
INSERT INTO cluster_settings (id, shard_count) SELECT 1, 256 WHERE EXISTS (SELECT 1 FROM orders);

-- The nodes. Times are the database's clock (Unix milliseconds), so nodes' clocks never
-- have to agree. A node is alive while heartbeat_at + lease_ms is in the future.
CREATE TABLE cluster_nodes (
    id            TEXT COLLATE "C" PRIMARY KEY,   -- a new UUIDv7 every time a process starts
    address       TEXT NOT NULL,                  -- host:port other nodes forward requests to
    started_at    BIGINT NOT NULL,
    heartbeat_at  BIGINT NOT NULL,
    lease_ms      BIGINT NOT NULL,
    leaving       BIGINT NOT NULL DEFAULT 0       -- 1 once it began handing its shards over
);

-- One row per shard: who holds its lease, under which epoch, since when and why.
-- The epoch grows every time the shard is taken; every journal transaction checks, under a
-- share lock on these rows, that its node still holds the epochs it writes under (fencing).
CREATE TABLE cluster_shards (
    shard           BIGINT PRIMARY KEY,
    owner           TEXT COLLATE "C",             -- NULL while no node holds it
    epoch           BIGINT NOT NULL DEFAULT 0,
    owned_since     BIGINT,
    previous_owner  TEXT,
    moved_at        BIGINT,
    move_reason     TEXT                           -- why it last moved, for ops
);
CREATE INDEX cluster_shards_by_owner ON cluster_shards (owner);
