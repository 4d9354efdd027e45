//! The actor that runs one live order.
//!
//! It holds the order's state and its timers, takes one command at a time *including its
//! commit* (an `AtomicResponse` keeps the mailbox closed until the journal has answered), so
//! concurrent requests on one order are serialized and the state machine never sees a race.
//! Replies go back through a oneshot channel so that senders can use `try_send` on the bounded
//! mailbox and turn a full one into a 503 instead of waiting.
//!
//! A million idle orders must fit in memory, so an actor keeps little while it waits:
//! - Rehydrated at boot, it holds only a [`LiveOrder`] (id, status, version, deadlines) and
//!   loads the whole order on first use (a command, a read, a timer), inside that message's
//!   atomic handling. At most `ActorEnv::loads` actors load at once.
//! - It arms one timer, for its earliest deadline, and arms the next one after that fires or
//!   the deadlines change.
//! - A live order left idle for `compact_after` drops its whole state and keeps the summary a
//!   rehydrated one keeps, so a created order waiting minutes for its partner costs no more
//!   than a rehydrated one.
//!
//! When a commit's outcome is unknown (the database became unreachable while it committed),
//! the actor keeps neither its old state nor the new one: it becomes *unsure* and reads the
//! order from the database before every message, until one of its own commits lands. So a read
//! never answers a version older than a webhook that may already be on its way.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use tokio::sync::oneshot;

use super::{
    decide, Command, Issuer, Order, OrderState, Outcome, Rejection, Status, TimerKind, Timers,
};
use crate::env::ActorEnv;
use crate::instruments;
use crate::journal::CommitError;
use crate::model::{OrderId, PartnerId, Timestamp, WalletId};
use crate::store::{LiveOrder, StoreError, StoreErrorKind, WriteOutcome};
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
    /// This node does not serve the order's shard now: another node owns it, or it is moving
    /// between nodes. The request may be retried (on any node) shortly.
    #[error("the order's shard is not served by this node right now")]
    ShardUnavailable,
    /// The database is unreachable (or full): nothing was changed. Retry shortly.
    #[error("the database is unavailable")]
    DatabaseUnavailable,
    /// The change may or may not have been committed: the database became unreachable while
    /// it was committing. Retrying is safe; the actor reads the order again first.
    #[error("the outcome of the commit is unknown")]
    CommitUnknown,
    /// This node is stopping: it takes no more order work. Retry shortly (another node of a
    /// cluster, or this one once it is back, runs the order).
    #[error("this node is stopping")]
    Stopping,
    #[error("internal error: {0}")]
    Internal(String),
}

impl ReplyError {
    /// A failed read or load.
    pub fn from_store(error: StoreError) -> ReplyError {
        match error.kind {
            StoreErrorKind::Unavailable | StoreErrorKind::CommitUnknown => {
                ReplyError::DatabaseUnavailable
            }
            StoreErrorKind::Failed | StoreErrorKind::Retryable => {
                ReplyError::Internal(error.message)
            }
        }
    }

    /// A commit that did not land.
    pub fn from_commit(error: CommitError) -> ReplyError {
        match error {
            CommitError::Overloaded => ReplyError::Overloaded,
            CommitError::Rejected(WriteOutcome::Fenced) => ReplyError::ShardUnavailable,
            CommitError::Rejected(WriteOutcome::IdempotencyKeyTaken) => {
                ReplyError::IdempotencyKeyTaken
            }
            CommitError::Unavailable(_) => ReplyError::DatabaseUnavailable,
            CommitError::Unknown(_) => ReplyError::CommitUnknown,
            error @ (CommitError::Rejected(_) | CommitError::Store(_) | CommitError::Closed) => {
                ReplyError::Internal(error.to_string())
            }
        }
    }
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

/// The order's shard left this node: stop after what is already in the mailbox, without
/// arming anything again (sent by [`crate::registry::Registry::release_shards`]).
pub struct Release;

impl Message for Release {
    type Result = ();
}

/// A deadline was reached (sent by the actor to itself).
struct TimerDue(TimerKind);

impl Message for TimerDue {
    type Result = ();
}

/// What an actor holds of its order.
pub(crate) enum Held {
    /// Rehydrated at boot and not used since: what the timer and the counts need.
    Summary(LiveOrder),
    /// The order and its resource, serialized once.
    Full {
        state: Arc<OrderState>,
        document: Arc<str>,
    },
}

impl Held {
    pub(crate) fn id(&self) -> OrderId {
        match self {
            Held::Summary(live) => live.id,
            Held::Full { state, .. } => state.order.id,
        }
    }

