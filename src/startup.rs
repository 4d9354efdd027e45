//! Building and running the service. `Application::build` binds its own listener (port 0 in
//! tests) and wires store, journal, registry and HTTP together; `run_until_stopped` serves until
//! SIGTERM or Ctrl-C, then lets in-flight commands commit before it returns.

use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, HttpServer};
use anyhow::Context;
use rampflow_actors::breaker::Guarded;
use rampflow_actors::journal::{Journal, JournalSettings};
use rampflow_actors::model::Timestamp;
use rampflow_actors::registry::{Registry, RegistrySettings};
use rampflow_actors::shard::{Shards, DEFAULT_SHARD_COUNT};
use rampflow_actors::store::{OrderStore, StoreError};
use rampflow_actors::webhook::{Nudge, WebhookSettings, Webhooks};

use crate::cluster::coherence::CachePolicy;
use crate::cluster::handoff::WebhookDeliveries;
use crate::cluster::membership::{self, Membership};
use crate::cluster::{Cluster, ClusterConfig};
use crate::config::{one_per_core_if_zero, Settings};
use crate::http::auth::{generate_admin_token, hash_key, Keys};
use crate::http::idempotency::Sealer;
use crate::http::rate_limit::RateLimiter;
use crate::http::{self, AppState};
use crate::keys::Vault;
use crate::store::{Engine, ProbeSettings, Store};

/// How long the webhook recorder leaves a delivered attempt to the journal: long
/// enough for a party that acts on a webhook at once (a partner accepting on `order.created`)
/// to reach the journal, whose transaction then records the delivery and lets the order's next
/// event go at once. An order whose next event comes later waits at most this much longer.
/// PostgreSQL's journal takes longer from request to fan-out (its statements are round trips):
/// with 10 ms there, one lifecycle delivery in ten still went through a claim; with 25 ms, one
/// in sixty (as on SQLite with 10 ms).
const DELIVERED_RECORD_DELAY_SQLITE: Duration = Duration::from_millis(10);
const DELIVERED_RECORD_DELAY_POSTGRES: Duration = Duration::from_millis(25);

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    webhooks: Webhooks,
    /// The coordinator's rounds, on PostgreSQL.
    membership: Option<Membership>,
}

