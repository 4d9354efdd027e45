//! The world a run needs, made through the operator's API like a real deployment would make
//! it: wallets and partners, users with KYC data who grant every partner access, and (for
//! `lifecycle`) webhook endpoints pointing at the load generator's own receivers.

use http::HeaderValue;
use rampflow_client::model::UserRef;
use rampflow_client::{BankAccount, Client, CreateEndpoint, IdentityDocument, PersonName};
use rampflow_client::{RetryPolicy, UserData};

use super::client::bearer;

/// A call of the API that failed while the load generator set up or read its world: what it
/// was doing, and the client's typed error (the envelope's code, the status, the request id).
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct SetupError {
    pub what: String,
    #[source]
    pub source: rampflow_client::Error,
}

/// Wraps a client error with what the load generator was doing: `.map_err(doing(…))`.
pub fn doing(what: impl Into<String>) -> impl FnOnce(rampflow_client::Error) -> SetupError {
    let what = what.into();
    move |source| SetupError { what, source }
}

/// A client of the server at `base` with `key`. `retry` is the client's default for setup
/// (every call of setup is safe to repeat); measures that count refusals send once.
pub fn api_client(base: &str, key: &str, retry: RetryPolicy) -> Result<Client, SetupError> {
    Client::builder(base, key)
        .retry(retry)
        .build()
        .map_err(doing(format!("a client of {base}")))
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
fn kyc(user: &User) -> UserData {
    UserData {
        email: Some(format!("{}@loadgen.example", user.user_ref)),
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
            bank_name: Some("GTBank".into()),
            account_number: "0123456789".into(),
            bank_code: Some("058".into()),
        }),
    }
}

/// Makes the world on the server at `base` with the operator's `admin_token`. With
/// `receiver` (the base URL of the load generator's receivers), every wallet and partner also
/// registers `endpoints_per_party` webhook endpoints there: `{receiver}/wallet/{n}` and
/// `{receiver}/partner/{n}`, `n` counting endpoints across parties.
pub async fn setup(
    base: &str,
    admin_token: &str,
    population: &Population,
    receiver: Option<&str>,
) -> Result<World, SetupError> {
    let operator = api_client(base, admin_token, RetryPolicy::default())?;
    let mut wallets = Vec::new();
    for i in 0..population.wallets {
        let name = format!("Loadgen Wallet {i}");
        let created = operator
            .create_wallet(&name)
            .await
            .map_err(doing(format!("creating wallet {name:?}")))?;
        wallets.push(Party::new(created.id.to_string(), created.api_key));
    }
    let mut partners = Vec::new();
    let mut partner_ids = Vec::new();
    for i in 0..population.partners {
        let name = format!("Loadgen Partner {i}");
        let created = operator
            .create_partner(&name)
            .await
            .map_err(doing(format!("creating partner {name:?}")))?;
        partner_ids.push(created.id);
        partners.push(Party::new(created.id.to_string(), created.api_key));
    }
    let wallet_clients = clients_of(&operator, &wallets)?;
    let users = users(population);
    for user in &users {
        let wallet = &wallet_clients[user.wallet];
        let user_ref = UserRef::parse(&user.user_ref).expect("the load generator's user refs");
        wallet
            .put_user(&user_ref, &kyc(user))
            .await
            .map_err(doing(format!("storing user {user_ref}")))?;
        for partner in &partner_ids {
            wallet
                .grant(&user_ref, partner)
                .await
                .map_err(doing(format!("granting {user_ref} to partner {partner}")))?;
        }
    }
    let (mut wallet_endpoints, mut partner_endpoints) = (Vec::new(), Vec::new());
    let per_party = population.endpoints_per_party.max(1);
    if let Some(receiver) = receiver {
        for wallet in &wallet_clients {
            for _ in 0..per_party {
                let url = format!("{receiver}/wallet/{}", wallet_endpoints.len());
                wallet_endpoints.push(endpoint(wallet, url).await?);
            }
        }
        for partner in &clients_of(&operator, &partners)? {
            for _ in 0..per_party {
                let url = format!("{receiver}/partner/{}", partner_endpoints.len());
                partner_endpoints.push(endpoint(partner, url).await?);
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

impl Party {
    fn new(id: String, key: String) -> Party {
        Party {
            id,
            bearer: bearer(&key),
            key,
        }
    }
}

/// A client per party, sharing `base`'s server, settings and connections.
pub fn clients_of(base: &Client, parties: &[Party]) -> Result<Vec<Client>, SetupError> {
    parties
        .iter()
        .map(|party| {
            base.with_key(&party.key)
                .map_err(doing(format!("a client with the key of {}", party.id)))
        })
        .collect()
}

/// The clients of a world's wallets and partners on one node, by index into
/// [`World::wallets`] and [`World::partners`].
pub struct Parties {
    pub wallets: Vec<Client>,
    pub partners: Vec<Client>,
}

impl Parties {
    /// The parties of `world` on the node at `base`, with `retry`.
    pub fn on(
        base: &str,
        world: &World,
        admin_token: &str,
        retry: RetryPolicy,
    ) -> Result<Parties, SetupError> {
        let operator = api_client(base, admin_token, retry)?;
        Ok(Parties {
            wallets: clients_of(&operator, &world.wallets)?,
            partners: clients_of(&operator, &world.partners)?,
        })
    }
}

/// Registers a webhook endpoint at `url` for the party of `owner`.
async fn endpoint(owner: &Client, url: String) -> Result<Endpoint, SetupError> {
    let what = format!("registering webhook endpoint {url}");
    let request = CreateEndpoint {
        description: Some("rampflow loadgen receiver".into()),
        ..CreateEndpoint::new(url)
    };
    let created = owner.create_endpoint(&request).await.map_err(doing(what))?;
    Ok(Endpoint {
        id: created.endpoint.id,
        secret: created.secret,
    })
}
