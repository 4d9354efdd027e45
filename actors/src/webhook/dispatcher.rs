//! The dispatcher claims due deliveries from the store and hands each to its endpoint's
//! sender; the recorder writes attempt outcomes back in batches. Everything that matters lives
//! in the database (pending deliveries, attempt counts, next attempt times), so a restart, even
//! a kill -9, resumes where delivery stopped.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use tokio::sync::mpsc;

use super::client::build_client;
use super::retry::RetryPolicy;
use super::sender::{Deliver, SenderEnv, WebhookSender};
use super::store::{AttemptOutcome, DeliveryStore};
use super::Nudge;
use crate::model::Timestamp;

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Delays before each attempt; its length is the number of attempts.
    pub retry_schedule: Vec<Duration>,
    /// Per attempt.
    pub timeout: Duration,
    pub allow_private_targets: bool,
    /// How often due retries are looked for when nothing nudges the dispatcher.
    pub poll_interval: Duration,
    /// Deliveries claimed per query.
    pub claim_batch: u32,
    /// Attempts in flight per endpoint, at most.
    pub max_in_flight_per_endpoint: usize,
}

/// A claimed delivery is not claimed again for this long (unless the process restarts, which
/// releases every lease). Long enough for an attempt queued behind a slow endpoint.
const LEASE: Duration = Duration::from_secs(600);

/// The running delivery machinery.
pub struct Webhooks {
    arbiter: Arbiter,
    health: WebhookHealth,
}

/// Whether the dispatcher is alive: it beats after every claim, and claims at least once per
/// poll interval.
#[derive(Clone)]
pub struct WebhookHealth {
    last_beat_millis: Arc<AtomicI64>,
    poll_interval: Duration,
}

impl WebhookHealth {
    fn beat(&self) {
        self.last_beat_millis
            .store(Timestamp::now().as_millis(), Ordering::Relaxed);
    }

    /// Alive if it claimed within a few poll intervals (and a few seconds of slack for a slow
    /// claim query).
    pub fn is_alive(&self) -> bool {
        let since = Timestamp::now().as_millis() - self.last_beat_millis.load(Ordering::Relaxed);
        since <= (self.poll_interval * 3 + Duration::from_secs(5)).as_millis() as i64
    }
}

impl Webhooks {
    /// Starts the dispatcher, its senders and the recorder on an arbiter of their own. Releases
    /// the leases a previous process left behind first.
    pub async fn start(
        store: Arc<dyn DeliveryStore>,
        settings: WebhookSettings,
        nudge: Nudge,
    ) -> Result<Webhooks, crate::store::StoreError> {
        store.release_leases().await?;
        let arbiter = Arbiter::new();
        let (outcomes, recorded) = mpsc::channel(4096);
        let env = Arc::new(SenderEnv {
            client: build_client(settings.timeout, settings.allow_private_targets),
            policy: RetryPolicy::new(settings.retry_schedule.clone()),
            outcomes,
            allow_private_targets: settings.allow_private_targets,
            max_in_flight: settings.max_in_flight_per_endpoint.max(1),
        });
        let recorder_store = store.clone();
        let recorder_nudge = nudge.clone();
        arbiter.spawn(record_outcomes(recorder_store, recorded, recorder_nudge));
        let dispatcher_nudge = nudge;
        let health = WebhookHealth {
            last_beat_millis: Arc::new(AtomicI64::new(Timestamp::now().as_millis())),
            poll_interval: settings.poll_interval,
        };
        let dispatcher_health = health.clone();
        Dispatcher::start_in_arbiter(&arbiter.handle(), move |_| Dispatcher {
            store,
            env,
            senders: HashMap::new(),
            nudge: dispatcher_nudge,
            settings,
            claiming: false,
            health: dispatcher_health,
            again: false,
        });
        Ok(Webhooks { arbiter, health })
    }

    pub fn health(&self) -> WebhookHealth {
        self.health.clone()
    }

