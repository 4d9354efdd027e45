//! One order's life, each party reacting to its webhooks as a real one would:
//!
//! wallet quote + create → partner hears `order.created`, reads the order and the user's data,
//! accepts → wallet hears `order.accepted`, shows the deposit details, the user pays, the wallet
//! says `funds-sent` → partner hears `order.funds_sent`, sees the money, says `funds-received`
//! with the amount → partner hears `order.funds_received`, pays out, completes → both hear
//! `order.completed`.
//!
//! Both parties get every event of the order (API.md § Webhooks); the demo waits for each one
//! on both sides before the next step.

use std::io::Write;

use anyhow::bail;
use serde_json::{json, Value};

use super::api::{field, required, Call};
use super::narrator::short_id;
use super::receiver::Delivery;
use super::setup::{describe_user, USER_REF};
use super::{Demo, OrderSummary};

/// What differs between the on-ramp and the off-ramp story.
pub struct Plan {
    direction: &'static str,
    title: &'static str,
    /// `POST /v1/quotes` without `partner_id`.
    ask: Value,
    /// The accept's `deposit`: bank details on-ramp, a crypto address off-ramp.
    deposit: Value,
    /// The partner's own id for the order.
    external_id: &'static str,
    /// The wallet's own reference for the order.
    external_ref: &'static str,
    /// On-ramp the address that gets the crypto; off-ramp the refund address.
    user_wallet_address: &'static str,
    /// The user's payment: a bank transfer reference or a transaction hash.
    funds_reference: &'static str,
    /// The partner's payout: a transaction hash or a bank transfer reference.
    payout: &'static str,
}

impl Plan {
    pub fn onramp() -> Plan {
        Plan {
            direction: "onramp",
            title: "4. On-ramp: Ada pays 15000.00 NGN by bank transfer for USDC on Solana",
            ask: json!({
                "direction": "onramp",
                "crypto": { "asset": "USDC", "network": "solana" },
                "fiat_currency": "NGN",
                "fiat_amount": "15000.00",
            }),
            deposit: json!({ "bank": {
                "name": "Demo Partner Bank", "account": "9988776655", "reference": "RAMP-ON-0001"
            }}),
            external_id: "dp-on-0001",
            external_ref: "w-on-0001",
            user_wallet_address: "AdaSo1anaWa11etAddr3ss111111111111111111111",
            funds_reference: "NIP-TRF-000451",
            payout: "5ZkTxSolanaPayoutHash0001",
        }
    }

    pub fn offramp() -> Plan {
        Plan {
            direction: "offramp",
            title:
                "5. Off-ramp: Ada sends 10.00 USDC on Solana and is paid NGN to her bank account",
            ask: json!({
                "direction": "offramp",
                "crypto": { "asset": "USDC", "network": "solana" },
                "fiat_currency": "NGN",
                "crypto_amount": "10.00",
            }),
            deposit: json!({ "address": "DemoPartnerDep0sitAddr3ss1111111111111111111" }),
            external_id: "dp-off-0001",
            external_ref: "w-off-0001",
            user_wallet_address: "AdaSo1anaWa11etAddr3ss111111111111111111111",
            funds_reference: "4fQxSolanaDepositHash0001",
            payout: "NIP-PAYOUT-000982",
        }
    }
}