    fn status(&self) -> Status {
        match self {
            Held::Summary(live) => live.status,
            Held::Full { state, .. } => state.order.status,
        }
    }

    fn timers(&self) -> &Timers {
        match self {
            Held::Summary(live) => &live.timers,
            Held::Full { state, .. } => &state.timers,
        }
    }
}

pub struct OrderActor {
    id: OrderId,
    env: Arc<ActorEnv>,
    /// Requests accepted into this actor's mailbox and not yet handled (see `ActorHandle`).
    queued: Arc<AtomicUsize>,
    held: Held,
    /// The one armed timer: the earliest deadline.
    armed: Option<(TimerKind, SpawnHandle)>,
    /// The deadlines counted in `ActorStats::timers_pending`, one bit per `TimerKind`.
    counted_deadlines: u8,
    idle_check: Option<SpawnHandle>,
    compact_check: Option<SpawnHandle>,
    last_activity: Instant,
    /// The status this actor is counted under in `ActorStats::live_by_status`.
    counted_as: Option<super::Status>,
    /// Set when actix restarts the actor after a failure: the state is reloaded from the store
    /// before the next message is handled.
    reload_on_start: bool,
    passivating: bool,
    /// The outcome of a commit of this order is unknown (see the module's docs): the order is
    /// read again before each message, until a commit of this actor's lands.
    unsure: bool,
    /// The order's shard is no longer served here: the actor answers every message with
    /// `ShardUnavailable`, arms nothing, and ends once no address to it is left.
    released: bool,
}

impl OrderActor {
    pub(crate) fn new(env: Arc<ActorEnv>, queued: Arc<AtomicUsize>, held: Held) -> Self {
        OrderActor {
            id: held.id(),
            env,
            queued,
            held,
            armed: None,
            counted_deadlines: 0,
            idle_check: None,
            compact_check: None,
            last_activity: Instant::now(),
            counted_as: None,
            reload_on_start: false,
            passivating: false,
            unsure: false,
            released: false,
        }
    }

    /// Whether this actor may take work: its shard is served here. Checked as each message is
    /// handled, so a shard that began moving takes no new command, read or timer.
    fn serving(&self) -> bool {
        !self.released && self.env.shards.serves(self.env.shards.of(self.id))
    }

    /// Leaves the directory and drops everything armed; see `released`.
    fn release(&mut self, ctx: &mut Context<Self>) {
        let me = ctx.address();
        self.env
            .directory
            .remove_if(&self.id, |_, handle| handle.addr == me);
        self.released = true;
        self.disarm_timer(ctx);
        if let Some(handle) = self.idle_check.take() {
            ctx.cancel_future(handle);
        }
        if let Some(status) = self.counted_as.take() {
            self.env.stats.leave(status);
        }
        self.count_deadlines(0);
    }

    /// A request left the mailbox.
    fn dequeued(&self) {
        self.queued.fetch_sub(1, Ordering::Relaxed);
        self.env.stats.mailbox_depth.fetch_sub(1, Ordering::Relaxed);
    }

    /// The whole order. Only called where [`OrderActor::with_order`] has loaded it.
    fn full(&self) -> (&Arc<OrderState>, &Arc<str>) {
        match &self.held {
            Held::Full { state, document } => (state, document),
            Held::Summary(_) => unreachable!("the order is loaded before it is used"),
        }
    }

