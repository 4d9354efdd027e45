//! The scenarios, as [`Workload`]s the drivers run:
//!
//! - `create`: `POST /v1/orders` only.
//! - `lifecycle`: creates; the simulated partner and wallet (the receivers) carry each order
//!   to `completed`. In closed loop a slot waits for its order to complete before the next
//!   create, so `--concurrency` is the number of orders alive at once.
//! - `webhooks`: creates only, with the receivers registered as webhook endpoints but not
//!   reacting: what is measured is how fast the server delivers the `order.created` events.
//! - `mixed`: creates, reads of recent orders and happy-path commands, by weight.
//! - `forward`: accepts repeated on accepted orders, through their owner or through another
//!   node of a cluster (see [`super::forward`]).
//! - `create-via-client` (hidden): `create` through `rampflow-client` (see
//!   [`super::via_client`]).

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use rand::Rng;
use tokio::time::{Duration, Instant};

use super::client::Conn;
use super::driver::Workload;
use super::orders::{next_step, order_id, Requests};
use super::stats::{Op, Stats};
use super::tracker::Tracker;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    Create,
    Lifecycle,
    Webhooks,
    Mixed(Mix),
    /// Needs two nodes or more; `orders_per_node` are made through each.
    Forward {
        orders_per_node: usize,
    },
    CreateViaClient,
}

impl Scenario {
    pub fn name(&self) -> String {
        match self {
            Scenario::Create => "create".into(),
            Scenario::Lifecycle => "lifecycle".into(),
            Scenario::Webhooks => "webhooks".into(),
            Scenario::Mixed(mix) => format!("mixed {mix}"),
            Scenario::Forward { .. } => "forward".into(),
            Scenario::CreateViaClient => "create via client".into(),
        }
    }
}

/// The weights of `mixed`: `create=50,read=40,command=10`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    pub create: u32,
    pub read: u32,
    pub command: u32,
}

impl Default for Mix {
    fn default() -> Mix {
        Mix {
            create: 50,
            read: 40,
            command: 10,
        }
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "create={},read={},command={}",
            self.create, self.read, self.command
        )
    }
}

impl FromStr for Mix {
    type Err = String;

    fn from_str(text: &str) -> Result<Mix, String> {
        let mut mix = Mix {
            create: 0,
            read: 0,
            command: 0,
        };
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?}: expected NAME=WEIGHT"))?;
            let weight: u32 = weight
                .trim()
                .parse()
                .map_err(|_| format!("{part:?}: the weight is not a whole number"))?;
            match name.trim() {
                "create" => mix.create = weight,
                "read" => mix.read = weight,
                "command" => mix.command = weight,
                other => return Err(format!("{other:?}: expected create, read or command")),
            }
        }
        if mix.create + mix.read + mix.command == 0 {
            return Err("at least one weight must be above zero".into());
        }
        Ok(mix)
    }
}

/// `create`, `lifecycle` and `webhooks`: one create per turn.
pub struct Creates {
    pub requests: Arc<Requests>,
    pub stats: Arc<Stats>,
    /// For `lifecycle`: follow each order, and in closed loop wait up to this long for it.
    pub lifecycle: Option<(Arc<Tracker>, Option<Duration>)>,
}

impl Workload for Creates {
    type Slot = Conn;

    async fn turn(&self, conn: &mut Conn, intended: Instant) {
        let order = self.requests.next_create();
        let outcome = conn.send(order.call).await;
        let Some(reply) = self.stats.record(Op::Create, intended, outcome) else {
            return;
        };
        let Some((tracker, wait)) = &self.lifecycle else {
            return;
        };
        let Some(id) = order_id(&reply.body) else {
            self.stats.error(intended, || "create no order id".into());
            return;
        };
        let done = tracker.created(id.clone(), intended, wait.is_some());
        if let Some(limit) = wait {
            if !matches!(tokio::time::timeout(*limit, done).await, Ok(Ok(()))) {
                tracker.forget(&id);
                self.stats
                    .error(intended, || "lifecycle not completed in time".into());
            }
        }
    }
}

/// An order `mixed` is carrying along its happy path.
struct Moving {
    id: String,
    template: usize,
    next: Op,
}

enum Pick {
    Create,
    Read,
    Command,
}

/// Orders kept for commands and for reads, at most (the oldest are forgotten first).
const KEPT: usize = 4096;