impl<W: Write> Demo<W> {
    pub(super) async fn order_life(&mut self, plan: &Plan) -> anyhow::Result<OrderSummary> {
        self.out.heading(plan.title)?;
        let mut events = Vec::new();

        // The wallet prices the trade with its partner, then orders at that price.
        let mut ask = plan.ask.clone();
        ask["partner_id"] = json!(self.partner.id);
        let quote = self
            .api
            .send(
                &mut self.out,
                &self.wallet.caller,
                Call::post("/v1/quotes", &ask),
            )
            .await?;
        self.out.detail(&format!(
            "quote {}: {}",
            short_id(field(&quote, "/id")),
            describe_trade(plan.direction, &quote)
        ))?;
        self.out.detail(&format!(
            "fees {}; usable once, until {}",
            describe_fees(&quote),
            field(&quote, "/expires_at")
        ))?;
        let create = json!({
            "quote_id": required(&quote, "/id")?,
            "user_ref": USER_REF,
            "user_wallet_address": plan.user_wallet_address,
            "payment_method": "bank_transfer",
            "external_ref": plan.external_ref,
        });
        let order = self
            .api
            .send(
                &mut self.out,
                &self.wallet.caller,
                Call::post("/v1/orders", &create)
                    .idempotency_key(format!("demo-{}", plan.external_ref)),
            )
            .await?;
        let id = required(&order, "/id")?;
        self.out.detail(&format!(
            "order {id}: {} v{}",
            field(&order, "/status"),
            order["version"]
        ))?;
        self.both_hear(&id, "order.created", &mut events).await?;

        // The partner looks at the order and the user, then takes it.
        let deposit_kind = match plan.direction {
            "onramp" => "bank details",
            _ => "a crypto deposit address",
        };
        self.out.note(&format!(
            "The partner reads the new order and Ada's data, then accepts with {deposit_kind}."
        ))?;
        let path = format!("/v1/orders/{id}");
        let read = self
            .api
            .send(&mut self.out, &self.partner.caller, Call::get(&path))
            .await?;
        self.out.detail(&format!(
            "{} {}: {}",
            field(&read, "/direction"),
            field(&read, "/status"),
            describe_trade(plan.direction, &read)
        ))?;
        let user = self
            .api
            .send(
                &mut self.out,
                &self.partner.caller,
                Call::get(format!("{path}/user")),
            )
            .await?;
        self.out.detail(&describe_user(&user))?;
        let accept = json!({ "external_id": plan.external_id, "deposit": plan.deposit });
        let accepted = self
            .api
            .send(
                &mut self.out,
                &self.partner.caller,
                Call::command(format!("{path}/accept"), &accept),
            )
            .await?;
        self.out.detail(&format!(
            "{} v{}: deposit to {}",
            field(&accepted, "/status"),
            accepted["version"],
            describe_deposit(&accepted)
        ))?;
        self.out.detail(&format!(
            "deadline {} (reminder at {})",
            field(&accepted, "/deposit/expires_at"),
            field(&accepted, "/deposit/remind_at")
        ))?;
        let heard = self.both_hear(&id, "order.accepted", &mut events).await?;

        // The wallet learns where to pay from its webhook, and the user pays.
        let (amount, currency) = paid(plan.direction, &heard.order);
        self.out.note(&format!(
            "The wallet shows Ada where to send {amount} {currency}: {}, before {}.",
            describe_deposit(&heard.order),
            field(&heard.order, "/deposit/expires_at")
        ))?;
        self.out
            .note("Ada sends the funds; the wallet tells the server.")?;
        let sent = json!({ "reference": plan.funds_reference });
        let funds_sent = self
            .api
            .send(
                &mut self.out,
                &self.wallet.caller,
                Call::command(format!("{path}/funds-sent"), &sent),
            )
            .await?;
        self.out.detail(&format!(
            "{} v{}, reference {}",
            field(&funds_sent, "/status"),
            funds_sent["version"],
            field(&funds_sent, "/funds/reference")
        ))?;
        let heard = self.both_hear(&id, "order.funds_sent", &mut events).await?;

        // The partner checks its account against what the order expects.
        let (amount, currency) = paid(plan.direction, &heard.order);
        self.out.note(&format!(
            "The partner sees {amount} {currency} arrive and confirms the amount."
        ))?;
        let received = json!({ "amount": amount, "reference": plan.funds_reference });
        let funds_received = self
            .api
            .send(
                &mut self.out,
                &self.partner.caller,
                Call::command(format!("{path}/funds-received"), &received),
            )
            .await?;
        let status = field(&funds_received, "/status");
        self.out.detail(&format!(
            "{status} v{}, amount {}",
            funds_received["version"],
            field(&funds_received, "/funds/amount")
        ))?;
        if status != "funds_received" {
            bail!("order {id} went {status} on funds-received of {amount} {currency}");
        }
        let heard = self
            .both_hear(&id, "order.funds_received", &mut events)
            .await?;

        // The partner pays the user out, then completes with its payout reference.
        let (amount, currency) = received_by_user(plan.direction, &heard.order);
        self.out.note(&format!(
            "The partner pays Ada {amount} {currency} and completes the order."
        ))?;
        let complete = json!({ "transaction_id": plan.payout });
        let completed = self
            .api
            .send(
                &mut self.out,
                &self.partner.caller,
                Call::command(format!("{path}/complete"), &complete),
            )
            .await?;
        self.out.detail(&format!(
            "{} v{}, transaction_id {}",
            field(&completed, "/status"),
            completed["version"],
            field(&completed, "/transaction_id")
        ))?;
        self.both_hear(&id, "order.completed", &mut events).await?;

        // The wallet reads the finished order back.
        self.out
            .note("The wallet tells Ada her order is done and reads it back.")?;
        let last = self
            .api
            .send(&mut self.out, &self.wallet.caller, Call::get(&path))
            .await?;
        let history: Vec<&str> = last["history"]
            .as_array()
            .map(|h| h.iter().filter_map(|s| s["status"].as_str()).collect())
            .unwrap_or_default();
        self.out.detail(&format!(
            "{} v{}; history {}",
            field(&last, "/status"),
            last["version"],
            history.join(" → ")
        ))?;
        Ok(OrderSummary {
            id,
            direction: plan.direction.to_owned(),
            status: field(&last, "/status").to_owned(),
            version: last["version"].as_i64().unwrap_or_default(),
            events,
        })
    }

