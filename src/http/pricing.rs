//! Pricing and quotes (API.md § Pricing and quotes): partners' price lists, wallets' fees,
//! quotes (one partner's, the best, or every eligible partner's), and the quotes orders are
//! created from. The arithmetic itself is [`crate::pricing`].
//!
//! Quotes are stored and live `quote_ttl`. An order uses a quote once: the quote is marked
//! used by a conditional UPDATE before the order is created, so of two concurrent orders on
//! one quote exactly one proceeds. Should creating the order then fail (a full mailbox, say),
//! the quote stays used and the wallet asks for a new one.

use std::collections::BTreeMap;
use std::str::FromStr;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use rampflow_actors::model::{
    Amount, AssetCode, FiatCurrency, Network, OrderId, PartnerId, Rate, Timestamp, WalletId,
};
use rampflow_actors::order::{Crypto, Direction, Fee, FeeType, Fiat};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::json;
use utoipa::ToSchema;

use super::auth::Principal;
use super::body::RawBody;
use super::error::ApiError;
use super::idempotency::{self, Start};
use super::openapi as doc;
use super::pagination::Query;
use super::AppState;
use crate::pricing::{better, Asked, FeeSchedule, PriceError, Priced, Terms};
use crate::store::parties::PartyKind;
use crate::store::pricing::QuoteRow;

/// Pairs in one price list, at most.
pub const MAX_PAIRS: usize = 500;

/// A decimal string that may be zero but not negative: fee percents and fixed fees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeeDecimal(Decimal);

impl FeeDecimal {
    fn parse(text: &str) -> Result<FeeDecimal, String> {
        match Amount::parse(text) {
            Ok(amount) => Ok(FeeDecimal(amount.value())),
            Err(error) => {
                let zero = text.split_once('.').map_or(text == "0", |(i, f)| {
                    i == "0" && !f.is_empty() && f.bytes().all(|b| b == b'0')
                });
                if zero {
                    Decimal::from_str(text)
                        .map(FeeDecimal)
                        .map_err(|e| e.to_string())
                } else {
                    Err(error.0)
                }
            }
        }
    }
}

impl Serialize for FeeDecimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for FeeDecimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        FeeDecimal::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A fee: `percent` per hundred of the trade's fiat plus `fixed[currency]` (0 for a currency
/// not listed), rounded half-up to the currency's minor units.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeDoc {
    /// Per hundred of the trade's fiat, a decimal string from 0 to below 100 (default 0).
    #[serde(default)]
    #[schema(value_type = String, example = "1.5", pattern = r"^(?:0|[1-9][0-9]?)(?:\.[0-9]{1,18})?$")]
    percent: FeeDecimal,
    /// A fixed amount per ISO 4217 currency, as a decimal string no finer than the
    /// currency's minor units (default none).
    #[serde(default)]
    #[schema(schema_with = fixed_fees_schema)]
    fixed: BTreeMap<String, FeeDecimal>,
}

/// `fixed`: currency codes to zero-or-positive decimal strings.
fn fixed_fees_schema() -> utoipa::openapi::schema::Object {
    use rampflow_actors::openapi::ZERO_OR_DECIMAL_PATTERN;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "A fixed amount per ISO 4217 currency, as a decimal string no finer than the \
             currency's minor units (default none).",
        ))
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[A-Z]{3}$")),
        ))
        .additional_properties(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(ZERO_OR_DECIMAL_PATTERN)),
        ))
        .examples([json!({"NGN": "100.00"})])
        .build()
}

impl FeeDoc {
    /// Checks the fee and gives its schedule; `prefix` names the field (`fee.`).
    fn schedule(&self, prefix: &str) -> Result<FeeSchedule, ApiError> {
        if self.percent.0 >= Decimal::ONE_HUNDRED {
            return Err(ApiError::validation(
                format!("{prefix}percent"),
                "must be below 100",
            ));
        }
        let mut fixed = BTreeMap::new();
        for (code, amount) in &self.fixed {
            let field = format!("{prefix}fixed.{code}");
            let currency =
                FiatCurrency::parse(code).map_err(|e| ApiError::validation(&field, e.0))?;
            if amount.0.normalize().scale() > currency.minor_units() {
                return Err(ApiError::validation(
                    field,
                    format!(
                        "{currency} has {} decimal places at most",
                        currency.minor_units()
                    ),
                ));
            }
            fixed.insert(currency.code().to_owned(), amount.0);
        }
        Ok(FeeSchedule {
            percent: self.percent.0,
            fixed,
        })
    }
}

