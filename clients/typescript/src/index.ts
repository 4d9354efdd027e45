// rampflow's TypeScript client: the types are generated from openapi.json (src/schema.d.ts),
// the calls go through openapi-fetch, and this file adds what the contract asks of a client:
// an Idempotency-Key on every create, retries that follow the contract, errors as a typed
// value, cursor pagination, and webhook verification (Standard Webhooks).

import createClient, { type Client, type Middleware } from "openapi-fetch";
import { Webhook as StandardWebhook } from "standardwebhooks";
import type { components, paths } from "./schema.js";

export type { components, paths } from "./schema.js";
export type Schemas = components["schemas"];
export type Order = Schemas["Order"];
export type EventType = Schemas["EventType"];
export type ErrorCode = Schemas["ErrorCode"];

/** What is retried and how long the client waits (the same rules as the Rust client). */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 4). */
  maxAttempts: number;
  /** First backoff after a transport failure, doubled each attempt (default 200 ms). */
  baseDelayMs: number;
  /** No wait is longer; a longer Retry-After ends the retries (default 30 s). */
  maxDelayMs: number;
  /** Backoffs are spread ±jitter; a Retry-After wait is only lengthened, by up to jitter. */
  jitter: number;
}

export const defaultRetry: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 30_000,
  jitter: 0.2,
};

export interface Options {
  /** The server, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** The operator's admin token, a wallet's key or a partner's key. */
  apiKey: string;
  retry?: Partial<RetryPolicy>;
  /** A fetch of your own (defaults to the global one). */
  fetch?: typeof fetch;
}

/** A non-2xx answer: the error envelope, the HTTP status, `x-request-id` and `Retry-After`. */
export class RampflowError extends Error {
  constructor(
    readonly status: number,
    /** A code of the contract; an unknown one is kept as it came. */
    readonly code: ErrorCode | (string & {}),
    message: string,
    readonly details: Record<string, unknown> | null,
    readonly requestId: string | null,
    readonly retryAfterSeconds: number | null,
  ) {
    super(`${status} ${code}: ${message}${requestId ? ` (request ${requestId})` : ""}`);
    this.name = "RampflowError";
  }
}

/** POSTs that create something: they get an Idempotency-Key unless the caller gave one. */
const CREATES = [
  /^\/v1\/orders$/,
  /^\/v1\/quotes$/,
  /^\/v1\/webhook-endpoints$/,
  /^\/v1\/admin\/(wallets|partners)$/,
];
/** Order commands: the contract answers a repeated command with the order as it is. */
const COMMAND =
  /^\/v1\/orders\/[^/]+\/(accept|reject|cancel|funds-sent|funds-received|complete|fail|refund)$/;

/**
 * Whether sending `request` twice is safe: reads, PUT, DELETE, order commands, and creates
 * (which always carry an Idempotency-Key). Key and secret rotations and redeliveries are not.
 */
function idempotent(request: Request, path: string): boolean {
  if (request.method !== "POST") return true;
  return COMMAND.test(path) || request.headers.has("idempotency-key");
}

