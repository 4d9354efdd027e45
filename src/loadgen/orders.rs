//! The requests of an order's life, built once and shared: every create body is prebuilt per
//! (user, partner, direction), so sending one costs a refcount and an Idempotency-Key.
//!
//! The create and accept bodies are the client's typed requests ([`CreateOrder`],
//! [`AcceptOrder`]) serialized once: setup sends the typed values through `rampflow-client`,
//! the hot loop their prebuilt bytes, and both say the same thing.

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http::{HeaderValue, Uri};
use rampflow_client::model::{
    Address, Amount, AssetCode, ExternalRef, FiatCurrency, Network, PartnerId, PaymentMethod,
    Reference, UserRef,
};
use rampflow_client::order::{self, BankDetails, Crypto, Fiat};
use rampflow_client::{AcceptOrder, CreateOrder, Deposit};
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

    fn typed(self) -> order::Direction {
        match self {
            Direction::Onramp => order::Direction::Onramp,
            Direction::Offramp => order::Direction::Offramp,
        }
    }
}

const CRYPTO_AMOUNT: &str = "10.00";
const FIAT_AMOUNT: &str = "15000.00";

/// One prebuilt create request: which wallet and partner, the order and its body.
#[derive(Debug, Clone)]
pub struct Template {
    pub wallet: usize,
    pub partner: usize,
    pub direction: Direction,
    pub order: CreateOrder,
    /// `order` serialized, for the hot loop.
    pub body: Bytes,
}

/// The create request of API.md § Orders for one user, partner and direction.
pub fn create_order(partner_id: &str, user_ref: &str, direction: Direction) -> CreateOrder {
    CreateOrder {
        direction: Some(direction.typed()),
        partner_id: Some(PartnerId::parse(partner_id).expect("partner ids are UUIDs")),
        user_ref: UserRef::parse(user_ref).expect("the load generator's user refs are valid"),
        crypto: Some(Crypto {
            asset: valid(AssetCode::parse("USDC")),
            network: valid(Network::parse("solana")),
            amount: valid(Amount::parse(CRYPTO_AMOUNT)),
        }),
        fiat: Some(Fiat {
            currency: valid(FiatCurrency::parse("NGN")),
            amount: valid(Amount::parse(FIAT_AMOUNT)),
        }),
        quote_id: None,
        user_wallet_address: valid(Address::parse(
            "F2etcaJ1loadgenUserWallet1111111111111111111",
        )),
        payment_method: valid(PaymentMethod::parse("bank_transfer")),
        external_ref: Some(valid(ExternalRef::parse("lg-order"))),
    }
}

/// The partner's accept for `direction`: a crypto address to pay into for an off-ramp, bank
/// details for an on-ramp.
pub fn accept_order(direction: Direction) -> AcceptOrder {
    let deposit = match direction {
        Direction::Offramp => Deposit::Crypto {
            address: valid(Address::parse(
                "DepositAddrLoadgen1111111111111111111111111",
            )),
            tag: None,
        },
        Direction::Onramp => Deposit::Bank {
            bank: BankDetails {
                name: valid(Reference::parse("GTBank")),
                account: valid(Address::parse("0123456789")),
                reference: Some(valid(Reference::parse("LG-REF-1"))),
            },
        },
    };
    AcceptOrder {
        external_id: Some(valid(ExternalRef::parse("lg-partner-ref"))),
        ..AcceptOrder::new(deposit)
    }
}

/// A constant of the load generator's requests, which the server's own parsers accept.
fn valid<T, E: std::fmt::Debug>(parsed: Result<T, E>) -> T {
    parsed.expect("the load generator's constants are valid")
}

fn bytes_of(value: &impl serde::Serialize) -> Bytes {
    Bytes::from(serde_json::to_vec(value).expect("request bodies serialize"))
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
                    let order = create_order(&partner.id, &user.user_ref, direction);
                    templates.push(Template {
                        wallet: user.wallet,
                        partner: p,
                        direction,
                        body: bytes_of(&order),
                        order,
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
            accept_offramp: bytes_of(&accept_order(Direction::Offramp)),
            accept_onramp: bytes_of(&accept_order(Direction::Onramp)),
            funds_sent: body(json!({ "reference": "lg-user-transfer" })),
            funds_received_offramp: body(json!({ "amount": CRYPTO_AMOUNT, "reference": "lg-in" })),
            funds_received_onramp: body(json!({ "amount": FIAT_AMOUNT, "reference": "lg-in" })),
            complete: body(json!({ "transaction_id": "lg-payout" })),
        }
    }

    pub fn template(&self, i: usize) -> &Template {
        &self.templates[i]
    }

    /// The next create's template, round-robin.
    pub fn next_template(&self) -> usize {
        self.next_sequence().1
    }

    /// A number no other create of this run has, and the template it picks.
    fn next_sequence(&self) -> (u64, usize) {
        let seq = self.next.fetch_add(1, Ordering::Relaxed);
        (seq, (seq % self.templates.len() as u64) as usize)
    }

    /// The next create, round-robin over the templates, with a fresh Idempotency-Key.
    pub fn next_create(&self) -> NewOrder {
        let (seq, template) = self.next_sequence();
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
