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

use anyhow::{bail, Context};
use rampflow_client::model::{
    Address, Amount, ExternalRef, FiatCurrency, OrderId, PartnerId, PaymentMethod, Rate, Reference,
    UserRef,
};
use rampflow_client::order::{BankDetails, Crypto, Direction, Fee, FeeType, Fiat, Order, Status};
use rampflow_client::{
    AcceptOrder, Complete, CreateOrder, CryptoPair, Deposit, IdempotencyKey, PageRequest, Quote,
    QuoteRequest,
};

use super::narrator::short_id;
use super::receiver::Delivery;
use super::setup::{describe_user, USER_REF};
use super::{Demo, OrderSummary};

/// What differs between the on-ramp and the off-ramp story.
pub struct Plan {
    direction: Direction,
    title: &'static str,
    /// The amount asked for in `POST /v1/quotes`: fiat on-ramp, crypto off-ramp.
    amount: &'static str,
    /// The accept's `deposit`: bank details on-ramp, a crypto address off-ramp.
    deposit: fn() -> anyhow::Result<Deposit>,
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
            direction: Direction::Onramp,
            title: "4. On-ramp: Ada pays 15000.00 NGN by bank transfer for USDC on Solana",
            amount: "15000.00",
            deposit: || {
                Ok(Deposit::Bank {
                    bank: BankDetails {
                        name: Reference::parse("Demo Partner Bank")?,
                        account: Address::parse("9988776655")?,
                        reference: Some(Reference::parse("RAMP-ON-0001")?),
                    },
                })
            },
            external_id: "dp-on-0001",
            external_ref: "w-on-0001",
            user_wallet_address: "AdaSo1anaWa11etAddr3ss111111111111111111111",
            funds_reference: "NIP-TRF-000451",
            payout: "5ZkTxSolanaPayoutHash0001",
        }
    }

    pub fn offramp() -> Plan {
        Plan {
            direction: Direction::Offramp,
            title:
                "5. Off-ramp: Ada sends 10.00 USDC on Solana and is paid NGN to her bank account",
            amount: "10.00",
            deposit: || {
                Ok(Deposit::Crypto {
                    address: Address::parse("DemoPartnerDep0sitAddr3ss1111111111111111111")?,
                    tag: None,
                })
            },
            external_id: "dp-off-0001",
            external_ref: "w-off-0001",
            user_wallet_address: "AdaSo1anaWa11etAddr3ss111111111111111111111",
            funds_reference: "4fQxSolanaDepositHash0001",
            payout: "NIP-PAYOUT-000982",
        }
    }

    /// `POST /v1/quotes` with the demo's partner.
    fn ask(&self, partner: PartnerId) -> anyhow::Result<QuoteRequest> {
        let amount = Some(Amount::parse(self.amount)?);
        let (fiat_amount, crypto_amount) = match self.direction {
            Direction::Onramp => (amount, None),
            Direction::Offramp => (None, amount),
        };
        Ok(QuoteRequest {
            direction: self.direction,
            crypto: CryptoPair {
                asset: "USDC".to_owned().try_into()?,
                network: "solana".to_owned().try_into()?,
            },
            fiat_currency: FiatCurrency::parse("NGN")?,
            fiat_amount,
            crypto_amount,
            partner_id: Some(partner),
        })
    }
}