impl Application {
    /// Must run inside an actix `System` (the order actors' arbiters register with it).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        // Before anything records: the process-wide metrics recorder (once per process).
        http::metrics::install();
        let store = Store::connect(&settings).await?;
        store.migrate().await?;
        let admin_token = admin_token(&settings)?;
        // Before anything is served: a node without the database's master key stops here.
        let vault = open_vault(&settings, &store).await?;
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let bound = listener.local_addr()?;
        let port = bound.port();
        let cluster_config = ClusterConfig {
            address: settings
                .cluster_advertise
                .clone()
                .unwrap_or_else(|| bound.to_string()),
            lease: settings.cluster_lease,
            forward_timeout: settings.cluster.forward_timeout,
        };
        let (cluster, cluster_store, cache_policy) = match store.engine() {
            Engine::Postgres => {
                let (cluster, cluster_store) = membership::join(
                    &settings.database_url,
                    &settings.data_dir,
                    settings.cluster.shards,
                    &hash_key(&admin_token),
                    cluster_config,
                )
                .await?;
                let policy = CachePolicy::clustered(settings.cluster.cache_ttl);
                (cluster, Some(cluster_store), policy)
            }
            Engine::Sqlite => {
                let node = uuid::Uuid::now_v7().to_string();
                let shards = Arc::new(Shards::single_node(node, DEFAULT_SHARD_COUNT));
                let cluster = Cluster::single_node(shards, cluster_config);
                (cluster, None, CachePolicy::single_node())
            }
        };
        store.attach_shards(cluster.shards().clone());
        store.set_cache_policy(cache_policy);
        // From here on, everything that uses the database obeys the breaker the probe drives:
        // refused at once while the database is unreachable, never queued behind it.
        let breaker = store.breaker().clone();
        store.watch_database(ProbeSettings {
            interval: settings.database.probe_interval,
            timeout: settings.database.probe_timeout,
        });
        let order_store: Arc<dyn OrderStore> = Arc::new(Guarded {
            store: Arc::new(store.clone()),
            breaker: breaker.clone(),
        });
        let deliveries = Nudge::default();
        let journal = Journal::start_guarded(
            order_store.clone(),
            journal_settings(&settings),
            deliveries.clone(),
            breaker.clone(),
        );
        let webhooks = Webhooks::start(
            Arc::new(Guarded {
                store: Arc::new(store.clone()),
                breaker: breaker.clone(),
            }),
            WebhookSettings {
                retry_schedule: settings.webhook_retry_schedule.clone(),
                timeout: settings.webhook_timeout,
                allow_private_targets: settings.webhook_allow_private_targets,
                poll_interval: settings.webhooks.poll_interval,
                claim_batch: settings.webhooks.claim_batch,
                max_in_flight_per_endpoint: settings.webhooks.max_in_flight_per_endpoint,
                sender_threads: one_per_core_if_zero(settings.webhooks.sender_threads),
                cache_ttl: settings.cluster.cache_ttl,
                delivered_record_delay: match store.engine() {
                    Engine::Sqlite => DELIVERED_RECORD_DELAY_SQLITE,
                    Engine::Postgres => DELIVERED_RECORD_DELAY_POSTGRES,
                },
            },
            deliveries.clone(),
            cluster.shards().clone(),
            Some(journal.clone()),
        )
        .await?;
        let registry = Registry::start(
            order_store,
            journal,
            registry_settings(&settings),
            cluster.shards().clone(),
        );
        let membership = cluster_store.map(|cluster_store| {
            membership::start(
                cluster.clone(),
                cluster_store,
                registry.clone(),
                Arc::new(WebhookDeliveries::new(
                    webhooks.deliveries_in_flight(),
                    Arc::new(store.clone()),
                    deliveries.clone(),
                )),
                settings.webhook_timeout + Duration::from_secs(5),
                settings.database_url.clone(),
            )
        });
        if membership.is_some() {
            // After an outage the coordinator renews (or takes back) its leases at once rather
            // than at its next round, so the node is ready again as soon as the database is.
            let (breaker, cluster) = (breaker.clone(), cluster.clone());
            actix_web::rt::spawn(async move {
                loop {
                    breaker.opened().await;
                    breaker.closed().await;
                    cluster.wake();
                }
            });
        }
        let workers = one_per_core_if_zero(settings.http.workers);
        let shutdown_timeout = settings.http.shutdown_timeout.as_secs().max(1);
        let max_connections = settings.http.max_connections;
        let settings_rate = settings.rate_limit.clone();
        let state = web::Data::new(AppState {
            settings: Arc::new(settings),
            store,
            registry,
            keys: Keys::new(&admin_token, cache_policy),
            sealer: Sealer::new(&admin_token, vault),
            in_flight: Default::default(),
            deliveries,
            webhook_health: webhooks.health(),
            rate_limiter: RateLimiter::new(settings_rate.per_key_per_second, settings_rate.burst),
            cluster,
            cache_policy,
        });
        spawn_housekeeping(state.store.clone(), state.settings.idempotency.retention);
        let app_state = state.clone();
        let server = HttpServer::new(move || http::app(app_state.clone()))
            .workers(workers)
            .max_connections(max_connections)
            .shutdown_timeout(shutdown_timeout)
            .disable_signals()
            .listen(listener)?
            .run();
        tracing::info!(port, node = %state.cluster.node(), "rampflow is listening");
        Ok(Application {
            port,
            server,
            state,
            webhooks,
            membership,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGTERM, Ctrl-C or [`ServerHandle::stop`]). On a signal, a node of
    /// a cluster first hands its shards over while it still answers (forwarding to their new
    /// owners). Then, while the HTTP workers still answer, the order actors stop taking work:
    /// the commands in their mailboxes commit and are answered, the actors are passivated, and
    /// what arrives meanwhile gets a 503 with `Retry-After`. Only then does the server stop
    /// taking requests and wait for the ones in flight, none of which waits on an actor.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let membership = self.membership.map(Arc::new);
        let leaving = membership.clone();
        let lease = self.state.cluster.lease();
        let breaker = self.state.store.breaker().clone();
        let registry = self.state.registry.clone();
        actix_web::rt::spawn(async move {
            wait_for_signal().await;
            if let Some(membership) = leaving {
                if breaker.is_open() {
                    // Nobody could take the shards over through a database nobody reaches.
                    tracing::warn!("stopping without handing shards over: the database is unreachable; their leases run out");
                } else {
                    tracing::info!("stopping: handing this node's shards over");
                    membership.leave(lease * 2).await;
                }
            }
            passivate(&registry).await;
            tracing::info!("stopping: no new requests; answering those in flight");
            handle.stop(true).await;
        });
        self.server.await?;
        // Stopped through its handle rather than a signal: the same steps, now.
        if !self.state.registry.is_stopping() {
            passivate(&self.state.registry).await;
        }
        // Webhooks first: their attempts finish and are recorded while the pool is open, and
        // their thread stops holding no connection. Then closing the pool lets queries in
        // flight on the actor threads finish and return their connections before those
        // threads stop.
        self.webhooks.stop().await;
        // Bounded: a connection stuck on a database that stopped answering is never given back.
        if actix_web::rt::time::timeout(Duration::from_secs(5), self.state.store.close())
            .await
            .is_err()
        {
            tracing::warn!(
                "closing the database connections timed out: the database does not answer"
            );
        }
        self.state.registry.stop();
        if let Some(membership) = membership {
            membership.stop(!self.state.store.breaker().is_open()).await;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// The journal as the server runs it (`rampflow scale` starts the same one).
pub fn journal_settings(settings: &Settings) -> JournalSettings {
    JournalSettings {
        queue_capacity: settings.journal.queue_capacity,
        max_batch: settings.journal.max_batch,
        // A new order event's first delivery leaves at commit time, under the lease a claim
        // would take.
        hand_over_deliveries: Some(rampflow_actors::webhook::lease_for(
            settings.webhook_timeout,
        )),
        // Each writer holds a pooled connection while it commits: at most half the pool, so
        // the rest is left to reads, the webhooks and the cluster.
        writers: settings
            .journal
            .postgres_writers
            .min((settings.database.max_connections as usize / 2).max(1)),
    }
}

/// The order actors as the server runs them (`rampflow scale` starts the same ones).
pub fn registry_settings(settings: &Settings) -> RegistrySettings {
    RegistrySettings {
        arbiters: settings.actors.arbiters,
        mailbox_capacity: settings.actors.mailbox_capacity,
        passivate_after: settings.actors.passivate_after,
        rehydrate_page: settings.actors.rehydrate_page,
        // Half the pool: a burst of first uses after a restart leaves the other half to the
        // journal, the webhooks and the reads that go straight to the store.
        concurrent_loads: (settings.database.max_connections as usize / 2).max(1),
        max_live: match settings.actors.max_live {
            0 => max_live_for_this_machine(),
            set => set,
        },
        compact_after: settings.actors.compact_after,
    }
}

/// Bytes an order actor may cost, as the ceiling counts them: a busy one measures about 3.5 KiB
/// (its state, its document, the actor and its mailbox), the rest is headroom for the
/// database's cache and the requests in flight.
const BYTES_PER_LIVE_ORDER: u64 = 4 * 1024;

/// Half the machine's memory (`MemTotal` in `/proc/meminfo`) at [`BYTES_PER_LIVE_ORDER`]; a
/// million where that cannot be read.
fn max_live_for_this_machine() -> usize {
    let total_kib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("MemTotal:"))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u64>()
                        .ok()
                })
        });
    match total_kib {
        Some(kib) => (kib * 1024 / 2 / BYTES_PER_LIVE_ORDER) as usize,
        None => 1_000_000,
    }
}

