// The README's partner example (type-checked with the package: `npm run typecheck`).
import { createRampflow, RampflowError, unwrap } from "../src/index.js";

export async function partner(baseUrl: string, partnerKey: string, id: string) {
  const api = createRampflow({ baseUrl, apiKey: partnerKey });
  const order = { params: { path: { id } } };
  const user = await unwrap(api.GET("/v1/orders/{id}/user", order)); // 403 access_not_granted once revoked
  try {
    await unwrap(api.POST("/v1/orders/{id}/accept", { ...order, body: { deposit: { address: "DepositAddr1" } } }));
  } catch (e) {
    if (e instanceof RampflowError && e.code === "invalid_transition") return console.log("too late:", e.details);
    throw e;
  }
  await unwrap(api.POST("/v1/orders/{id}/funds-received", { ...order, body: { amount: "10.00" } }));
  await unwrap(api.POST("/v1/orders/{id}/complete", { ...order, body: { transaction_id: "bank-tx-1" } }));
  console.log("paid out to", user.bank_account?.account_number);
}