impl<W: Write> Demo<W> {
    pub(super) async fn order_life(&mut self, plan: &Plan) -> anyhow::Result<OrderSummary> {
        self.out.heading(plan.title)?;
        let mut events = Vec::new();
        let wallet = self.wallet.caller.client.clone();
        let partner = self.partner.caller.client.clone();

        // The wallet prices the trade with its partner, then orders at that price.
        let ask = plan.ask(PartnerId::parse(&self.partner.id)?)?;
        let answer = wallet.create_quote(&ask).await;
        let quote = self.told("the wallet's quote", answer)?;
        self.out.detail(&format!(
            "quote {}: {}",
            short_id(&quote.id),
            describe_trade(&Trade::from(&quote))
        ))?;
        self.out.detail(&format!(
            "fees {}; usable once, until {}",
            describe_fees(&quote.fees),
            quote.expires_at
        ))?;
        let create = CreateOrder {
            direction: None,
            partner_id: None,
            user_ref: UserRef::parse(USER_REF)?,
            crypto: None,
            fiat: None,
            quote_id: Some(quote.id.clone()),
            user_wallet_address: Address::parse(plan.user_wallet_address)?,
            payment_method: PaymentMethod::parse("bank_transfer")?,
            external_ref: Some(ExternalRef::parse(plan.external_ref)?),
        };
        let key = IdempotencyKey::new(format!("demo-{}", plan.external_ref))?;
        let answer = wallet.create_order_with_key(&create, Some(key)).await;
        let order = self.told("the wallet's order", answer)?;
        let id = order.id;
        self.out.detail(&format!(
            "order {id}: {} v{}",
            order.status.as_str(),
            order.version
        ))?;
        self.both_hear(&id, "order.created", &mut events).await?;

        // The partner looks at the order and the user, then takes it.
        let deposit_kind = match plan.direction {
            Direction::Onramp => "bank details",
            Direction::Offramp => "a crypto deposit address",
        };
        self.out.note(&format!(
            "The partner reads the new order and Ada's data, then accepts with {deposit_kind}."
        ))?;
        let answer = partner.get_order(&id).await;
        let read = self.told("the partner's read of the order", answer)?;
        self.out.detail(&format!(
            "{} {}: {}",
            read.direction.as_str(),
            read.status.as_str(),
            describe_trade(&Trade::from(&read))
        ))?;
        let answer = partner.order_user(&id).await;
        let user = self.told("the partner's read of the user", answer)?;
        self.out.detail(&describe_user(&user))?;
        let accept = AcceptOrder {
            external_id: Some(ExternalRef::parse(plan.external_id)?),
            ..AcceptOrder::new((plan.deposit)()?)
        };
        let answer = partner.accept_order(&id, &accept).await;
        let accepted = self.told("the partner's accept", answer)?;
        self.out.detail(&format!(
            "{} v{}: deposit to {}",
            accepted.status.as_str(),
            accepted.version,
            describe_deposit(&accepted)
        ))?;
        let deposit = accepted.deposit.as_ref();
        self.out.detail(&format!(
            "deadline {} (reminder at {})",
            or_dash(deposit.map(|d| d.expires_at)),
            or_dash(deposit.and_then(|d| d.remind_at))
        ))?;
        let heard = self.both_hear(&id, "order.accepted", &mut events).await?;

        // The wallet learns where to pay from its webhook, and the user pays.
        let (amount, currency) = paid(&Trade::from(&heard));
        self.out.note(&format!(
            "The wallet shows Ada where to send {amount} {currency}: {}, before {}.",
            describe_deposit(&heard),
            or_dash(heard.deposit.as_ref().map(|d| d.expires_at))
        ))?;
        self.out
            .note("Ada sends the funds; the wallet tells the server.")?;
        let reference = Reference::parse(plan.funds_reference)?;
        let answer = wallet.funds_sent(&id, Some(&reference)).await;
        let funds_sent = self.told("the wallet's funds-sent", answer)?;
        self.out.detail(&format!(
            "{} v{}, reference {}",
            funds_sent.status.as_str(),
            funds_sent.version,
            or_dash(funds_sent.funds.as_ref().and_then(|f| f.reference.as_ref()))
        ))?;
        let heard = self.both_hear(&id, "order.funds_sent", &mut events).await?;

        // The partner checks its account against what the order expects.
        let (amount, currency) = paid(&Trade::from(&heard));
        self.out.note(&format!(
            "The partner sees {amount} {currency} arrive and confirms the amount."
        ))?;
        let answer = partner
            .funds_received(&id, heard.expected_funds(), Some(&reference))
            .await;
        let funds_received = self.told("the partner's funds-received", answer)?;
        let status = funds_received.status;
        self.out.detail(&format!(
            "{} v{}, amount {}",
            status.as_str(),
            funds_received.version,
            or_dash(
                funds_received
                    .funds
                    .as_ref()
                    .and_then(|f| f.amount.as_ref())
            )
        ))?;
        if status != Status::FundsReceived {
            bail!(
                "order {id} went {} on funds-received of {amount} {currency}",
                status.as_str()
            );
        }
        let heard = self
            .both_hear(&id, "order.funds_received", &mut events)
            .await?;

        // The partner pays the user out, then completes with its payout reference.
        let (amount, currency) = received_by_user(&Trade::from(&heard));
        self.out.note(&format!(
            "The partner pays Ada {amount} {currency} and completes the order."
        ))?;
        let complete = Complete::new(Reference::parse(plan.payout)?);
        let answer = partner.complete_order(&id, &complete).await;
        let completed = self.told("the partner's complete", answer)?;
        self.out.detail(&format!(
            "{} v{}, transaction_id {}",
            completed.status.as_str(),
            completed.version,
            or_dash(completed.transaction_id.as_ref())
        ))?;
        self.both_hear(&id, "order.completed", &mut events).await?;

        // The wallet reads the finished order back.
        self.out
            .note("The wallet tells Ada her order is done and reads it back.")?;
        let answer = wallet.get_order(&id).await;
        let last = self.told("the wallet's read of the order", answer)?;
        let history: Vec<&str> = last.history.iter().map(|h| h.status.as_str()).collect();
        self.out.detail(&format!(
            "{} v{}; history {}",
            last.status.as_str(),
            last.version,
            history.join(" → ")
        ))?;
        Ok(OrderSummary {
            id: id.to_string(),
            direction: plan.direction.as_str().to_owned(),
            status: last.status.as_str().to_owned(),
            version: last.version as i64,
            events,
        })
    }