    /// Waits for `event_type` about the order at the partner, then at the wallet, prints both
    /// and returns the wallet's copy.
    async fn both_hear(
        &mut self,
        order_id: &str,
        event_type: &str,
        events: &mut Vec<String>,
    ) -> anyhow::Result<Delivery> {
        let at_partner = self
            .partner
            .hooks
            .expect(order_id, event_type, self.wait)
            .await?;
        self.out.webhook("partner", &at_partner)?;
        let at_wallet = self
            .wallet
            .hooks
            .expect(order_id, event_type, self.wait)
            .await?;
        self.out.webhook("wallet", &at_wallet)?;
        if at_partner.webhook_id != at_wallet.webhook_id || at_partner.version != at_wallet.version
        {
            bail!(
                "the partner and the wallet got different {event_type} events for order {order_id}"
            );
        }
        events.push(event_type.to_owned());
        Ok(at_wallet)
    }

    /// The wallet lists who read its user's data, and through which order.
    pub(super) async fn access_log(&mut self) -> anyhow::Result<()> {
        self.out
            .heading("6. The wallet checks who read Ada's data")?;
        let log = self
            .api
            .send(
                &mut self.out,
                &self.wallet.caller,
                Call::get(format!("/v1/users/{USER_REF}/access-log")),
            )
            .await?;
        for read in log["data"].as_array().into_iter().flatten() {
            self.out.detail(&format!(
                "partner {} read it through order {} at {}",
                short_id(field(read, "/partner_id")),
                short_id(field(read, "/order_id")),
                field(read, "/at")
            ))?;
        }
        Ok(())
    }
}

/// What the user pays in: on-ramp fiat, off-ramp crypto (`funds-received` expects it).
fn paid<'a>(direction: &str, order: &'a Value) -> (&'a str, &'a str) {
    match direction {
        "onramp" => (field(order, "/fiat/amount"), field(order, "/fiat/currency")),
        _ => (
            field(order, "/crypto/amount"),
            field(order, "/crypto/asset"),
        ),
    }
}

/// What the user is paid out: on-ramp crypto, off-ramp fiat.
fn received_by_user<'a>(direction: &str, order: &'a Value) -> (&'a str, &'a str) {
    match direction {
        "onramp" => (
            field(order, "/crypto/amount"),
            field(order, "/crypto/asset"),
        ),
        _ => (field(order, "/fiat/amount"), field(order, "/fiat/currency")),
    }
}

/// `Ada pays 15000.00 NGN, gets 9.81666666 USDC on solana; rate 1500` (a quote or an order).
fn describe_trade(direction: &str, trade: &Value) -> String {
    let (pay, pay_unit) = paid(direction, trade);
    let (get, get_unit) = received_by_user(direction, trade);
    let network = field(trade, "/crypto/network");
    let (pay, get) = match direction {
        "onramp" => (
            format!("pays {pay} {pay_unit}"),
            format!("gets {get} {get_unit} on {network}"),
        ),
        _ => (
            format!("sends {pay} {pay_unit} on {network}"),
            format!("gets {get} {get_unit}"),
        ),
    };
    format!("Ada {pay}, {get}; rate {}", field(trade, "/rate"))
}

/// `partner 200.00 NGN, wallet 75.00 NGN`.
fn describe_fees(trade: &Value) -> String {
    let fees: Vec<String> = trade["fees"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|fee| {
            format!(
                "{} {} {}",
                field(fee, "/type"),
                field(fee, "/amount"),
                field(fee, "/asset")
            )
        })
        .collect();
    match fees.is_empty() {
        true => "none".to_owned(),
        false => fees.join(", "),
    }
}

/// `Demo Partner Bank 9988776655, reference RAMP-ON-0001` or the deposit address.
fn describe_deposit(order: &Value) -> String {
    match order.pointer("/deposit/bank") {
        Some(bank) if !bank.is_null() => format!(
            "{} account {}, reference {}",
            field(bank, "/name"),
            field(bank, "/account"),
            field(bank, "/reference")
        ),
        _ => format!(
            "{} address {}",
            field(order, "/crypto/network"),
            field(order, "/deposit/address")
        ),
    }
}
