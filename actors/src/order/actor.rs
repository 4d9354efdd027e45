//! The actor that runs one live order.
//!
//! It holds the order's state and its timers, takes one command at a time *including its
//! commit* (an `AtomicResponse` keeps the mailbox closed until the journal has answered), so
//! concurrent requests on one order are serialized and the state machine never sees a race.
//! Replies go back through a oneshot channel so that senders can use `try_send` on the bounded
//! mailbox and turn a full one into a 503 instead of waiting.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use tokio::sync::oneshot;

use super::{decide, Command, Issuer, Order, OrderState, Outcome, Rejection, TimerKind};
use crate::env::ActorEnv;
use crate::instruments;
use crate::journal::CommitError;
use crate::model::{OrderId, PartnerId, Timestamp, WalletId};
use crate::store::WriteOutcome;
use crate::write::write_for;

/// Who is asking. Another party's order is reported as not found, never as forbidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Wallet(WalletId),
    Partner(PartnerId),
    /// The server itself (timers).
    Server,
}

impl Party {
    pub fn may_see(&self, order: &Order) -> bool {
        match self {
            Party::Wallet(wallet) => order.is_visible_to_wallet(*wallet),
            Party::Partner(partner) => order.is_visible_to_partner(*partner),
            Party::Server => true,
        }
    }

    fn issuer(&self) -> Issuer {
        match self {
            Party::Wallet(_) => Issuer::Wallet,
            Party::Partner(_) => Issuer::Partner,
            Party::Server => Issuer::Server,
        }
    }
}

