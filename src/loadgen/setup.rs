//! The world a run needs, made through the operator's API like a real deployment would make
//! it: wallets and partners, users with KYC data who grant every partner access, and (for
//! `lifecycle`) webhook endpoints pointing at the load generator's own receivers.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use serde_json::{json, Value};

use super::client::{bearer, path, Call, ClientError, Conn, Target};

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{what}: {source}")]
    Client {
        what: String,
        #[source]
        source: ClientError,
    },
    #[error("{what}: the server answered {status}: {body}")]
    Refused {
        what: String,
        status: StatusCode,
        body: String,
    },
    #[error("{what}: unexpected answer: {body}")]
    Unexpected { what: String, body: String },
}

/// How much of the world to make.
#[derive(Debug, Clone)]
pub struct Population {
    pub wallets: usize,
    pub partners: usize,
    /// Users per wallet; each grants every partner access.
    pub users_per_wallet: usize,
    /// Webhook endpoints each wallet and each partner registers on the receivers (when the
    /// scenario has receivers): every order event goes to each of them, so an order's event
    /// fans out to `2 × endpoints_per_party` deliveries.
    pub endpoints_per_party: usize,
}

/// A wallet or partner: its id and its key, ready to go in a header.
#[derive(Debug, Clone)]
pub struct Party {
    pub id: String,
    pub key: String,
    pub bearer: HeaderValue,
}

/// A user of `wallet` (an index into [`World::wallets`]).
#[derive(Debug, Clone)]
pub struct User {
    pub wallet: usize,
    pub user_ref: String,
}

/// A webhook endpoint's signing secret.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: String,
    pub secret: String,
}

/// Everything setup made.
#[derive(Debug, Clone)]
pub struct World {
    pub wallets: Vec<Party>,
    pub partners: Vec<Party>,
    pub users: Vec<User>,
    /// When webhooks were registered: `endpoints_per_party` per wallet, per partner, party
    /// by party (the endpoints of party `i` are `i * endpoints_per_party ..`).
    pub wallet_endpoints: Vec<Endpoint>,
    pub partner_endpoints: Vec<Endpoint>,
    pub endpoints_per_party: usize,
}

impl World {
    /// A world that exists only on this side, for the floor: it checks no key and no id, but
    /// gets requests of the very same shape.
    pub fn synthetic(population: &Population) -> World {
        let party = |kind: &str, i: usize| {
            let key = format!("{kind}_synthetic_key_{i:04}_0000000000000000000000000");
            Party {
                id: uuid::Uuid::now_v7().to_string(),
                bearer: bearer(&key),
                key,
            }
        };
        let wallets: Vec<_> = (0..population.wallets).map(|i| party("rfw", i)).collect();
        World {
            users: users(population),
            partners: (0..population.partners).map(|i| party("rfp", i)).collect(),
            wallets,
            wallet_endpoints: Vec::new(),
            partner_endpoints: Vec::new(),
            endpoints_per_party: 1,
        }
    }
}

fn users(population: &Population) -> Vec<User> {
    (0..population.wallets)
        .flat_map(|wallet| {
            (0..population.users_per_wallet).map(move |u| User {
                wallet,
                user_ref: format!("lg-u-{wallet}-{u}"),
            })
        })
        .collect()
}

/// The KYC data every simulated user stores: all the fields API.md lists, so reads and
/// webhooks carry realistic sizes.
fn kyc(user: &User) -> Value {
    json!({
        "email": format!("{}@loadgen.example", user.user_ref),
        "phone": "+2348012345678",
        "name": { "first": "Ada", "last": "Obi" },
        "birth_date": "1990-04-12",
        "country": "NG",
        "document": { "type": "passport", "number": "A01234567", "country": "NG" },
        "bank_account": { "bank_name": "GTBank", "account_number": "0123456789", "bank_code": "058" }
    })
}

