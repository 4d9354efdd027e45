//! Before any order: the operator creates the wallet and the partner with their API keys, the
//! partner publishes its prices, the wallet sets its fee, both register a webhook endpoint,
//! and the wallet stores its user's KYC data and grants the partner access to it.

use std::io::Write;

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::api::{field, required, Call};
use super::Demo;

/// The wallet's own id for its user.
pub const USER_REF: &str = "u-ada";

impl<W: Write> Demo<W> {
    pub(super) async fn setup(&mut self) -> anyhow::Result<()> {
        self.out
            .heading("1. The operator creates a wallet and a partner, each with an API key")?;
        for kind in ["wallets", "partners"] {
            let name = match kind {
                "wallets" => "Demo Wallet",
                _ => "Demo Partner",
            };
            let body = json!({ "name": name });
            let created = self
                .api
                .send(
                    &mut self.out,
                    &self.operator,
                    Call::post(format!("/v1/admin/{kind}"), &body),
                )
                .await?;
            let key = required(&created, "/api_key")?;
            self.out.detail(&format!(
                "{} {}, api_key {}… (shown once; the server keeps only its hash)",
                name,
                field(&created, "/id"),
                &key[..8.min(key.len())]
            ))?;
            let party = match kind {
                "wallets" => &mut self.wallet,
                _ => &mut self.partner,
            };
            party.id = required(&created, "/id")?;
            party.caller.key = key;
        }

        self.out
            .heading("2. Prices, fees and webhook endpoints (each endpoint gets its own secret)")?;
        let pricing = json!({
            "pairs": [
                pair("onramp", "1500"),
                pair("offramp", "1450"),
            ],
            "fee": { "percent": "1", "fixed": { "NGN": "50.00" } }
        });
        self.api
            .send(
                &mut self.out,
                &self.partner.caller,
                Call::put("/v1/partner/pricing", &pricing),
            )
            .await?;
        self.out.detail(
            "USDC on solana for NGN: buys at 1500 NGN, sells at 1450 NGN; fee 1 % + 50.00 NGN",
        )?;
        let fee = json!({ "percent": "0.5" });
        self.api
            .send(
                &mut self.out,
                &self.wallet.caller,
                Call::put("/v1/wallet/fee", &fee),
            )
            .await?;
        self.out.detail("the wallet's own fee: 0.5 %")?;
        for party in [&self.wallet, &self.partner] {
            let body = json!({
                "url": party.hooks.url(),
                "description": format!("the demo {}'s receiver", party.caller.who),
            });
            let endpoint = self
                .api
                .send(
                    &mut self.out,
                    &party.caller,
                    Call::post("/v1/webhook-endpoints", &body),
                )
                .await?;
            let secret = required(&endpoint, "/secret")?;
            party.hooks.set_secret(&secret)?;
            self.out.detail(&format!(
                "endpoint {} for every event type, secret {}… (the receiver verifies with it)",
                field(&endpoint, "/id"),
                &secret[..10.min(secret.len())]
            ))?;
        }

        self.out
            .heading("3. The wallet stores its user's KYC data and grants the partner access")?;
        let user = json!({
            "email": "ada@example.com",
            "phone": "+2348012345678",
            "name": { "first": "Ada", "last": "Obi" },
            "birth_date": "1990-04-12",
            "country": "NG",
            "document": { "type": "passport", "number": "A01234567", "country": "NG" },
            "bank_account": { "bank_name": "Demo Bank", "account_number": "0123456789", "bank_code": "058" }
        });
        let stored = self
            .api
            .send(
                &mut self.out,
                &self.wallet.caller,
                Call::put(format!("/v1/users/{USER_REF}"), &user)
                    .expect(&[StatusCode::CREATED, StatusCode::OK]),
            )
            .await?;
        self.out.detail(&format!(
            "{}: {}",
            field(&stored, "/user_ref"),
            describe_user(&stored)
        ))?;
        let grant = self
            .api
            .send(
                &mut self.out,
                &self.wallet.caller,
                Call::put(
                    format!("/v1/users/{USER_REF}/grants/{}", self.partner.id),
                    &json!({}),
                ),
            )
            .await?;
        self.out.detail(&format!(
            "partner {} may read {}'s data",
            field(&grant, "/partner_id"),
            USER_REF
        ))?;
        Ok(())
    }
}

fn pair(direction: &str, rate: &str) -> Value {
    json!({
        "direction": direction,
        "crypto": { "asset": "USDC", "network": "solana" },
        "fiat_currency": "NGN",
        "rate": rate,
    })
}

/// `Ada Obi, NG, passport A01234567, Demo Bank 0123456789`.
pub fn describe_user(user: &Value) -> String {
    format!(
        "{} {}, {}, {} {}, {} {}",
        field(user, "/name/first"),
        field(user, "/name/last"),
        field(user, "/country"),
        field(user, "/document/type"),
        field(user, "/document/number"),
        field(user, "/bank_account/bank_name"),
        field(user, "/bank_account/account_number"),
    )
}