/// How long a quote is kept after it expired: long enough for support to see why an order
/// that named it was refused, short enough that the table does not grow forever.
const QUOTES_KEPT_AFTER_EXPIRY: Duration = Duration::from_secs(24 * 3600);

/// Every ten minutes, forgets what only grows: idempotency records older than the retention
/// (at least the 24 h the contract promises) and quotes a day past their expiry.
fn spawn_housekeeping(store: Store, idempotency_retention: Duration) {
    actix_web::rt::spawn(async move {
        let mut every = actix_web::rt::time::interval(Duration::from_secs(600));
        loop {
            every.tick().await;
            let now = Timestamp::now();
            let keys = store.purge_idempotency_records(now.minus(idempotency_retention));
            log_purge("idempotency keys", keys.await);
            let quotes = store.purge_quotes(now.minus(QUOTES_KEPT_AFTER_EXPIRY));
            log_purge("quotes", quotes.await);
        }
    });
}

fn log_purge(what: &'static str, purged: Result<u64, StoreError>) {
    match purged {
        Ok(0) => {}
        Ok(purged) => tracing::info!(purged, what, "forgot expired records"),
        Err(error) => tracing::warn!(%error, what, "could not purge expired records"),
    }
}

/// The order actors' part of a stop: no more order work, every actor passivated once its
/// mailbox is handled, and the journal drained.
async fn passivate(registry: &Registry) {
    tracing::info!("stopping: order actors take no more work; passivating them");
    let passivated = registry.stop_taking_work(Duration::from_secs(10)).await;
    drain(registry, Duration::from_secs(10)).await;
    tracing::info!(
        passivated,
        "stopping: order actors passivated, their commands committed"
    );
}