/// A crypto asset on a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CryptoPair {
    asset: AssetCode,
    network: Network,
}

/// One priced pair of a partner's list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PricePair {
    direction: Direction,
    crypto: CryptoPair,
    fiat_currency: FiatCurrency,
    /// Fiat per one unit of crypto; greater than zero.
    rate: Rate,
    /// The least trade fiat (before fees) this pair serves, inclusive; `null` or left out for
    /// no limit (answers always carry it).
    #[serde(default)]
    min_fiat: Option<Amount>,
    /// The most trade fiat (before fees) this pair serves, inclusive; `null` or left out for
    /// no limit (answers always carry it).
    #[serde(default)]
    max_fiat: Option<Amount>,
}

impl PricePair {
    fn serves(&self, direction: Direction, crypto: &CryptoPair, currency: FiatCurrency) -> bool {
        self.direction == direction && &self.crypto == crypto && self.fiat_currency == currency
    }

    fn within_limits(&self, trade_fiat: Decimal) -> bool {
        self.min_fiat.is_none_or(|min| trade_fiat >= min.value())
            && self.max_fiat.is_none_or(|max| trade_fiat <= max.value())
    }
}

/// A partner's price list: its pairs and its fee.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceList {
    /// At most 500 pairs, each (direction, asset, network, currency) once.
    #[schema(max_items = 500)]
    pairs: Vec<PricePair>,
    /// The partner's fee (default zero).
    #[serde(default)]
    fee: FeeDoc,
}

impl PriceList {
    fn check(&self) -> Result<(), ApiError> {
        if self.pairs.len() > MAX_PAIRS {
            return Err(ApiError::validation(
                "pairs",
                format!("must have at most {MAX_PAIRS} pairs"),
            ));
        }
        for (index, pair) in self.pairs.iter().enumerate() {
            let field = |name: &str| format!("pairs[{index}].{name}");
            let minor = pair.fiat_currency.minor_units();
            for (name, limit) in [("min_fiat", pair.min_fiat), ("max_fiat", pair.max_fiat)] {
                if limit.is_some_and(|l| l.value().normalize().scale() > minor) {
                    return Err(ApiError::validation(
                        field(name),
                        format!("{} has {minor} decimal places at most", pair.fiat_currency),
                    ));
                }
            }
            if let (Some(min), Some(max)) = (pair.min_fiat, pair.max_fiat) {
                if min.value() > max.value() {
                    return Err(ApiError::validation(
                        field("min_fiat"),
                        "must not exceed max_fiat",
                    ));
                }
            }
            if self.pairs[..index]
                .iter()
                .any(|p| p.serves(pair.direction, &pair.crypto, pair.fiat_currency))
            {
                return Err(ApiError::validation(
                    field("direction"),
                    "this direction, crypto and fiat_currency are already priced in the list",
                ));
            }
        }
        self.fee.schedule("fee.")?;
        Ok(())
    }
}

/// A quote: what the user pays and receives with one partner, and the fees. Use it once, as
/// `quote_id` of `POST /v1/orders`, before `expires_at`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteView {
    #[schema(format = "uuid", example = "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f")]
    pub id: String,
    pub expires_at: Timestamp,
    pub partner_id: PartnerId,
    pub direction: Direction,
    /// On-ramp what the user receives, off-ramp what the user sends; written with the
    /// asset's precision.
    pub crypto: Crypto,
    /// On-ramp what the user pays, off-ramp what the user receives; written with the
    /// currency's minor units.
    pub fiat: Fiat,
    pub rate: Rate,
    /// The partner, wallet and platform fees in the fiat currency; a fee of zero is left out.
    pub fees: Vec<Fee>,
}

