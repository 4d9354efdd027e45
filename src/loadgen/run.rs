//! One run: [`prepare`] makes the world (not timed), [`Prepared::execute`] drives the load
//! for the warmup and the window, lets what is in flight finish, and reports.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use tokio::time::{Duration, Instant};

use super::client::{ClientError, Conn, Target};
use super::driver::{closed_loop, open_loop, Pace, Workload};
use super::forward::{ForwardOrders, Repeats};
use super::orders::Requests;
use super::receiver::{Receivers, Routes};
use super::report::{ForwardReport, Latency, LifecycleReport, OpReport, Report, WebhooksReport};
use super::scenario::{Creates, Mixed, Scenario};
use super::setup::{setup, Population, SetupError, World};
use super::shards::Ownership;
use super::stats::{histogram, Op, Stats, Window};
use super::tracker::Tracker;
use super::via_client::ClientCreates;

#[derive(Debug, thiserror::Error)]
pub enum LoadgenError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("setup failed: {0}")]
    Setup(#[from] SetupError),
    #[error("cannot start the webhook receivers: {0}")]
    Receivers(#[source] std::io::Error),
    #[error("a webhook secret is not a valid whsec_ secret: {0}")]
    Secret(String),
    #[error("the floor serves only POST /v1/orders: run it with the create scenario")]
    FloorScenario,
    #[error("no target given")]
    NoTarget,
    #[error("forward needs two nodes or more (--target twice, or --spawn-cluster 2)")]
    ForwardNeedsNodes,
    #[error("the node at {0} owns none of the orders created through it: is the cluster still balancing?")]
    ForwardOwnership(String),
}

/// Open loop at a rate, or closed loop at a concurrency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Load {
    Open { rate: f64, connections: usize },
    Closed { concurrency: usize },
}

impl Load {
    pub fn connections(&self) -> usize {
        match *self {
            Load::Open { connections, .. } => connections,
            Load::Closed { concurrency } => concurrency,
        }
    }
}

/// Everything that defines a run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub scenario: Scenario,
    pub load: Load,
    pub duration: Duration,
    pub warmup: Duration,
    /// How long requests and lifecycle orders still in flight at the end may take to finish;
    /// in closed-loop `lifecycle`, also how long a slot waits for its order to complete.
    pub drain: Duration,
    pub population: Population,
}

/// Which kind of server is at the target.
#[derive(Debug, Clone)]
pub enum Server {
    /// rampflow, set up through the operator's API with this token.
    Rampflow { admin_token: String },
    /// `rampflow floor`: no setup, the same requests.
    Floor,
}

/// A run whose world exists, ready to go.
pub struct Prepared {
    /// The nodes loaded: connection `i` talks to `targets[i % len]`.
    targets: Vec<Arc<Target>>,
    server: &'static str,
    admin_token: Option<String>,
    plan: Plan,
    world: World,
    requests: Arc<Requests>,
    receivers: Option<Receivers>,
    forward: Option<Arc<ForwardOrders>>,
}

/// Makes the world the run needs on the server at `target_urls` (the nodes of one cluster, or
/// one server). Setup goes through the first.
pub async fn prepare(
    target_urls: &[String],
    server: Server,
    plan: Plan,
) -> Result<Prepared, LoadgenError> {
    let mut targets = Vec::new();
    for url in target_urls {
        targets.push(Arc::new(Target::parse(url).await?));
    }
    let first = targets.first().ok_or(LoadgenError::NoTarget)?.clone();
    let (name, world, receivers, admin_token) = match server {
        Server::Floor => {
            if plan.scenario != Scenario::Create {
                return Err(LoadgenError::FloorScenario);
            }
            ("floor", World::synthetic(&plan.population), None, None)
        }
        Server::Rampflow { admin_token } => {
            let receivers = match plan.scenario {
                Scenario::Lifecycle | Scenario::Webhooks => {
                    Some(Receivers::start().await.map_err(LoadgenError::Receivers)?)
                }
                _ => None,
            };
            let url = receivers.as_ref().map(Receivers::url);
            let world = setup(first.base(), &admin_token, &plan.population, url.as_deref()).await?;
            ("rampflow", world, receivers, Some(admin_token))
        }
    };
    let requests = Arc::new(Requests::new(&world));
    let forward = match (&plan.scenario, &admin_token) {
        (Scenario::Forward { orders_per_node }, Some(token)) => {
            let per_node = *orders_per_node;
            let orders =
                super::forward::prepare(&targets, &world, &requests, token, per_node).await?;
            Some(Arc::new(orders))
        }
        _ => None,
    };
    Ok(Prepared {
        requests,
        targets,
        server: name,
        admin_token,
        plan,
        world,
        receivers,
        forward,
    })
}

