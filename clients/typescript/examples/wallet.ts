// The README's wallet example (type-checked with the package: `npm run typecheck`).
import { createRampflow, unwrap } from "../src/index.js";

export async function wallet(baseUrl: string, walletKey: string, partnerId: string) {
  const api = createRampflow({ baseUrl, apiKey: walletKey });
  const user = { params: { path: { user_ref: "u-42" } } };
  await unwrap(api.PUT("/v1/users/{user_ref}", { ...user, body: { email: "ada@example.com", country: "NG" } }));
  await unwrap(api.PUT("/v1/users/{user_ref}/grants/{partner_id}", { params: { path: { user_ref: "u-42", partner_id: partnerId } } }));
  const order = await unwrap(api.POST("/v1/orders", { body: {
    direction: "offramp", partner_id: partnerId, user_ref: "u-42",
    crypto: { asset: "USDC", network: "solana", amount: "10.00" }, fiat: { currency: "NGN", amount: "15000.00" },
    user_wallet_address: "F2etcaJ1abc", payment_method: "bank_transfer",
  } })); // an Idempotency-Key is added: a retry never makes two orders
  console.log(order.id, order.status);
}