/// A quote request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct QuoteRequest {
    direction: Direction,
    crypto: CryptoPair,
    fiat_currency: FiatCurrency,
    /// On-ramp: what the user pays. Off-ramp: what the user wants to receive (the quote
    /// then sends the least crypto that gives at least this). Give this or `crypto_amount`.
    #[serde(default)]
    fiat_amount: Option<Amount>,
    /// Off-ramp: what the user sends. On-ramp: what the user wants to receive (the quote then
    /// pays the least fiat that gives at least this). Give this or `fiat_amount`.
    #[serde(default)]
    crypto_amount: Option<Amount>,
    /// Quote this partner only; left out, the best quote across partners.
    #[serde(default)]
    partner_id: Option<PartnerId>,
}

/// What a quote is for, validated.
struct Ask {
    direction: Direction,
    crypto: CryptoPair,
    currency: FiatCurrency,
    asked: Asked,
    /// `fiat_amount` or `crypto_amount`, for error details.
    field: &'static str,
}

impl Ask {
    fn new(
        state: &AppState,
        direction: Direction,
        crypto: CryptoPair,
        currency: FiatCurrency,
        fiat_amount: Option<Amount>,
        crypto_amount: Option<Amount>,
    ) -> Result<Ask, ApiError> {
        let (asked, field) = match (fiat_amount, crypto_amount) {
            (Some(fiat), None) => {
                let minor = currency.minor_units();
                if fiat.value().normalize().scale() > minor {
                    return Err(ApiError::validation(
                        "fiat_amount",
                        format!("{currency} has {minor} decimal places at most"),
                    ));
                }
                (Asked::Fiat(fiat.value()), "fiat_amount")
            }
            (None, Some(amount)) => {
                let places = state.settings.asset_precision(crypto.asset.as_str());
                if amount.value().normalize().scale() > places {
                    return Err(ApiError::validation(
                        "crypto_amount",
                        format!("{} has {places} decimal places at most", crypto.asset),
                    ));
                }
                (Asked::Crypto(amount.value()), "crypto_amount")
            }
            (Some(_), Some(_)) => {
                return Err(ApiError::validation(
                    "crypto_amount",
                    "give either fiat_amount or crypto_amount, not both",
                ))
            }
            (None, None) => {
                return Err(ApiError::validation(
                    "fiat_amount",
                    "is required (or crypto_amount)",
                ))
            }
        };
        Ok(Ask {
            direction,
            crypto,
            currency,
            asked,
            field,
        })
    }
}

/// Why a partner could not quote.
#[derive(Default)]
struct Misses {
    priced: usize,
    outside_limits: usize,
    error: Option<PriceError>,
}

fn no_partner(field: &str, message: &str, cause: &str) -> ApiError {
    ApiError::validation(field, message).with_details(json!({
        "field": field,
        "reason": "no_partner",
        "cause": cause,
    }))
}

fn price_error(field: &str, error: PriceError) -> ApiError {
    let reason = match error {
        PriceError::FeesExceedAmount => "fees_exceed_amount",
        PriceError::TooSmall => "amount_too_small",
        PriceError::Overflow => "amount_too_large",
        PriceError::ZeroRate => "zero_rate",
        PriceError::TooPrecise(_) => "too_precise",
        PriceError::NotPositive => "not_positive",
    };
    ApiError::validation(field, error.to_string()).with_details(json!({
        "field": field,
        "reason": reason,
    }))
}

fn decimal_amount(value: Decimal, places: u32) -> Result<Amount, ApiError> {
    let mut value = value;
    value.rescale(places);
    Amount::from_decimal(value).map_err(ApiError::internal)
}

