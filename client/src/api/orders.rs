//! Orders: the wallet creates and follows them, the partner moves them through their life.

use futures::Stream;
use rampflow_actors::model::{
    Address, Amount, ExternalRef, FailureCode, OrderId, PartnerId, PaymentMethod, Rate, Reason,
    Reference, Timestamp, UserRef,
};
use rampflow_actors::order::{BankDetails, Crypto, Direction, Fee, Fiat, Order, Status, Tag};
use serde::{Deserialize, Serialize};

use crate::client::{Call, IdempotencyKey, Page, PageRequest};
use crate::{Client, Error};

/// `POST /v1/orders`: either `crypto` and `fiat` with `partner_id`, or a `quote_id` (which
/// brings its partner, amounts, rate and fees).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateOrder {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<PartnerId>,
    pub user_ref: UserRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crypto: Option<Crypto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiat: Option<Fiat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_id: Option<String>,
    /// On-ramp: where the crypto goes. Off-ramp: the refund address.
    pub user_wallet_address: Address,
    pub payment_method: PaymentMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<ExternalRef>,
}

/// `POST /v1/orders/{id}/accept`: off-ramp accepts give a crypto deposit address
/// ([`Deposit::Crypto`]), on-ramp accepts the bank details to pay into ([`Deposit::Bank`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptOrder {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<ExternalRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Rate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fees: Option<Vec<Fee>>,
    pub deposit: Deposit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposit_window_secs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remind_before_secs: Option<u64>,
}

impl AcceptOrder {
    /// An accept with only its deposit instructions; the rest defaults on the server.
    pub fn new(deposit: Deposit) -> AcceptOrder {
        AcceptOrder {
            external_id: None,
            rate: None,
            fees: None,
            deposit,
            deposit_window_secs: None,
            remind_before_secs: None,
        }
    }
}

/// Where the user sends the funds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Deposit {
    /// Off-ramp: `{"address", "tag"?}`.
    Crypto {
        address: Address,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tag: Option<Tag>,
    },
    /// On-ramp: `{"bank": {"name", "account", "reference"?}}`.
    Bank { bank: BankDetails },
}

/// Which orders to list (`GET /v1/orders`); everything unset is not filtered on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<Status>,
    pub direction: Option<Direction>,
    pub partner_id: Option<PartnerId>,
    pub external_id: Option<ExternalRef>,
    pub created_after: Option<Timestamp>,
    pub created_before: Option<Timestamp>,
}

impl OrderFilter {
    fn call(&self) -> Call {
        Call::get(&["v1", "orders"])
            .query("status", self.status.map(|s| s.as_str()))
            .query("direction", self.direction.map(|d| d.as_str()))
            .query("partner_id", self.partner_id)
            .query("external_id", self.external_id.as_ref())
            .query("created_after", self.created_after)
            .query("created_before", self.created_before)
    }
}

#[derive(Serialize)]
struct Empty {}

impl Client {
    /// `POST /v1/orders` (wallet): 201 with the order in `created`. The user must have
    /// granted the partner access (403 `access_not_granted`). Carries a fresh
    /// `Idempotency-Key`, so the client's own retries never create two orders.
    pub async fn create_order(&self, order: &CreateOrder) -> Result<Order, Error> {
        self.create_order_with_key(order, None).await
    }

    /// [`Client::create_order`] with an `Idempotency-Key` of your own (derive it from your
    /// record's id to be safe across restarts of your process).
    pub async fn create_order_with_key(
        &self,
        order: &CreateOrder,
        key: Option<IdempotencyKey>,
    ) -> Result<Order, Error> {
        self.json(Call::create(&["v1", "orders"], order, key)).await
    }

    /// `GET /v1/orders/{id}` (the order's wallet or partner).
    pub async fn get_order(&self, id: &OrderId) -> Result<Order, Error> {
        let id = id.to_string();
        self.json(Call::get(&["v1", "orders", &id])).await
    }

    /// `GET /v1/orders` (wallet or partner: its own orders), one page.
    pub async fn list_orders(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<Page<Order>, Error> {
        self.json(filter.call().page(page)).await
    }

    /// Every order that `filter` matches (wallet or partner), following cursors.
    pub fn orders(&self, filter: &OrderFilter) -> impl Stream<Item = Result<Order, Error>> + Send {
        self.paginate(filter.call())
    }

    async fn command(
        &self,
        id: &OrderId,
        name: &str,
        body: &impl Serialize,
    ) -> Result<Order, Error> {
        let id = id.to_string();
        self.json(Call::command(&["v1", "orders", &id, name], body))
            .await
    }

    /// `POST /v1/orders/{id}/accept` (partner): `created` → `accepted`.
    pub async fn accept_order(&self, id: &OrderId, accept: &AcceptOrder) -> Result<Order, Error> {
        self.command(id, "accept", accept).await
    }

    /// `POST /v1/orders/{id}/reject` (partner): `created` → `rejected`.
    pub async fn reject_order(&self, id: &OrderId, reason: &Reason) -> Result<Order, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            reason: &'a Reason,
        }
        self.command(id, "reject", &Body { reason }).await
    }

    /// `POST /v1/orders/{id}/cancel` (wallet): `created` or `accepted` → `cancelled`.
    pub async fn cancel_order(&self, id: &OrderId) -> Result<Order, Error> {
        self.command(id, "cancel", &Empty {}).await
    }

    /// `POST /v1/orders/{id}/funds-sent` (wallet): `accepted` → `funds_sent`.
    pub async fn funds_sent(
        &self,
        id: &OrderId,
        reference: Option<&Reference>,
    ) -> Result<Order, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            reference: Option<&'a Reference>,
        }
        self.command(id, "funds-sent", &Body { reference }).await
    }

    /// `POST /v1/orders/{id}/funds-received` (partner): → `funds_received`, or
    /// `inconsistent` when `amount` is not the one expected ([`Order::expected_funds`]).
    pub async fn funds_received(
        &self,
        id: &OrderId,
        amount: &Amount,
        reference: Option<&Reference>,
    ) -> Result<Order, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            amount: &'a Amount,
            #[serde(skip_serializing_if = "Option::is_none")]
            reference: Option<&'a Reference>,
        }
        self.command(id, "funds-received", &Body { amount, reference })
            .await
    }

    /// `POST /v1/orders/{id}/complete` (partner): `funds_received` or `inconsistent` →
    /// `completed`.
    pub async fn complete_order(&self, id: &OrderId, complete: &Complete) -> Result<Order, Error> {
        self.command(id, "complete", complete).await
    }

    /// `POST /v1/orders/{id}/fail` (partner).
    pub async fn fail_order(
        &self,
        id: &OrderId,
        code: &FailureCode,
        reason: &Reason,
    ) -> Result<Order, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            code: &'a FailureCode,
            reason: &'a Reason,
        }
        self.command(id, "fail", &Body { code, reason }).await
    }

    /// `POST /v1/orders/{id}/refund` (partner): `failed`, `inconsistent` or `expired` →
    /// `refunded`.
    pub async fn refund_order(&self, id: &OrderId, refund: &RefundOrder) -> Result<Order, Error> {
        self.command(id, "refund", refund).await
    }
}

/// `POST /v1/orders/{id}/complete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complete {
    pub transaction_id: Reference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crypto_amount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiat_amount: Option<Amount>,
}

impl Complete {
    pub fn new(transaction_id: Reference) -> Complete {
        Complete {
            transaction_id,
            crypto_amount: None,
            fiat_amount: None,
        }
    }
}

/// `POST /v1/orders/{id}/refund`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundOrder {
    pub amount: Amount,
    pub transaction_id: Reference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}
