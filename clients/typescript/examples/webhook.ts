// The README's webhook receiver (type-checked with the package: `npm run typecheck`).
import { createServer } from "node:http";
import { Webhook } from "../src/index.js";

const webhook = new Webhook(process.env.WEBHOOK_SECRET ?? "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
const seen = new Set<string>();
createServer(async (req, res) => {
  let body = "";
  for await (const chunk of req) body += chunk; // the raw body: verify before parsing
  try {
    const event = webhook.verify(req.headers, body);
    if (!seen.has(event.webhookId)) {
      seen.add(event.webhookId); // a retried delivery has the same webhook-id
      console.log(event.type, event.order.id, event.order.status);
    }
    res.writeHead(204).end();
  } catch {
    res.writeHead(400).end(); // not signed by rampflow: refused
  }
}).listen(3000);