/// Every eligible partner's quote for `ask`, best first (not stored yet). `only` limits it to
/// one partner.
async fn quote_all(
    state: &AppState,
    wallet: WalletId,
    ask: &Ask,
    only: Option<PartnerId>,
) -> Result<Vec<QuoteView>, ApiError> {
    let lists: Vec<(String, String)> = match only {
        Some(partner) => {
            if state
                .store
                .find_party(PartyKind::Partner, &partner.to_string())
                .await?
                .is_none()
            {
                return Err(ApiError::validation("partner_id", "no such partner"));
            }
            state
                .store
                .get_partner_pricing(partner)
                .await?
                .map(|doc| vec![(partner.to_string(), doc)])
                .unwrap_or_default()
        }
        None => state.store.all_partner_pricing().await?,
    };
    let wallet_fee = match state.store.get_wallet_fee(wallet).await? {
        Some(doc) => serde_json::from_str::<FeeDoc>(&doc)
            .map_err(ApiError::internal)?
            .schedule("")?,
        None => FeeSchedule::default(),
    };
    let platform_fee = &state.settings.platform_fee;
    let precision = state.settings.asset_precision(ask.crypto.asset.as_str());
    let minor = ask.currency.minor_units();
    let mut misses = Misses::default();
    let mut found: Vec<(PartnerId, PricePair, Priced)> = Vec::new();
    for (partner_id, document) in lists {
        let list: PriceList = serde_json::from_str(&document).map_err(ApiError::internal)?;
        let Some(pair) = list
            .pairs
            .iter()
            .find(|p| p.serves(ask.direction, &ask.crypto, ask.currency))
        else {
            continue;
        };
        misses.priced += 1;
        let partner_fee = list.fee.schedule("")?;
        let terms = Terms {
            direction: ask.direction,
            rate: pair.rate.value(),
            currency: ask.currency.code(),
            minor_units: minor,
            precision,
            fees: vec![
                (FeeType::Partner, &partner_fee),
                (FeeType::Wallet, &wallet_fee),
                (FeeType::Platform, platform_fee),
            ],
        };
        // Asked by what is paid, the trade's fiat is known before pricing: the limits come
        // first, so an amount outside them is reported as such whatever the fees.
        let known_trade = match (ask.direction, ask.asked) {
            (Direction::Onramp, Asked::Fiat(paid)) => Some(paid),
            (Direction::Offramp, Asked::Crypto(sent)) => sent.checked_mul(pair.rate.value()),
            _ => None,
        };
        if known_trade.is_some_and(|t| !pair.within_limits(t)) {
            misses.outside_limits += 1;
            continue;
        }
        match terms.price(ask.asked) {
            Ok(priced) if pair.within_limits(priced.trade_fiat) => {
                let partner = PartnerId::parse(&partner_id).map_err(ApiError::internal)?;
                found.push((partner, pair.clone(), priced));
            }
            Ok(_) => misses.outside_limits += 1,
            Err(error) => {
                misses.error.get_or_insert(error);
            }
        }
    }
    if found.is_empty() {
        let target = if only.is_some() {
            "this partner does not"
        } else {
            "no partner"
        };
        return Err(if misses.priced == 0 {
            no_partner(
                if only.is_some() {
                    "partner_id"
                } else {
                    "crypto"
                },
                &format!(
                    "{target} prices {} of {} on {} for {}",
                    ask.direction.as_str(),
                    ask.crypto.asset,
                    ask.crypto.network,
                    ask.currency
                ),
                "not_priced",
            )
        } else if let Some(error) = misses.error {
            price_error(ask.field, error)
        } else {
            no_partner(
                ask.field,
                "the amount is outside the limits of every partner that prices this pair",
                "outside_limits",
            )
        });
    }
    found.sort_by(|(pa, _, a), (pb, _, b)| {
        better(ask.direction, ask.asked, a, b).then_with(|| pa.to_string().cmp(&pb.to_string()))
    });
    let expires_at = Timestamp::now().plus(state.settings.quote_ttl);
    let fee_asset = AssetCode::parse(ask.currency.code()).map_err(ApiError::internal)?;
    found
        .into_iter()
        .map(|(partner_id, pair, priced)| {
            let fees = priced
                .fees
                .iter()
                .filter(|(_, amount)| *amount > Decimal::ZERO)
                .map(|(fee_type, amount)| {
                    Ok(Fee {
                        fee_type: *fee_type,
                        amount: decimal_amount(*amount, minor)?,
                        asset: fee_asset.clone(),
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok(QuoteView {
                id: uuid::Uuid::now_v7().to_string(),
                expires_at,
                partner_id,
                direction: ask.direction,
                crypto: Crypto {
                    asset: ask.crypto.asset.clone(),
                    network: ask.crypto.network.clone(),
                    amount: decimal_amount(priced.crypto, precision)?,
                },
                fiat: Fiat {
                    currency: ask.currency,
                    amount: decimal_amount(priced.fiat, minor)?,
                },
                rate: pair.rate,
                fees,
            })
        })
        .collect()
}

fn quote_row(wallet: WalletId, quote: &QuoteView) -> Result<QuoteRow, ApiError> {
    let created_at = Timestamp::now();
    Ok(QuoteRow {
        id: quote.id.clone(),
        wallet_id: wallet.to_string(),
        partner_id: quote.partner_id.to_string(),
        document: serde_json::to_string(quote).map_err(ApiError::internal)?,
        created_at,
        expires_at: quote.expires_at,
        used_at: None,
    })
}

/// The wallet's quote `id`, if it can still be used: not used, not expired. Any other case
/// is 422 naming `quote_id` (another wallet's quote is "no such quote").
pub async fn usable_quote(
    state: &AppState,
    wallet: WalletId,
    id: &str,
) -> Result<QuoteView, ApiError> {
    let invalid = |reason: &str| ApiError::validation("quote_id", reason);
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(invalid("is not a quote id"));
    }
    let row = state
        .store
        .find_quote(wallet, id)
        .await?
        .ok_or_else(|| invalid("no such quote"))?;
    if row.used_at.is_some() {
        return Err(invalid("this quote has already been used"));
    }
    if row.expires_at <= Timestamp::now() {
        return Err(invalid("this quote has expired"));
    }
    serde_json::from_str(&row.document).map_err(ApiError::internal)
}

/// Marks the quote used by `order`; 422 if another order took it first or it expired.
pub async fn take_quote(
    state: &AppState,
    wallet: WalletId,
    id: &str,
    order: OrderId,
) -> Result<(), ApiError> {
    if state
        .store
        .use_quote(wallet, id, order, Timestamp::now())
        .await?
    {
        Ok(())
    } else {
        Err(ApiError::validation(
            "quote_id",
            "this quote has already been used or has expired",
        ))
    }
}

fn json_response(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body)
}

fn fee_example() -> serde_json::Value {
    json!({"percent": "1.5", "fixed": {"NGN": "100.00"}})
}

fn price_list_example() -> serde_json::Value {
    json!({
        "pairs": [
            {"direction": "onramp", "crypto": {"asset": "USDC", "network": "solana"},
             "fiat_currency": "NGN", "rate": "1500.00", "min_fiat": "1000.00", "max_fiat": "5000000.00"},
            {"direction": "offramp", "crypto": {"asset": "USDC", "network": "solana"},
             "fiat_currency": "NGN", "rate": "1480.00", "min_fiat": null, "max_fiat": null}
        ],
        "fee": fee_example()
    })
}

fn quote_example() -> serde_json::Value {
    json!({
        "id": "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f",
        "expires_at": "2026-11-22T10:16:30.123Z",
        "partner_id": doc::PARTNER_ID,
        "direction": "onramp",
        "crypto": {"asset": "USDC", "network": "solana", "amount": "9.83333333"},
        "fiat": {"currency": "NGN", "amount": "15000.00"},
        "rate": "1500.00",
        "fees": [
            {"type": "partner", "amount": "225.00", "asset": "NGN"},
            {"type": "wallet", "amount": "25.00", "asset": "NGN"}
        ]
    })
}

/// `PUT /v1/partner/pricing` (partner)
#[utoipa::path(
    put,
    path = "/v1/partner/pricing",
    tag = "pricing",
    operation_id = "put_partner_pricing",
    summary = "Replace the partner's price list (partner)",
    description = "Replaces the caller's whole price list: the pairs it serves (direction, crypto asset and network, fiat currency) with a rate (fiat per one unit of crypto, above zero) and optional inclusive limits on the trade's fiat before fees, and the partner's fee. Quotes given before keep their terms.",
    security(("bearer" = ["partner"])),
    request_body(content = PriceList, example = json!(price_list_example())),
    responses(
        (status = 200, description = "The price list as stored.", body = PriceList, example = json!(price_list_example())),
        doc::BodyErrors,
        doc::PartnerOnly,
        (status = 422, description = "`validation_failed`: an invalid or unknown field, a rate of zero, `min_fiat` above `max_fiat`, a pair listed twice, a fee percent of 100 or more (`details.field`, `details.reason`).", body = doc::ErrorBody,
            example = json!(doc::validation_example("pairs[0].rate", "must be greater than zero"))),
    ),
)]
pub async fn put_pricing(
    principal: Principal,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let partner = principal.partner()?;
    let list: PriceList = body.json()?;
    list.check()?;
    let document = serde_json::to_string(&list).map_err(ApiError::internal)?;
    state
        .store
        .put_partner_pricing(partner, &document, Timestamp::now())
        .await?;
    Ok(json_response(StatusCode::OK, document))
}

