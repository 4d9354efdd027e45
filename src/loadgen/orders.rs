//! The requests of an order's life, built once and shared: every create body is prebuilt per
//! (user, partner, direction), so sending one costs a refcount and an Idempotency-Key.

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http::{HeaderValue, Uri};
use serde_json::json;

use super::client::{path, Call};
use super::setup::World;
use super::stats::Op;

/// `onramp` or `offramp`: the two need different accept bodies and expected amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Onramp,
    Offramp,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Onramp => "onramp",
            Direction::Offramp => "offramp",
        }
    }

    pub fn parse(value: &str) -> Option<Direction> {
        match value {
            "onramp" => Some(Direction::Onramp),
            "offramp" => Some(Direction::Offramp),
            _ => None,
        }
    }
}

const CRYPTO_AMOUNT: &str = "10.00";
const FIAT_AMOUNT: &str = "15000.00";

/// One prebuilt create request: which wallet and partner, and the body.
#[derive(Debug, Clone)]
pub struct Template {
    pub wallet: usize,
    pub partner: usize,
    pub direction: Direction,
    pub body: Bytes,
}

/// The create body of API.md § Orders for one user, partner and direction.
pub fn create_body(partner_id: &str, user_ref: &str, direction: Direction) -> Bytes {
    Bytes::from(
        json!({
            "direction": direction.as_str(),
            "partner_id": partner_id,
            "user_ref": user_ref,
            "crypto": { "asset": "USDC", "network": "solana", "amount": CRYPTO_AMOUNT },
            "fiat": { "currency": "NGN", "amount": FIAT_AMOUNT },
            "user_wallet_address": "F2etcaJ1loadgenUserWallet1111111111111111111",
            "payment_method": "bank_transfer",
            "external_ref": "lg-order"
        })
        .to_string(),
    )
}

/// The requests a run sends, prebuilt from its [`World`].
pub struct Requests {
    templates: Vec<Template>,
    wallet_keys: Vec<HeaderValue>,
    partner_keys: Vec<HeaderValue>,
    /// Makes Idempotency-Keys unique across runs against the same server.
    run_id: String,
    next: AtomicU64,
    accept_offramp: Bytes,
    accept_onramp: Bytes,
    funds_sent: Bytes,
    funds_received_offramp: Bytes,
    funds_received_onramp: Bytes,
    complete: Bytes,
}

/// What a create needs to be sent, and which template it came from.
pub struct NewOrder {
    pub call: Call,
    pub template: usize,
}

impl Requests {
    pub fn new(world: &World) -> Requests {
        let mut templates = Vec::new();
        for user in &world.users {
            for (p, partner) in world.partners.iter().enumerate() {
                for direction in [Direction::Offramp, Direction::Onramp] {
                    templates.push(Template {
                        wallet: user.wallet,
                        partner: p,
                        direction,
                        body: create_body(&partner.id, &user.user_ref, direction),
                    });
                }
            }
        }
        let body = |value: serde_json::Value| Bytes::from(value.to_string());
        Requests {
            templates,
            wallet_keys: world.wallets.iter().map(|w| w.bearer.clone()).collect(),
            partner_keys: world.partners.iter().map(|p| p.bearer.clone()).collect(),
            run_id: uuid::Uuid::now_v7().simple().to_string(),
            next: AtomicU64::new(0),
            accept_offramp: body(json!({
                "external_id": "lg-partner-ref",
                "deposit": { "address": "DepositAddrLoadgen1111111111111111111111111" }
            })),
            accept_onramp: body(json!({
                "external_id": "lg-partner-ref",
                "deposit": { "bank": { "name": "GTBank", "account": "0123456789", "reference": "LG-REF-1" } }
            })),
            funds_sent: body(json!({ "reference": "lg-user-transfer" })),
            funds_received_offramp: body(json!({ "amount": CRYPTO_AMOUNT, "reference": "lg-in" })),
            funds_received_onramp: body(json!({ "amount": FIAT_AMOUNT, "reference": "lg-in" })),
            complete: body(json!({ "transaction_id": "lg-payout" })),
        }
    }

    pub fn template(&self, i: usize) -> &Template {
        &self.templates[i]
    }

    /// The next create, round-robin over the templates, with a fresh Idempotency-Key.
    pub fn next_create(&self) -> NewOrder {
        let seq = self.next.fetch_add(1, Ordering::Relaxed);
        let template = (seq % self.templates.len() as u64) as usize;
        let t = &self.templates[template];
        let key =
            HeaderValue::from_str(&format!("lg-{}-{seq}", self.run_id)).expect("visible ASCII");
        NewOrder {
            call: Call {
                idempotency_key: Some(key),
                ..Call::post(
                    Uri::from_static("/v1/orders"),
                    &self.wallet_keys[t.wallet],
                    t.body.clone(),
                )
            },
            template,
        }
    }

    /// `GET /v1/orders/{id}` by the order's wallet.
    pub fn read(&self, order: &str, template: usize) -> Call {
        let wallet = self.templates[template].wallet;
        Call::get(
            path(format!("/v1/orders/{order}")),
            &self.wallet_keys[wallet],
        )
    }

    /// The command `op` on `order`, sent by whoever may send it (API.md § Lifecycle): the
    /// wallet `owner` for funds-sent, the partner `owner` for the others.
    pub fn command(&self, op: Op, order: &str, owner: usize, direction: Direction) -> Call {
        let partner = || &self.partner_keys[owner];
        let (name, key, body) = match (op, direction) {
            (Op::Accept | Op::AcceptLocal | Op::AcceptForwarded, Direction::Offramp) => {
                ("accept", partner(), &self.accept_offramp)
            }
            (Op::Accept | Op::AcceptLocal | Op::AcceptForwarded, Direction::Onramp) => {
                ("accept", partner(), &self.accept_onramp)
            }
            (Op::FundsSent, _) => ("funds-sent", &self.wallet_keys[owner], &self.funds_sent),
            (Op::FundsReceived, Direction::Offramp) => {
                ("funds-received", partner(), &self.funds_received_offramp)
            }
            (Op::FundsReceived, Direction::Onramp) => {
                ("funds-received", partner(), &self.funds_received_onramp)
            }
            (Op::Complete, _) => ("complete", partner(), &self.complete),
            (Op::Create | Op::Read, _) => unreachable!("not a command: {op:?}"),
        };
        Call::post(
            path(format!("/v1/orders/{order}/{name}")),
            key,
            body.clone(),
        )
    }

    /// [`Requests::command`] for an order made from `template`.
    pub fn command_for(&self, op: Op, order: &str, template: usize) -> Call {
        let t = &self.templates[template];
        let owner = if op == Op::FundsSent {
            t.wallet
        } else {
            t.partner
        };
        self.command(op, order, owner, t.direction)
    }
}

/// The next command in an order's happy path after `op` succeeded, if any.
pub fn next_step(op: Op) -> Option<Op> {
    match op {
        Op::Create => Some(Op::Accept),
        Op::Accept => Some(Op::FundsSent),
        Op::FundsSent => Some(Op::FundsReceived),
        Op::FundsReceived => Some(Op::Complete),
        Op::Complete | Op::Read | Op::AcceptLocal | Op::AcceptForwarded => None,
    }
}

/// The `id` of an order resource, without decoding the rest of it.
pub fn order_id(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Id {
        id: String,
    }
    serde_json::from_slice::<Id>(body).ok().map(|o| o.id)
}