    /// Stops delivering. Attempts cut short are retried after the next start (their leases are
    /// released then): delivery is at least once.
    pub fn stop(self) {
        self.arbiter.stop();
        let _ = self.arbiter.join();
    }
}

struct Dispatcher {
    store: Arc<dyn DeliveryStore>,
    env: Arc<SenderEnv>,
    senders: HashMap<String, Addr<WebhookSender>>,
    nudge: Nudge,
    settings: WebhookSettings,
    /// A claim query is running; a nudge meanwhile sets `again` instead of starting another.
    claiming: bool,
    again: bool,
    health: WebhookHealth,
}

impl Actor for Dispatcher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.settings.poll_interval, |act, ctx| {
            act.sweep(ctx);
            act.claim(ctx);
        });
        self.listen(ctx);
        self.claim(ctx);
    }
}

impl Dispatcher {
    /// Claims again whenever something nudges: a journal commit with new events, a
    /// redelivery, recorded outcomes that unblock the next event of an order.
    fn listen(&mut self, ctx: &mut Context<Self>) {
        let nudge = self.nudge.clone();
        ctx.spawn(
            async move { nudge.wait().await }
                .into_actor(self)
                .map(|(), act, ctx| {
                    act.claim(ctx);
                    act.listen(ctx);
                }),
        );
    }

    /// Fails deliveries orphaned by a disable or delete that raced their fan-out. On the poll
    /// tick only: a nudge comes with every journal commit and should cost one query, not two.
    fn sweep(&mut self, ctx: &mut Context<Self>) {
        let store = self.store.clone();
        ctx.spawn(
            async move {
                if let Err(error) = store.fail_orphaned_deliveries(Timestamp::now()).await {
                    tracing::warn!(%error, "could not sweep orphaned webhook deliveries");
                }
            }
            .into_actor(self),
        );
    }

    fn claim(&mut self, ctx: &mut Context<Self>) {
        if self.claiming {
            self.again = true;
            return;
        }
        self.claiming = true;
        let store = self.store.clone();
        let batch = self.settings.claim_batch.max(1);
        ctx.spawn(
            async move {
                let now = Timestamp::now();
                store.claim_due(now, now.plus(LEASE), batch).await
            }
            .into_actor(self)
            .map(move |claimed, act, ctx| {
                act.claiming = false;
                act.health.beat();
                match claimed {
                    Ok(due) => {
                        let full = due.len() as u32 >= batch;
                        for delivery in due {
                            act.sender_for(&delivery.endpoint_id, ctx)
                                .do_send(Deliver(delivery));
                        }
                        if full || std::mem::take(&mut act.again) {
                            act.claim(ctx);
                        }
                    }
                    Err(error) => tracing::warn!(%error, "could not claim due webhook deliveries"),
                }
            }),
        );
    }

    fn sender_for(&mut self, endpoint_id: &str, _ctx: &mut Context<Self>) -> Addr<WebhookSender> {
        let env = &self.env;
        self.senders
            .entry(endpoint_id.to_owned())
            .or_insert_with(|| WebhookSender::new(env.clone()).start())
            .clone()
    }
}

/// Writes outcomes in batches: one transaction for everything that finished meanwhile.
async fn record_outcomes(
    store: Arc<dyn DeliveryStore>,
    mut recorded: mpsc::Receiver<AttemptOutcome>,
    nudge: Nudge,
) {
    let mut batch = Vec::with_capacity(512);
    loop {
        if recorded.recv_many(&mut batch, 512).await == 0 {
            return;
        }
        let mut delay = Duration::from_millis(50);
        for attempt in 0..5 {
            match store.record_attempts(&batch).await {
                Ok(()) => break,
                Err(error) if attempt < 4 => {
                    tracing::warn!(%error, "could not record webhook attempts; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                // Their leases expire and they are attempted again: at least once.
                Err(error) => {
                    tracing::error!(%error, rows = batch.len(), "webhook attempts not recorded")
                }
            }
        }
        batch.clear();
        nudge.nudge();
    }
}