/// `GET /v1/partner/pricing` (partner)
#[utoipa::path(
    get,
    path = "/v1/partner/pricing",
    tag = "pricing",
    operation_id = "get_partner_pricing",
    summary = "Read the partner's price list (partner)",
    description = "The caller's price list; no pairs and a zero fee until it is first set.",
    security(("bearer" = ["partner"])),
    responses(
        (status = 200, description = "The price list.", body = PriceList, example = json!(price_list_example())),
        doc::ReadErrors,
        doc::PartnerOnly,
    ),
)]
pub async fn get_pricing(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let partner = principal.partner()?;
    let document = match state.store.get_partner_pricing(partner).await? {
        Some(document) => document,
        None => serde_json::to_string(&PriceList::default()).map_err(ApiError::internal)?,
    };
    Ok(json_response(StatusCode::OK, document))
}

/// `PUT /v1/wallet/fee` (wallet)
#[utoipa::path(
    put,
    path = "/v1/wallet/fee",
    tag = "pricing",
    operation_id = "put_wallet_fee",
    summary = "Set the wallet's own fee (wallet)",
    description = "Replaces the fee the wallet adds to every quote it asks for, beside the partner's and the platform's.",
    security(("bearer" = ["wallet"])),
    request_body(content = FeeDoc, example = json!(fee_example())),
    responses(
        (status = 200, description = "The fee as stored.", body = FeeDoc, example = json!(fee_example())),
        doc::BodyErrors,
        doc::WalletOnly,
        (status = 422, description = "`validation_failed`: a negative or malformed decimal, a percent of 100 or more, an unknown currency, or an unknown field.", body = doc::ErrorBody,
            example = json!(doc::validation_example("percent", "must be below 100"))),
    ),
)]
pub async fn put_wallet_fee(
    principal: Principal,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let wallet = principal.wallet()?;
    let fee: FeeDoc = body.json()?;
    fee.schedule("")?;
    let document = serde_json::to_string(&fee).map_err(ApiError::internal)?;
    state
        .store
        .put_wallet_fee(wallet, &document, Timestamp::now())
        .await?;
    Ok(json_response(StatusCode::OK, document))
}

