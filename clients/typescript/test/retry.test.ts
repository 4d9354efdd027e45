// The retry and idempotency rules, against a fake server that answers what the test says.

import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";

import { createRampflow, RampflowError, unwrap } from "../src/index.js";

type Seen = { method: string; url: string; key: string | undefined };

/** A server whose n-th answer is `answers[n]` (the last one repeats). */
async function fake(answers: Array<(res: ServerResponse) => void>) {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, key: req.headers["idempotency-key"] as string | undefined });
      answers[Math.min(seen.length - 1, answers.length - 1)](res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { baseUrl, seen, close: () => server.close() };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => (res: ServerResponse) =>
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
const envelope = (code: string) => ({ error: { code, message: code, details: null } });
const party = { id: "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f", name: "W", api_key: "k", created_at: "2026-11-22T10:15:30.123Z" };

test("a create is retried after Retry-After with the same Idempotency-Key", async () => {
  const server = await fake([json(503, envelope("overloaded"), { "retry-after": "1" }), json(201, party)]);
  try {
    const api = createRampflow({ baseUrl: server.baseUrl, apiKey: "k" });
    const started = Date.now();
    const wallet = await unwrap(api.POST("/v1/admin/wallets", { body: { name: "W" } }));
    assert.equal(wallet.name, "W");
    assert.ok(Date.now() - started >= 1000, "Retry-After is honoured");
    assert.equal(server.seen.length, 2);
    assert.ok(server.seen[0].key, "a create carries an Idempotency-Key");
    assert.equal(server.seen[0].key, server.seen[1].key);
  } finally {
    server.close();
  }
});

test("retries stop at maxAttempts and the last answer is a typed error", async () => {
  const server = await fake([json(429, envelope("rate_limited"), { "retry-after": "0", "x-request-id": "r-9" })]);
  try {
    const api = createRampflow({ baseUrl: server.baseUrl, apiKey: "k", retry: { maxAttempts: 3 } });
    await assert.rejects(
      unwrap(api.GET("/v1/ops/stats")),
      (e: unknown) =>
        e instanceof RampflowError &&
        e.status === 429 &&
        e.code === "rate_limited" &&
        e.requestId === "r-9" &&
        e.retryAfterSeconds === 0,
    );
    assert.equal(server.seen.length, 3);
  } finally {
    server.close();
  }
});

test("commit_unknown is retried for a command, not for a key rotation", async () => {
  const unknown = json(503, envelope("commit_unknown"), { "retry-after": "0" });
  const server = await fake([unknown, unknown, json(200, party)]);
  try {
    const api = createRampflow({ baseUrl: server.baseUrl, apiKey: "k" });
    const id = "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f";
    await assert.rejects(
      unwrap(api.POST("/v1/admin/wallets/{id}/rotate-key", { params: { path: { id } } })),
      (e: unknown) => e instanceof RampflowError && e.code === "commit_unknown",
    );
    assert.equal(server.seen.length, 1);
    await unwrap(api.POST("/v1/orders/{id}/cancel", { params: { path: { id } }, body: {} }));
    assert.equal(server.seen.length, 3, "the command was sent again after commit_unknown");
  } finally {
    server.close();
  }
});

test("a refused connection is retried for a read, then thrown", async () => {
  const server = await fake([json(200, {})]);
  server.close();
  const api = createRampflow({ baseUrl: server.baseUrl, apiKey: "k", retry: { maxAttempts: 2, baseDelayMs: 10 } });
  await assert.rejects(api.GET("/v1/ops/stats"));
});