    /// Waits for `event_type` about the order at the partner, then at the wallet, prints both
    /// and returns the order as the wallet's copy carries it.
    async fn both_hear(
        &mut self,
        order_id: &OrderId,
        event_type: &str,
        events: &mut Vec<String>,
    ) -> anyhow::Result<Order> {
        let order_id = order_id.to_string();
        let at_partner = self
            .partner
            .hooks
            .expect(&order_id, event_type, self.wait)
            .await?;
        self.out.webhook("partner", &at_partner)?;
        let at_wallet = self
            .wallet
            .hooks
            .expect(&order_id, event_type, self.wait)
            .await?;
        self.out.webhook("wallet", &at_wallet)?;
        if at_partner.webhook_id != at_wallet.webhook_id || at_partner.version != at_wallet.version
        {
            bail!(
                "the partner and the wallet got different {event_type} events for order {order_id}"
            );
        }
        events.push(event_type.to_owned());
        order_of(at_wallet)
    }

    /// The wallet lists who read its user's data, and through which order.
    pub(super) async fn access_log(&mut self) -> anyhow::Result<()> {
        self.out
            .heading("6. The wallet checks who read Ada's data")?;
        let user = UserRef::parse(USER_REF)?;
        let answer = self
            .wallet
            .caller
            .client
            .list_access_log(&user, &PageRequest::default())
            .await;
        let log = self.told("the wallet's access log", answer)?;
        for read in log.data {
            self.out.detail(&format!(
                "partner {} read it through order {} at {}",
                short_id(&read.partner_id.to_string()),
                short_id(&read.order_id.to_string()),
                read.at
            ))?;
        }
        Ok(())
    }
}

