// One order's whole life through the TypeScript client, against a real rampflow, with the
// partner's webhooks received by a real local HTTP server and verified.
//
// The server is started by the Rust test `client/tests/typescript.rs` (`cargo test
// -p rampflow-client --test typescript`), which passes RAMPFLOW_URL and RAMPFLOW_ADMIN_TOKEN.

import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";

import { createRampflow, paginate, RampflowError, unwrap, Webhook, type WebhookEvent } from "../src/index.js";

const baseUrl = process.env.RAMPFLOW_URL;
const adminToken = process.env.RAMPFLOW_ADMIN_TOKEN;
if (!baseUrl || !adminToken) {
  throw new Error(
    "RAMPFLOW_URL and RAMPFLOW_ADMIN_TOKEN are not set: run these tests with " +
      "`cargo test -p rampflow-client --test typescript`, which starts a server for them",
  );
}

/** A webhook receiver on a port of its own: verifies every delivery and keeps the events. */
async function receiver() {
  const events: WebhookEvent[] = [];
  let refused = 0;
  let webhook: Webhook | undefined;
  const waiters: Array<() => void> = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      events.push(webhook!.verify(req.headers, Buffer.concat(chunks)));
      res.writeHead(204).end();
    } catch {
      refused++;
      res.writeHead(400).end();
    }
    waiters.splice(0).forEach((wake) => wake());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    setSecret: (secret: string) => (webhook = new Webhook(secret)),
    events,
    refused: () => refused,
    /** Waits (up to 15 s) until `done()` holds. */
    async until(done: () => boolean) {
      const deadline = Date.now() + 15_000;
      while (!done()) {
        assert.ok(Date.now() < deadline, `timed out; got ${events.map((e) => e.type).join(", ")}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    close: () => server.close(),
  };
}

test("a wallet's off-ramp order from creation to completion, with verified webhooks", async () => {
  const operator = createRampflow({ baseUrl, apiKey: adminToken });
  const wallet = await unwrap(operator.POST("/v1/admin/wallets", { body: { name: "TS Wallet" } }));
  const partner = await unwrap(operator.POST("/v1/admin/partners", { body: { name: "TS Partner" } }));

  const asWallet = createRampflow({ baseUrl, apiKey: wallet.api_key });
  const asPartner = createRampflow({ baseUrl, apiKey: partner.api_key });

  const hooks = await receiver();
  try {
    const endpoint = await unwrap(asPartner.POST("/v1/webhook-endpoints", { body: { url: hooks.url } }));
    hooks.setSecret(endpoint.secret);

    const user_ref = "ts-user-1";
    await unwrap(
      asWallet.PUT("/v1/users/{user_ref}", {
        params: { path: { user_ref } },
        body: { email: "ada@example.com", country: "NG" },
      }),
    );
    await unwrap(
      asWallet.PUT("/v1/users/{user_ref}/grants/{partner_id}", {
        params: { path: { user_ref, partner_id: partner.id } },
      }),
    );

    const body = {
      direction: "offramp" as const,
      partner_id: partner.id,
      user_ref,
      crypto: { asset: "USDC", network: "solana", amount: "10.00" },
      fiat: { currency: "NGN", amount: "15000.00" },
      user_wallet_address: "F2etcaJ1abc",
      payment_method: "bank_transfer",
      external_ref: "w-ts-1",
    };
    const key = `ts-create-${Date.now()}`;
    const order = await unwrap(
      asWallet.POST("/v1/orders", { body, headers: { "Idempotency-Key": key } }),
    );
    assert.equal(order.status, "created");
    assert.equal(order.version, 1);
    // The same key and body replay the first answer: no second order.
    const again = await unwrap(asWallet.POST("/v1/orders", { body, headers: { "Idempotency-Key": key } }));
    assert.equal(again.id, order.id);
    // Without a key the client makes one: a create is never sent bare.
    const other = await unwrap(asWallet.POST("/v1/orders", { body: { ...body, external_ref: "w-ts-2" } }));
    assert.notEqual(other.id, order.id);

    const id = order.id;
    const path = { params: { path: { id } } };
    const kyc = await unwrap(asPartner.GET("/v1/orders/{id}/user", path));
    assert.equal(kyc.email, "ada@example.com");

    const accepted = await unwrap(
      asPartner.POST("/v1/orders/{id}/accept", { ...path, body: { deposit: { address: "DepositAddr1" } } }),
    );
    assert.equal(accepted.status, "accepted");
    assert.equal(accepted.deposit?.address, "DepositAddr1");
    await unwrap(asWallet.POST("/v1/orders/{id}/funds-sent", { ...path, body: { reference: "tx-in-1" } }));
    const received = await unwrap(
      asPartner.POST("/v1/orders/{id}/funds-received", { ...path, body: { amount: "10.00" } }),
    );
    assert.equal(received.status, "funds_received");
    const completed = await unwrap(
      asPartner.POST("/v1/orders/{id}/complete", { ...path, body: { transaction_id: "bank-tx-1" } }),
    );
    assert.equal(completed.status, "completed");
    assert.deepEqual(
      completed.history.map((h) => h.status),
      ["created", "accepted", "funds_sent", "funds_received", "completed"],
    );

    // A command the status no longer allows is a typed error with the envelope.
    await assert.rejects(
      unwrap(asPartner.POST("/v1/orders/{id}/accept", { ...path, body: { deposit: { address: "X1" } } })),
      (e: unknown) =>
        e instanceof RampflowError &&
        e.status === 409 &&
        e.code === "invalid_transition" &&
        (e.details as { status?: string })?.status === "completed" &&
        typeof e.requestId === "string",
    );
    // Another party's order is a 404.
    await assert.rejects(
      unwrap(createRampflow({ baseUrl, apiKey: "nope" }).GET("/v1/orders/{id}", path)),
      (e: unknown) => e instanceof RampflowError && e.status === 401 && e.code === "unauthorized",
    );

    // Lists follow their cursors.
    const ids: string[] = [];
    for await (const o of paginate((cursor) =>
      asWallet.GET("/v1/orders", { params: { query: { limit: 1, cursor } } }),
    )) {
      ids.push(o.id);
    }
    assert.deepEqual(new Set(ids), new Set([order.id, other.id]));

    // The partner's endpoint got this order's events, in version order, each verified.
    await hooks.until(() => hooks.events.some((e) => e.type === "order.completed" && e.order.id === id));
    const mine = hooks.events.filter((e) => e.order.id === id);
    assert.deepEqual(
      mine.map((e) => e.type),
      ["order.created", "order.accepted", "order.funds_sent", "order.funds_received", "order.completed"],
    );
    assert.deepEqual(
      mine.map((e) => e.order.version),
      [1, 2, 3, 4, 5],
    );
    assert.equal(new Set(mine.map((e) => e.webhookId)).size, mine.length);
    assert.equal(hooks.refused(), 0);

    // A body that was tampered with does not verify.
    const verifier = new Webhook(endpoint.secret);
    assert.throws(() =>
      verifier.verify(
        { "webhook-id": "msg_1", "webhook-timestamp": `${Math.floor(Date.now() / 1000)}`, "webhook-signature": "v1,AAAA" },
        "{}",
      ),
    );
  } finally {
    hooks.close();
  }
});