impl Prepared {
    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn receivers(&self) -> Option<&Receivers> {
        self.receivers.as_ref()
    }

    /// Runs the load. `on_start` gets the live statistics as the clock starts (the CLI's
    /// progress bar reads them).
    pub async fn execute(
        &self,
        on_start: impl FnOnce(&Arc<Stats>),
    ) -> Result<Report, LoadgenError> {
        let plan = &self.plan;
        let start = Instant::now();
        let window = Window::new(start, plan.warmup, plan.duration);
        let stats = Arc::new(Stats::new(window));
        let tracker = Arc::new(Tracker::new(window));
        on_start(&stats);
        if let Some(receivers) = &self.receivers {
            let mut routes = Routes::new(
                &self.world,
                self.requests.clone(),
                stats.clone(),
                tracker.clone(),
                self.targets.clone(),
            )
            .map_err(|e| LoadgenError::Secret(e.to_string()))?;
            routes.react = plan.scenario == Scenario::Lifecycle;
            receivers.install(routes);
        }
        let requests = self.requests.clone();
        let not_sent = match &plan.scenario {
            Scenario::Create => {
                let creates = Creates {
                    requests,
                    stats: stats.clone(),
                    lifecycle: None,
                };
                self.drive(creates, window).await
            }
            Scenario::Lifecycle => {
                let wait = matches!(plan.load, Load::Closed { .. }).then_some(plan.drain);
                let creates = Creates {
                    requests,
                    stats: stats.clone(),
                    lifecycle: Some((tracker.clone(), wait)),
                };
                let not_sent = self.drive(creates, window).await;
                let deadline = Instant::now() + plan.drain;
                tracker.drain(deadline).await;
                // The wallet hearing order.completed ends an order; the partner's copy may
                // still be on its way. A completed order is 5 events to each endpoint.
                let per_order = 10 * self.world.endpoints_per_party as u64;
                self.drain_deliveries(deadline, || tracker.completed_count() * per_order)
                    .await;
                not_sent
            }
            Scenario::Webhooks => {
                let creates = Creates {
                    requests,
                    stats: stats.clone(),
                    lifecycle: None,
                };
                let not_sent = self.drive(creates, window).await;
                self.drain_deliveries(Instant::now() + plan.drain, || {
                    self.deliveries_expected(&stats)
                })
                .await;
                not_sent
            }
            Scenario::Mixed(mix) => {
                self.drive(Mixed::new(requests, stats.clone(), *mix), window)
                    .await
            }
            Scenario::Forward { .. } => {
                let repeats = Repeats {
                    orders: self.forward.clone().expect("prepared with its orders"),
                    stats: stats.clone(),
                    nodes: self.targets.iter().map(|t| t.addr()).collect(),
                    turns: AtomicU64::new(0),
                };
                self.drive(repeats, window).await
            }
            Scenario::CreateViaClient => {
                let token = self
                    .admin_token
                    .as_deref()
                    .ok_or(LoadgenError::FloorScenario)?;
                let creates =
                    ClientCreates::new(&self.targets, &self.world, token, requests, stats.clone())?;
                // Slot i talks to node i mod n, as `create`'s connections do.
                let slots = (0..self.plan.load.connections())
                    .map(|i| i % self.targets.len())
                    .collect();
                self.drive_slots(creates, slots, window).await
            }
        };
        let moved = match (&self.forward, &self.admin_token) {
            (Some(orders), Some(token)) => {
                let now = Ownership::read(&self.targets, token).await?;
                Some(orders.moved(&now))
            }
            _ => None,
        };
        Ok(self.report(&stats, &tracker, not_sent, moved))
    }

    /// Deliveries `webhooks` expects: one per created order per endpoint of its wallet and of
    /// its partner.
    fn deliveries_expected(&self, stats: &Stats) -> u64 {
        let created = stats.live.ok.load(std::sync::atomic::Ordering::Relaxed);
        created * 2 * self.world.endpoints_per_party as u64
    }

