//! Before any order: the operator creates the wallet and the partner with their API keys, the
//! partner publishes its prices, the wallet sets its fee, both register a webhook endpoint,
//! and the wallet stores its user's KYC data and grants the partner access to it.

use std::collections::BTreeMap;
use std::io::Write;

use rampflow_client::model::{FiatCurrency, PartnerId, Rate, UserRef};
use rampflow_client::order::Direction;
use rampflow_client::{
    BankAccount, CreateEndpoint, CryptoPair, FeeSchedule, IdentityDocument, PersonName, PriceList,
    PricePair, User, UserData,
};

use super::api::Caller;
use super::Demo;

/// The wallet's own id for its user.
pub const USER_REF: &str = "u-ada";

impl<W: Write> Demo<W> {
    pub(super) async fn setup(&mut self) -> anyhow::Result<()> {
        self.out
            .heading("1. The operator creates a wallet and a partner, each with an API key")?;
        let created = self.operator.client.create_wallet("Demo Wallet").await;
        let wallet = self.told("the operator's new wallet", created)?;
        self.out.detail(&format!(
            "Demo Wallet {}, api_key {}… (shown once; the server keeps only its hash)",
            wallet.id,
            &wallet.api_key[..8.min(wallet.api_key.len())]
        ))?;
        self.wallet.id = wallet.id.to_string();
        self.wallet.caller = self.caller("wallet", &wallet.api_key)?;
        let created = self.operator.client.create_partner("Demo Partner").await;
        let partner = self.told("the operator's new partner", created)?;
        self.out.detail(&format!(
            "Demo Partner {}, api_key {}… (shown once; the server keeps only its hash)",
            partner.id,
            &partner.api_key[..8.min(partner.api_key.len())]
        ))?;
        self.partner.id = partner.id.to_string();
        self.partner.caller = self.caller("partner", &partner.api_key)?;

        self.out
            .heading("2. Prices, fees and webhook endpoints (each endpoint gets its own secret)")?;
        let pricing = PriceList {
            pairs: vec![
                pair(Direction::Onramp, "1500")?,
                pair(Direction::Offramp, "1450")?,
            ],
            fee: Some(FeeSchedule {
                percent: Some("1".into()),
                fixed: BTreeMap::from([("NGN".to_owned(), "50.00".to_owned())]),
            }),
        };
        let answer = self.partner.caller.client.put_pricing(&pricing).await;
        self.told("the partner's price list", answer)?;
        self.out.detail(
            "USDC on solana for NGN: buys at 1500 NGN, sells at 1450 NGN; fee 1 % + 50.00 NGN",
        )?;
        let fee = FeeSchedule {
            percent: Some("0.5".into()),
            fixed: BTreeMap::new(),
        };
        let answer = self.wallet.caller.client.put_wallet_fee(&fee).await;
        self.told("the wallet's fee", answer)?;
        self.out.detail("the wallet's own fee: 0.5 %")?;
        for who in ["wallet", "partner"] {
            let party = match who {
                "wallet" => &self.wallet,
                _ => &self.partner,
            };
            let endpoint = CreateEndpoint {
                url: party.hooks.url().to_owned(),
                event_types: None,
                description: Some(format!("the demo {who}'s receiver")),
            };
            let answer = party.caller.client.create_endpoint(&endpoint).await;
            let endpoint = self.told(&format!("the {who}'s webhook endpoint"), answer)?;
            let party = match who {
                "wallet" => &self.wallet,
                _ => &self.partner,
            };
            party.hooks.set_secret(&endpoint.secret)?;
            self.out.detail(&format!(
                "endpoint {} for every event type, secret {}… (the receiver verifies with it)",
                endpoint.endpoint.id,
                &endpoint.secret[..10.min(endpoint.secret.len())]
            ))?;
        }

        self.out
            .heading("3. The wallet stores its user's KYC data and grants the partner access")?;
        let user = UserData {
            email: Some("ada@example.com".into()),
            phone: Some("+2348012345678".into()),
            name: Some(PersonName {
                first: Some("Ada".into()),
                last: Some("Obi".into()),
            }),
            birth_date: Some("1990-04-12".into()),
            country: Some("NG".into()),
            document: Some(IdentityDocument {
                document_type: "passport".into(),
                number: "A01234567".into(),
                country: Some("NG".into()),
            }),
            bank_account: Some(BankAccount {
                bank_name: Some("Demo Bank".into()),
                account_number: "0123456789".into(),
                bank_code: Some("058".into()),
            }),
        };
        let user_ref = UserRef::parse(USER_REF)?;
        let answer = self.wallet.caller.client.put_user(&user_ref, &user).await;
        let stored = self.told("the wallet's user", answer)?;
        self.out
            .detail(&format!("{}: {}", stored.user_ref, describe_user(&stored)))?;
        let partner_id = PartnerId::parse(&self.partner.id)?;
        let answer = self
            .wallet
            .caller
            .client
            .grant(&user_ref, &partner_id)
            .await;
        let grant = self.told("the wallet's grant", answer)?;
        self.out.detail(&format!(
            "partner {} may read {}'s data",
            grant.partner_id, USER_REF
        ))?;
        Ok(())
    }

    fn caller(&self, who: &'static str, key: &str) -> anyhow::Result<Caller> {
        Ok(Caller {
            who,
            key: key.to_owned(),
            client: self.log.client(&self.base, who, key)?,
        })
    }
}

fn pair(direction: Direction, rate: &str) -> anyhow::Result<PricePair> {
    Ok(PricePair {
        direction,
        crypto: CryptoPair {
            asset: "USDC".to_owned().try_into()?,
            network: "solana".to_owned().try_into()?,
        },
        fiat_currency: FiatCurrency::parse("NGN")?,
        rate: Rate::parse(rate)?,
        min_fiat: None,
        max_fiat: None,
    })
}

/// `Ada Obi, NG, passport A01234567, Demo Bank 0123456789`.
pub fn describe_user(user: &User) -> String {
    let data = &user.data;
    let or_dash = |text: Option<&str>| text.unwrap_or("-").to_owned();
    let name = data.name.as_ref();
    let document = data.document.as_ref();
    let bank = data.bank_account.as_ref();
    format!(
        "{} {}, {}, {} {}, {} {}",
        or_dash(name.and_then(|n| n.first.as_deref())),
        or_dash(name.and_then(|n| n.last.as_deref())),
        or_dash(data.country.as_deref()),
        or_dash(document.map(|d| d.document_type.as_str())),
        or_dash(document.map(|d| d.number.as_str())),
        or_dash(bank.and_then(|b| b.bank_name.as_deref())),
        or_dash(bank.map(|b| b.account_number.as_str())),
    )
}
