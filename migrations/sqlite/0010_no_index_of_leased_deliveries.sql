-- SQLite serves one node, so nothing looks deliveries up by the node that leased them: that
-- index served releasing a dead node's leases (a cluster, on PostgreSQL) and a claim's
-- read-back, which goes by primary key now. Every delivery entered it when leased and left it
-- when settled: two index writes each, in the journal's and the recorder's transactions.
DROP INDEX webhook_deliveries_leased_by;