/// `GET /v1/wallet/fee` (wallet)
#[utoipa::path(
    get,
    path = "/v1/wallet/fee",
    tag = "pricing",
    operation_id = "get_wallet_fee",
    summary = "Read the wallet's own fee (wallet)",
    description = "The wallet's fee; zero until it is first set.",
    security(("bearer" = ["wallet"])),
    responses(
        (status = 200, description = "The fee.", body = FeeDoc, example = json!(fee_example())),
        doc::ReadErrors,
        doc::WalletOnly,
    ),
)]
pub async fn get_wallet_fee(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let wallet = principal.wallet()?;
    let document = match state.store.get_wallet_fee(wallet).await? {
        Some(document) => document,
        None => serde_json::to_string(&FeeDoc::default()).map_err(ApiError::internal)?,
    };
    Ok(json_response(StatusCode::OK, document))
}

/// `POST /v1/quotes` (wallet, Idempotency-Key)
#[utoipa::path(
    post,
    path = "/v1/quotes",
    tag = "pricing",
    operation_id = "create_quote",
    summary = "Get a quote (wallet)",
    description = "Prices a trade with one partner (`partner_id`) or, without it, with the best of the partners that price the pair within their limits: on-ramp the most crypto for the user (asked by `crypto_amount`: the least fiat to pay), off-ramp the most fiat (asked by `fiat_amount`: the least crypto to send). Ties go to the lowest partner id. Fees are taken in fiat: each of the partner's, the wallet's and the platform's is `percent` per hundred of the trade's fiat plus `fixed[currency]`, rounded half-up to the currency's minor units; what the user receives is rounded down to the asset's precision or the currency's minor units. The quote is stored and can be used once, as `quote_id` of `POST /v1/orders`, until `expires_at`. Takes an `Idempotency-Key`.",
    security(("bearer" = ["wallet"])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "Makes the request safe to retry: the same key with the same body replays the first response for at least 24 h; with another body it is 409 `idempotency_conflict`.")),
    request_body(content = QuoteRequest, example = json!({
        "direction": "onramp",
        "crypto": {"asset": "USDC", "network": "solana"},
        "fiat_currency": "NGN",
        "fiat_amount": "15000.00"
    })),
    responses(
        (status = 201, description = "The quote.", body = QuoteView,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the replay of an earlier request with the same Idempotency-Key.")),
            example = json!(quote_example())),
        doc::BodyErrors,
        doc::WalletOnly,
        (status = 409, description = "`idempotency_conflict`: the Idempotency-Key was used with another body, or is in use right now.", body = doc::ErrorBody,
            example = json!(doc::error_example("idempotency_conflict", "this Idempotency-Key was used with a different request", serde_json::Value::Null))),
        (status = 422, description = "`validation_failed`: an invalid field; both or neither of `fiat_amount` and `crypto_amount`; an amount finer than the currency's minor units or the asset's precision; no partner can serve it (`details.reason = \"no_partner\"`, with `details.cause` `not_priced` or `outside_limits`); the fees take the whole amount (`fees_exceed_amount`); the amount is too small to receive anything (`amount_too_small`).", body = doc::ErrorBody,
            examples(
                ("no_partner" = (value = json!(doc::error_example("validation_failed", "crypto: no partner prices onramp of USDC on solana for NGN", json!({"field": "crypto", "reason": "no_partner", "cause": "not_priced"}))))),
                ("fees_exceed_amount" = (value = json!(doc::error_example("validation_failed", "fiat_amount: the fees take the whole amount", json!({"field": "fiat_amount", "reason": "fees_exceed_amount"}))))),
            )),
    ),
)]
pub async fn create_quote(
    principal: Principal,
    req: HttpRequest,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let wallet = principal.wallet()?;
    let input: QuoteRequest = body.json()?;
    let ask = Ask::new(
        &state,
        input.direction,
        input.crypto,
        input.fiat_currency,
        input.fiat_amount,
        input.crypto_amount,
    )?;
    let claim = match idempotency::start(&state, &principal, &req, body.bytes()).await? {
        Start::Replay { status, body } => return Ok(idempotency::replay_response(status, body)),
        Start::Proceed(claim) => claim,
    };
    let best = quote_all(&state, wallet, &ask, input.partner_id)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("no quote and no error"))?;
    let row = quote_row(wallet, &best)?;
    let record = claim
        .as_ref()
        .map(|claim| claim.record(StatusCode::CREATED, row.document.clone()));
    if !state
        .store
        .insert_quotes(std::slice::from_ref(&row), record.as_ref())
        .await?
    {
        return Err(ApiError::idempotency_conflict(
            "a request with this Idempotency-Key is already being processed",
        ));
    }
    Ok(json_response(StatusCode::CREATED, row.document))
}