/** 429 and the 503s answered before anything changes: any request may be sent again. */
const NOTHING_DONE = new Set(["rate_limited", "overloaded", "shard_unavailable", "database_unavailable"]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function backoff(policy: RetryPolicy, attempt: number): number | null {
  if (attempt >= policy.maxAttempts) return null;
  const exp = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  const spread = (Math.random() * 2 - 1) * policy.jitter;
  return Math.min(exp * (1 + spread), policy.maxDelayMs);
}

function afterRetryAfter(policy: RetryPolicy, attempt: number, seconds: number | null): number | null {
  if (seconds === null) return backoff(policy, attempt);
  const asked = seconds * 1000;
  if (attempt >= policy.maxAttempts || asked > policy.maxDelayMs) return null;
  return Math.min(asked * (1 + Math.random() * policy.jitter), policy.maxDelayMs);
}

function retryAfter(response: Response): number | null {
  const value = response.headers.get("retry-after");
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  return Number(value.trim());
}

/** A fetch that retries per the contract: 429/503 after Retry-After, transport failures when safe. */
function retryingFetch(policy: RetryPolicy, base: typeof fetch, baseUrl: string) {
  return async (input: Request): Promise<Response> => {
    const path = new URL(input.url).pathname.slice(new URL(baseUrl).pathname.replace(/\/$/, "").length);
    const safe = idempotent(input, path);
    for (let attempt = 1; ; attempt++) {
      let wait: number | null;
      try {
        const response = await base(input.clone());
        if (response.status !== 429 && response.status !== 503) return response;
        const body = await response.clone().json().catch(() => null);
        const code: string | undefined = body?.error?.code;
        // An idempotent request goes again after any 429 or 503; another only after the codes
        // that say nothing was done (not commit_unknown, nor a proxy's bare 503).
        const again = safe || (code !== undefined && NOTHING_DONE.has(code));
        wait = again ? afterRetryAfter(policy, attempt, retryAfter(response)) : null;
        if (wait === null) return response;
      } catch (error) {
        // fetch gives no reliable "never connected" signal: only safe requests are retried.
        wait = safe ? backoff(policy, attempt) : null;
        if (wait === null) throw error;
      }
      await sleep(wait);
    }
  };
}

function middleware(apiKey: string): Middleware {
  return {
    onRequest({ request, schemaPath }) {
      request.headers.set("authorization", `Bearer ${apiKey}`);
      if (
        request.method === "POST" &&
        CREATES.some((re) => re.test(schemaPath)) &&
        !request.headers.has("idempotency-key")
      ) {
        request.headers.set("idempotency-key", crypto.randomUUID());
      }
      return request;
    },
  };
}

/** The typed openapi-fetch client, with the key, idempotency and retries. */
export type Api = Client<paths>;

/**
 * A client of one server with one key: the typed openapi-fetch client
 * (`api.GET("/v1/orders/{id}", …)`). Wrap a call in `unwrap` to get its data or a thrown
 * `RampflowError`.
 */
export function createRampflow(options: Options): Api {
  const policy = { ...defaultRetry, ...options.retry };
  const baseFetch = options.fetch ?? globalThis.fetch;
  const api = createClient<paths>({
    baseUrl: options.baseUrl,
    fetch: retryingFetch(policy, baseFetch, options.baseUrl),
  });
  api.use(middleware(options.apiKey));
  return api;
}

/** What an openapi-fetch call answers: `data` on 2xx, `error` (the envelope) otherwise. */
type Answer = { data?: unknown; error?: unknown; response: Response };
/** The data of a 2xx answer. */
type DataOf<R extends Answer> = Exclude<R["data"], undefined>;
/** The item type of a list page. */
type ItemOf<R extends Answer> = DataOf<R> extends { data: Array<infer T> } ? T : never;

/** The data of a 2xx answer, or the error envelope thrown as a `RampflowError`. */
export async function unwrap<R extends Answer>(call: Promise<R>): Promise<DataOf<R>> {
  const { data, error, response } = await call;
  if (response.ok) return data as DataOf<R>;
  const envelope = (error as { error?: { code?: string; message?: string; details?: unknown } })?.error;
  throw new RampflowError(
    response.status,
    envelope?.code ?? `http_${response.status}`,
    envelope?.message ?? response.statusText,
    (envelope?.details as Record<string, unknown> | null) ?? null,
    response.headers.get("x-request-id"),
    retryAfter(response),
  );
}

/**
 * Every item of a list endpoint, following `next_cursor`:
 * `for await (const order of paginate((cursor) => api.GET("/v1/orders", { params: { query: { cursor } } })))`.
 */
export async function* paginate<R extends Answer>(
  page: (cursor: string | undefined) => Promise<R>,
): AsyncGenerator<ItemOf<R>> {
  let cursor: string | undefined;
  do {
    const answer = (await unwrap(page(cursor))) as { data: ItemOf<R>[]; next_cursor?: string | null };
    yield* answer.data;
    cursor = answer.next_cursor ?? undefined;
  } while (cursor !== undefined);
}

/** A verified webhook: the event and the `webhook-id` to deduplicate by. */
export interface WebhookEvent {
  /** The `webhook-id` header: the event id, the same on every retry. */
  webhookId: string;
  type: EventType;
  timestamp: string;
  /** The order as it is after the event. */
  order: Order;
}

/** Verifies rampflow's webhooks for one endpoint, with the secret (`whsec_…`) it got. */
export class Webhook {
  readonly #inner: StandardWebhook;

  constructor(secret: string) {
    this.#inner = new StandardWebhook(secret);
  }

  /**
   * Verifies the raw `body` (as received, before any JSON parsing) against the `webhook-id`,
   * `webhook-timestamp` and `webhook-signature` headers; throws when it does not verify.
   */
  verify(headers: Record<string, string | string[] | undefined> | Headers, body: string | Buffer): WebhookEvent {
    const get = (name: string): string => {
      const value = headers instanceof Headers ? headers.get(name) : headers[name];
      return (Array.isArray(value) ? value[0] : value) ?? "";
    };
    const signed = {
      "webhook-id": get("webhook-id"),
      "webhook-timestamp": get("webhook-timestamp"),
      "webhook-signature": get("webhook-signature"),
    };
    const payload = this.#inner.verify(body.toString(), signed) as Schemas["WebhookPayload"];
    return {
      webhookId: signed["webhook-id"],
      type: payload.type,
      timestamp: payload.timestamp,
      order: payload.data,
    };
  }
}
