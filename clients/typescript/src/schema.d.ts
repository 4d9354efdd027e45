// Generated from openapi.json by scripts/generate.mjs (openapi-typescript). Do not edit:
// run `npm run generate` in clients/typescript after openapi.json changes.

export interface paths {
    "/v1/admin/wallets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List wallets
         * @description The wallets, in id order (oldest first), without their keys.
         */
        get: operations["list_wallets"];
        put?: never;
        /**
         * Create a wallet
         * @description Creates a wallet and issues its API key, which this response shows once (the server keeps only its hash). Takes an `Idempotency-Key`: a replay returns the same key.
         */
        post: operations["create_wallet"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/partners": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List partners
         * @description The partners, in id order (oldest first), without their keys.
         */
        get: operations["list_partners"];
        put?: never;
        /**
         * Create a partner
         * @description Creates a partner and issues its API key, which this response shows once (the server keeps only its hash). Takes an `Idempotency-Key`: a replay returns the same key.
         */
        post: operations["create_partner"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/wallets/{id}/rotate-key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate a wallet's API key
         * @description Issues a new API key for the wallet, shown once; the old key stops working at once. The body, if any, is ignored.
         */
        post: operations["rotate_wallet_key"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/partners/{id}/rotate-key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate a partner's API key
         * @description Issues a new API key for the partner, shown once; the old key stops working at once. The body, if any, is ignored.
         */
        post: operations["rotate_partner_key"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ops/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live figures of the order actors (operator)
         * @description Live actors by status, mailbox depth, pending timers and the group-commit journal's figures, read from memory.
         */
        get: operations["get_ops_stats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ops/cluster": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The cluster's nodes and who owns which shard (operator)
         * @description Every node of the cluster (nodes started on the same PostgreSQL database), its address and last heartbeat, and the shards it owns with their lease epochs, since when and why they last moved; read from the database. On SQLite, one node owning every shard.
         */
        get: operations["get_ops_cluster"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users/{user_ref}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read a user's data (wallet)
         * @description The user's data as stored, absent fields `null`.
         */
        get: operations["get_user"];
        /**
         * Create or replace a user's data (wallet)
         * @description Stores the user's KYC data, replacing all of it: a field left out is erased. Every field is optional; unknown fields are refused.
         */
        put: operations["put_user"];
        post?: never;
        /**
         * Erase a user's data (wallet)
         * @description Erases the user's data and every grant of access to it. Orders keep their `user_ref`.
         */
        delete: operations["delete_user"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users/{user_ref}/grants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the partners a user granted access (wallet)
         * @description In partner id order.
         */
        get: operations["list_grants"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users/{user_ref}/grants/{partner_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Grant a partner access to a user's data (wallet)
         * @description Lets the partner read the user's data through the orders routed to it (`GET /v1/orders/{id}/user`). Granting again keeps the grant. No body.
         */
        put: operations["grant_access"];
        post?: never;
        /**
         * Revoke a partner's access to a user's data (wallet)
         * @description From now on the partner's reads of the user's data are 403 `access_not_granted`, and the wallet can no longer create orders for this user with this partner.
         */
        delete: operations["revoke_access"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users/{user_ref}/access-log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List partners' reads of a user's data (wallet)
         * @description Every `GET /v1/orders/{id}/user` of this user's data, newest first.
         */
        get: operations["list_access_log"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/partner/pricing": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read the partner's price list (partner)
         * @description The caller's price list; no pairs and a zero fee until it is first set.
         */
        get: operations["get_partner_pricing"];
        /**
         * Replace the partner's price list (partner)
         * @description Replaces the caller's whole price list: the pairs it serves (direction, crypto asset and network, fiat currency) with a rate (fiat per one unit of crypto, above zero) and optional inclusive limits on the trade's fiat before fees, and the partner's fee. Quotes given before keep their terms.
         */
        put: operations["put_partner_pricing"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/wallet/fee": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read the wallet's own fee (wallet)
         * @description The wallet's fee; zero until it is first set.
         */
        get: operations["get_wallet_fee"];
        /**
         * Set the wallet's own fee (wallet)
         * @description Replaces the fee the wallet adds to every quote it asks for, beside the partner's and the platform's.
         */
        put: operations["put_wallet_fee"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/quotes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get a quote (wallet)
         * @description Prices a trade with one partner (`partner_id`) or, without it, with the best of the partners that price the pair within their limits: on-ramp the most crypto for the user (asked by `crypto_amount`: the least fiat to pay), off-ramp the most fiat (asked by `fiat_amount`: the least crypto to send). Ties go to the lowest partner id. Fees are taken in fiat: each of the partner's, the wallet's and the platform's is `percent` per hundred of the trade's fiat plus `fixed[currency]`, rounded half-up to the currency's minor units; what the user receives is rounded down to the asset's precision or the currency's minor units. The quote is stored and can be used once, as `quote_id` of `POST /v1/orders`, until `expires_at`. Takes an `Idempotency-Key`.
         */
        post: operations["create_quote"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/quotes/compare": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Compare every partner's quote (wallet)
         * @description A quote from every partner that prices the pair within its limits, best first (as `POST /v1/quotes` chooses). Each quote is stored and can be used once, as `quote_id` of `POST /v1/orders`, until its `expires_at`.
         */
        get: operations["compare_quotes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List orders (wallet or partner)
         * @description The caller's orders (a wallet's own, or those routed to a partner), newest first, filtered by the given parameters.
         */
        get: operations["list_orders"];
        put?: never;
        /**
         * Create an order (wallet)
         * @description Creates an order in `created` and routes it to the partner (with `quote_id`, the quote's partner, amounts, rate and fees; the quote is then used up), who has the configured acceptance timeout to accept or reject it (else it expires with `partner_timeout`). The user must have granted the partner access to their data. Takes an `Idempotency-Key`: a replay answers the same 201, body and `Location`.
         */
        post: operations["create_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orders/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read an order (wallet or partner of the order) */
        get: operations["get_order"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orders/{id}/user": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read the data of an order's user (partner of the order)
         * @description The user's data, while the user's grant to this partner stands. Every read is recorded in the wallet's access log.
         */
        get: operations["get_order_user"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orders/{id}/accept": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Accept an order (partner)
         * @description Moves a `created` order to `accepted` and gives the user deposit instructions: off-ramp orders need a crypto `deposit.address` (with an optional `tag`), on-ramp orders `deposit.bank` details. The deposit window and the reminder default from config and are bounded; the order expires with `deposit_expired` when the window closes without funds.
         */
        post: operations["accept_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orders/{id}/reject": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Reject an order (partner)
         * @description Moves a `created` order to `rejected` (terminal).
         */
        post: operations["reject_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orders/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel an order (wallet)
         * @description Moves a `created` or `accepted` order to `cancelled` (terminal). The body may be empty or `{}`.
         */
        post: operations["cancel_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orders/{id}/funds-sent": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Tell that the user sent the funds (wallet)
         * @description Moves an `accepted` order to `funds_sent`. The body may be empty; `reference` is the user's payment reference or transaction hash.
         */
        post: operations["funds_sent_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orders/{id}/funds-received": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Confirm receipt of the funds (partner)
         * @description From `accepted`, `funds_sent` or `expired`: `funds_received` when `amount` equals the expected amount (`fiat.amount` on on-ramp, `crypto.amount` on off-ramp, compared by value), `inconsistent` otherwise. Late funds on an `expired` order are accepted, never lost.
         */
        post: operations["funds_received_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orders/{id}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Complete an order (partner)
         * @description From `funds_received` or `inconsistent` to `completed` (terminal). `transaction_id` is the payout (the crypto transfer on on-ramp, the bank transfer on off-ramp); `crypto_amount` and `fiat_amount` record final amounts when they differ.
         */
        post: operations["complete_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orders/{id}/fail": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Fail an order (partner)
         * @description From `accepted`, `funds_sent`, `funds_received` or `inconsistent` to `failed`. A failed order can still be refunded.
         */
        post: operations["fail_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/orders/{id}/refund": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Refund an order (partner)
         * @description From `failed`, `inconsistent` or `expired` to `refunded` (terminal). `address` defaults to the order's `user_wallet_address`.
         */
        post: operations["refund_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhook-endpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List webhook endpoints
         * @description The caller's endpoints, oldest first, without their secrets. Deleted endpoints are not listed.
         */
        get: operations["list_webhook_endpoints"];
        put?: never;
        /**
         * Register a webhook endpoint
         * @description Registers a URL to receive the events of the caller's orders (a wallet's own orders, or those routed to a partner). The response carries the signing secret, shown this once. Takes an `Idempotency-Key`.
         */
        post: operations["create_webhook_endpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhook-endpoints/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete a webhook endpoint
         * @description Nothing more is sent to it; its pending deliveries fail.
         */
        delete: operations["delete_webhook_endpoint"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhook-endpoints/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate an endpoint's signing secret
         * @description A new secret, shown once. The previous one keeps signing beside it for 24 hours (`webhook-signature` then carries two signatures), so the receiver can switch without dropping deliveries. The body, if any, is ignored.
         */
        post: operations["rotate_webhook_secret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List events
         * @description The events of the caller's orders, newest first.
         */
        get: operations["list_events"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read an event and its deliveries
         * @description The event, with the caller's deliveries of it (to its endpoints, deleted ones included) and every attempt.
         */
        get: operations["get_event"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{id}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send an event again
         * @description Queues the event again, from a first attempt, for every live endpoint of the caller that wants its type. The body, if any, is ignored.
         */
        post: operations["redeliver_event"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness
         * @description The process is up and serving. No key needed.
         */
        get: operations["healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness
         * @description Whether every component can do its job: the database answers, the live orders are back in memory, the journal writer and the webhook dispatcher run, and (on PostgreSQL) the node owns its share of the shards or every shard has an owner, and it is not leaving. No key needed. The 503 carries this report and, like every non-2xx, the error envelope (`error`, code `overloaded`, the down components in `details`).
         */
        get: operations["readyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description The Prometheus text exposition format (version 0.0.4). No key needed: scrape it from inside the network; it holds only aggregate figures.
         */
        get: operations["get_metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This OpenAPI 3.1 document
         * @description Generated from the server's own handlers and types; no key needed.
         */
        get: operations["get_openapi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Interactive docs (Swagger UI)
         * @description Swagger UI for this document. Every asset is served by this server under `/docs/`; the page loads nothing from any other host. No key needed (paste one into *Authorize* to try calls).
         */
        get: operations["get_docs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An asset of the interactive docs
         * @description The scripts, styles and icons of Swagger UI, compiled into the binary. `/docs/` is the page itself.
         */
        get: operations["get_docs_file"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        AcceptInput: {
            external_id?: components["schemas"]["ExternalRef"] | null;
            rate?: components["schemas"]["Rate"] | null;
            fees?: components["schemas"]["Fee"][] | null;
            deposit: components["schemas"]["DepositInput"];
            /**
             * Format: int64
             * @description Seconds from now until the deposit window closes; within the configured bounds (by
             *     default 1 second to 7 days, the schema's bounds), the configured default when left out.
             */
            deposit_window_secs?: number | null;
            /**
             * Format: int64
             * @description Seconds before the window closes to send `order.deposit_reminder`; shorter than the
             *     window; 0 for no reminder.
             */
            remind_before_secs?: number | null;
        };
        /** @description One read of a user's data by a partner. */
        AccessView: {
            /**
             * Format: uuid
             * @example 01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c
             */
            partner_id: string;
            /**
             * Format: uuid
             * @description The order the partner read the data through.
             * @example 01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10
             */
            order_id: string;
            at: components["schemas"]["Timestamp"];
        };
        ActorStats: {
            /**
             * Format: int64
             * @description Order actors in memory.
             */
            live: number;
            /** @description Live actors by order status (every status is listed). */
            by_status: {
                [key: string]: number;
            };
            /** Format: int64 */
            activations: number;
            /** Format: int64 */
            passivations: number;
            /** Format: int64 */
            restarts: number;
            /** @description Whether the live orders were loaded back into memory after the start. */
            rehydrated: boolean;
            /**
             * Format: int64
             * @description The ceiling on order actors in memory (`actors.max_live`): once `live` reaches it,
             *     creates answer 503 `overloaded` until orders settle and leave memory.
             */
            max_live: number;
        };
        /**
         * @description A crypto address or a bank account number: 1 to 256 characters without whitespace.
         * @example F2etcaJ1Xq8kQ3vN7mZ
         */
        Address: string;
        /**
         * Format: decimal
         * @description A strictly positive amount of money as a decimal string, never a JSON number: digits, an optional fraction of at most 18 places, no sign, exponent or leading zeros, below 10^15. The scale is kept as written ("10.00" stays "10.00").
         * @example 15000.00
         */
        Amount: string;
        /**
         * @description A crypto asset code, or a fiat currency code where a fee is paid in fiat.
         * @example USDC
         */
        AssetCode: string;
        /** @description One attempt at a delivery. */
        AttemptView: {
            attempted_at: components["schemas"]["Timestamp"];
            /**
             * Format: int64
             * @description The receiver's HTTP status; `null` when it did not answer (timeout, refused...).
             */
            status_code: number | null;
            /** Format: int64 */
            duration_ms: number;
            error: string | null;
            /** @description The start of the receiver's answer. */
            response_body: string | null;
        };
        BankAccount: {
            bank_name?: string | null;
            /** @description 1 to 64 characters, no control characters, no surrounding spaces. */
            account_number: string;
            bank_code?: string | null;
        };
        BankDetails: {
            name: components["schemas"]["Reference"];
            account: components["schemas"]["Address"];
            reference?: components["schemas"]["Reference"] | null;
        };
        /**
         * Format: date
         * @description A date `YYYY-MM-DD`: a real day, not in the future, not before 1900.
         * @example 1990-01-31
         */
        BirthDate: string;
        CancelInput: Record<string, never>;
        ClusterNode: {
            id: string;
            /** @description Where other nodes forward requests for its orders. */
            address: string;
            /** Format: date-time */
            started_at: string;
            /**
             * Format: date-time
             * @description The database's time of its last lease renewal.
             */
            last_heartbeat: string;
            /** @description Its lease still runs. */
            alive: boolean;
            /** @description It is handing its shards over before it stops. */
            leaving: boolean;
            this_node: boolean;
            shards: components["schemas"]["ClusterShard"][];
        };
        /** @description `GET /v1/ops/cluster`: the nodes, each one's shards with their lease epochs. */
        ClusterReport: {
            /** @description The node that answered. */
            this_node: string;
            /** @description `postgres` (a cluster of any size) or `sqlite` (one node, for good). */
            mode: string;
            /**
             * Format: int32
             * @description Shards the orders are split into (fixed for the database's life).
             */
            shard_count: number;
            /**
             * Format: int64
             * @description How long a node's leases last without renewal, in milliseconds.
             */
            lease_ms: number;
            /** @description Every node the database knows, this one included; dead ones are kept for ten minutes. */
            nodes: components["schemas"]["ClusterNode"][];
            /** @description Shards no live node holds right now (moving between nodes, or their owner died). */
            unowned_shards: number[];
        };
        ClusterShard: {
            /** Format: int32 */
            shard: number;
            /**
             * Format: int64
             * @description The lease generation: it grows every time the shard is taken; writes under an older
             *     one are refused.
             */
            epoch: number;
            /** Format: date-time */
            owned_since?: string | null;
            /** @description The node that held it before, if any. */
            previous_owner?: string | null;
            /** @description Why it last moved. */
            reason?: string | null;
        };
        CompleteInput: {
            transaction_id: components["schemas"]["Reference"];
            crypto_amount?: components["schemas"]["Amount"] | null;
            fiat_amount?: components["schemas"]["Amount"] | null;
        };
        /** @enum {string} */
        ComponentState: "up" | "down";
        ComponentStatus: {
            status: components["schemas"]["ComponentState"];
            /** @description Why the component is down; absent while it is up. */
            reason?: string | null;
        };
        /**
         * @description An assigned ISO 3166-1 alpha-2 country code.
         * @example NG
         */
        Country: string;
        /** @description A webhook endpoint to register. */
        CreateEndpoint: {
            /**
             * Format: uri
             * @description An `https://` (or `http://`) URL with a host and no user name or password, at most
             *     2048 characters. Loopback, private, link-local and other non-public addresses are
             *     refused, at registration and again at every connection.
             * @example https://wallet.example.com/hooks/rampflow
             */
            url: string;
            /** @description The event types to send; left out or `null` for every type. An empty list is refused. */
            event_types?: components["schemas"]["EventType"][] | null;
            /** @description At most 256 characters. */
            description?: string | null;
        };
        /**
         * @description A new order. The user must have granted the partner access to their data.
         *
         *     Either `crypto` and `fiat` with `direction` and `partner_id`, or a `quote_id` (from
         *     `POST /v1/quotes` or `GET /v1/quotes/compare`): the order then takes the quote's partner,
         *     amounts, rate and fees, and `direction` and `partner_id`, when sent, must match it.
         */
        CreateOrder: {
            direction?: components["schemas"]["Direction"] | null;
            partner_id?: components["schemas"]["PartnerId"] | null;
            user_ref: components["schemas"]["UserRef"];
            crypto?: components["schemas"]["Crypto"] | null;
            fiat?: components["schemas"]["Fiat"] | null;
            /**
             * Format: uuid
             * @description A quote of this wallet, unused and unexpired. It is used up by this request, even if
             *     creating the order then fails (ask for a new quote then).
             * @example 01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f
             */
            quote_id?: string | null;
            /** @description On-ramp: the address that receives the crypto. Off-ramp: the refund address. */
            user_wallet_address: components["schemas"]["Address"];
            payment_method: components["schemas"]["PaymentMethod"];
            external_ref?: components["schemas"]["ExternalRef"] | null;
        } & ({
            crypto: unknown;
            direction: unknown;
            fiat: unknown;
            partner_id: unknown;
            quote_id?: null;
        } | {
            crypto?: null;
            fiat?: null;
            quote_id: unknown;
        });
        /**
         * @example {
         *       "name": "Acme Wallet"
         *     }
         */
        CreateParty: {
            /** @description 1 to 128 characters, none of them a control character, once surrounding whitespace is trimmed (it is). */
            name: string;
        };
        /** @description The endpoint just created, with its secret (shown this once). */
        CreatedEndpoint: {
            /**
             * Format: uuid
             * @example 01936f0c-3e4f-7a5b-8c6d-7e8f9a0b1c2d
             */
            id: string;
            /** Format: uri */
            url: string;
            /** @description The event types sent to it; `null` for every type. */
            event_types: components["schemas"]["EventType"][] | null;
            description: string | null;
            /**
             * @description The signing secret, shown this once: `whsec_` and base64 of 32 random bytes.
             * @example whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
             */
            secret: string;
            disabled: boolean;
            created_at: components["schemas"]["Timestamp"];
        };
        Crypto: {
            asset: components["schemas"]["AssetCode"];
            network: components["schemas"]["Network"];
            amount: components["schemas"]["Amount"];
        };
        /** @description A crypto asset on a network. */
        CryptoPair: {
            asset: components["schemas"]["AssetCode"];
            network: components["schemas"]["Network"];
        };
        /**
         * @description How the caller's deliveries of an event stand.
         * @enum {string}
         */
        DeliverySummary: "pending" | "delivered" | "failed";
        /** @description One delivery of the event to one of the caller's endpoints. */
        DeliveryView: {
            /**
             * Format: uuid
             * @example 01936f0c-3e4f-7a5b-8c6d-7e8f9a0b1c2d
             */
            endpoint_id: string;
            /** @description `pending`, `delivered` or `failed`. */
            state: components["schemas"]["DeliverySummary"];
            /** Format: int64 */
            attempts: number;
            next_attempt_at: components["schemas"]["Timestamp"] | null;
            /**
             * Format: int64
             * @description The HTTP status of the last attempt; `null` when it got no answer.
             */
            last_status: number | null;
            last_error: string | null;
            attempts_log: components["schemas"]["AttemptView"][];
        };
        /** @description Where the user sends the funds, given by the partner on acceptance. */
        Deposit: {
            address: components["schemas"]["Address"] | null;
            tag: components["schemas"]["Tag"] | null;
            bank: components["schemas"]["BankDetails"] | null;
            expires_at: components["schemas"]["Timestamp"];
            remind_at: components["schemas"]["Timestamp"] | null;
        };
        DepositInput: {
            address?: components["schemas"]["Address"] | null;
            tag?: components["schemas"]["Tag"] | null;
            bank?: components["schemas"]["BankDetails"] | null;
        } & ({
            address: unknown;
            bank?: null;
        } | {
            address?: null;
            bank: unknown;
            tag?: null;
        });
        /** @enum {string} */
        Direction: "onramp" | "offramp";
        /** @enum {string} */
        DocumentType: "passport" | "national_id" | "driving_license" | "residence_permit";
        /**
         * @description An email address (one `@`, a dotted domain), at most 254 characters.
         * @example ada@example.com
         */
        Email: string;
        EndpointBacklog: {
            endpoint_id: string;
            /** Format: int64 */
            pending: number;
            /** @description Disabled after a 410 Gone (its deliveries are being failed). */
            disabled: boolean;
        };
        /** @description An endpoint as listed: everything but the secret. */
        EndpointView: {
            /**
             * Format: uuid
             * @example 01936f0c-3e4f-7a5b-8c6d-7e8f9a0b1c2d
             */
            id: string;
            /** Format: uri */
            url: string;
            /** @description The event types sent to it; `null` for every type. */
            event_types: components["schemas"]["EventType"][] | null;
            description: string | null;
            /** @description Set once a delivery got 410 Gone: nothing more is sent to it. */
            disabled: boolean;
            created_at: components["schemas"]["Timestamp"];
        };
        /**
         * @description The body of every non-2xx response.
         * @example {
         *       "error": {
         *         "code": "invalid_transition",
         *         "details": {
         *           "status": "completed"
         *         },
         *         "message": "order is completed; cannot accept"
         *       }
         *     }
         */
        ErrorBody: {
            error: components["schemas"]["ErrorObject"];
        };
        /**
         * @description The stable error codes: the `code` of the error envelope every non-2xx answer carries.
         * @enum {string}
         */
        ErrorCode: "malformed_request" | "unauthorized" | "forbidden" | "access_not_granted" | "not_found" | "method_not_allowed" | "invalid_transition" | "idempotency_conflict" | "payload_too_large" | "validation_failed" | "rate_limited" | "overloaded" | "shard_unavailable" | "database_unavailable" | "commit_unknown" | "internal";
        ErrorObject: {
            code: components["schemas"]["ErrorCode"];
            /** @description For people: may change between versions, never carries internal detail. */
            message: string;
            /**
             * @description Machine-readable context, or `null`: `{"field", "reason"}` for `validation_failed`,
             *     `{"status"}` for `invalid_transition`, `{"limit_bytes"}` for `payload_too_large`.
             */
            details: Record<string, never> | null;
        };
        /**
         * Format: uuid
         * @description An event id (UUIDv7); the `webhook-id` of its deliveries.
         * @example 01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10
         */
        EventId: string;
        /**
         * @description The webhook event types of API.md § Webhooks.
         * @enum {string}
         */
        EventType: "order.created" | "order.accepted" | "order.rejected" | "order.cancelled" | "order.funds_sent" | "order.deposit_reminder" | "order.expired" | "order.funds_received" | "order.inconsistent" | "order.completed" | "order.failed" | "order.refunded";
        /** @description The event resource. */
        EventView: {
            id: components["schemas"]["EventId"];
            type: components["schemas"]["EventType"];
            order_id: components["schemas"]["OrderId"];
            /**
             * Format: int64
             * @description The order's `version` after the change this event announces.
             */
            order_version: number;
            created_at: components["schemas"]["Timestamp"];
            /** @description The webhook body, as delivered. */
            payload: components["schemas"]["WebhookPayload"];
            delivery: components["schemas"]["DeliverySummary"] | null;
        };
        /** @description `GET /v1/events/{id}`: the event and the caller's deliveries of it. */
        EventWithDeliveries: components["schemas"]["EventView"] & {
            deliveries: components["schemas"]["DeliveryView"][];
        };
        /**
         * @description An id another system gave the order: 1 to 128 characters, no control characters.
         * @example w-991
         */
        ExternalRef: string;
        FailInput: {
            code: components["schemas"]["FailureCode"];
            reason: components["schemas"]["Reason"];
        };
        Failure: {
            code: components["schemas"]["FailureCode"];
            reason: components["schemas"]["Reason"];
        };
        /**
         * @description A machine-readable failure code. The server sets `partner_timeout` and `deposit_expired`; partners choose their own.
         * @example aml_check_failed
         */
        FailureCode: string;
        Fee: {
            type: components["schemas"]["FeeType"];
            amount: components["schemas"]["Amount"];
            /** @description A crypto asset code or a fiat currency code. */
            asset: components["schemas"]["AssetCode"];
        };
        /**
         * @description A fee: `percent` per hundred of the trade's fiat plus `fixed[currency]` (0 for a currency
         *     not listed), rounded half-up to the currency's minor units.
         */
        FeeDoc: {
            /**
             * @description Per hundred of the trade's fiat, a decimal string from 0 to below 100 (default 0).
             * @example 1.5
             */
            percent?: string;
            /**
             * @description A fixed amount per ISO 4217 currency, as a decimal string no finer than the currency's minor units (default none).
             * @example {
             *       "NGN": "100.00"
             *     }
             */
            fixed?: {
                [key: string]: string;
            };
        };
        /** @enum {string} */
        FeeType: "partner" | "wallet" | "platform" | "network" | "deposit";
        Fiat: {
            currency: components["schemas"]["FiatCurrency"];
            amount: components["schemas"]["Amount"];
        };
        /**
         * @description An active ISO 4217 currency code that has minor units (`ZZZ`, `XXX` or `XAU` are refused). Fiat amounts may not be finer than the currency's minor units.
         * @example NGN
         */
        FiatCurrency: string;
        Funds: {
            amount: components["schemas"]["Amount"] | null;
            reference: components["schemas"]["Reference"] | null;
        };
        FundsReceivedInput: {
            amount: components["schemas"]["Amount"];
            reference?: components["schemas"]["Reference"] | null;
        };
        FundsSentInput: {
            reference?: components["schemas"]["Reference"] | null;
        };
        /** @description A partner's access to a user's data. */
        GrantView: {
            /**
             * Format: uuid
             * @example 01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c
             */
            partner_id: string;
            granted_at: components["schemas"]["Timestamp"];
        };
        /**
         * @description `GET /healthz`
         * @example {
         *       "status": "ok"
         *     }
         */
        Health: {
            /** @description Always `ok`. */
            status: string;
        };
        HistoryEntry: {
            status: components["schemas"]["Status"];
            at: components["schemas"]["Timestamp"];
        };
        IdentityDocument: {
            type: components["schemas"]["DocumentType"];
            /** @description 1 to 64 characters, no control characters, no surrounding spaces. */
            number: string;
            country?: components["schemas"]["Country"] | null;
        };
        JournalStats: {
            /**
             * Format: int64
             * @description Writes waiting for a transaction.
             */
            queue_depth: number;
            /** Format: int64 */
            batches: number;
            /** Format: int64 */
            rows: number;
            /** Format: int64 */
            failed_batches: number;
            /** Format: int64 */
            last_batch_rows: number;
            /** Format: int64 */
            last_commit_micros: number;
        };
        /**
         * @description A blockchain network.
         * @example solana
         */
        Network: string;
        /**
         * @description `GET /v1/ops/stats`
         * @example {
         *       "actors": {
         *         "activations": 2,
         *         "by_status": {
         *           "accepted": 1,
         *           "cancelled": 0,
         *           "completed": 0,
         *           "created": 1,
         *           "expired": 0,
         *           "failed": 0,
         *           "funds_received": 0,
         *           "funds_sent": 0,
         *           "inconsistent": 0,
         *           "refunded": 0,
         *           "rejected": 0
         *         },
         *         "live": 2,
         *         "passivations": 0,
         *         "rehydrated": true,
         *         "restarts": 0
         *       },
         *       "journal": {
         *         "batches": 12,
         *         "failed_batches": 0,
         *         "last_batch_rows": 1,
         *         "last_commit_micros": 850,
         *         "queue_depth": 0,
         *         "rows": 14
         *       },
         *       "mailbox_depth": 0,
         *       "thread_crossings": {
         *         "from_journal": 14,
         *         "from_order_actor": 12,
         *         "start_actor": 2,
         *         "to_journal": 14,
         *         "to_order_actor": 12,
         *         "to_webhooks": 12
         *       },
         *       "timers_pending": {
         *         "acceptance": 1,
         *         "expiry": 1,
         *         "reminder": 1
         *       }
         *     }
         */
        OpsStats: {
            actors: components["schemas"]["ActorStats"];
            /**
             * Format: int64
             * @description Messages waiting in the order actors' mailboxes.
             */
            mailbox_depth: number;
            /** @description Armed timers by kind: `acceptance`, `reminder`, `expiry`. */
            timers_pending: {
                [key: string]: number;
            };
            journal: components["schemas"]["JournalStats"];
            thread_crossings: components["schemas"]["ThreadCrossings"];
            webhooks: components["schemas"]["WebhookBacklog"];
        };
        /** @description The order resource. */
        Order: {
            id: components["schemas"]["OrderId"];
            direction: components["schemas"]["Direction"];
            status: components["schemas"]["Status"];
            /** Format: int64 */
            version: number;
            wallet_id: components["schemas"]["WalletId"];
            partner_id: components["schemas"]["PartnerId"];
            user_ref: components["schemas"]["UserRef"];
            external_ref: components["schemas"]["ExternalRef"] | null;
            external_id: components["schemas"]["ExternalRef"] | null;
            crypto: components["schemas"]["Crypto"];
            fiat: components["schemas"]["Fiat"];
            rate: components["schemas"]["Rate"] | null;
            fees: components["schemas"]["Fee"][];
            user_wallet_address: components["schemas"]["Address"];
            payment_method: components["schemas"]["PaymentMethod"];
            deposit: components["schemas"]["Deposit"] | null;
            funds: components["schemas"]["Funds"] | null;
            transaction_id: components["schemas"]["Reference"] | null;
            refund: components["schemas"]["Refund"] | null;
            failure: components["schemas"]["Failure"] | null;
            created_at: components["schemas"]["Timestamp"];
            updated_at: components["schemas"]["Timestamp"];
            history: components["schemas"]["HistoryEntry"][];
        };
        /**
         * Format: uuid
         * @description An order id (UUIDv7).
         * @example 01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10
         */
        OrderId: string;
        /** @description A page of a list. */
        Page_AccessView: {
            data: components["schemas"]["AccessView"][];
            /** @description Pass it back as `cursor` for the next page; `null` on the last page. */
            next_cursor: string | null;
        };
        /** @description A page of a list. */
        Page_EndpointView: {
            data: components["schemas"]["EndpointView"][];
            /** @description Pass it back as `cursor` for the next page; `null` on the last page. */
            next_cursor: string | null;
        };
        /** @description A page of a list. */
        Page_EventView: {
            data: components["schemas"]["EventView"][];
            /** @description Pass it back as `cursor` for the next page; `null` on the last page. */
            next_cursor: string | null;
        };
        /** @description A page of a list. */
        Page_GrantView: {
            data: components["schemas"]["GrantView"][];
            /** @description Pass it back as `cursor` for the next page; `null` on the last page. */
            next_cursor: string | null;
        };
        /** @description A page of a list. */
        Page_Order: {
            data: components["schemas"]["Order"][];
            /** @description Pass it back as `cursor` for the next page; `null` on the last page. */
            next_cursor: string | null;
        };
        /** @description A page of a list. */
        Page_PartyView: {
            data: components["schemas"]["PartyView"][];
            /** @description Pass it back as `cursor` for the next page; `null` on the last page. */
            next_cursor: string | null;
        };
        /**
         * Format: uuid
         * @description A partner id (UUIDv7).
         * @example 01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10
         */
        PartnerId: string;
        /** @description A wallet or a partner, as listed. */
        PartyView: {
            /**
             * Format: uuid
             * @example 01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b
             */
            id: string;
            name: string;
            created_at: components["schemas"]["Timestamp"];
        };
        /** @description A wallet or a partner with its API key. The key is shown here only: store it now. */
        PartyWithKey: {
            /**
             * Format: uuid
             * @example 01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b
             */
            id: string;
            name: string;
            /**
             * @description `rfw_` (wallets) or `rfp_` (partners) and 43 base64url characters.
             * @example rfw_4pQ2mX7bKc9LrT1vY8nZ3hJ6sD0fG5wE2aU7iO9kPqM
             */
            api_key: string;
            created_at: components["schemas"]["Timestamp"];
        };
        /**
         * @description How the user pays or is paid.
         * @example bank_transfer
         */
        PaymentMethod: string;
        PersonName: {
            first?: string | null;
            last?: string | null;
        };
        /**
         * @description A phone number in E.164.
         * @example +2348012345678
         */
        Phone: string;
        /** @description A partner's price list: its pairs and its fee. */
        PriceList: {
            /** @description At most 500 pairs, each (direction, asset, network, currency) once. */
            pairs: components["schemas"]["PricePair"][];
            /** @description The partner's fee (default zero). */
            fee?: components["schemas"]["FeeDoc"];
        };
        /** @description One priced pair of a partner's list. */
        PricePair: {
            direction: components["schemas"]["Direction"];
            crypto: components["schemas"]["CryptoPair"];
            fiat_currency: components["schemas"]["FiatCurrency"];
            /** @description Fiat per one unit of crypto; greater than zero. */
            rate: components["schemas"]["Rate"];
            min_fiat?: components["schemas"]["Amount"] | null;
            max_fiat?: components["schemas"]["Amount"] | null;
        };
        /** @description Every eligible partner's quote. */
        QuoteList: {
            /** @description Best first. */
            data: components["schemas"]["QuoteView"][];
        };
        /** @description A quote request. */
        QuoteRequest: {
            direction: components["schemas"]["Direction"];
            crypto: components["schemas"]["CryptoPair"];
            fiat_currency: components["schemas"]["FiatCurrency"];
            fiat_amount?: components["schemas"]["Amount"] | null;
            crypto_amount?: components["schemas"]["Amount"] | null;
            partner_id?: components["schemas"]["PartnerId"] | null;
        } & ({
            crypto_amount?: null;
            fiat_amount: unknown;
        } | {
            crypto_amount: unknown;
            fiat_amount?: null;
        });
        /**
         * @description A quote: what the user pays and receives with one partner, and the fees. Use it once, as
         *     `quote_id` of `POST /v1/orders`, before `expires_at`.
         */
        QuoteView: {
            /**
             * Format: uuid
             * @example 01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f
             */
            id: string;
            expires_at: components["schemas"]["Timestamp"];
            partner_id: components["schemas"]["PartnerId"];
            direction: components["schemas"]["Direction"];
            /**
             * @description On-ramp what the user receives, off-ramp what the user sends; written with the
             *     asset's precision.
             */
            crypto: components["schemas"]["Crypto"];
            /**
             * @description On-ramp what the user pays, off-ramp what the user receives; written with the
             *     currency's minor units.
             */
            fiat: components["schemas"]["Fiat"];
            rate: components["schemas"]["Rate"];
            /** @description The partner, wallet and platform fees in the fiat currency; a fee of zero is left out. */
            fees: components["schemas"]["Fee"][];
        };
        /**
         * Format: decimal
         * @description Fiat per one unit of crypto, as a positive decimal string (same rules as an amount).
         * @example 1500.25
         */
        Rate: string;
        /** @enum {string} */
        Readiness: "ready" | "not_ready";
        /**
         * @description `GET /readyz`: the same report with 200 (ready) or 503 (not ready). A 503 also carries the
         *     shared error envelope (`error`, code `overloaded`), like every other non-2xx.
         * @example {
         *       "components": {
         *         "database": {
         *           "status": "up"
         *         },
         *         "journal": {
         *           "status": "up"
         *         },
         *         "registry": {
         *           "status": "up"
         *         },
         *         "webhook_senders": {
         *           "status": "up"
         *         }
         *       },
         *       "journal_queue_depth": 0,
         *       "status": "ready"
         *     }
         */
        ReadinessReport: {
            status: components["schemas"]["Readiness"];
            /**
             * @description By component: `database` (reachable), `registry` (live orders rehydrated), `journal`
             *     (the writer runs), `webhook_senders` (the dispatcher claims deliveries), and on
             *     PostgreSQL `cluster` (the node owns its share of the shards, or every shard has an
             *     owner, and it is not leaving).
             */
            components: {
                [key: string]: components["schemas"]["ComponentStatus"];
            };
            /**
             * Format: int64
             * @description Writes waiting for the group-commit writer.
             */
            journal_queue_depth: number;
            error?: components["schemas"]["ErrorObject"] | null;
        };
        /**
         * @description A human-readable reason: 1 to 1000 characters, no control characters.
         * @example the user's bank refused the transfer
         */
        Reason: string;
        /** @description A redelivery that was queued. */
        Redelivery: {
            event_id: components["schemas"]["EventId"];
            /**
             * Format: int64
             * @description How many deliveries were queued (one per live endpoint of the caller that wants the
             *     event's type).
             */
            deliveries: number;
        };
        /**
         * @description A payment reference, transaction id or hash: 1 to 256 characters, no control characters.
         * @example tx-5f2c9a
         */
        Reference: string;
        Refund: {
            amount: components["schemas"]["Amount"];
            transaction_id: components["schemas"]["Reference"];
            address: components["schemas"]["Address"] | null;
        };
        RefundInput: {
            amount: components["schemas"]["Amount"];
            transaction_id: components["schemas"]["Reference"];
            address?: components["schemas"]["Address"] | null;
        };
        RejectInput: {
            reason: components["schemas"]["Reason"];
        };
        /** @description The new secret of an endpoint. */
        RotatedSecret: {
            /**
             * Format: uuid
             * @example 01936f0c-3e4f-7a5b-8c6d-7e8f9a0b1c2d
             */
            id: string;
            /**
             * @description The new signing secret, shown this once.
             * @example whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD
             */
            secret: string;
            /** @description Until then the previous secret signs beside the new one. */
            previous_secret_expires_at: components["schemas"]["Timestamp"];
        };
        /** @enum {string} */
        Status: "created" | "accepted" | "rejected" | "cancelled" | "funds_sent" | "funds_received" | "inconsistent" | "completed" | "failed" | "refunded" | "expired";
        Tag: {
            type: components["schemas"]["TagType"];
            value: components["schemas"]["Reference"];
        };
        /** @enum {string} */
        TagType: "memo" | "destination-tag";
        /**
         * @description Thread crossings ("hops") since the start: each time work was handed from one thread to
         *     another, by where it crossed. Each costs a wake-up; divide by the requests served to see
         *     what a request costs (a create crosses to the journal and back, nothing else).
         */
        ThreadCrossings: {
            /**
             * Format: int64
             * @description Writes handed to the journal's writer.
             */
            to_journal: number;
            /**
             * Format: int64
             * @description The writer's answers reaching whoever waited for a write.
             */
            from_journal: number;
            /**
             * Format: int64
             * @description Commands and reads sent to an order actor on its thread.
             */
            to_order_actor: number;
            /**
             * Format: int64
             * @description Order actors' answers reaching whoever asked.
             */
            from_order_actor: number;
            /**
             * Format: int64
             * @description Order actors started on their threads (a create's by the journal's writer, at commit).
             */
            start_actor: number;
            /**
             * Format: int64
             * @description Committed batches whose news (new webhook deliveries) went to the webhook dispatcher.
             */
            to_webhooks: number;
        };
        /**
         * Format: date-time
         * @description An instant as RFC 3339 in UTC with milliseconds.
         * @example 2026-11-22T10:15:30.123Z
         */
        Timestamp: string;
        UserData: {
            email?: components["schemas"]["Email"] | null;
            phone?: components["schemas"]["Phone"] | null;
            name?: components["schemas"]["PersonName"] | null;
            birth_date?: components["schemas"]["BirthDate"] | null;
            country?: components["schemas"]["Country"] | null;
            document?: components["schemas"]["IdentityDocument"] | null;
            bank_account?: components["schemas"]["BankAccount"] | null;
        };
        /**
         * @description The wallet's own id for its user: 1 to 128 characters, no control characters, no surrounding spaces.
         * @example u-42
         */
        UserRef: string;
        /**
         * @description A user as the API shows it: `user_ref`, the stored KYC fields (absent ones `null`), and
         *     when the record was created and last replaced.
         * @example {
         *       "bank_account": {
         *         "account_number": "0123456789",
         *         "bank_code": "058",
         *         "bank_name": "GTBank"
         *       },
         *       "birth_date": "1990-01-31",
         *       "country": "NG",
         *       "created_at": "2026-11-22T10:15:30.123Z",
         *       "document": {
         *         "country": "NG",
         *         "number": "A1234567",
         *         "type": "passport"
         *       },
         *       "email": "ada@example.com",
         *       "name": {
         *         "first": "Ada",
         *         "last": "Obi"
         *       },
         *       "phone": "+2348012345678",
         *       "updated_at": "2026-11-22T10:15:30.123Z",
         *       "user_ref": "u-42"
         *     }
         */
        UserView: {
            bank_account: components["schemas"]["BankAccount"] | null;
            birth_date: components["schemas"]["BirthDate"] | null;
            country: components["schemas"]["Country"] | null;
            created_at: components["schemas"]["Timestamp"];
            document: components["schemas"]["IdentityDocument"] | null;
            email: components["schemas"]["Email"] | null;
            name: components["schemas"]["PersonName"] | null;
            phone: components["schemas"]["Phone"] | null;
            updated_at: components["schemas"]["Timestamp"];
            user_ref: components["schemas"]["UserRef"];
        };
        /**
         * Format: uuid
         * @description A wallet id (UUIDv7).
         * @example 01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10
         */
        WalletId: string;
        WebhookBacklog: {
            /**
             * Format: int64
             * @description Deliveries not yet delivered or failed, over the endpoints listed.
             */
            pending: number;
            /** @description The 100 endpoints with the most pending deliveries, largest first. */
            backlog_by_endpoint: components["schemas"]["EndpointBacklog"][];
        };
        /**
         * @description The body of a webhook delivery, and the `payload` of an event.
         * @example {
         *       "data": {
         *         "created_at": "2026-11-22T10:15:30.123Z",
         *         "crypto": {
         *           "amount": "10.00",
         *           "asset": "USDC",
         *           "network": "solana"
         *         },
         *         "deposit": {
         *           "address": "DepositAddr111",
         *           "bank": null,
         *           "expires_at": "2026-11-22T10:46:30.123Z",
         *           "remind_at": "2026-11-22T10:36:30.123Z",
         *           "tag": null
         *         },
         *         "direction": "offramp",
         *         "external_id": "p-5521",
         *         "external_ref": "w-991",
         *         "failure": null,
         *         "fees": [
         *           {
         *             "amount": "150.00",
         *             "asset": "NGN",
         *             "type": "partner"
         *           }
         *         ],
         *         "fiat": {
         *           "amount": "15000.00",
         *           "currency": "NGN"
         *         },
         *         "funds": null,
         *         "history": [
         *           {
         *             "at": "2026-11-22T10:15:30.123Z",
         *             "status": "created"
         *           },
         *           {
         *             "at": "2026-11-22T10:16:30.123Z",
         *             "status": "accepted"
         *           }
         *         ],
         *         "id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
         *         "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
         *         "payment_method": "bank_transfer",
         *         "rate": "1500",
         *         "refund": null,
         *         "status": "accepted",
         *         "transaction_id": null,
         *         "updated_at": "2026-11-22T10:16:30.123Z",
         *         "user_ref": "u-42",
         *         "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ",
         *         "version": 2,
         *         "wallet_id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
         *       },
         *       "timestamp": "2026-11-22T10:16:02.481Z",
         *       "type": "order.accepted"
         *     }
         */
        WebhookPayload: {
            type: components["schemas"]["EventType"];
            /** @description When the event happened. */
            timestamp: components["schemas"]["Timestamp"];
            /** @description The order resource as of this event. */
            data: components["schemas"]["Order"];
        };
    };
    responses: {
        /** @description `database_unavailable`: the database cannot be reached (or, on SQLite, its disk is full); nothing was changed. `commit_unknown` (on writes): the database went away while the change was committing, so it may or may not have been made. Either way retry after `Retry-After` seconds: retrying the same request is safe. */
        DatabaseUnavailable: {
            headers: {
                /** @description Seconds to wait before retrying. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": {
                 *         "code": "database_unavailable",
                 *         "details": null,
                 *         "message": "the database is unavailable; nothing was changed; retry after the delay in Retry-After"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `internal`: an unexpected failure (logged on the server; the body never carries detail). */
        Internal: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": {
                 *         "code": "internal",
                 *         "details": null,
                 *         "message": "internal error"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `malformed_request`: the body is not valid JSON, or was not sent with `Content-Type: application/json`. */
        MalformedRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": {
                 *         "code": "malformed_request",
                 *         "details": null,
                 *         "message": "the body is not valid JSON: expected value"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `overloaded`: back-pressure (the order's mailbox or the write queue is full), or the node is stopping; nothing was done. `shard_unavailable`: in a cluster, the order's shard is moving between nodes, or the node that owns it cannot be reached. Either way retry after `Retry-After` seconds, on any node: retrying the same request is safe (a command already applied answers 200 with the order as it is). Also `database_unavailable` while the database cannot be reached (nothing was changed) and, on writes, `commit_unknown` when it went away during the commit (the change may or may not have been made); retrying the same request is safe. */
        OrderUnavailable: {
            headers: {
                /** @description Seconds to wait before retrying. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": {
                 *         "code": "shard_unavailable",
                 *         "details": null,
                 *         "message": "this order is moving between nodes of the cluster; retry after the delay in Retry-After"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `overloaded`: back-pressure (the order's mailbox or the write queue is full). Nothing was done; retry after `Retry-After` seconds. Also `database_unavailable` while the database cannot be reached (nothing was changed) and, on writes, `commit_unknown` when it went away during the commit (the change may or may not have been made); retrying the same request is safe. */
        Overloaded: {
            headers: {
                /** @description Seconds to wait before retrying. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": {
                 *         "code": "overloaded",
                 *         "details": null,
                 *         "message": "the server is at capacity; retry after the delay in Retry-After"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `payload_too_large`: the body is over 64 KiB (the configured limit). The key and the role are checked first. */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": {
                 *         "code": "payload_too_large",
                 *         "details": {
                 *           "limit_bytes": 65536
                 *         },
                 *         "message": "request body is larger than 65536 bytes"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `rate_limited`: this wallet or partner key is over its rate limit; retry after `Retry-After` seconds. */
        RateLimited: {
            headers: {
                /** @description Seconds to wait before retrying. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": {
                 *         "code": "rate_limited",
                 *         "details": null,
                 *         "message": "too many requests for this key; retry after the delay in Retry-After"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `unauthorized`: the `Authorization: Bearer <key>` header is missing or the key is unknown. */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": {
                 *         "code": "unauthorized",
                 *         "details": null,
                 *         "message": "missing or unknown API key; send Authorization: Bearer <key>"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    list_wallets: {
        parameters: {
            query?: {
                /** @description How many items to return, 1 to 100 (default 20). */
                limit?: number;
                /** @description The `next_cursor` of the previous page (base64url, opaque). */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of wallets. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "data": [
                     *         {
                     *           "created_at": "2026-11-22T10:15:30.123Z",
                     *           "id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b",
                     *           "name": "Acme"
                     *         }
                     *       ],
                     *       "next_cursor": "MDE5MzZmMGUtN2I3Yy03ZDJlLTlhNDEtM2M1ZjJiOGU0ZDEw"
                     *     }
                     */
                    "application/json": components["schemas"]["Page_PartyView"];
                };
            };
            /** @description `malformed_request`: the query string cannot be parsed. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "malformed_request",
                     *         "details": null,
                     *         "message": "the query string could not be parsed"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only the operator may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only the operator may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`: an unknown query parameter, or an invalid `limit` or `cursor`. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "limit",
                     *           "reason": "must be an integer from 1 to 100"
                     *         },
                     *         "message": "limit: must be an integer from 1 to 100"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    create_wallet: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the request safe to retry: the same key with the same body replays the first response for at least 24 h; with another body it is 409 `idempotency_conflict`. */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "Acme"
                 *     }
                 */
                "application/json": components["schemas"]["CreateParty"];
            };
        };
        responses: {
            /** @description The wallet and its API key. */
            201: {
                headers: {
                    /** @description `true` when this is the replay of an earlier request with the same Idempotency-Key. */
                    "Idempotent-Replayed"?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "api_key": "rfw_4pQ2mX7bKc9LrT1vY8nZ3hJ6sD0fG5wE2aU7iO9kPqM",
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b",
                     *       "name": "Acme"
                     *     }
                     */
                    "application/json": components["schemas"]["PartyWithKey"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only the operator may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only the operator may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `idempotency_conflict`: the Idempotency-Key was used with another body, or is in use right now. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "idempotency_conflict",
                     *         "details": null,
                     *         "message": "this Idempotency-Key was used with a different request"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: `name` is missing or invalid, an unknown field, or an invalid Idempotency-Key. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "name",
                     *           "reason": "must be 1 to 128 printable characters"
                     *         },
                     *         "message": "name: must be 1 to 128 printable characters"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    list_partners: {
        parameters: {
            query?: {
                /** @description How many items to return, 1 to 100 (default 20). */
                limit?: number;
                /** @description The `next_cursor` of the previous page (base64url, opaque). */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of partners. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "data": [
                     *         {
                     *           "created_at": "2026-11-22T10:15:30.123Z",
                     *           "id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b",
                     *           "name": "Acme"
                     *         }
                     *       ],
                     *       "next_cursor": "MDE5MzZmMGUtN2I3Yy03ZDJlLTlhNDEtM2M1ZjJiOGU0ZDEw"
                     *     }
                     */
                    "application/json": components["schemas"]["Page_PartyView"];
                };
            };
            /** @description `malformed_request`: the query string cannot be parsed. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "malformed_request",
                     *         "details": null,
                     *         "message": "the query string could not be parsed"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only the operator may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only the operator may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`: an unknown query parameter, or an invalid `limit` or `cursor`. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "limit",
                     *           "reason": "must be an integer from 1 to 100"
                     *         },
                     *         "message": "limit: must be an integer from 1 to 100"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    create_partner: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the request safe to retry: the same key with the same body replays the first response for at least 24 h; with another body it is 409 `idempotency_conflict`. */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "Acme"
                 *     }
                 */
                "application/json": components["schemas"]["CreateParty"];
            };
        };
        responses: {
            /** @description The partner and its API key. */
            201: {
                headers: {
                    /** @description `true` when this is the replay of an earlier request with the same Idempotency-Key. */
                    "Idempotent-Replayed"?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "api_key": "rfw_4pQ2mX7bKc9LrT1vY8nZ3hJ6sD0fG5wE2aU7iO9kPqM",
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b",
                     *       "name": "Acme"
                     *     }
                     */
                    "application/json": components["schemas"]["PartyWithKey"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only the operator may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only the operator may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `idempotency_conflict`: the Idempotency-Key was used with another body, or is in use right now. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "idempotency_conflict",
                     *         "details": null,
                     *         "message": "this Idempotency-Key was used with a different request"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: `name` is missing or invalid, an unknown field, or an invalid Idempotency-Key. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "name",
                     *           "reason": "must be 1 to 128 printable characters"
                     *         },
                     *         "message": "name: must be 1 to 128 printable characters"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    rotate_wallet_key: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The wallet's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The wallet and its new API key. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "api_key": "rfw_Zq8v1Lm3Kx7Tb2Wn9Yd4Hc6Rf0Sg5Pj1Ua8Ei3Oo7Qw",
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b",
                     *       "name": "Acme"
                     *     }
                     */
                    "application/json": components["schemas"]["PartyWithKey"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only the operator may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only the operator may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no wallet has this id. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such wallet"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    rotate_partner_key: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The partner's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The partner and its new API key. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "api_key": "rfw_Zq8v1Lm3Kx7Tb2Wn9Yd4Hc6Rf0Sg5Pj1Ua8Ei3Oo7Qw",
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b",
                     *       "name": "Acme"
                     *     }
                     */
                    "application/json": components["schemas"]["PartyWithKey"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only the operator may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only the operator may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no partner has this id. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such partner"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    get_ops_stats: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The figures. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpsStats"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only the operator may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only the operator may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    get_ops_cluster: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The cluster. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "lease_ms": 5000,
                     *       "mode": "postgres",
                     *       "nodes": [
                     *         {
                     *           "address": "10.0.0.5:8080",
                     *           "alive": true,
                     *           "id": "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f",
                     *           "last_heartbeat": "2026-11-22T10:15:30.123Z",
                     *           "leaving": false,
                     *           "shards": [
                     *             {
                     *               "epoch": 4,
                     *               "owned_since": "2026-11-22T10:00:01.042Z",
                     *               "previous_owner": "01936f0e-1d2c-7b3a-9f8e-7d6c5b4a3f2e",
                     *               "reason": "taken over: its owner stopped renewing its lease",
                     *               "shard": 0
                     *             }
                     *           ],
                     *           "started_at": "2026-11-22T10:00:00.000Z",
                     *           "this_node": true
                     *         },
                     *         {
                     *           "address": "10.0.0.6:8080",
                     *           "alive": false,
                     *           "id": "01936f0e-1d2c-7b3a-9f8e-7d6c5b4a3f2e",
                     *           "last_heartbeat": "2026-11-22T09:59:55.310Z",
                     *           "leaving": false,
                     *           "shards": [],
                     *           "started_at": "2026-11-22T09:00:00.000Z",
                     *           "this_node": false
                     *         }
                     *       ],
                     *       "shard_count": 256,
                     *       "this_node": "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f",
                     *       "unowned_shards": []
                     *     }
                     */
                    "application/json": components["schemas"]["ClusterReport"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only the operator may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only the operator may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    get_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The wallet's id for its user (URL-encoded). */
                user_ref: components["schemas"]["UserRef"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The user. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "bank_account": {
                     *         "account_number": "0123456789",
                     *         "bank_code": "058",
                     *         "bank_name": "GTBank"
                     *       },
                     *       "birth_date": "1990-01-31",
                     *       "country": "NG",
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "document": {
                     *         "country": "NG",
                     *         "number": "A1234567",
                     *         "type": "passport"
                     *       },
                     *       "email": "ada@example.com",
                     *       "name": {
                     *         "first": "Ada",
                     *         "last": "Obi"
                     *       },
                     *       "phone": "+2348012345678",
                     *       "updated_at": "2026-11-22T10:15:30.123Z",
                     *       "user_ref": "u-42"
                     *     }
                     */
                    "application/json": components["schemas"]["UserView"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a wallet may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a wallet may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: the wallet has no such user. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such user"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`: `user_ref` is not 1 to 128 printable characters. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "user_ref",
                     *           "reason": "must be 1 to 128 characters"
                     *         },
                     *         "message": "user_ref: must be 1 to 128 characters"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    put_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The wallet's id for its user (URL-encoded). */
                user_ref: components["schemas"]["UserRef"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "bank_account": {
                 *         "account_number": "0123456789",
                 *         "bank_code": "058",
                 *         "bank_name": "GTBank"
                 *       },
                 *       "birth_date": "1990-01-31",
                 *       "country": "NG",
                 *       "document": {
                 *         "country": "NG",
                 *         "number": "A1234567",
                 *         "type": "passport"
                 *       },
                 *       "email": "ada@example.com",
                 *       "name": {
                 *         "first": "Ada",
                 *         "last": "Obi"
                 *       },
                 *       "phone": "+2348012345678"
                 *     }
                 */
                "application/json": components["schemas"]["UserData"];
            };
        };
        responses: {
            /** @description The user's data was replaced. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "bank_account": {
                     *         "account_number": "0123456789",
                     *         "bank_code": "058",
                     *         "bank_name": "GTBank"
                     *       },
                     *       "birth_date": "1990-01-31",
                     *       "country": "NG",
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "document": {
                     *         "country": "NG",
                     *         "number": "A1234567",
                     *         "type": "passport"
                     *       },
                     *       "email": "ada@example.com",
                     *       "name": {
                     *         "first": "Ada",
                     *         "last": "Obi"
                     *       },
                     *       "phone": "+2348012345678",
                     *       "updated_at": "2026-11-22T10:15:30.123Z",
                     *       "user_ref": "u-42"
                     *     }
                     */
                    "application/json": components["schemas"]["UserView"];
                };
            };
            /** @description The user was created. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "bank_account": {
                     *         "account_number": "0123456789",
                     *         "bank_code": "058",
                     *         "bank_name": "GTBank"
                     *       },
                     *       "birth_date": "1990-01-31",
                     *       "country": "NG",
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "document": {
                     *         "country": "NG",
                     *         "number": "A1234567",
                     *         "type": "passport"
                     *       },
                     *       "email": "ada@example.com",
                     *       "name": {
                     *         "first": "Ada",
                     *         "last": "Obi"
                     *       },
                     *       "phone": "+2348012345678",
                     *       "updated_at": "2026-11-22T10:15:30.123Z",
                     *       "user_ref": "u-42"
                     *     }
                     */
                    "application/json": components["schemas"]["UserView"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a wallet may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a wallet may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: an invalid `user_ref`, an invalid or unknown field (`details.field`, `details.reason`). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "email",
                     *           "reason": "must be an email address such as ada@example.com"
                     *         },
                     *         "message": "email: must be an email address such as ada@example.com"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    delete_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The wallet's id for its user (URL-encoded). */
                user_ref: components["schemas"]["UserRef"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The data is erased. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a wallet may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a wallet may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: the wallet has no such user. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such user"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`: `user_ref` is not 1 to 128 printable characters. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "user_ref",
                     *           "reason": "must be 1 to 128 characters"
                     *         },
                     *         "message": "user_ref: must be 1 to 128 characters"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    list_grants: {
        parameters: {
            query?: {
                /** @description How many items to return, 1 to 100 (default 20). */
                limit?: number;
                /** @description The `next_cursor` of the previous page (base64url, opaque). */
                cursor?: string;
            };
            header?: never;
            path: {
                /** @description The wallet's id for its user (URL-encoded). */
                user_ref: components["schemas"]["UserRef"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of grants. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "data": [
                     *         {
                     *           "granted_at": "2026-11-22T10:15:30.123Z",
                     *           "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c"
                     *         }
                     *       ],
                     *       "next_cursor": "MDE5MzZmMGUtN2I3Yy03ZDJlLTlhNDEtM2M1ZjJiOGU0ZDEw"
                     *     }
                     */
                    "application/json": components["schemas"]["Page_GrantView"];
                };
            };
            /** @description `malformed_request`: the query string cannot be parsed. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "malformed_request",
                     *         "details": null,
                     *         "message": "the query string could not be parsed"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a wallet may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a wallet may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: the wallet has no such user. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such user"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`: an invalid `user_ref`, an unknown query parameter, or an invalid `limit` or `cursor`. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "limit",
                     *           "reason": "must be an integer from 1 to 100"
                     *         },
                     *         "message": "limit: must be an integer from 1 to 100"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    grant_access: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The wallet's id for its user (URL-encoded). */
                user_ref: components["schemas"]["UserRef"];
                /** @description The partner's id. */
                partner_id: components["schemas"]["PartnerId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The grant. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "granted_at": "2026-11-22T10:15:30.123Z",
                     *       "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c"
                     *     }
                     */
                    "application/json": components["schemas"]["GrantView"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a wallet may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a wallet may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: the wallet has no such user, or there is no such partner. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`: `user_ref` is not 1 to 128 printable characters. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "user_ref",
                     *           "reason": "must be 1 to 128 characters"
                     *         },
                     *         "message": "user_ref: must be 1 to 128 characters"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    revoke_access: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The wallet's id for its user (URL-encoded). */
                user_ref: components["schemas"]["UserRef"];
                /** @description The partner's id. */
                partner_id: components["schemas"]["PartnerId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The grant is revoked. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a wallet may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a wallet may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: the user has not granted this partner access. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such grant"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`: `user_ref` is not 1 to 128 printable characters. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "user_ref",
                     *           "reason": "must be 1 to 128 characters"
                     *         },
                     *         "message": "user_ref: must be 1 to 128 characters"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    list_access_log: {
        parameters: {
            query?: {
                /** @description How many items to return, 1 to 100 (default 20). */
                limit?: number;
                /** @description The `next_cursor` of the previous page (base64url, opaque). */
                cursor?: string;
            };
            header?: never;
            path: {
                /** @description The wallet's id for its user (URL-encoded). */
                user_ref: components["schemas"]["UserRef"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of reads. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "data": [
                     *         {
                     *           "at": "2026-11-22T10:20:30.123Z",
                     *           "order_id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *           "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c"
                     *         }
                     *       ],
                     *       "next_cursor": "MDE5MzZmMGUtN2I3Yy03ZDJlLTlhNDEtM2M1ZjJiOGU0ZDEw"
                     *     }
                     */
                    "application/json": components["schemas"]["Page_AccessView"];
                };
            };
            /** @description `malformed_request`: the query string cannot be parsed. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "malformed_request",
                     *         "details": null,
                     *         "message": "the query string could not be parsed"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a wallet may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a wallet may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`: an invalid `user_ref`, an unknown query parameter, or an invalid `limit` or `cursor`. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "cursor",
                     *           "reason": "is not a cursor this API issued"
                     *         },
                     *         "message": "cursor: is not a cursor this API issued"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    get_partner_pricing: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The price list. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "fee": {
                     *         "fixed": {
                     *           "NGN": "100.00"
                     *         },
                     *         "percent": "1.5"
                     *       },
                     *       "pairs": [
                     *         {
                     *           "crypto": {
                     *             "asset": "USDC",
                     *             "network": "solana"
                     *           },
                     *           "direction": "onramp",
                     *           "fiat_currency": "NGN",
                     *           "max_fiat": "5000000.00",
                     *           "min_fiat": "1000.00",
                     *           "rate": "1500.00"
                     *         },
                     *         {
                     *           "crypto": {
                     *             "asset": "USDC",
                     *             "network": "solana"
                     *           },
                     *           "direction": "offramp",
                     *           "fiat_currency": "NGN",
                     *           "max_fiat": null,
                     *           "min_fiat": null,
                     *           "rate": "1480.00"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["PriceList"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a partner may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a partner may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    put_partner_pricing: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "fee": {
                 *         "fixed": {
                 *           "NGN": "100.00"
                 *         },
                 *         "percent": "1.5"
                 *       },
                 *       "pairs": [
                 *         {
                 *           "crypto": {
                 *             "asset": "USDC",
                 *             "network": "solana"
                 *           },
                 *           "direction": "onramp",
                 *           "fiat_currency": "NGN",
                 *           "max_fiat": "5000000.00",
                 *           "min_fiat": "1000.00",
                 *           "rate": "1500.00"
                 *         },
                 *         {
                 *           "crypto": {
                 *             "asset": "USDC",
                 *             "network": "solana"
                 *           },
                 *           "direction": "offramp",
                 *           "fiat_currency": "NGN",
                 *           "max_fiat": null,
                 *           "min_fiat": null,
                 *           "rate": "1480.00"
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["PriceList"];
            };
        };
        responses: {
            /** @description The price list as stored. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "fee": {
                     *         "fixed": {
                     *           "NGN": "100.00"
                     *         },
                     *         "percent": "1.5"
                     *       },
                     *       "pairs": [
                     *         {
                     *           "crypto": {
                     *             "asset": "USDC",
                     *             "network": "solana"
                     *           },
                     *           "direction": "onramp",
                     *           "fiat_currency": "NGN",
                     *           "max_fiat": "5000000.00",
                     *           "min_fiat": "1000.00",
                     *           "rate": "1500.00"
                     *         },
                     *         {
                     *           "crypto": {
                     *             "asset": "USDC",
                     *             "network": "solana"
                     *           },
                     *           "direction": "offramp",
                     *           "fiat_currency": "NGN",
                     *           "max_fiat": null,
                     *           "min_fiat": null,
                     *           "rate": "1480.00"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["PriceList"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a partner may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a partner may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: an invalid or unknown field, a rate of zero, `min_fiat` above `max_fiat`, a pair listed twice, a fee percent of 100 or more (`details.field`, `details.reason`). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "pairs[0].rate",
                     *           "reason": "must be greater than zero"
                     *         },
                     *         "message": "pairs[0].rate: must be greater than zero"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    get_wallet_fee: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The fee. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "fixed": {
                     *         "NGN": "100.00"
                     *       },
                     *       "percent": "1.5"
                     *     }
                     */
                    "application/json": components["schemas"]["FeeDoc"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a wallet may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a wallet may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    put_wallet_fee: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "fixed": {
                 *         "NGN": "100.00"
                 *       },
                 *       "percent": "1.5"
                 *     }
                 */
                "application/json": components["schemas"]["FeeDoc"];
            };
        };
        responses: {
            /** @description The fee as stored. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "fixed": {
                     *         "NGN": "100.00"
                     *       },
                     *       "percent": "1.5"
                     *     }
                     */
                    "application/json": components["schemas"]["FeeDoc"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a wallet may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a wallet may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: a negative or malformed decimal, a percent of 100 or more, an unknown currency, or an unknown field. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "percent",
                     *           "reason": "must be below 100"
                     *         },
                     *         "message": "percent: must be below 100"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    create_quote: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the request safe to retry: the same key with the same body replays the first response for at least 24 h; with another body it is 409 `idempotency_conflict`. */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "crypto": {
                 *         "asset": "USDC",
                 *         "network": "solana"
                 *       },
                 *       "direction": "onramp",
                 *       "fiat_amount": "15000.00",
                 *       "fiat_currency": "NGN"
                 *     }
                 */
                "application/json": components["schemas"]["QuoteRequest"];
            };
        };
        responses: {
            /** @description The quote. */
            201: {
                headers: {
                    /** @description `true` when this is the replay of an earlier request with the same Idempotency-Key. */
                    "Idempotent-Replayed"?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "crypto": {
                     *         "amount": "9.83333333",
                     *         "asset": "USDC",
                     *         "network": "solana"
                     *       },
                     *       "direction": "onramp",
                     *       "expires_at": "2026-11-22T10:16:30.123Z",
                     *       "fees": [
                     *         {
                     *           "amount": "225.00",
                     *           "asset": "NGN",
                     *           "type": "partner"
                     *         },
                     *         {
                     *           "amount": "25.00",
                     *           "asset": "NGN",
                     *           "type": "wallet"
                     *         }
                     *       ],
                     *       "fiat": {
                     *         "amount": "15000.00",
                     *         "currency": "NGN"
                     *       },
                     *       "id": "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f",
                     *       "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                     *       "rate": "1500.00"
                     *     }
                     */
                    "application/json": components["schemas"]["QuoteView"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a wallet may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a wallet may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `idempotency_conflict`: the Idempotency-Key was used with another body, or is in use right now. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "idempotency_conflict",
                     *         "details": null,
                     *         "message": "this Idempotency-Key was used with a different request"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: an invalid field; both or neither of `fiat_amount` and `crypto_amount`; an amount finer than the currency's minor units or the asset's precision; no partner can serve it (`details.reason = "no_partner"`, with `details.cause` `not_priced` or `outside_limits`); the fees take the whole amount (`fees_exceed_amount`); the amount is too small to receive anything (`amount_too_small`). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    compare_quotes: {
        parameters: {
            query: {
                direction: components["schemas"]["Direction"];
                /**
                 * @description The crypto asset code.
                 * @example USDC
                 */
                asset: components["schemas"]["AssetCode"];
                /**
                 * @description The crypto network.
                 * @example solana
                 */
                network: components["schemas"]["Network"];
                fiat_currency: components["schemas"]["FiatCurrency"];
                /** @description As in `POST /v1/quotes`; give this or `crypto_amount`. */
                fiat_amount?: components["schemas"]["Amount"];
                /** @description As in `POST /v1/quotes`; give this or `fiat_amount`. */
                crypto_amount?: components["schemas"]["Amount"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The quotes, best first. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "data": [
                     *         {
                     *           "crypto": {
                     *             "amount": "9.83333333",
                     *             "asset": "USDC",
                     *             "network": "solana"
                     *           },
                     *           "direction": "onramp",
                     *           "expires_at": "2026-11-22T10:16:30.123Z",
                     *           "fees": [
                     *             {
                     *               "amount": "225.00",
                     *               "asset": "NGN",
                     *               "type": "partner"
                     *             },
                     *             {
                     *               "amount": "25.00",
                     *               "asset": "NGN",
                     *               "type": "wallet"
                     *             }
                     *           ],
                     *           "fiat": {
                     *             "amount": "15000.00",
                     *             "currency": "NGN"
                     *           },
                     *           "id": "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f",
                     *           "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                     *           "rate": "1500.00"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["QuoteList"];
                };
            };
            /** @description `malformed_request`: the query string cannot be parsed. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "malformed_request",
                     *         "details": null,
                     *         "message": "the query string could not be parsed"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a wallet may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a wallet may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`: a missing, invalid or unknown parameter, or no partner can serve it (`details.reason = "no_partner"`), or the fees take the whole amount (`fees_exceed_amount`). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "cause": "not_priced",
                     *           "field": "crypto",
                     *           "reason": "no_partner"
                     *         },
                     *         "message": "crypto: no partner prices onramp of USDC on solana for NGN"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    list_orders: {
        parameters: {
            query?: {
                status?: components["schemas"]["Status"];
                direction?: components["schemas"]["Direction"];
                /** @description Orders routed to this partner. */
                partner_id?: components["schemas"]["PartnerId"];
                /** @description The partner's id for the order. */
                external_id?: string;
                /** @description Orders created at or after this instant (RFC 3339). */
                created_after?: components["schemas"]["Timestamp"];
                /** @description Orders created before this instant (RFC 3339). */
                created_before?: components["schemas"]["Timestamp"];
                /** @description How many items to return, 1 to 100 (default 20). */
                limit?: number;
                /** @description The `next_cursor` of the previous page (base64url, opaque). */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of orders. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "data": [
                     *         {
                     *           "created_at": "2026-11-22T10:15:30.123Z",
                     *           "crypto": {
                     *             "amount": "10.00",
                     *             "asset": "USDC",
                     *             "network": "solana"
                     *           },
                     *           "deposit": null,
                     *           "direction": "offramp",
                     *           "external_id": null,
                     *           "external_ref": "w-991",
                     *           "failure": null,
                     *           "fees": [],
                     *           "fiat": {
                     *             "amount": "15000.00",
                     *             "currency": "NGN"
                     *           },
                     *           "funds": null,
                     *           "history": [
                     *             {
                     *               "at": "2026-11-22T10:15:30.123Z",
                     *               "status": "created"
                     *             }
                     *           ],
                     *           "id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *           "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                     *           "payment_method": "bank_transfer",
                     *           "rate": null,
                     *           "refund": null,
                     *           "status": "created",
                     *           "transaction_id": null,
                     *           "updated_at": "2026-11-22T10:15:30.123Z",
                     *           "user_ref": "u-42",
                     *           "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ",
                     *           "version": 1,
                     *           "wallet_id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
                     *         }
                     *       ],
                     *       "next_cursor": "MDE5MzZmMGUtN2I3Yy03ZDJlLTlhNDEtM2M1ZjJiOGU0ZDEw"
                     *     }
                     */
                    "application/json": components["schemas"]["Page_Order"];
                };
            };
            /** @description `malformed_request`: the query string cannot be parsed. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "malformed_request",
                     *         "details": null,
                     *         "message": "the query string could not be parsed"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: orders belong to wallets and partners (the operator has none). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "orders belong to wallets and partners"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`: an unknown query parameter, or an invalid filter, `limit` or `cursor`. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "status",
                     *           "reason": "is not an order status"
                     *         },
                     *         "message": "status: is not an order status"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    create_order: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the request safe to retry: the same key with the same body replays the first response for at least 24 h; with another body it is 409 `idempotency_conflict`. */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "crypto": {
                 *         "amount": "10.00",
                 *         "asset": "USDC",
                 *         "network": "solana"
                 *       },
                 *       "direction": "offramp",
                 *       "external_ref": "w-991",
                 *       "fiat": {
                 *         "amount": "15000.00",
                 *         "currency": "NGN"
                 *       },
                 *       "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                 *       "payment_method": "bank_transfer",
                 *       "user_ref": "u-42",
                 *       "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ"
                 *     }
                 */
                "application/json": components["schemas"]["CreateOrder"];
            };
        };
        responses: {
            /** @description The new order. */
            201: {
                headers: {
                    /** @description `true` when this is the replay of an earlier request with the same Idempotency-Key. */
                    "Idempotent-Replayed"?: string;
                    /** @description `/v1/orders/{id}` of the new order. */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "crypto": {
                     *         "amount": "10.00",
                     *         "asset": "USDC",
                     *         "network": "solana"
                     *       },
                     *       "deposit": null,
                     *       "direction": "offramp",
                     *       "external_id": null,
                     *       "external_ref": "w-991",
                     *       "failure": null,
                     *       "fees": [],
                     *       "fiat": {
                     *         "amount": "15000.00",
                     *         "currency": "NGN"
                     *       },
                     *       "funds": null,
                     *       "history": [
                     *         {
                     *           "at": "2026-11-22T10:15:30.123Z",
                     *           "status": "created"
                     *         }
                     *       ],
                     *       "id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *       "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                     *       "payment_method": "bank_transfer",
                     *       "rate": null,
                     *       "refund": null,
                     *       "status": "created",
                     *       "transaction_id": null,
                     *       "updated_at": "2026-11-22T10:15:30.123Z",
                     *       "user_ref": "u-42",
                     *       "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ",
                     *       "version": 1,
                     *       "wallet_id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a wallet may create orders; `access_not_granted`: the user has not granted the partner access to their data. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `idempotency_conflict`: the Idempotency-Key was used with another body, or is in use right now. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "idempotency_conflict",
                     *         "details": null,
                     *         "message": "this Idempotency-Key was used with a different request"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: a field is missing or invalid, an unknown field, no such partner, an invalid Idempotency-Key, or a `quote_id` that is unknown, another wallet's, expired or already used, or that `direction` or `partner_id` do not match (`details.field`, `details.reason`). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "crypto.amount",
                     *           "reason": "is required"
                     *         },
                     *         "message": "crypto.amount: is required"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["OrderUnavailable"];
        };
    };
    get_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The order id. */
                id: components["schemas"]["OrderId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The order. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "crypto": {
                     *         "amount": "10.00",
                     *         "asset": "USDC",
                     *         "network": "solana"
                     *       },
                     *       "deposit": {
                     *         "address": "DepositAddr111",
                     *         "bank": null,
                     *         "expires_at": "2026-11-22T10:46:30.123Z",
                     *         "remind_at": "2026-11-22T10:36:30.123Z",
                     *         "tag": null
                     *       },
                     *       "direction": "offramp",
                     *       "external_id": "p-5521",
                     *       "external_ref": "w-991",
                     *       "failure": null,
                     *       "fees": [
                     *         {
                     *           "amount": "150.00",
                     *           "asset": "NGN",
                     *           "type": "partner"
                     *         }
                     *       ],
                     *       "fiat": {
                     *         "amount": "15000.00",
                     *         "currency": "NGN"
                     *       },
                     *       "funds": null,
                     *       "history": [
                     *         {
                     *           "at": "2026-11-22T10:15:30.123Z",
                     *           "status": "created"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:16:30.123Z",
                     *           "status": "accepted"
                     *         }
                     *       ],
                     *       "id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *       "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                     *       "payment_method": "bank_transfer",
                     *       "rate": "1500",
                     *       "refund": null,
                     *       "status": "accepted",
                     *       "transaction_id": null,
                     *       "updated_at": "2026-11-22T10:16:30.123Z",
                     *       "user_ref": "u-42",
                     *       "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ",
                     *       "version": 2,
                     *       "wallet_id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: orders belong to wallets and partners (the operator has none). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "orders belong to wallets and partners"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such order visible to this key (another party's order is 404 too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such order"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["OrderUnavailable"];
        };
    };
    get_order_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The order id. */
                id: components["schemas"]["OrderId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The user. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "bank_account": {
                     *         "account_number": "0123456789",
                     *         "bank_code": "058",
                     *         "bank_name": "GTBank"
                     *       },
                     *       "birth_date": "1990-01-31",
                     *       "country": "NG",
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "document": {
                     *         "country": "NG",
                     *         "number": "A1234567",
                     *         "type": "passport"
                     *       },
                     *       "email": "ada@example.com",
                     *       "name": {
                     *         "first": "Ada",
                     *         "last": "Obi"
                     *       },
                     *       "phone": "+2348012345678",
                     *       "updated_at": "2026-11-22T10:15:30.123Z",
                     *       "user_ref": "u-42"
                     *     }
                     */
                    "application/json": components["schemas"]["UserView"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a partner may call this endpoint; `access_not_granted`: the user has not granted this partner access (or revoked it, or was erased). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such order routed to this partner. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such order"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["Overloaded"];
        };
    };
    accept_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The order id. */
                id: components["schemas"]["OrderId"];
            };
            cookie?: never;
        };
        /** @description The acceptance. */
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "deposit": {
                 *         "address": "DepositAddr111"
                 *       },
                 *       "deposit_window_secs": 1800,
                 *       "external_id": "p-5521",
                 *       "fees": [
                 *         {
                 *           "amount": "150.00",
                 *           "asset": "NGN",
                 *           "type": "partner"
                 *         }
                 *       ],
                 *       "rate": "1500"
                 *     }
                 */
                "application/json": components["schemas"]["AcceptInput"];
            };
        };
        responses: {
            /** @description The order after the command. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "crypto": {
                     *         "amount": "10.00",
                     *         "asset": "USDC",
                     *         "network": "solana"
                     *       },
                     *       "deposit": {
                     *         "address": "DepositAddr111",
                     *         "bank": null,
                     *         "expires_at": "2026-11-22T10:46:30.123Z",
                     *         "remind_at": "2026-11-22T10:36:30.123Z",
                     *         "tag": null
                     *       },
                     *       "direction": "offramp",
                     *       "external_id": "p-5521",
                     *       "external_ref": "w-991",
                     *       "failure": null,
                     *       "fees": [
                     *         {
                     *           "amount": "150.00",
                     *           "asset": "NGN",
                     *           "type": "partner"
                     *         }
                     *       ],
                     *       "fiat": {
                     *         "amount": "15000.00",
                     *         "currency": "NGN"
                     *       },
                     *       "funds": null,
                     *       "history": [
                     *         {
                     *           "at": "2026-11-22T10:15:30.123Z",
                     *           "status": "created"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:16:30.123Z",
                     *           "status": "accepted"
                     *         }
                     *       ],
                     *       "id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *       "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                     *       "payment_method": "bank_transfer",
                     *       "rate": "1500",
                     *       "refund": null,
                     *       "status": "accepted",
                     *       "transaction_id": null,
                     *       "updated_at": "2026-11-22T10:16:30.123Z",
                     *       "user_ref": "u-42",
                     *       "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ",
                     *       "version": 2,
                     *       "wallet_id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a partner may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a partner may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such order visible to this key (another party's order is 404 too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such order"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "invalid_transition",
                     *         "details": {
                     *           "status": "completed"
                     *         },
                     *         "message": "order is completed; cannot accept"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "deposit",
                     *           "reason": "give either a crypto \"address\" (with an optional \"tag\") or \"bank\" details"
                     *         },
                     *         "message": "deposit: give either a crypto \"address\" (with an optional \"tag\") or \"bank\" details"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["OrderUnavailable"];
        };
    };
    reject_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The order id. */
                id: components["schemas"]["OrderId"];
            };
            cookie?: never;
        };
        /** @description Why the order is rejected. */
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "reason": "unsupported corridor"
                 *     }
                 */
                "application/json": components["schemas"]["RejectInput"];
            };
        };
        responses: {
            /** @description The order after the command. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "crypto": {
                     *         "amount": "10.00",
                     *         "asset": "USDC",
                     *         "network": "solana"
                     *       },
                     *       "deposit": null,
                     *       "direction": "offramp",
                     *       "external_id": null,
                     *       "external_ref": "w-991",
                     *       "failure": {
                     *         "code": "aml_check_failed",
                     *         "reason": "the user failed the partner's checks"
                     *       },
                     *       "fees": [],
                     *       "fiat": {
                     *         "amount": "15000.00",
                     *         "currency": "NGN"
                     *       },
                     *       "funds": null,
                     *       "history": [
                     *         {
                     *           "at": "2026-11-22T10:15:30.123Z",
                     *           "status": "created"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:16:30.123Z",
                     *           "status": "rejected"
                     *         }
                     *       ],
                     *       "id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *       "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                     *       "payment_method": "bank_transfer",
                     *       "rate": null,
                     *       "refund": null,
                     *       "status": "rejected",
                     *       "transaction_id": null,
                     *       "updated_at": "2026-11-22T10:16:30.123Z",
                     *       "user_ref": "u-42",
                     *       "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ",
                     *       "version": 2,
                     *       "wallet_id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a partner may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a partner may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such order visible to this key (another party's order is 404 too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such order"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "invalid_transition",
                     *         "details": {
                     *           "status": "completed"
                     *         },
                     *         "message": "order is completed; cannot reject"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "reason",
                     *           "reason": "is required"
                     *         },
                     *         "message": "reason: is required"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["OrderUnavailable"];
        };
    };
    cancel_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The order id. */
                id: components["schemas"]["OrderId"];
            };
            cookie?: never;
        };
        /** @description Empty, or `{}`. */
        requestBody?: {
            content: {
                /** @example {} */
                "application/json": components["schemas"]["CancelInput"];
            };
        };
        responses: {
            /** @description The order after the command. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "crypto": {
                     *         "amount": "10.00",
                     *         "asset": "USDC",
                     *         "network": "solana"
                     *       },
                     *       "deposit": null,
                     *       "direction": "offramp",
                     *       "external_id": null,
                     *       "external_ref": "w-991",
                     *       "failure": null,
                     *       "fees": [],
                     *       "fiat": {
                     *         "amount": "15000.00",
                     *         "currency": "NGN"
                     *       },
                     *       "funds": null,
                     *       "history": [
                     *         {
                     *           "at": "2026-11-22T10:15:30.123Z",
                     *           "status": "created"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:16:30.123Z",
                     *           "status": "cancelled"
                     *         }
                     *       ],
                     *       "id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *       "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                     *       "payment_method": "bank_transfer",
                     *       "rate": null,
                     *       "refund": null,
                     *       "status": "cancelled",
                     *       "transaction_id": null,
                     *       "updated_at": "2026-11-22T10:16:30.123Z",
                     *       "user_ref": "u-42",
                     *       "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ",
                     *       "version": 2,
                     *       "wallet_id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a wallet may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a wallet may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such order visible to this key (another party's order is 404 too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such order"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "invalid_transition",
                     *         "details": {
                     *           "status": "completed"
                     *         },
                     *         "message": "order is completed; cannot cancel"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "note",
                     *           "reason": "is not a known field"
                     *         },
                     *         "message": "note: is not a known field"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["OrderUnavailable"];
        };
    };
    funds_sent_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The order id. */
                id: components["schemas"]["OrderId"];
            };
            cookie?: never;
        };
        /** @description An optional reference. */
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "reference": "5Yx…solana-tx"
                 *     }
                 */
                "application/json": components["schemas"]["FundsSentInput"];
            };
        };
        responses: {
            /** @description The order after the command. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "crypto": {
                     *         "amount": "10.00",
                     *         "asset": "USDC",
                     *         "network": "solana"
                     *       },
                     *       "deposit": {
                     *         "address": "DepositAddr111",
                     *         "bank": null,
                     *         "expires_at": "2026-11-22T10:46:30.123Z",
                     *         "remind_at": "2026-11-22T10:36:30.123Z",
                     *         "tag": null
                     *       },
                     *       "direction": "offramp",
                     *       "external_id": "p-5521",
                     *       "external_ref": "w-991",
                     *       "failure": null,
                     *       "fees": [
                     *         {
                     *           "amount": "150.00",
                     *           "asset": "NGN",
                     *           "type": "partner"
                     *         }
                     *       ],
                     *       "fiat": {
                     *         "amount": "15000.00",
                     *         "currency": "NGN"
                     *       },
                     *       "funds": {
                     *         "amount": null,
                     *         "reference": "5Yx…solana-tx"
                     *       },
                     *       "history": [
                     *         {
                     *           "at": "2026-11-22T10:15:30.123Z",
                     *           "status": "created"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:16:30.123Z",
                     *           "status": "accepted"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:17:30.123Z",
                     *           "status": "funds_sent"
                     *         }
                     *       ],
                     *       "id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *       "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                     *       "payment_method": "bank_transfer",
                     *       "rate": "1500",
                     *       "refund": null,
                     *       "status": "funds_sent",
                     *       "transaction_id": null,
                     *       "updated_at": "2026-11-22T10:17:30.123Z",
                     *       "user_ref": "u-42",
                     *       "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ",
                     *       "version": 3,
                     *       "wallet_id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a wallet may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a wallet may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such order visible to this key (another party's order is 404 too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such order"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "invalid_transition",
                     *         "details": {
                     *           "status": "completed"
                     *         },
                     *         "message": "order is completed; cannot funds-sent"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "reference",
                     *           "reason": "must be 1 to 256 characters"
                     *         },
                     *         "message": "reference: must be 1 to 256 characters"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["OrderUnavailable"];
        };
    };
    funds_received_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The order id. */
                id: components["schemas"]["OrderId"];
            };
            cookie?: never;
        };
        /** @description The amount received. */
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "amount": "10.00",
                 *       "reference": "5Yx…solana-tx"
                 *     }
                 */
                "application/json": components["schemas"]["FundsReceivedInput"];
            };
        };
        responses: {
            /** @description The order after the command. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "crypto": {
                     *         "amount": "10.00",
                     *         "asset": "USDC",
                     *         "network": "solana"
                     *       },
                     *       "deposit": {
                     *         "address": "DepositAddr111",
                     *         "bank": null,
                     *         "expires_at": "2026-11-22T10:46:30.123Z",
                     *         "remind_at": "2026-11-22T10:36:30.123Z",
                     *         "tag": null
                     *       },
                     *       "direction": "offramp",
                     *       "external_id": "p-5521",
                     *       "external_ref": "w-991",
                     *       "failure": null,
                     *       "fees": [
                     *         {
                     *           "amount": "150.00",
                     *           "asset": "NGN",
                     *           "type": "partner"
                     *         }
                     *       ],
                     *       "fiat": {
                     *         "amount": "15000.00",
                     *         "currency": "NGN"
                     *       },
                     *       "funds": {
                     *         "amount": "10.00",
                     *         "reference": "5Yx…solana-tx"
                     *       },
                     *       "history": [
                     *         {
                     *           "at": "2026-11-22T10:15:30.123Z",
                     *           "status": "created"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:16:30.123Z",
                     *           "status": "accepted"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:17:30.123Z",
                     *           "status": "funds_sent"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:18:30.123Z",
                     *           "status": "funds_received"
                     *         }
                     *       ],
                     *       "id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *       "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                     *       "payment_method": "bank_transfer",
                     *       "rate": "1500",
                     *       "refund": null,
                     *       "status": "funds_received",
                     *       "transaction_id": null,
                     *       "updated_at": "2026-11-22T10:18:30.123Z",
                     *       "user_ref": "u-42",
                     *       "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ",
                     *       "version": 4,
                     *       "wallet_id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a partner may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a partner may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such order visible to this key (another party's order is 404 too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such order"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "invalid_transition",
                     *         "details": {
                     *           "status": "completed"
                     *         },
                     *         "message": "order is completed; cannot funds-received"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "amount",
                     *           "reason": "must be a decimal string such as \"10.50\" (digits, optional fraction, no sign or exponent)"
                     *         },
                     *         "message": "amount: must be a decimal string such as \"10.50\" (digits, optional fraction, no sign or exponent)"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["OrderUnavailable"];
        };
    };
    complete_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The order id. */
                id: components["schemas"]["OrderId"];
            };
            cookie?: never;
        };
        /** @description The payout. */
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "transaction_id": "bank-tx-9"
                 *     }
                 */
                "application/json": components["schemas"]["CompleteInput"];
            };
        };
        responses: {
            /** @description The order after the command. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "crypto": {
                     *         "amount": "10.00",
                     *         "asset": "USDC",
                     *         "network": "solana"
                     *       },
                     *       "deposit": {
                     *         "address": "DepositAddr111",
                     *         "bank": null,
                     *         "expires_at": "2026-11-22T10:46:30.123Z",
                     *         "remind_at": "2026-11-22T10:36:30.123Z",
                     *         "tag": null
                     *       },
                     *       "direction": "offramp",
                     *       "external_id": "p-5521",
                     *       "external_ref": "w-991",
                     *       "failure": null,
                     *       "fees": [
                     *         {
                     *           "amount": "150.00",
                     *           "asset": "NGN",
                     *           "type": "partner"
                     *         }
                     *       ],
                     *       "fiat": {
                     *         "amount": "15000.00",
                     *         "currency": "NGN"
                     *       },
                     *       "funds": {
                     *         "amount": "10.00",
                     *         "reference": "5Yx…solana-tx"
                     *       },
                     *       "history": [
                     *         {
                     *           "at": "2026-11-22T10:15:30.123Z",
                     *           "status": "created"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:16:30.123Z",
                     *           "status": "accepted"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:17:30.123Z",
                     *           "status": "funds_sent"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:18:30.123Z",
                     *           "status": "funds_received"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:19:30.123Z",
                     *           "status": "completed"
                     *         }
                     *       ],
                     *       "id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *       "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                     *       "payment_method": "bank_transfer",
                     *       "rate": "1500",
                     *       "refund": null,
                     *       "status": "completed",
                     *       "transaction_id": "bank-tx-9",
                     *       "updated_at": "2026-11-22T10:19:30.123Z",
                     *       "user_ref": "u-42",
                     *       "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ",
                     *       "version": 5,
                     *       "wallet_id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a partner may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a partner may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such order visible to this key (another party's order is 404 too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such order"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "invalid_transition",
                     *         "details": {
                     *           "status": "completed"
                     *         },
                     *         "message": "order is completed; cannot complete"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "transaction_id",
                     *           "reason": "is required"
                     *         },
                     *         "message": "transaction_id: is required"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["OrderUnavailable"];
        };
    };
    fail_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The order id. */
                id: components["schemas"]["OrderId"];
            };
            cookie?: never;
        };
        /** @description Why the order failed. */
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "code": "aml_check_failed",
                 *       "reason": "the user failed the partner's checks"
                 *     }
                 */
                "application/json": components["schemas"]["FailInput"];
            };
        };
        responses: {
            /** @description The order after the command. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "crypto": {
                     *         "amount": "10.00",
                     *         "asset": "USDC",
                     *         "network": "solana"
                     *       },
                     *       "deposit": {
                     *         "address": "DepositAddr111",
                     *         "bank": null,
                     *         "expires_at": "2026-11-22T10:46:30.123Z",
                     *         "remind_at": "2026-11-22T10:36:30.123Z",
                     *         "tag": null
                     *       },
                     *       "direction": "offramp",
                     *       "external_id": "p-5521",
                     *       "external_ref": "w-991",
                     *       "failure": {
                     *         "code": "aml_check_failed",
                     *         "reason": "the user failed the partner's checks"
                     *       },
                     *       "fees": [
                     *         {
                     *           "amount": "150.00",
                     *           "asset": "NGN",
                     *           "type": "partner"
                     *         }
                     *       ],
                     *       "fiat": {
                     *         "amount": "15000.00",
                     *         "currency": "NGN"
                     *       },
                     *       "funds": null,
                     *       "history": [
                     *         {
                     *           "at": "2026-11-22T10:15:30.123Z",
                     *           "status": "created"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:16:30.123Z",
                     *           "status": "accepted"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:17:30.123Z",
                     *           "status": "failed"
                     *         }
                     *       ],
                     *       "id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *       "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                     *       "payment_method": "bank_transfer",
                     *       "rate": "1500",
                     *       "refund": null,
                     *       "status": "failed",
                     *       "transaction_id": null,
                     *       "updated_at": "2026-11-22T10:17:30.123Z",
                     *       "user_ref": "u-42",
                     *       "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ",
                     *       "version": 3,
                     *       "wallet_id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a partner may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a partner may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such order visible to this key (another party's order is 404 too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such order"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "invalid_transition",
                     *         "details": {
                     *           "status": "completed"
                     *         },
                     *         "message": "order is completed; cannot fail"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "code",
                     *           "reason": "must match ^[a-z0-9_]{1,64}$"
                     *         },
                     *         "message": "code: must match ^[a-z0-9_]{1,64}$"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["OrderUnavailable"];
        };
    };
    refund_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The order id. */
                id: components["schemas"]["OrderId"];
            };
            cookie?: never;
        };
        /** @description The refund. */
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "amount": "10.00",
                 *       "transaction_id": "4Zq…solana-tx"
                 *     }
                 */
                "application/json": components["schemas"]["RefundInput"];
            };
        };
        responses: {
            /** @description The order after the command. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "crypto": {
                     *         "amount": "10.00",
                     *         "asset": "USDC",
                     *         "network": "solana"
                     *       },
                     *       "deposit": {
                     *         "address": "DepositAddr111",
                     *         "bank": null,
                     *         "expires_at": "2026-11-22T10:46:30.123Z",
                     *         "remind_at": "2026-11-22T10:36:30.123Z",
                     *         "tag": null
                     *       },
                     *       "direction": "offramp",
                     *       "external_id": "p-5521",
                     *       "external_ref": "w-991",
                     *       "failure": {
                     *         "code": "aml_check_failed",
                     *         "reason": "the user failed the partner's checks"
                     *       },
                     *       "fees": [
                     *         {
                     *           "amount": "150.00",
                     *           "asset": "NGN",
                     *           "type": "partner"
                     *         }
                     *       ],
                     *       "fiat": {
                     *         "amount": "15000.00",
                     *         "currency": "NGN"
                     *       },
                     *       "funds": null,
                     *       "history": [
                     *         {
                     *           "at": "2026-11-22T10:15:30.123Z",
                     *           "status": "created"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:16:30.123Z",
                     *           "status": "accepted"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:17:30.123Z",
                     *           "status": "failed"
                     *         },
                     *         {
                     *           "at": "2026-11-22T10:18:30.123Z",
                     *           "status": "refunded"
                     *         }
                     *       ],
                     *       "id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *       "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                     *       "payment_method": "bank_transfer",
                     *       "rate": "1500",
                     *       "refund": {
                     *         "address": null,
                     *         "amount": "10.00",
                     *         "transaction_id": "4Zq…solana-tx"
                     *       },
                     *       "status": "refunded",
                     *       "transaction_id": null,
                     *       "updated_at": "2026-11-22T10:18:30.123Z",
                     *       "user_ref": "u-42",
                     *       "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ",
                     *       "version": 4,
                     *       "wallet_id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: only a partner may call this endpoint. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "only a partner may call this endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such order visible to this key (another party's order is 404 too). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such order"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `invalid_transition`: the order's status does not allow this command (`details.status`). A command repeated with the same body on an order already in its target state is 200 instead. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "invalid_transition",
                     *         "details": {
                     *           "status": "completed"
                     *         },
                     *         "message": "order is completed; cannot refund"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: a field is missing or invalid, or an unknown field (`details.field`, `details.reason`). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "amount",
                     *           "reason": "is required"
                     *         },
                     *         "message": "amount: is required"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["OrderUnavailable"];
        };
    };
    list_webhook_endpoints: {
        parameters: {
            query?: {
                /** @description How many items to return, 1 to 100 (default 20). */
                limit?: number;
                /** @description The `next_cursor` of the previous page (base64url, opaque). */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of endpoints. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "data": [
                     *         {
                     *           "created_at": "2026-11-22T10:15:30.123Z",
                     *           "description": "production",
                     *           "disabled": false,
                     *           "event_types": [
                     *             "order.accepted",
                     *             "order.completed"
                     *           ],
                     *           "id": "01936f0c-3e4f-7a5b-8c6d-7e8f9a0b1c2d",
                     *           "url": "https://wallet.example.com/hooks/rampflow"
                     *         }
                     *       ],
                     *       "next_cursor": "MDE5MzZmMGUtN2I3Yy03ZDJlLTlhNDEtM2M1ZjJiOGU0ZDEw"
                     *     }
                     */
                    "application/json": components["schemas"]["Page_EndpointView"];
                };
            };
            /** @description `malformed_request`: the query string cannot be parsed. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "malformed_request",
                     *         "details": null,
                     *         "message": "the query string could not be parsed"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: webhook endpoints belong to wallets and partners (the operator has none). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "webhook endpoints belong to wallets and partners"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`: an unknown query parameter, or an invalid `limit` or `cursor`. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "limit",
                     *           "reason": "must be an integer from 1 to 100"
                     *         },
                     *         "message": "limit: must be an integer from 1 to 100"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    create_webhook_endpoint: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the request safe to retry: the same key with the same body replays the first response for at least 24 h; with another body it is 409 `idempotency_conflict`. */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "description": "production",
                 *       "event_types": [
                 *         "order.accepted",
                 *         "order.completed"
                 *       ],
                 *       "url": "https://wallet.example.com/hooks/rampflow"
                 *     }
                 */
                "application/json": components["schemas"]["CreateEndpoint"];
            };
        };
        responses: {
            /** @description The endpoint, with its secret. */
            201: {
                headers: {
                    /** @description `true` when this is the replay of an earlier request with the same Idempotency-Key. */
                    "Idempotent-Replayed"?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "created_at": "2026-11-22T10:15:30.123Z",
                     *       "description": "production",
                     *       "disabled": false,
                     *       "event_types": [
                     *         "order.accepted",
                     *         "order.completed"
                     *       ],
                     *       "id": "01936f0c-3e4f-7a5b-8c6d-7e8f9a0b1c2d",
                     *       "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                     *       "url": "https://wallet.example.com/hooks/rampflow"
                     *     }
                     */
                    "application/json": components["schemas"]["CreatedEndpoint"];
                };
            };
            400: components["responses"]["MalformedRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: webhook endpoints belong to wallets and partners (the operator has none). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "webhook endpoints belong to wallets and partners"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `idempotency_conflict`: the Idempotency-Key was used with another body, or is in use right now. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "idempotency_conflict",
                     *         "details": null,
                     *         "message": "this Idempotency-Key was used with a different request"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            /** @description `validation_failed`: an invalid or non-public `url`, an unknown or empty `event_types`, a `description` too long, an unknown field, or an invalid Idempotency-Key. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "event_types[0]",
                     *           "reason": "\"order.nope\" is not an event type"
                     *         },
                     *         "message": "event_types[0]: \"order.nope\" is not an event type"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    delete_webhook_endpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The endpoint id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoint is deleted. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: webhook endpoints belong to wallets and partners (the operator has none). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "webhook endpoints belong to wallets and partners"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: the caller has no such endpoint. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such webhook endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    rotate_webhook_secret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The endpoint id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The new secret. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "01936f0c-3e4f-7a5b-8c6d-7e8f9a0b1c2d",
                     *       "previous_secret_expires_at": "2026-11-23T10:15:30.123Z",
                     *       "secret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
                     *     }
                     */
                    "application/json": components["schemas"]["RotatedSecret"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: webhook endpoints belong to wallets and partners (the operator has none). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "webhook endpoints belong to wallets and partners"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: the caller has no such endpoint. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such webhook endpoint"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    list_events: {
        parameters: {
            query?: {
                /** @description Events of this order. */
                order_id?: components["schemas"]["OrderId"];
                /** @description Events of this type. */
                type?: components["schemas"]["EventType"];
                /** @description Events whose deliveries to the caller's endpoints stand so. */
                delivery?: components["schemas"]["DeliverySummary"];
                /** @description How many items to return, 1 to 100 (default 20). */
                limit?: number;
                /** @description The `next_cursor` of the previous page (base64url, opaque). */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of events. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "data": [
                     *         {
                     *           "created_at": "2026-11-22T10:16:02.481Z",
                     *           "delivery": "delivered",
                     *           "id": "01936f10-3e4f-7a5b-8c6d-7e8f9a0b1c2d",
                     *           "order_id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *           "order_version": 2,
                     *           "payload": {
                     *             "data": {
                     *               "created_at": "2026-11-22T10:15:30.123Z",
                     *               "crypto": {
                     *                 "amount": "10.00",
                     *                 "asset": "USDC",
                     *                 "network": "solana"
                     *               },
                     *               "deposit": {
                     *                 "address": "DepositAddr111",
                     *                 "bank": null,
                     *                 "expires_at": "2026-11-22T10:46:30.123Z",
                     *                 "remind_at": "2026-11-22T10:36:30.123Z",
                     *                 "tag": null
                     *               },
                     *               "direction": "offramp",
                     *               "external_id": "p-5521",
                     *               "external_ref": "w-991",
                     *               "failure": null,
                     *               "fees": [
                     *                 {
                     *                   "amount": "150.00",
                     *                   "asset": "NGN",
                     *                   "type": "partner"
                     *                 }
                     *               ],
                     *               "fiat": {
                     *                 "amount": "15000.00",
                     *                 "currency": "NGN"
                     *               },
                     *               "funds": null,
                     *               "history": [
                     *                 {
                     *                   "at": "2026-11-22T10:15:30.123Z",
                     *                   "status": "created"
                     *                 },
                     *                 {
                     *                   "at": "2026-11-22T10:16:30.123Z",
                     *                   "status": "accepted"
                     *                 }
                     *               ],
                     *               "id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *               "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                     *               "payment_method": "bank_transfer",
                     *               "rate": "1500",
                     *               "refund": null,
                     *               "status": "accepted",
                     *               "transaction_id": null,
                     *               "updated_at": "2026-11-22T10:16:30.123Z",
                     *               "user_ref": "u-42",
                     *               "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ",
                     *               "version": 2,
                     *               "wallet_id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
                     *             },
                     *             "timestamp": "2026-11-22T10:16:02.481Z",
                     *             "type": "order.accepted"
                     *           },
                     *           "type": "order.accepted"
                     *         }
                     *       ],
                     *       "next_cursor": "MDE5MzZmMGUtN2I3Yy03ZDJlLTlhNDEtM2M1ZjJiOGU0ZDEw"
                     *     }
                     */
                    "application/json": components["schemas"]["Page_EventView"];
                };
            };
            /** @description `malformed_request`: the query string cannot be parsed. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "malformed_request",
                     *         "details": null,
                     *         "message": "the query string could not be parsed"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: events belong to wallets and partners (the operator has none). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "events belong to wallets and partners"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`: an unknown query parameter, an invalid filter (an unknown event type, say), or an invalid `limit` or `cursor`. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "validation_failed",
                     *         "details": {
                     *           "field": "type",
                     *           "reason": "is not an event type"
                     *         },
                     *         "message": "type: is not an event type"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    get_event: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The event id. */
                id: components["schemas"]["EventId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The event. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "created_at": "2026-11-22T10:16:02.481Z",
                     *       "deliveries": [
                     *         {
                     *           "attempts": 2,
                     *           "attempts_log": [
                     *             {
                     *               "attempted_at": "2026-11-22T10:16:02.500Z",
                     *               "duration_ms": 41,
                     *               "error": null,
                     *               "response_body": "busy",
                     *               "status_code": 503
                     *             },
                     *             {
                     *               "attempted_at": "2026-11-22T10:16:07.912Z",
                     *               "duration_ms": 38,
                     *               "error": null,
                     *               "response_body": "ok",
                     *               "status_code": 200
                     *             }
                     *           ],
                     *           "endpoint_id": "01936f0c-3e4f-7a5b-8c6d-7e8f9a0b1c2d",
                     *           "last_error": null,
                     *           "last_status": 200,
                     *           "next_attempt_at": null,
                     *           "state": "delivered"
                     *         }
                     *       ],
                     *       "delivery": "delivered",
                     *       "id": "01936f10-3e4f-7a5b-8c6d-7e8f9a0b1c2d",
                     *       "order_id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *       "order_version": 2,
                     *       "payload": {
                     *         "data": {
                     *           "created_at": "2026-11-22T10:15:30.123Z",
                     *           "crypto": {
                     *             "amount": "10.00",
                     *             "asset": "USDC",
                     *             "network": "solana"
                     *           },
                     *           "deposit": {
                     *             "address": "DepositAddr111",
                     *             "bank": null,
                     *             "expires_at": "2026-11-22T10:46:30.123Z",
                     *             "remind_at": "2026-11-22T10:36:30.123Z",
                     *             "tag": null
                     *           },
                     *           "direction": "offramp",
                     *           "external_id": "p-5521",
                     *           "external_ref": "w-991",
                     *           "failure": null,
                     *           "fees": [
                     *             {
                     *               "amount": "150.00",
                     *               "asset": "NGN",
                     *               "type": "partner"
                     *             }
                     *           ],
                     *           "fiat": {
                     *             "amount": "15000.00",
                     *             "currency": "NGN"
                     *           },
                     *           "funds": null,
                     *           "history": [
                     *             {
                     *               "at": "2026-11-22T10:15:30.123Z",
                     *               "status": "created"
                     *             },
                     *             {
                     *               "at": "2026-11-22T10:16:30.123Z",
                     *               "status": "accepted"
                     *             }
                     *           ],
                     *           "id": "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10",
                     *           "partner_id": "01936f0b-2d3e-7f4a-9b5c-6d7e8f9a0b1c",
                     *           "payment_method": "bank_transfer",
                     *           "rate": "1500",
                     *           "refund": null,
                     *           "status": "accepted",
                     *           "transaction_id": null,
                     *           "updated_at": "2026-11-22T10:16:30.123Z",
                     *           "user_ref": "u-42",
                     *           "user_wallet_address": "F2etcaJ1Xq8kQ3vN7mZ",
                     *           "version": 2,
                     *           "wallet_id": "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
                     *         },
                     *         "timestamp": "2026-11-22T10:16:02.481Z",
                     *         "type": "order.accepted"
                     *       },
                     *       "type": "order.accepted"
                     *     }
                     */
                    "application/json": components["schemas"]["EventWithDeliveries"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: events belong to wallets and partners (the operator has none). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "events belong to wallets and partners"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such event of the caller's orders. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such event"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    redeliver_event: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The event id. */
                id: components["schemas"]["EventId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The deliveries are queued. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "deliveries": 1,
                     *       "event_id": "01936f10-3e4f-7a5b-8c6d-7e8f9a0b1c2d"
                     *     }
                     */
                    "application/json": components["schemas"]["Redelivery"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `forbidden`: events belong to wallets and partners (the operator has none). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "forbidden",
                     *         "details": null,
                     *         "message": "events belong to wallets and partners"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such event of the caller's orders. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such event"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["DatabaseUnavailable"];
        };
    };
    healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    readyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReadinessReport"];
                };
            };
            /** @description Not ready: the report says which component is down. `Retry-After` is set. */
            503: {
                headers: {
                    /** @description Seconds to wait before asking again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "components": {
                     *         "database": {
                     *           "reason": "unreachable",
                     *           "status": "down"
                     *         },
                     *         "journal": {
                     *           "status": "up"
                     *         },
                     *         "registry": {
                     *           "status": "up"
                     *         },
                     *         "webhook_senders": {
                     *           "status": "up"
                     *         }
                     *       },
                     *       "error": {
                     *         "code": "overloaded",
                     *         "details": {
                     *           "down": {
                     *             "database": "unreachable"
                     *           }
                     *         },
                     *         "message": "not ready: database unreachable"
                     *       },
                     *       "journal_queue_depth": 0,
                     *       "status": "not_ready"
                     *     }
                     */
                    "application/json": components["schemas"]["ReadinessReport"];
                };
            };
        };
    };
    get_metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The metrics. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example # TYPE rampflow_http_requests_total counter
                     *     rampflow_http_requests_total{method="GET",route="/v1/orders/{id}",status="200"} 42
                     */
                    "text/plain; version=0.0.4": string;
                };
            };
            /** @description Metrics are unavailable: another metrics recorder is installed in this process. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /** @example metrics are unavailable: another recorder is installed in this process */
                    "text/plain": string;
                };
            };
        };
    };
    get_openapi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "info": {
                     *         "title": "rampflow"
                     *       },
                     *       "openapi": "3.1.0",
                     *       "paths": {}
                     *     }
                     */
                    "application/json": Record<string, never>;
                };
            };
        };
    };
    get_docs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The Swagger UI page. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /** @example <!DOCTYPE html><html lang="en"><head><base href="/docs/" />… */
                    "text/html": string;
                };
            };
        };
    };
    get_docs_file: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The asset's path under `/docs/`.
                 * @example swagger-ui.css
                 */
                file: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The asset, with its content type. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/javascript": string;
                    "text/css": string;
                    "text/html": string;
                    "image/png": number[];
                };
            };
            /** @description No such asset. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": {
                     *         "code": "not_found",
                     *         "details": null,
                     *         "message": "no such documentation file"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
}