/// The order after a command: its state and its resource, serialized once.
#[derive(Debug, Clone)]
pub struct OrderReply {
    pub state: Arc<OrderState>,
    pub document: Arc<str>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    #[error("no such order")]
    NotFound,
    #[error("this party may not issue that command")]
    Forbidden,
    #[error(transparent)]
    Rejected(#[from] Rejection),
    #[error("overloaded")]
    Overloaded,
    #[error("an order with this idempotency key is being created")]
    IdempotencyKeyTaken,
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ReplySender = oneshot::Sender<Result<OrderReply, ReplyError>>;

/// Run a command on the order.
pub struct Execute {
    pub party: Party,
    pub command: Command,
    pub reply: ReplySender,
}

impl Message for Execute {
    type Result = ();
}

/// Read the order as it is (its last committed state).
pub struct Snapshot {
    pub party: Party,
    pub reply: ReplySender,
}

impl Message for Snapshot {
    type Result = ();
}

/// A deadline was reached (sent by the actor to itself).
struct TimerDue(TimerKind);

impl Message for TimerDue {
    type Result = ();
}

pub struct OrderActor {
    id: OrderId,
    env: Arc<ActorEnv>,
    /// Requests accepted into this actor's mailbox and not yet handled (see `ActorHandle`).
    queued: Arc<AtomicUsize>,
    state: Arc<OrderState>,
    document: Arc<str>,
    armed: [Option<SpawnHandle>; TimerKind::ALL.len()],
    idle_check: Option<SpawnHandle>,
    last_activity: Instant,
    /// The status this actor is counted under in `ActorStats::live_by_status`.
    counted_as: Option<super::Status>,
    /// Set when actix restarts the actor after a failure: the state is reloaded from the store
    /// before the next message is handled.
    reload_on_start: bool,
    passivating: bool,
}

impl OrderActor {
    pub(crate) fn new(
        env: Arc<ActorEnv>,
        queued: Arc<AtomicUsize>,
        state: Arc<OrderState>,
        document: Arc<str>,
    ) -> Self {
        OrderActor {
            id: state.order.id,
            env,
            queued,
            state,
            document,
            armed: Default::default(),
            idle_check: None,
            last_activity: Instant::now(),
            counted_as: None,
            reload_on_start: false,
            passivating: false,
        }
    }

    /// A request left the mailbox.
    fn dequeued(&self) {
        self.queued.fetch_sub(1, Ordering::Relaxed);
        self.env.stats.mailbox_depth.fetch_sub(1, Ordering::Relaxed);
    }

    fn reply_now(&self) -> OrderReply {
        OrderReply {
            state: self.state.clone(),
            document: self.document.clone(),
        }
    }

    fn execute(
        &mut self,
        party: Party,
        command: Command,
        reply: Option<ReplySender>,
    ) -> AtomicResponse<Self, ()> {
        self.last_activity = Instant::now();
        let taken = self.last_activity;
        let name = command.name();
        let refusal = if !party.may_see(&self.state.order) {
            Some(ReplyError::NotFound)
        } else if party != Party::Server && party.issuer() != command.issuer() {
            Some(ReplyError::Forbidden)
        } else {
            None
        };
        if let Some(error) = refusal {
            instruments::command_handled(name, taken.elapsed());
            send(reply, Err(error));
            return AtomicResponse::new(Box::pin(fut::ready(())));
        }
        let timer = match command {
            Command::Timer(kind) => Some(kind),
            _ => None,
        };
        let run = run_command(self.env.clone(), self.state.clone(), command);
        AtomicResponse::new(Box::pin(run.into_actor(self).map(
            move |result, act, ctx| {
                if let Some((state, document)) = result.latest {
                    act.adopt(state, document, ctx);
                }
                if result.panicked {
                    // Restarted by actix's supervisor, which reloads the state from the store.
                    tracing::error!(order_id = %act.id, "order actor failed; restarting it");
                    ctx.stop();
                }
                if let Some(kind) = timer {
                    act.after_timer(kind, &result.reply, ctx);
                }
                instruments::command_handled(name, taken.elapsed());
                send(reply, result.reply);
            },
        )))
    }

    /// Takes a newly committed (or reloaded) state and re-arms the timers from it.
    fn adopt(&mut self, state: Arc<OrderState>, document: Arc<str>, ctx: &mut Context<Self>) {
        let status = state.order.status;
        if self.counted_as != Some(status) {
            if let Some(old) = self.counted_as.replace(status) {
                self.env.stats.leave(old);
            }
            self.env.stats.enter(status);
        }
        self.state = state;
        self.document = document;
        self.arm_timers(ctx);
        self.schedule_idle_check(ctx);
    }

    fn after_timer(
        &mut self,
        kind: TimerKind,
        result: &Result<OrderReply, ReplyError>,
        ctx: &mut Context<Self>,
    ) {
        match result {
            Ok(_) => {
                self.env.stats.timers_fired[kind as usize].fetch_add(1, Ordering::Relaxed);
                instruments::timer_fired(kind);
            }
            // Fired early (clock adjustment): arm it again for the stored deadline.
            Err(ReplyError::Rejected(Rejection::NotDue { .. })) => self.arm_timers(ctx),
            // The order moved on before the deadline; nothing to do.
            Err(ReplyError::Rejected(_)) => {}
            // Not committed: try again shortly, the deadline is still stored.
            Err(error) => {
                tracing::warn!(order_id = %self.id, timer = kind.as_str(), %error, "timer not committed; retrying");
                ctx.run_later(Duration::from_secs(1), |act, ctx| act.arm_timers(ctx));
            }
        }
    }

    fn arm_timers(&mut self, ctx: &mut Context<Self>) {
        self.disarm_timers(ctx);
        let now = Timestamp::now();
        for (kind, due) in self.state.timers.pending() {
            let handle = ctx.run_later(now.until(due), move |act, ctx| {
                if act.armed[kind as usize].take().is_some() {
                    act.env.stats.timers_pending[kind as usize].fetch_sub(1, Ordering::Relaxed);
                }
                // Early (the clock moved back) is not late: `after_timer` re-arms it.
                let fired = Timestamp::now();
                if fired >= due {
                    instruments::timer_late(kind, due.elapsed());
                }
                ctx.notify(TimerDue(kind));
            });
            self.armed[kind as usize] = Some(handle);
            self.env.stats.timers_pending[kind as usize].fetch_add(1, Ordering::Relaxed);
        }
    }

    fn disarm_timers(&mut self, ctx: &mut Context<Self>) {
        for (index, slot) in self.armed.iter_mut().enumerate() {
            if let Some(handle) = slot.take() {
                ctx.cancel_future(handle);
                self.env.stats.timers_pending[index].fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// Settled orders (no timers, not live) leave memory after a quiet period; the registry
    /// activates them again from the store if a command arrives later.
    fn schedule_idle_check(&mut self, ctx: &mut Context<Self>) {
        if self.state.order.status.is_live() || self.idle_check.is_some() {
            return;
        }
        let after = self.env.passivate_after;
        self.idle_check = Some(ctx.run_later(after, move |act, ctx| {
            act.idle_check = None;
            let settled =
                !act.state.order.status.is_live() && act.state.timers.pending().next().is_none();
            if !settled {
                return;
            }
            // A command handled in this same poll has queued its `AtomicResponse` but has not
            // run yet (`ctx.waiting()`); stopping now would drop it and its reply.
            if act.last_activity.elapsed() >= after && !ctx.waiting() {
                act.passivate(ctx);
            } else {
                act.schedule_idle_check(ctx);
            }
        }));
    }

    fn passivate(&mut self, ctx: &mut Context<Self>) {
        let me = ctx.address();
        self.env
            .directory
            .remove_if(&self.id, |_, handle| handle.addr == me);
        drop(me);
        self.passivating = true;
        self.env.stats.passivations.fetch_add(1, Ordering::Relaxed);
        instruments::passivated();
        ctx.stop();
    }
}

fn send(reply: Option<ReplySender>, result: Result<OrderReply, ReplyError>) {
    if let Some(reply) = reply {
        // The requester may have gone (client disconnected); the change is committed anyway.
        let _ = reply.send(result);
    }
}

struct RunResult {
    /// A state newer than the actor's (committed by this command, or reloaded after losing a
    /// compare-and-set), with its document.
    latest: Option<(Arc<OrderState>, Arc<str>)>,
    reply: Result<OrderReply, ReplyError>,
    panicked: bool,
}

/// Decides, commits and, if another writer got there first, reloads and decides again.
async fn run_command(
    env: Arc<ActorEnv>,
    mut state: Arc<OrderState>,
    command: Command,
) -> RunResult {
    let mut latest = None;
    let done = |latest, reply| RunResult {
        latest,
        reply,
        panicked: false,
    };
    for _attempt in 0..3 {
        let now = Timestamp::now();
        let started = Instant::now();
        let decided = catch_unwind(AssertUnwindSafe(|| decide(&state, &command, now)));
        let change = match decided {
            Err(_) => {
                return RunResult {
                    latest,
                    reply: Err(ReplyError::Internal("the state machine panicked".into())),
                    panicked: true,
                }
            }
            Ok(Err(rejection)) => return done(latest, Err(rejection.into())),
            Ok(Ok(Outcome::Unchanged)) => {
                let document = match &latest {
                    Some((_, document)) => Arc::clone(document),
                    None => document_of(&state),
                };
                return done(latest, Ok(OrderReply { state, document }));
            }
            Ok(Ok(Outcome::Changed(change))) => change,
        };
        let from = state.order.status;
        let write = write_for(change, state.order.version, None);
        let committed = OrderReply {
            state: write.state.clone(),
            document: write.document.clone(),
        };
        match env.journal.commit(write).await {
            Ok(()) => {
                env.stats.transitions.fetch_add(1, Ordering::Relaxed);
                let to = committed.state.order.status;
                // A reminder commits an event but keeps the status: not a transition.
                if to != from {
                    instruments::transition(Some(from), to);
                }
                tracing::debug!(
                    order_id = %committed.state.order.id,
                    command = command.name(),
                    from = from.as_str(),
                    to = committed.state.order.status.as_str(),
                    version = committed.state.order.version,
                    micros = started.elapsed().as_micros() as u64,
                    "order changed"
                );
                let latest = Some((committed.state.clone(), committed.document.clone()));
                return done(latest, Ok(committed));
            }
            Err(CommitError::Rejected(WriteOutcome::VersionConflict)) => {
                tracing::warn!(order_id = %state.order.id, "lost a compare-and-set; reloading");
                match env.store.load(state.order.id).await {
                    Ok(Some(stored)) => {
                        state = Arc::new(stored);
                        latest = Some((state.clone(), document_of(&state)));
                    }
                    Ok(None) => return done(latest, Err(ReplyError::NotFound)),
                    Err(error) => return done(latest, Err(ReplyError::Internal(error.message))),
                }
            }
            Err(CommitError::Overloaded) => return done(latest, Err(ReplyError::Overloaded)),
            Err(error) => return done(latest, Err(ReplyError::Internal(error.to_string()))),
        }
    }
    done(
        latest,
        Err(ReplyError::Internal(
            "the order kept changing under this command".into(),
        )),
    )
}

pub fn document_of(state: &OrderState) -> Arc<str> {
    serde_json::to_string(&state.order)
        .expect("an order always serializes")
        .into()
}

impl Actor for OrderActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(self.env.mailbox_capacity);
        if std::mem::take(&mut self.reload_on_start) {
            let store = self.env.store.clone();
            let id = self.id;
            ctx.wait(
                async move { store.load(id).await }
                    .into_actor(self)
                    .map(|loaded, act, ctx| match loaded {
                        Ok(Some(state)) => {
                            let state = Arc::new(state);
                            let document = document_of(&state);
                            act.adopt(state, document, ctx);
                        }
                        Ok(None) => ctx.stop(),
                        Err(error) => {
                            tracing::error!(order_id = %act.id, %error, "could not reload order; keeping the last committed state");
                            let (state, document) = (act.state.clone(), act.document.clone());
                            act.adopt(state, document, ctx);
                        }
                    }),
            );
        } else {
            let (state, document) = (self.state.clone(), self.document.clone());
            self.adopt(state, document, ctx);
        }
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        if let Some(status) = self.counted_as.take() {
            self.env.stats.leave(status);
        }
        for (index, slot) in self.armed.iter_mut().enumerate() {
            if slot.take().is_some() {
                self.env.stats.timers_pending[index].fetch_sub(1, Ordering::Relaxed);
            }
        }
        self.idle_check = None;
    }
}

impl actix::Supervised for OrderActor {
    /// actix restarts the same value when it stops while addresses to it remain: after a
    /// failure, or when it passivated while a request was already on its way. Either way the
    /// store holds the truth, so reload from it before taking the next message.
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        if !std::mem::take(&mut self.passivating) {
            self.env.stats.restarts.fetch_add(1, Ordering::Relaxed);
            instruments::restarted();
        }
        self.reload_on_start = true;
    }
}

impl Handler<Execute> for OrderActor {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, msg: Execute, _ctx: &mut Self::Context) -> Self::Result {
        self.dequeued();
        self.execute(msg.party, msg.command, Some(msg.reply))
    }
}

impl Handler<TimerDue> for OrderActor {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, msg: TimerDue, _ctx: &mut Self::Context) -> Self::Result {
        self.execute(Party::Server, Command::Timer(msg.0), None)
    }
}

impl Handler<Snapshot> for OrderActor {
    type Result = ();

    fn handle(&mut self, msg: Snapshot, _ctx: &mut Self::Context) {
        self.dequeued();
        let reply = if msg.party.may_see(&self.state.order) {
            Ok(self.reply_now())
        } else {
            Err(ReplyError::NotFound)
        };
        let _ = msg.reply.send(reply);
    }
}