/// Makes the world on the server at `target` with the operator's `admin_token`. With
/// `receiver` (the base URL of the load generator's receivers), every wallet and partner also
/// registers `endpoints_per_party` webhook endpoints there: `{receiver}/wallet/{n}` and
/// `{receiver}/partner/{n}`, `n` counting endpoints across parties.
pub async fn setup(
    target: Arc<Target>,
    admin_token: &str,
    population: &Population,
    receiver: Option<&str>,
) -> Result<World, SetupError> {
    let mut conn = Conn::new(target);
    let admin = bearer(admin_token);
    let mut wallets = Vec::new();
    for i in 0..population.wallets {
        wallets.push(party(&mut conn, &admin, "wallets", &format!("Loadgen Wallet {i}")).await?);
    }
    let mut partners = Vec::new();
    for i in 0..population.partners {
        partners.push(
            party(
                &mut conn,
                &admin,
                "partners",
                &format!("Loadgen Partner {i}"),
            )
            .await?,
        );
    }
    let users = users(population);
    for user in &users {
        let wallet = &wallets[user.wallet];
        let what = format!("storing user {}", user.user_ref);
        let body = Bytes::from(kyc(user).to_string());
        let call = Call::put(
            path(format!("/v1/users/{}", user.user_ref)),
            &wallet.bearer,
            body,
        );
        expect(&mut conn, call, &what).await?;
        for partner in &partners {
            let what = format!("granting {} to partner {}", user.user_ref, partner.id);
            let grant = format!("/v1/users/{}/grants/{}", user.user_ref, partner.id);
            let call = Call::put(path(grant), &wallet.bearer, Bytes::from_static(b"{}"));
            expect(&mut conn, call, &what).await?;
        }
    }
    let (mut wallet_endpoints, mut partner_endpoints) = (Vec::new(), Vec::new());
    let per_party = population.endpoints_per_party.max(1);
    if let Some(receiver) = receiver {
        for wallet in &wallets {
            for _ in 0..per_party {
                let url = format!("{receiver}/wallet/{}", wallet_endpoints.len());
                wallet_endpoints.push(endpoint(&mut conn, wallet, &url).await?);
            }
        }
        for partner in &partners {
            for _ in 0..per_party {
                let url = format!("{receiver}/partner/{}", partner_endpoints.len());
                partner_endpoints.push(endpoint(&mut conn, partner, &url).await?);
            }
        }
    }
    Ok(World {
        wallets,
        partners,
        users,
        wallet_endpoints,
        partner_endpoints,
        endpoints_per_party: per_party,
    })
}

async fn party(
    conn: &mut Conn,
    admin: &HeaderValue,
    kind: &str,
    name: &str,
) -> Result<Party, SetupError> {
    let what = format!("creating {kind} {name:?}");
    let body = Bytes::from(json!({ "name": name }).to_string());
    let call = Call::post(path(format!("/v1/admin/{kind}")), admin, body);
    let created = expect(conn, call, &what).await?;
    let (Some(id), Some(key)) = (created["id"].as_str(), created["api_key"].as_str()) else {
        return Err(SetupError::Unexpected {
            what,
            body: created.to_string(),
        });
    };
    Ok(Party {
        id: id.to_owned(),
        bearer: bearer(key),
        key: key.to_owned(),
    })
}

async fn endpoint(conn: &mut Conn, owner: &Party, url: &str) -> Result<Endpoint, SetupError> {
    let what = format!("registering webhook endpoint {url}");
    let body = json!({ "url": url, "description": "rampflow loadgen receiver" });
    let call = Call::post(
        path("/v1/webhook-endpoints".into()),
        &owner.bearer,
        Bytes::from(body.to_string()),
    );
    let created = expect(conn, call, &what).await?;
    let (Some(id), Some(secret)) = (created["id"].as_str(), created["secret"].as_str()) else {
        return Err(SetupError::Unexpected {
            what,
            body: created.to_string(),
        });
    };
    Ok(Endpoint {
        id: id.to_owned(),
        secret: secret.to_owned(),
    })
}

/// Sends `call`, expecting a 2xx with a JSON body.
pub(super) async fn expect(conn: &mut Conn, call: Call, what: &str) -> Result<Value, SetupError> {
    let reply = conn.send(call).await.map_err(|source| SetupError::Client {
        what: what.to_owned(),
        source,
    })?;
    if !reply.status.is_success() {
        return Err(SetupError::Refused {
            what: what.to_owned(),
            status: reply.status,
            body: String::from_utf8_lossy(&reply.body).into_owned(),
        });
    }
    if reply.body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&reply.body).map_err(|_| SetupError::Unexpected {
        what: what.to_owned(),
        body: String::from_utf8_lossy(&reply.body).into_owned(),
    })
}
