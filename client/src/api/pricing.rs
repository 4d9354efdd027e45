//! Prices and quotes: the partner's price list, the wallet's fee, and quotes.

use std::collections::BTreeMap;

use rampflow_actors::model::{
    Amount, AssetCode, FiatCurrency, Network, PartnerId, Rate, Timestamp,
};
use rampflow_actors::order::{Crypto, Direction, Fee, Fiat};
use serde::{Deserialize, Serialize};

use crate::client::{Call, IdempotencyKey};
use crate::{Client, Error};

/// A partner's price list (`PUT`/`GET /v1/partner/pricing`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceList {
    pub pairs: Vec<PricePair>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<FeeSchedule>,
}

/// One priced pair: `rate` is fiat per one unit of crypto; the limits are inclusive and apply
/// to the trade's fiat before fees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricePair {
    pub direction: Direction,
    pub crypto: CryptoPair,
    pub fiat_currency: FiatCurrency,
    pub rate: Rate,
    #[serde(default)]
    pub min_fiat: Option<Amount>,
    #[serde(default)]
    pub max_fiat: Option<Amount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CryptoPair {
    pub asset: AssetCode,
    pub network: Network,
}

/// A fee: `percent` per hundred of the trade's fiat plus `fixed[currency]`. Decimal strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeSchedule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fixed: BTreeMap<String, String>,
}

/// `POST /v1/quotes`: exactly one of `fiat_amount` and `crypto_amount`. Without
/// `partner_id`, the best quote across partners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteRequest {
    pub direction: Direction,
    pub crypto: CryptoPair,
    pub fiat_currency: FiatCurrency,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiat_amount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crypto_amount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<PartnerId>,
}

/// A stored quote, usable once by `POST /v1/orders` (`quote_id`) until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub id: String,
    pub expires_at: Timestamp,
    pub partner_id: PartnerId,
    pub direction: Direction,
    pub crypto: Crypto,
    pub fiat: Fiat,
    pub rate: Rate,
    pub fees: Vec<Fee>,
}

#[derive(Deserialize)]
struct QuoteList {
    data: Vec<Quote>,
}

impl Client {
    /// `PUT /v1/partner/pricing` (partner): replaces the price list.
    pub async fn put_pricing(&self, prices: &PriceList) -> Result<PriceList, Error> {
        self.json(Call::put(&["v1", "partner", "pricing"], prices))
            .await
    }

    /// `GET /v1/partner/pricing` (partner).
    pub async fn get_pricing(&self) -> Result<PriceList, Error> {
        self.json(Call::get(&["v1", "partner", "pricing"])).await
    }

    /// `PUT /v1/wallet/fee` (wallet): the wallet's own fee on its orders.
    pub async fn put_wallet_fee(&self, fee: &FeeSchedule) -> Result<FeeSchedule, Error> {
        self.json(Call::put(&["v1", "wallet", "fee"], fee)).await
    }

    /// `GET /v1/wallet/fee` (wallet).
    pub async fn get_wallet_fee(&self) -> Result<FeeSchedule, Error> {
        self.json(Call::get(&["v1", "wallet", "fee"])).await
    }

    /// `POST /v1/quotes` (wallet). No partner can serve it: 422 with `reason = "no_partner"`.
    pub async fn create_quote(&self, request: &QuoteRequest) -> Result<Quote, Error> {
        self.create_quote_with_key(request, None).await
    }

    /// [`Client::create_quote`] with an `Idempotency-Key` of your own.
    pub async fn create_quote_with_key(
        &self,
        request: &QuoteRequest,
        key: Option<IdempotencyKey>,
    ) -> Result<Quote, Error> {
        self.json(Call::create(&["v1", "quotes"], request, key))
            .await
    }

    /// `GET /v1/quotes/compare` (wallet): every eligible partner's quote, best first, each
    /// stored and usable. `partner_id` of the request is ignored.
    pub async fn compare_quotes(&self, request: &QuoteRequest) -> Result<Vec<Quote>, Error> {
        let call = Call::get(&["v1", "quotes", "compare"])
            .query("direction", Some(request.direction.as_str()))
            .query("asset", Some(&request.crypto.asset))
            .query("network", Some(&request.crypto.network))
            .query("fiat_currency", Some(&request.fiat_currency))
            .query("fiat_amount", request.fiat_amount.as_ref())
            .query("crypto_amount", request.crypto_amount.as_ref());
        Ok(self.json::<QuoteList>(call).await?.data)
    }
}