/// The order a webhook carried.
fn order_of(delivery: Delivery) -> anyhow::Result<Order> {
    serde_json::from_value(delivery.order)
        .with_context(|| format!("the {} webhook's data is not an order", delivery.event_type))
}

/// A quote or an order: what is traded, at which rate, with which fees.
struct Trade<'a> {
    direction: Direction,
    crypto: &'a Crypto,
    fiat: &'a Fiat,
    rate: Option<&'a Rate>,
}

impl<'a> From<&'a Order> for Trade<'a> {
    fn from(order: &'a Order) -> Self {
        Trade {
            direction: order.direction,
            crypto: &order.crypto,
            fiat: &order.fiat,
            rate: order.rate.as_ref(),
        }
    }
}

impl<'a> From<&'a Quote> for Trade<'a> {
    fn from(quote: &'a Quote) -> Self {
        Trade {
            direction: quote.direction,
            crypto: &quote.crypto,
            fiat: &quote.fiat,
            rate: Some(&quote.rate),
        }
    }
}

/// What the user pays in: on-ramp fiat, off-ramp crypto (`funds-received` expects it).
fn paid(trade: &Trade<'_>) -> (String, String) {
    match trade.direction {
        Direction::Onramp => (
            trade.fiat.amount.to_string(),
            trade.fiat.currency.to_string(),
        ),
        Direction::Offramp => (
            trade.crypto.amount.to_string(),
            trade.crypto.asset.to_string(),
        ),
    }
}

/// What the user is paid out: on-ramp crypto, off-ramp fiat.
fn received_by_user(trade: &Trade<'_>) -> (String, String) {
    match trade.direction {
        Direction::Onramp => (
            trade.crypto.amount.to_string(),
            trade.crypto.asset.to_string(),
        ),
        Direction::Offramp => (
            trade.fiat.amount.to_string(),
            trade.fiat.currency.to_string(),
        ),
    }
}

/// `Ada pays 15000.00 NGN, gets 9.81666666 USDC on solana; rate 1500` (a quote or an order).
fn describe_trade(trade: &Trade<'_>) -> String {
    let (pay, pay_unit) = paid(trade);
    let (get, get_unit) = received_by_user(trade);
    let network = &trade.crypto.network;
    let (pay, get) = match trade.direction {
        Direction::Onramp => (
            format!("pays {pay} {pay_unit}"),
            format!("gets {get} {get_unit} on {network}"),
        ),
        Direction::Offramp => (
            format!("sends {pay} {pay_unit} on {network}"),
            format!("gets {get} {get_unit}"),
        ),
    };
    format!("Ada {pay}, {get}; rate {}", or_dash(trade.rate))
}

/// `partner 200.00 NGN, wallet 75.00 NGN`.
fn describe_fees(fees: &[Fee]) -> String {
    let fees: Vec<String> = fees
        .iter()
        .map(|fee| {
            let kind = match fee.fee_type {
                FeeType::Partner => "partner",
                FeeType::Wallet => "wallet",
                FeeType::Platform => "platform",
                FeeType::Network => "network",
                FeeType::Deposit => "deposit",
            };
            format!("{kind} {} {}", fee.amount, fee.asset)
        })
        .collect();
    match fees.is_empty() {
        true => "none".to_owned(),
        false => fees.join(", "),
    }
}

/// `Demo Partner Bank 9988776655, reference RAMP-ON-0001` or the deposit address.
fn describe_deposit(order: &Order) -> String {
    let deposit = order.deposit.as_ref();
    match deposit.and_then(|d| d.bank.as_ref()) {
        Some(bank) => format!(
            "{} account {}, reference {}",
            bank.name,
            bank.account,
            or_dash(bank.reference.as_ref())
        ),
        None => format!(
            "{} address {}",
            order.crypto.network,
            or_dash(deposit.and_then(|d| d.address.as_ref()))
        ),
    }
}

/// The value, or `-` when it is absent: for narration only.
fn or_dash(value: Option<impl std::fmt::Display>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}