    /// Waits until the `expected` deliveries were heard, or until `deadline`.
    async fn drain_deliveries(&self, deadline: Instant, expected: impl Fn() -> u64) {
        let Some(receivers) = &self.receivers else {
            return;
        };
        let verified = &receivers.counts().verified;
        while verified.load(std::sync::atomic::Ordering::Relaxed) < expected()
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Drives `workload` with the plan's load; returns how many requests were not sent.
    async fn drive<W: Workload<Slot = Conn>>(&self, workload: W, window: Window) -> u64 {
        // Connection i talks to node i mod n, as a load balancer keeping connections alive
        // would spread them.
        let slots = (0..self.plan.load.connections())
            .map(|i| Conn::new(self.targets[i % self.targets.len()].clone()))
            .collect();
        self.drive_slots(workload, slots, window).await
    }

    /// Drives `workload` on `slots` with the plan's load; returns how many requests were not
    /// sent.
    async fn drive_slots<W: Workload>(
        &self,
        workload: W,
        slots: Vec<W::Slot>,
        window: Window,
    ) -> u64 {
        match self.plan.load {
            Load::Open { rate, .. } => {
                let pace = Pace {
                    start: window.start,
                    rate,
                    stop: window.to,
                    give_up: window.to + self.plan.drain,
                };
                open_loop(Arc::new(workload), slots, pace).await.not_sent
            }
            Load::Closed { .. } => {
                closed_loop(Arc::new(workload), slots, window.to).await;
                0
            }
        }
    }

    fn report(
        &self,
        stats: &Stats,
        tracker: &Tracker,
        not_sent: u64,
        orders_moved: Option<u64>,
    ) -> Report {
        let plan = &self.plan;
        let seconds = stats.window.length().as_secs_f64();
        let (ops, errors) = stats.take();
        let mut all = histogram();
        let mut requests = 0;
        let mut op_reports = BTreeMap::new();
        for (op, numbers) in &ops {
            all.add(&numbers.latency).expect("same bounds");
            requests += numbers.completed;
            op_reports.insert(
                op.name().to_owned(),
                OpReport {
                    completed: numbers.completed,
                    per_second: numbers.completed as f64 / seconds,
                    latency: Latency::of(&numbers.latency),
                },
            );
        }
        let load = |n: &std::sync::atomic::AtomicU64| n.load(std::sync::atomic::Ordering::Relaxed);
        let webhooks = self
            .receivers
            .as_ref()
            .filter(|_| plan.scenario == Scenario::Webhooks)
            .map(|receivers| {
                let counts = receivers.counts();
                let expected = self.deliveries_expected(stats);
                let verified = load(&counts.verified);
                WebhooksReport {
                    endpoints_per_party: self.world.endpoints_per_party,
                    orders_created: load(&stats.live.ok),
                    deliveries_expected: expected,
                    deliveries_verified: verified,
                    deliveries_in_window: load(&counts.verified_in_window),
                    deliveries_per_second: load(&counts.verified_in_window) as f64 / seconds,
                    duplicate_deliveries: load(&counts.duplicates),
                    bad_signatures: load(&counts.bad_signatures),
                    undelivered: expected.saturating_sub(verified),
                    webhook_lag: Latency::of(&receivers.lag()),
                }
            });
        let lifecycle = self
            .receivers
            .as_ref()
            .filter(|_| plan.scenario == Scenario::Lifecycle)
            .map(|receivers| {
                let counts = receivers.counts();
                let exchanges = stats.responses_in_window() + load(&counts.deliveries_in_window);
                LifecycleReport {
                    orders_created: tracker.created_count(),
                    orders_completed: tracker.completed_count(),
                    orders_completed_in_window: tracker.completed_in_window(),
                    orders_per_second: tracker.completed_in_window() as f64 / seconds,
                    orders_incomplete: tracker.pending() as u64,
                    deliveries: load(&counts.deliveries),
                    deliveries_in_window: load(&counts.deliveries_in_window),
                    duplicate_deliveries: load(&counts.duplicates),
                    bad_signatures: load(&counts.bad_signatures),
                    exchanges_in_window: exchanges,
                    exchanges_per_second: exchanges as f64 / seconds,
                    webhook_lag: Latency::of(&receivers.lag()),
                    order_latency: Latency::of(&tracker.latency()),
                }
            });
        let forward = self.forward.as_ref().map(|orders| {
            let latency = |op: Op| {
                ops.get(&op)
                    .map_or_else(|| Latency::of(&histogram()), |n| Latency::of(&n.latency))
            };
            ForwardReport::new(
                orders.count() as u64,
                latency(Op::AcceptLocal),
                latency(Op::AcceptForwarded),
                orders_moved.unwrap_or(0),
            )
        });
        let (mode, rate) = match plan.load {
            Load::Open { rate, .. } => ("open", Some(rate)),
            Load::Closed { .. } => ("closed", None),
        };
        Report {
            server: self.server.into(),
            targets: self.targets.iter().map(|t| t.base().into()).collect(),
            scenario: plan.scenario.name(),
            mode: mode.into(),
            rate,
            connections: plan.load.connections(),
            warmup_secs: plan.warmup.as_secs_f64(),
            duration_secs: seconds,
            requests,
            ok_total: stats.live.ok.load(std::sync::atomic::Ordering::Relaxed),
            throughput: requests as f64 / seconds,
            latency: Latency::of(&all),
            ops: op_reports,
            errors,
            not_sent,
            lifecycle,
            webhooks,
            forward,
        }
    }
}