    /// Runs `then` with the whole order in memory: at once if it is, else once it is loaded.
    /// Either way inside the message being handled, so no other message sees a half-loaded
    /// actor. Loads wait for one of `ActorEnv::loads`' permits.
    fn with_order<F>(&mut self, ctx: &mut Context<Self>, then: F) -> ResponseActFuture<Self, ()>
    where
        F: FnOnce(
                &mut Self,
                &mut Context<Self>,
                Result<(), ReplyError>,
            ) -> ResponseActFuture<Self, ()>
            + 'static,
    {
        if matches!(self.held, Held::Full { .. }) && !self.unsure {
            return then(self, ctx, Ok(()));
        }
        let (env, id) = (self.env.clone(), self.id);
        let load = async move {
            let _permit = env.loads.acquire().await;
            env.store.load(id).await
        };
        Box::pin(load.into_actor(self).then(move |loaded, act, ctx| {
            let ready = match loaded {
                Ok(Some(state)) => {
                    act.take_loaded(state, ctx);
                    Ok(())
                }
                Ok(None) => Err(ReplyError::NotFound),
                Err(error) => Err(ReplyError::from_store(error)),
            };
            then(act, ctx, ready)
        }))
    }

    /// The whole order, loaded on first use. Its deadlines are normally the ones already armed,
    /// and then the armed timer stays: re-arming now would fire again the very timer whose
    /// message may be the one being handled.
    fn take_loaded(&mut self, state: OrderState, ctx: &mut Context<Self>) {
        let rearm = *self.held.timers() != state.timers;
        let state = Arc::new(state);
        let document = document_of(&state);
        self.held = Held::Full { state, document };
        // A load is a use: the order stays whole for a while, for the requests that follow.
        self.last_activity = Instant::now();
        self.recount();
        if rearm {
            self.arm_timer(None, ctx);
        }
        self.schedule_idle_check(ctx);
        self.schedule_compaction(ctx);
    }

    fn snapshot(&self, party: Party) -> Result<OrderReply, ReplyError> {
        let (state, document) = self.full();
        if party.may_see(&state.order) {
            Ok(OrderReply {
                state: state.clone(),
                document: document.clone(),
            })
        } else {
            Err(ReplyError::NotFound)
        }
    }