/// Waits until no command sits in a mailbox and the journal has committed what it holds.
async fn drain(registry: &Registry, limit: Duration) {
    let started = Instant::now();
    while started.elapsed() < limit {
        let mailboxes = registry
            .stats()
            .mailbox_depth
            .load(std::sync::atomic::Ordering::Relaxed);
        if mailboxes <= 0 && registry.journal().is_idle() {
            return;
        }
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    tracing::warn!("stopping with order changes still uncommitted (they were never acknowledged)");
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// The keys that seal users' data and webhook secrets (see [`crate::keys`]), checked against
/// the database; what an older rampflow wrote in plaintext is sealed now.
async fn open_vault(settings: &Settings, store: &Store) -> anyhow::Result<Arc<Vault>> {
    let vault = Arc::new(Vault::open(settings, store.pool()).await?);
    tracing::info!(
        master_keys = ?vault.keyring().fingerprints(),
        source = %vault.source(),
        "master key loaded"
    );
    let (users, endpoints) = store
        .seal_plaintext_records(&vault)
        .await
        .map_err(|e| anyhow::anyhow!("cannot seal the records written in plaintext: {e}"))?;
    if users + endpoints > 0 {
        tracing::info!(users, endpoints, "sealed records written before encryption");
    }
    store.attach_vault(vault.clone());
    Ok(vault)
}

/// The operator's key: from the settings if given; otherwise kept in `<data_dir>/admin_token`,
/// generated and printed once on the very first start.
fn admin_token(settings: &Settings) -> anyhow::Result<String> {
    if let Some(token) = settings
        .admin_token
        .as_ref()
        .filter(|t| !t.expose().is_empty())
    {
        return Ok(token.expose().to_owned());
    }
    let path = settings.data_dir.join("admin_token");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let token = existing.trim();
        if !token.is_empty() {
            return Ok(token.to_owned());
        }
    }
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("cannot create {}", settings.data_dir.display()))?;
    let token = generate_admin_token();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(file, "{token}")?;
    file.sync_all()?;
    eprintln!(
        "\nrampflow generated the operator's admin token. It is printed this once and kept in {}:\n\n    {token}\n",
        path.display()
    );
    Ok(token)
}