/// The query of `GET /v1/quotes/compare` (documentation only: the handler reads it with
/// [`Query`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct CompareParams {
    direction: Direction,
    /// The crypto asset code.
    #[param(example = "USDC")]
    asset: AssetCode,
    /// The crypto network.
    #[param(example = "solana")]
    network: Network,
    fiat_currency: FiatCurrency,
    /// As in `POST /v1/quotes`; give this or `crypto_amount`.
    fiat_amount: Option<Amount>,
    /// As in `POST /v1/quotes`; give this or `fiat_amount`.
    crypto_amount: Option<Amount>,
}

/// Every eligible partner's quote.
#[derive(Serialize, ToSchema)]
struct QuoteList {
    /// Best first.
    data: Vec<QuoteView>,
}

/// `GET /v1/quotes/compare` (wallet)
#[utoipa::path(
    get,
    path = "/v1/quotes/compare",
    tag = "pricing",
    operation_id = "compare_quotes",
    summary = "Compare every partner's quote (wallet)",
    description = "A quote from every partner that prices the pair within its limits, best first (as `POST /v1/quotes` chooses). Each quote is stored and can be used once, as `quote_id` of `POST /v1/orders`, until its `expires_at`.",
    security(("bearer" = ["wallet"])),
    params(CompareParams),
    responses(
        (status = 200, description = "The quotes, best first.", body = QuoteList, example = json!({"data": [quote_example()]})),
        doc::ListErrors,
        doc::WalletOnly,
        (status = 422, description = "`validation_failed`: a missing, invalid or unknown parameter, or no partner can serve it (`details.reason = \"no_partner\"`), or the fees take the whole amount (`fees_exceed_amount`).", body = doc::ErrorBody,
            example = json!(doc::error_example("validation_failed", "crypto: no partner prices onramp of USDC on solana for NGN", json!({"field": "crypto", "reason": "no_partner", "cause": "not_priced"})))),
    ),
)]
pub async fn compare(
    principal: Principal,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let wallet = principal.wallet()?;
    let query = Query::parse(
        req.query_string(),
        &[
            "direction",
            "asset",
            "network",
            "fiat_currency",
            "fiat_amount",
            "crypto_amount",
        ],
    )?;
    for name in ["limit", "cursor"] {
        if query.get(name).is_some() {
            return Err(ApiError::validation(name, "is not a known query parameter"));
        }
    }
    let required = |name: &'static str| {
        query
            .get(name)
            .ok_or_else(|| ApiError::validation(name, "is required"))
    };
    let direction = Direction::parse(required("direction")?)
        .ok_or_else(|| ApiError::validation("direction", "must be onramp or offramp"))?;
    let crypto = CryptoPair {
        asset: AssetCode::parse(required("asset")?)
            .map_err(|e| ApiError::validation("asset", e.0))?,
        network: Network::parse(required("network")?)
            .map_err(|e| ApiError::validation("network", e.0))?,
    };
    let currency = FiatCurrency::parse(required("fiat_currency")?)
        .map_err(|e| ApiError::validation("fiat_currency", e.0))?;
    let amount = |name: &'static str| {
        query
            .get(name)
            .map(|text| Amount::parse(text).map_err(|e| ApiError::validation(name, e.0)))
            .transpose()
    };
    let ask = Ask::new(
        &state,
        direction,
        crypto,
        currency,
        amount("fiat_amount")?,
        amount("crypto_amount")?,
    )?;
    let quotes = quote_all(&state, wallet, &ask, None).await?;
    let rows = quotes
        .iter()
        .map(|quote| quote_row(wallet, quote))
        .collect::<Result<Vec<_>, _>>()?;
    state.store.insert_quotes(&rows, None).await?;
    let body = serde_json::to_string(&QuoteList { data: quotes }).map_err(ApiError::internal)?;
    Ok(json_response(StatusCode::OK, body))
}