    fn execute(
        &mut self,
        party: Party,
        command: Command,
        reply: Option<ReplySender>,
    ) -> ResponseActFuture<Self, ()> {
        self.last_activity = Instant::now();
        let taken = self.last_activity;
        let name = command.name();
        let state = self.full().0.clone();
        let refusal = if !party.may_see(&state.order) {
            Some(ReplyError::NotFound)
        } else if party != Party::Server && party.issuer() != command.issuer() {
            Some(ReplyError::Forbidden)
        } else {
            None
        };
        if let Some(error) = refusal {
            instruments::command_handled(name, taken.elapsed());
            send(reply, Err(error));
            return Box::pin(fut::ready(()));
        }
        let timer = match command {
            Command::Timer(kind) => Some(kind),
            _ => None,
        };
        let run = run_command(self.env.clone(), state, command);
        Box::pin(run.into_actor(self).map(move |result, act, ctx| {
            if let Some((state, document)) = result.latest {
                act.adopt(state, document, ctx);
            }
            match &result.reply {
                Err(ReplyError::CommitUnknown) => act.forget_state(),
                Ok(_) if result.committed => act.unsure = false,
                _ => {}
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
        }))
    }

    /// Drops the order's state after a commit whose outcome is unknown: the next message reads
    /// it from the database. What the timers and the counts need stays, so a deadline that
    /// comes due meanwhile still fires (and reads the order first).
    fn forget_state(&mut self) {
        if let Held::Full { state, .. } = &self.held {
            self.held = Held::Summary(LiveOrder::of(state));
        }
        self.unsure = true;
    }

    /// Takes a newly committed (or reloaded) state and arms its earliest deadline.
    fn adopt(&mut self, state: Arc<OrderState>, document: Arc<str>, ctx: &mut Context<Self>) {
        self.held = Held::Full { state, document };
        self.settle(ctx);
    }

    /// After the held order changed (or the actor started): counts it, arms its earliest
    /// deadline, and lets a settled order passivate.
    fn settle(&mut self, ctx: &mut Context<Self>) {
        self.recount();
        self.arm_timer(None, ctx);
        self.schedule_idle_check(ctx);
        self.schedule_compaction(ctx);
    }

    /// Moves this actor's counts (status, pending deadlines) to what it holds now.
    fn recount(&mut self) {
        let status = self.held.status();
        if self.counted_as != Some(status) {
            if let Some(old) = self.counted_as.replace(status) {
                self.env.stats.leave(old);
            }
            self.env.stats.enter(status);
        }
        let deadlines = self
            .held
            .timers()
            .pending()
            .fold(0u8, |bits, (kind, _)| bits | 1 << kind as u8);
        self.count_deadlines(deadlines);
    }

    fn count_deadlines(&mut self, deadlines: u8) {
        for kind in TimerKind::ALL {
            let bit = 1 << kind as u8;
            let delta = match (self.counted_deadlines & bit != 0, deadlines & bit != 0) {
                (false, true) => 1,
                (true, false) => -1,
                _ => continue,
            };
            self.env.stats.timers_pending[kind as usize].fetch_add(delta, Ordering::Relaxed);
        }
        self.counted_deadlines = deadlines;
    }

    fn after_timer(
        &mut self,
        kind: TimerKind,
        result: &Result<OrderReply, ReplyError>,
        ctx: &mut Context<Self>,
    ) {
        match result {
            // The change was adopted, which armed the next deadline.
            Ok(_) => {
                self.env.stats.timers_fired[kind as usize].fetch_add(1, Ordering::Relaxed);
                instruments::timer_fired(kind);
            }
            // Fired early (clock adjustment): arm it again for the stored deadline.
            Err(ReplyError::Rejected(Rejection::NotDue { .. })) => self.arm_timer(None, ctx),
            // The order moved on before the deadline: this one is gone, arm whatever is next.
            Err(ReplyError::Rejected(_)) => self.arm_timer(Some(kind), ctx),
            // The shard moved to another node, which fires it.
            Err(ReplyError::ShardUnavailable) => {}
            // Not committed: try again shortly, the deadline is still stored.
            Err(error) => {
                tracing::warn!(order_id = %self.id, timer = kind.as_str(), %error, "timer not committed; retrying");
                ctx.run_later(Duration::from_secs(1), |act, ctx| act.arm_timer(None, ctx));
            }
        }
    }

    /// Arms the earliest deadline (other than `except`), in place of whatever was armed.
    fn arm_timer(&mut self, except: Option<TimerKind>, ctx: &mut Context<Self>) {
        self.disarm_timer(ctx);
        let earliest = self
            .held
            .timers()
            .pending()
            .filter(|(kind, _)| Some(*kind) != except)
            .min_by_key(|(_, due)| *due);
        let Some((kind, due)) = earliest else { return };
        let handle = ctx.run_later(Timestamp::now().until(due), move |act, ctx| {
            if act.armed.take().is_some() {
                act.env.stats.timers_armed.fetch_sub(1, Ordering::Relaxed);
            }
            // Early (the clock moved back) is not late: `after_timer` re-arms it.
            if Timestamp::now() >= due {
                instruments::timer_late(kind, due.elapsed());
            }
            ctx.notify(TimerDue(kind));
        });
        self.armed = Some((kind, handle));
        self.env.stats.timers_armed.fetch_add(1, Ordering::Relaxed);
    }

    fn disarm_timer(&mut self, ctx: &mut Context<Self>) {
        if let Some((_, handle)) = self.armed.take() {
            ctx.cancel_future(handle);
            self.env.stats.timers_armed.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Settled orders (no timers, not live) leave memory after a quiet period; the registry
    /// activates them again from the store if a command arrives later.
    fn schedule_idle_check(&mut self, ctx: &mut Context<Self>) {
        if self.held.status().is_live() || self.idle_check.is_some() {
            return;
        }
        let after = self.env.passivate_after;
        self.idle_check = Some(ctx.run_later(after, move |act, ctx| {
            act.idle_check = None;
            let settled =
                !act.held.status().is_live() && act.held.timers().pending().next().is_none();
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

    /// A live order idle for `compact_after` keeps only its summary (see the module's docs).
    fn schedule_compaction(&mut self, ctx: &mut Context<Self>) {
        let after = self.env.compact_after;
        if after.is_zero()
            || !self.held.status().is_live()
            || !matches!(self.held, Held::Full { .. })
            || self.compact_check.is_some()
        {
            return;
        }
        let wait = after.saturating_sub(self.last_activity.elapsed());
        self.compact_check = Some(ctx.run_later(wait, move |act, ctx| {
            act.compact_check = None;
            let Held::Full { state, .. } = &act.held else {
                return;
            };
            // As for passivation: a command handled in this same poll has not run yet.
            if act.last_activity.elapsed() >= after && !ctx.waiting() {
                act.held = Held::Summary(LiveOrder::of(state));
                instruments::compacted();
            } else {
                act.schedule_compaction(ctx);
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
    /// This command committed a change.
    committed: bool,
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
        committed: false,
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
                    committed: false,
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
                return RunResult {
                    committed: true,
                    ..done(latest, Ok(committed))
                };
            }
            Err(CommitError::Rejected(WriteOutcome::VersionConflict)) => {
                tracing::warn!(order_id = %state.order.id, "lost a compare-and-set; reloading");
                match env.store.load(state.order.id).await {
                    Ok(Some(stored)) => {
                        state = Arc::new(stored);
                        latest = Some((state.clone(), document_of(&state)));
                    }
                    Ok(None) => return done(latest, Err(ReplyError::NotFound)),
                    Err(error) => return done(latest, Err(ReplyError::from_store(error))),
                }
            }
            Err(error) => return done(latest, Err(ReplyError::from_commit(error))),
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
        if !self.serving() {
            // Started (or restarted) for a shard that moved away meanwhile: its owner runs it.
            self.reload_on_start = false;
            self.release(ctx);
            return;
        }
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
                            // The next message tries again.
                            tracing::warn!(order_id = %act.id, %error, "could not reload the order; it is read again on next use");
                            act.forget_state();
                            act.settle(ctx);
                        }
                    }),
            );
        } else {
            self.settle(ctx);
        }
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        if let Some(status) = self.counted_as.take() {
            self.env.stats.leave(status);
        }
        self.count_deadlines(0);
        if self.armed.take().is_some() {
            self.env.stats.timers_armed.fetch_sub(1, Ordering::Relaxed);
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

    fn handle(&mut self, msg: Execute, ctx: &mut Self::Context) -> Self::Result {
        self.dequeued();
        let Execute {
            party,
            command,
            reply,
        } = msg;
        if !self.serving() {
            send(Some(reply), Err(ReplyError::ShardUnavailable));
            return AtomicResponse::new(Box::pin(fut::ready(())));
        }
        AtomicResponse::new(self.with_order(ctx, move |act, _ctx, loaded| match loaded {
            Ok(()) => act.execute(party, command, Some(reply)),
            Err(error) => {
                send(Some(reply), Err(error));
                Box::pin(fut::ready(()))
            }
        }))
    }
}

impl Handler<TimerDue> for OrderActor {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, msg: TimerDue, ctx: &mut Self::Context) -> Self::Result {
        let kind = msg.0;
        if !self.serving() {
            return AtomicResponse::new(Box::pin(fut::ready(())));
        }
        AtomicResponse::new(self.with_order(ctx, move |act, ctx, loaded| match loaded {
            Ok(()) => act.execute(Party::Server, Command::Timer(kind), None),
            Err(error) => {
                act.after_timer(kind, &Err(error), ctx);
                Box::pin(fut::ready(()))
            }
        }))
    }
}

impl Handler<Snapshot> for OrderActor {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, msg: Snapshot, ctx: &mut Self::Context) -> Self::Result {
        self.dequeued();
        let Snapshot { party, reply } = msg;
        if !self.serving() {
            let _ = reply.send(Err(ReplyError::ShardUnavailable));
            return AtomicResponse::new(Box::pin(fut::ready(())));
        }
        AtomicResponse::new(self.with_order(ctx, move |act, _ctx, loaded| {
            let _ = reply.send(loaded.and_then(|()| act.snapshot(party)));
            Box::pin(fut::ready(()))
        }))
    }
}

impl Handler<Release> for OrderActor {
    type Result = ();

    /// Handled after every message queued before it (each of which held the mailbox until its
    /// commit returned), so the shard's commands in flight have committed by now.
    fn handle(&mut self, _msg: Release, ctx: &mut Self::Context) {
        if !self.released {
            self.release(ctx);
            self.passivating = true;
            ctx.stop();
        }
    }
}
