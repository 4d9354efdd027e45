//! `--scenario create-via-client` (hidden): the creates of `create`, sent through
//! `rampflow-client` instead of the prebuilt raw requests, to measure what the typed client
//! would cost the hot loop (README, "The load generator's hot loop").
//!
//! Each create is what an integrator's would be: the typed [`rampflow_client::CreateOrder`]
//! serialized per call, a fresh UUIDv7 `Idempotency-Key`, the answer decoded into an order.
//! No retries, so refusals are counted as `create` counts them. The wallets of a node share
//! one connection pool, which opens as many connections as there are slots on that node, as
//! `create` does.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use rampflow_client::{Client, Error, RetryPolicy};
use tokio::time::Instant;

use super::client::Target;
use super::driver::Workload;
use super::orders::Requests;
use super::setup::{Parties, SetupError, World};
use super::stats::{Op, Stats};

pub struct ClientCreates {
    requests: Arc<Requests>,
    stats: Arc<Stats>,
    /// By target, then by wallet.
    wallets: Vec<Vec<Client>>,
}

impl ClientCreates {
    pub fn new(
        targets: &[Arc<Target>],
        world: &World,
        admin_token: &str,
        requests: Arc<Requests>,
        stats: Arc<Stats>,
    ) -> Result<ClientCreates, SetupError> {
        let wallets = targets
            .iter()
            .map(|target| {
                Parties::on(target.base(), world, admin_token, RetryPolicy::none())
                    .map(|parties| parties.wallets)
            })
            .collect::<Result<_, _>>()?;
        Ok(ClientCreates {
            requests,
            stats,
            wallets,
        })
    }
}

impl Workload for ClientCreates {
    /// The index of the target the slot talks to.
    type Slot = usize;

    async fn turn(&self, target: &mut usize, intended: Instant) {
        let t = self.requests.template(self.requests.next_template());
        match self.wallets[*target][t.wallet].create_order(&t.order).await {
            Ok(_) => {
                self.stats.live.ok.fetch_add(1, Ordering::Relaxed);
                self.stats.success(Op::Create, intended, Instant::now());
            }
            // Named as the raw loop names its errors: the status and the envelope's code.
            Err(error) => self.stats.error(intended, || match &error {
                Error::Api(answer) => {
                    format!("create {} {}", answer.status.as_u16(), answer.raw_code)
                }
                Error::Decode { status, .. } => format!("create {} undecodable", status.as_u16()),
                _ => "create io client".into(),
            }),
        }
    }
}