/// `mixed`: each turn draws create, read or command by weight. A read or a command with no
/// order to act on yet (at the start) becomes a create.
pub struct Mixed {
    pub requests: Arc<Requests>,
    pub stats: Arc<Stats>,
    pub mix: Mix,
    /// Orders waiting for their next command, one queue per step (accept, funds-sent,
    /// funds-received, complete).
    moving: [Mutex<VecDeque<Moving>>; 4],
    recent: Mutex<VecDeque<(String, usize)>>,
}

impl Mixed {
    pub fn new(requests: Arc<Requests>, stats: Arc<Stats>, mix: Mix) -> Mixed {
        Mixed {
            requests,
            stats,
            mix,
            moving: Default::default(),
            recent: Mutex::new(VecDeque::new()),
        }
    }

    fn draw(&self) -> Pick {
        let total = self.mix.create + self.mix.read + self.mix.command;
        let pick = rand::thread_rng().gen_range(0..total);
        if pick < self.mix.create {
            Pick::Create
        } else if pick < self.mix.create + self.mix.read {
            Pick::Read
        } else {
            Pick::Command
        }
    }

    async fn create(&self, conn: &mut Conn, intended: Instant) {
        let order = self.requests.next_create();
        let outcome = conn.send(order.call).await;
        let Some(reply) = self.stats.record(Op::Create, intended, outcome) else {
            return;
        };
        let Some(id) = order_id(&reply.body) else {
            self.stats.error(intended, || "create no order id".into());
            return;
        };
        keep(&self.recent, (id.clone(), order.template));
        self.keep_moving(Moving {
            id,
            template: order.template,
            next: Op::Accept,
        });
    }

    fn step(op: Op) -> usize {
        match op {
            Op::Accept => 0,
            Op::FundsSent => 1,
            Op::FundsReceived => 2,
            _ => 3,
        }
    }

    fn keep_moving(&self, order: Moving) {
        keep(&self.moving[Self::step(order.next)], order);
    }

    /// The most advanced order waiting, newest first: each order is carried all the way to
    /// `completed` before the next is accepted, so commands cover every step rather than
    /// accepting ever more new orders.
    fn next_to_move(&self) -> Option<Moving> {
        self.moving
            .iter()
            .rev()
            .find_map(|queue| queue.lock().expect("mixed lock").pop_back())
    }
}

fn keep<T>(queue: &Mutex<VecDeque<T>>, item: T) {
    let mut queue = queue.lock().expect("mixed lock");
    if queue.len() == KEPT {
        queue.pop_front();
    }
    queue.push_back(item);
}

impl Workload for Mixed {
    type Slot = Conn;

    async fn turn(&self, conn: &mut Conn, intended: Instant) {
        match self.draw() {
            Pick::Read => {
                let picked = {
                    let recent = self.recent.lock().expect("mixed lock");
                    match recent.len() {
                        0 => None,
                        n => recent.get(rand::thread_rng().gen_range(0..n)).cloned(),
                    }
                };
                let Some((id, template)) = picked else {
                    return self.create(conn, intended).await;
                };
                let outcome = conn.send(self.requests.read(&id, template)).await;
                self.stats.record(Op::Read, intended, outcome);
            }
            Pick::Command => {
                let Some(order) = self.next_to_move() else {
                    return self.create(conn, intended).await;
                };
                let call = self
                    .requests
                    .command_for(order.next, &order.id, order.template);
                let outcome = conn.send(call).await;
                if self.stats.record(order.next, intended, outcome).is_some() {
                    if let Some(next) = next_step(order.next) {
                        self.keep_moving(Moving { next, ..order });
                    }
                }
            }
            Pick::Create => self.create(conn, intended).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mix_parses_and_prints_back() {
        let mix: Mix = "create=50, read=40,command=10".parse().unwrap();
        assert_eq!(mix, Mix::default());
        assert_eq!(mix.to_string(), "create=50,read=40,command=10");
        let partial: Mix = "read=1".parse().unwrap();
        assert_eq!((partial.create, partial.read, partial.command), (0, 1, 0));
    }

    #[test]
    fn a_bad_mix_is_refused() {
        for bad in ["", "create=0", "write=5", "create", "create=-1", "read=x"] {
            assert!(bad.parse::<Mix>().is_err(), "{bad:?} was accepted");
        }
    }
}
