//! The registry: where order actors are found, activated, placed and counted.
//!
//! - The directory (`DashMap<OrderId, Addr>`) is read directly by request handlers.
//! - A miss activates the order from the store; `DashMap::entry` makes sure two concurrent
//!   misses start one actor, not two.
//! - Actors are spread over one Arbiter per core by a hash of the order id.
//! - Each actor runs under actix's `Supervisor`, so a failed actor is restarted in place and
//!   reloads its state from the store (see `OrderActor::restarting`).
//! - The [`RegistryActor`] rehydrates every live order at boot, timers included. A rehydrated
//!   actor holds only what its timer needs ([`LiveOrder`](crate::store::LiveOrder), read from columns) until the order
//!   is first used; then it loads the whole order (see `OrderActor`).
//! - In a cluster the registry is this node's *shard region*: it runs actors only for the
//!   shards this node serves ([`Shards`]). A node that takes a shard rehydrates it
//!   ([`Registry::rehydrate_shard`]); one that hands a shard over stops its actors after what
//!   they are doing ([`Registry::release_shards`]). A single node serves every shard.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use dashmap::mapref::entry::Entry;
use tokio::sync::oneshot;

use crate::crossings::Hop;
use crate::env::{ActorEnv, ActorHandle, Directory};
use crate::instruments;
use crate::journal::{CommitError, Journal};
use crate::model::{OrderId, Timestamp};
use crate::order::{
    actor_document, open, Command, Execute, Held, NewOrder, OrderActor, OrderReply, OrderState,
    Party, Release, ReplyError, ReplySender, Snapshot,
};
use crate::shard::{ShardId, Shards};
use crate::stats::ActorStats;
use crate::store::{IdempotencyRecord, OrderStore};
use crate::write::write_for;

#[derive(Debug, Clone, Copy)]
pub struct RegistrySettings {
    /// Arbiters (threads) the order actors are spread over; 0 means one per core.
    pub arbiters: usize,
    /// Commands that may wait in one order's mailbox.
    pub mailbox_capacity: usize,
    /// How long a settled order's actor stays in memory after its last command.
    pub passivate_after: Duration,
    /// Orders loaded per query while rehydrating.
    pub rehydrate_page: u32,
    /// Rehydrated actors loading their whole order at once, at most (the server uses half its
    /// database connections).
    pub concurrent_loads: usize,
    /// Order actors in memory, at most, before creates are refused with `Overloaded` (0: no
    /// ceiling). Memory is the one resource an order server must not run out of: past the
    /// ceiling a client gets a 503, never the process an OOM kill.
    pub max_live: usize,
    /// A live order idle this long drops its whole state and keeps only what its timer needs,
    /// as a rehydrated one does; its next use loads it again.
    pub compact_after: Duration,
}

impl Default for RegistrySettings {
    fn default() -> Self {
        RegistrySettings {
            arbiters: 0,
            mailbox_capacity: 64,
            passivate_after: Duration::from_secs(60),
            rehydrate_page: 5_000,
            concurrent_loads: 4,
            max_live: 0,
            compact_after: Duration::from_secs(30),
        }
    }
}

/// A cheap handle to the registry.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

struct Inner {
    env: Arc<ActorEnv>,
    arbiters: Vec<ArbiterHandle>,
    owned_arbiters: std::sync::Mutex<Vec<Arbiter>>,
    rehydrated: AtomicBool,
    rehydrate_page: u32,
    /// Creates between the ceiling check and their actor's start: counted against
    /// `max_live` with the actors, so concurrent creates cannot pass the ceiling together.
    creating: AtomicUsize,
    /// Set when the node begins to stop: no create, command or activation is taken after it.
    stopping: AtomicBool,
}

/// A create in progress, counted until it is dropped (its actor started, or the create failed).
struct CreateSlot(Arc<Inner>);

impl CreateSlot {
    fn take(inner: Arc<Inner>) -> CreateSlot {
        inner.creating.fetch_add(1, Ordering::AcqRel);
        CreateSlot(inner)
    }
}

impl Drop for CreateSlot {
    fn drop(&mut self) {
        self.0.creating.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What the idempotency record of a create needs besides the response itself.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    pub owner: String,
    pub key: String,
    pub request_hash: String,
}

impl Registry {
    /// Starts the arbiters and the registry actor, which begins rehydrating live orders (all
    /// of them on a single node; a node of a cluster rehydrates each shard as it takes it).
    /// Must run inside an actix `System`.
    pub fn start(
        store: Arc<dyn OrderStore>,
        journal: Journal,
        settings: RegistrySettings,
        shards: Arc<Shards>,
    ) -> Registry {
        let count = if settings.arbiters == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            settings.arbiters
        };
        let owned: Vec<Arbiter> = (0..count).map(|_| Arbiter::new()).collect();
        let env = Arc::new(ActorEnv {
            journal,
            store,
            stats: Arc::new(ActorStats::default()),
            directory: Arc::new(Directory::default()),
            shards,
            passivate_after: settings.passivate_after,
            compact_after: settings.compact_after,
            max_live: settings.max_live,
            mailbox_capacity: settings.mailbox_capacity.max(1),
            loads: tokio::sync::Semaphore::new(settings.concurrent_loads.max(1)),
        });
        let registry = Registry {
            inner: Arc::new(Inner {
                env,
                arbiters: owned.iter().map(Arbiter::handle).collect(),
                owned_arbiters: std::sync::Mutex::new(owned),
                rehydrated: AtomicBool::new(false),
                rehydrate_page: settings.rehydrate_page.max(1),
                creating: AtomicUsize::new(0),
                stopping: AtomicBool::new(false),
            }),
        };
        RegistryActor {
            registry: registry.clone(),
        }
        .start();
        registry
    }

    pub fn stats(&self) -> &ActorStats {
        &self.inner.env.stats
    }

    pub fn journal(&self) -> &Journal {
        &self.inner.env.journal
    }

    /// The shards this node serves.
    pub fn shards(&self) -> &Arc<Shards> {
        &self.inner.env.shards
    }

    /// A new order id whose shard this node serves, so that a create is never forwarded: the
    /// node that takes the request writes the order and runs its actor. UUIDv7 ids end in
    /// random bits, so a node serving a share `1/k` of the shards finds one in `k` tries on
    /// average.
    pub fn new_order_id(&self) -> Result<OrderId, ReplyError> {
        let shards = &self.inner.env.shards;
        if shards.is_single_node() {
            return Ok(OrderId::new());
        }
        if !shards.serves_any() {
            return Err(ReplyError::ShardUnavailable);
        }
        // Serving even one shard of 65 536, 2^20 tries all miss with odds below e^-16.
        for _ in 0..(1 << 20) {
            let id = OrderId::new();
            if shards.serves(shards.of(id)) {
                return Ok(id);
            }
        }
        Err(ReplyError::ShardUnavailable)
    }

    /// True once every live order found at boot has its actor.
    pub fn is_rehydrated(&self) -> bool {
        self.inner.rehydrated.load(Ordering::Acquire)
    }

    /// Order actors in memory now.
    pub fn active_actors(&self) -> usize {
        self.inner.env.directory.len()
    }

    /// The ceiling on order actors in memory (0: none); see [`RegistrySettings::max_live`].
    pub fn max_live(&self) -> usize {
        self.inner.env.max_live
    }

    /// Creates an order: commits it (with the create's idempotency record, if any), then starts
    /// its actor. The order id is new, so nobody else can be writing it.
    ///
    /// The work runs as a task of its own, so it finishes even if the caller goes away (a
    /// client that disconnects drops its request): a committed order always gets its actor,
    /// and with it its acceptance timer.
    pub async fn create(
        &self,
        new: NewOrder,
        accept_timeout: Duration,
        idempotency: Option<IdempotencyClaim>,
    ) -> Result<OrderReply, ReplyError> {
        self.refuse_if_stopping()?;
        if !self
            .inner
            .env
            .shards
            .serves(self.inner.env.shards.of(new.id))
        {
            return Err(ReplyError::ShardUnavailable);
        }
        let env = &self.inner.env;
        let slot = CreateSlot::take(self.inner.clone());
        // This create counts itself among `creating`, hence `>`.
        if env.max_live > 0
            && env.directory.len() + self.inner.creating.load(Ordering::Acquire) > env.max_live
        {
            instruments::create_refused_at_ceiling();
            return Err(ReplyError::Overloaded);
        }
        let change = open(new, Timestamp::now(), accept_timeout);
        let mut write = write_for(change, 0, None);
        if let Some(claim) = idempotency {
            write.idempotency = Some(IdempotencyRecord {
                owner: claim.owner,
                key: claim.key,
                request_hash: claim.request_hash,
                status: 201,
                // The response is the order's document: the record shares its bytes, and the
                // store keeps them once, with the order's `order.created` event.
                body: write.document.clone(),
                created_at: write.state.order.created_at,
                created_order: Some(write.state.order.id),
            });
        }
        let reply = OrderReply {
            state: write.state.clone(),
            document: write.document.clone(),
        };
        let ticket = self
            .inner
            .env
            .journal
            .submit(write)
            .map_err(ReplyError::from_commit)?;
        let registry = self.clone();
        // The rest is a task of its own on this thread, so a client that hangs up cannot leave
        // a committed order without its actor. The actor starts here too, on the thread that
        // took the request: no other thread is woken for it. (The node's stop passivates
        // every actor before the HTTP workers stop, so none is lost with its worker.)
        actix::spawn(async move {
            let _slot = slot;
            match ticket.await.unwrap_or(Err(CommitError::Closed)) {
                Ok(()) => {
                    let env = &registry.inner.env;
                    env.stats.transitions.fetch_add(1, Ordering::Relaxed);
                    instruments::transition(None, reply.state.order.status);
                    registry.ensure_started_on(
                        Held::Full {
                            state: reply.state.clone(),
                            document: reply.document.clone(),
                        },
                        Place::ThisThread,
                    );
                    Ok(reply)
                }
                Err(error) => {
                    if let CommitError::Unknown(_) = error {
                        registry.resolve_unknown_create(reply.state.order.id);
                    }
                    Err(ReplyError::from_commit(error))
                }
            }
        })
        .await
        .unwrap_or_else(|error| {
            Err(ReplyError::Internal(format!(
                "the create task failed: {error}"
            )))
        })
    }

    /// Runs a command on an order, activating its actor if needed.
    pub async fn execute(
        &self,
        id: OrderId,
        party: Party,
        command: Command,
    ) -> Result<OrderReply, ReplyError> {
        let handle = self.find(id).await?;
        self.ask(&handle, |reply| Execute {
            party,
            command,
            reply,
        })
        .await
    }

    /// The order as it is, from its actor if it has one, else from the store (without
    /// activating it: reads do not need a writer). An order whose shard this node does not
    /// serve is read from the store too: that is its committed state, whichever node owns it.
    pub async fn snapshot(&self, id: OrderId, party: Party) -> Result<OrderReply, ReplyError> {
        let env = &self.inner.env;
        let live = env
            .shards
            .serves(env.shards.of(id))
            .then(|| env.directory.get(&id).map(|entry| entry.value().clone()))
            .flatten()
            .filter(|handle| handle.addr.connected());
        if let Some(handle) = live {
            match self.ask(&handle, |reply| Snapshot { party, reply }).await {
                // The shard began moving, or the node stopping, since: its committed state
                // is in the store.
                Err(ReplyError::ShardUnavailable | ReplyError::Stopping) => {}
                answer => return answer,
            }
        }
        let state = self.load(id).await?;
        if !party.may_see(&state.order) {
            return Err(ReplyError::NotFound);
        }
        let document = actor_document(&state);
        Ok(OrderReply {
            state: Arc::new(state),
            document,
        })
    }

    /// Sends a request to an actor, or answers `Overloaded` at once if its mailbox is full.
    async fn ask<M>(
        &self,
        handle: &ActorHandle,
        message: impl FnOnce(ReplySender) -> M,
    ) -> Result<OrderReply, ReplyError>
    where
        M: Message<Result = ()> + Send + 'static,
        OrderActor: Handler<M>,
    {
        if handle.queued.fetch_add(1, Ordering::Relaxed) >= self.inner.env.mailbox_capacity {
            handle.queued.fetch_sub(1, Ordering::Relaxed);
            return Err(ReplyError::Overloaded);
        }
        let (reply, answer) = oneshot::channel();
        let depth = &self.inner.env.stats.mailbox_depth;
        depth.fetch_add(1, Ordering::Relaxed);
        if let Err(error) = handle.addr.try_send(message(reply)) {
            handle.queued.fetch_sub(1, Ordering::Relaxed);
            depth.fetch_sub(1, Ordering::Relaxed);
            return Err(match error {
                SendError::Full(_) => ReplyError::Overloaded,
                // Passivated by the node's stop between the lookup and now.
                SendError::Closed(_) if self.is_stopping() => ReplyError::Stopping,
                // Released with its shard between the lookup and now.
                SendError::Closed(_) if !self.inner.env.shards.serves(handle.shard) => {
                    ReplyError::ShardUnavailable
                }
                SendError::Closed(_) => ReplyError::Internal("order actor stopped".into()),
            });
        }
        let crossings = self.inner.env.journal.crossings();
        let crossing = handle.thread != Some(std::thread::current().id());
        if crossing {
            crossings.crossed(Hop::ToOrderActor);
        }
        let answer = answer.await;
        if crossing && answer.is_ok() {
            crossings.crossed(Hop::FromOrderActor);
        }
        answer.unwrap_or_else(|_| {
            Err(if self.is_stopping() {
                // Queued behind the passivation of the node's stop.
                ReplyError::Stopping
            } else {
                ReplyError::Internal("order actor dropped the reply".into())
            })
        })
    }

    /// The order's actor, activated from the store if needed. Only for an order whose shard
    /// this node serves: another node's order is refused (the HTTP front end forwards it to
    /// its owner before it gets here; this catches a shard that moved meanwhile).
    async fn find(&self, id: OrderId) -> Result<ActorHandle, ReplyError> {
        self.refuse_if_stopping()?;
        let env = &self.inner.env;
        if !env.shards.serves(env.shards.of(id)) {
            return Err(ReplyError::ShardUnavailable);
        }
        if let Some(entry) = env.directory.get(&id) {
            if entry.value().addr.connected() {
                return Ok(entry.value().clone());
            }
        }
        let state = Arc::new(self.load(id).await?);
        let document = actor_document(&state);
        self.ensure_started(Held::Full { state, document })
            .ok_or_else(|| self.refused())
    }

    async fn load(&self, id: OrderId) -> Result<OrderState, ReplyError> {
        self.inner
            .env
            .store
            .load(id)
            .await
            .map_err(ReplyError::from_store)?
            .ok_or(ReplyError::NotFound)
    }

    /// The order's actor, starting it from `held` unless one is already running. None when
    /// the order's shard is not (or no longer) served here: its owner runs it.
    ///
    /// The check runs under the directory entry's lock, and [`Registry::release_shards`]
    /// changes a shard's state before it looks for the shard's actors in the directory, so an
    /// actor is either refused here or found there.
    fn ensure_started(&self, held: Held) -> Option<ActorHandle> {
        self.ensure_started_on(held, Place::ItsArbiter)
    }

    /// As [`Registry::ensure_started`], with the actor started at `place`.
    fn ensure_started_on(&self, held: Held, place: Place) -> Option<ActorHandle> {
        let id = held.id();
        let shard = self.inner.env.shards.of(id);
        match self.inner.env.directory.entry(id) {
            Entry::Occupied(entry) if entry.get().addr.connected() => Some(entry.get().clone()),
            _ if !self.inner.env.shards.serves(shard) || self.is_stopping() => None,
            entry => {
                let env = self.inner.env.clone();
                let queued = Arc::new(AtomicUsize::new(0));
                let actor_queued = queued.clone();
                let make =
                    move |_: &mut Context<OrderActor>| OrderActor::new(env, actor_queued, held);
                let (addr, thread) = match place {
                    Place::ThisThread => (
                        actix::Supervisor::start(make),
                        Some(std::thread::current().id()),
                    ),
                    Place::ItsArbiter => {
                        self.inner.env.journal.crossings().crossed(Hop::StartActor);
                        let arbiter =
                            &self.inner.arbiters[placement(id, self.inner.arbiters.len())];
                        (actix::Supervisor::start_in_arbiter(arbiter, make), None)
                    }
                };
                let handle = ActorHandle {
                    addr,
                    queued,
                    shard,
                    thread,
                };
                self.inner
                    .env
                    .stats
                    .activations
                    .fetch_add(1, Ordering::Relaxed);
                instruments::activated();
                match entry {
                    Entry::Occupied(mut occupied) => {
                        occupied.insert(handle.clone());
                    }
                    Entry::Vacant(vacant) => {
                        vacant.insert(handle.clone());
                    }
                }
                Some(handle)
            }
        }
    }

    /// Starts an actor for every live order in the store, page by page. Each starts from the
    /// order's [`LiveOrder`](crate::store::LiveOrder) summary and arms its earliest deadline; none loads its order yet.
    /// A node of a cluster serves no shard at boot, so it has nothing to rehydrate yet.
    /// A create whose commit's outcome is unknown: if the order exists after all, it needs its
    /// actor (and so its acceptance timer) even if nobody asks for it. Looks once the database
    /// answers, and again later, in case the lost `COMMIT` reaches the database late (a
    /// transaction left open is ended by the database within a lease and a second).
    fn resolve_unknown_create(&self, id: OrderId) {
        let registry = self.clone();
        actix::spawn(async move {
            let env = &registry.inner.env;
            for wait in [
                Duration::ZERO,
                Duration::from_secs(3),
                Duration::from_secs(15),
            ] {
                tokio::time::sleep(wait).await;
                let mut backoff = Duration::from_millis(250);
                let loaded = loop {
                    env.journal.breaker().closed().await;
                    match env.store.load(id).await {
                        Ok(loaded) => break loaded,
                        Err(error) => {
                            tracing::debug!(order_id = %id, %error, "unknown create not resolved yet");
                            tokio::time::sleep(backoff).await;
                            backoff = (backoff * 2).min(Duration::from_secs(30));
                        }
                    }
                };
                if let Some(state) = loaded {
                    tracing::info!(order_id = %id, "a create whose commit was unknown did commit; starting its actor");
                    let state = Arc::new(state);
                    let document = actor_document(&state);
                    registry.ensure_started(Held::Full { state, document });
                    return;
                }
            }
            tracing::info!(order_id = %id, "a create whose commit was unknown did not commit");
        });
    }

    pub async fn rehydrate(&self) -> Result<usize, crate::store::StoreError> {
        let count = if self.inner.env.shards.is_single_node() {
            self.rehydrate_live(None).await?
        } else {
            0
        };
        self.inner.rehydrated.store(true, Ordering::Release);
        Ok(count)
    }

    /// Starts an actor for every live order of a shard this node has just taken, timers
    /// included. Commands for the shard work meanwhile (a miss activates the order from the
    /// store); only its timers wait for this.
    pub async fn rehydrate_shard(&self, shard: ShardId) -> Result<usize, crate::store::StoreError> {
        self.rehydrate_live(Some(shard)).await
    }

    async fn rehydrate_live(
        &self,
        shard: Option<ShardId>,
    ) -> Result<usize, crate::store::StoreError> {
        let mut after = None;
        let mut count = 0;
        loop {
            if shard.is_some_and(|shard| !self.inner.env.shards.serves(shard)) {
                break; // handed over or lost again meanwhile
            }
            let page = self
                .inner
                .env
                .store
                .live_orders(shard, after, self.inner.rehydrate_page)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            count += page.len();
            for live in page {
                self.ensure_started(Held::Summary(live));
            }
        }
        Ok(count)
    }

    /// Stops the actors of shards this node no longer serves (their state is already
    /// `HandingOver` or `NotOwned` in [`Shards`], so no new actor starts for them), each after
    /// the message it is handling and the ones already in its mailbox: commands in flight
    /// commit first. Returns once every one of them has stopped; their timers with them.
    pub async fn release_shards(&self, released: &[ShardId]) -> usize {
        let shards = &self.inner.env.shards;
        let handles: Vec<ActorHandle> = self
            .inner
            .env
            .directory
            .iter()
            .filter(|entry| released.contains(&entry.value().shard))
            .map(|entry| entry.value().clone())
            .collect();
        debug_assert!(released.iter().all(|shard| !shards.serves(*shard)));
        let count = handles.len();
        futures::future::join_all(handles.iter().map(|handle| handle.addr.send(Release))).await;
        count
    }

    /// The first step of the node's stop, taken while the HTTP workers still answer: from now
    /// on creates, commands and activations are refused with [`ReplyError::Stopping`] (a 503
    /// with `Retry-After`; reads are served from the store), and no actor starts. Then, within
    /// `limit`, it passivates every order actor: each handles what its mailbox holds first
    /// (every command there commits or fails, and its caller gets the answer), then leaves
    /// memory with its timers disarmed. A create already past the check still commits and is
    /// answered (the HTTP workers wait for it), but its actor is not started. The store has
    /// every deadline: the next start, or the order's next owner, arms them again. Returns how
    /// many actors it passivated.
    pub async fn stop_taking_work(&self, limit: Duration) -> usize {
        self.inner.stopping.store(true, Ordering::SeqCst);
        let handles: Vec<ActorHandle> = self
            .inner
            .env
            .directory
            .iter()
            .map(|entry| entry.value().clone())
            .collect();
        let released =
            futures::future::join_all(handles.iter().map(|handle| handle.addr.send(Release)));
        if tokio::time::timeout(limit, released).await.is_err() {
            tracing::warn!("stopping with order actors still busy; their uncommitted commands were never acknowledged");
        }
        handles.len()
    }

    /// True once [`Registry::stop_taking_work`] has begun.
    pub fn is_stopping(&self) -> bool {
        self.inner.stopping.load(Ordering::SeqCst)
    }

    fn refuse_if_stopping(&self) -> Result<(), ReplyError> {
        match self.is_stopping() {
            true => Err(ReplyError::Stopping),
            false => Ok(()),
        }
    }

    /// Why an actor could not be started: the node is stopping, or the shard is not served.
    fn refused(&self) -> ReplyError {
        match self.is_stopping() {
            true => ReplyError::Stopping,
            false => ReplyError::ShardUnavailable,
        }
    }

    /// Stops every order actor: those on other threads (a create's HTTP worker) are released,
    /// and the arbiters stopped. Committed work is in the store; what was not committed was
    /// never acknowledged.
    pub fn stop(&self) {
        for entry in self.inner.env.directory.iter() {
            if entry.value().thread.is_some() {
                entry.value().addr.do_send(Release);
            }
        }
        self.inner.env.directory.clear();
        let arbiters =
            std::mem::take(&mut *self.inner.owned_arbiters.lock().expect("not poisoned"));
        for arbiter in arbiters {
            arbiter.stop();
            let _ = arbiter.join();
        }
    }
}

/// Where an order's actor runs.
#[derive(Clone, Copy)]
enum Place {
    /// The thread that asks for it (a create's HTTP worker, once the order is committed).
    ThisThread,
    /// The order arbiter its id hashes to (activations and rehydration).
    ItsArbiter,
}

/// Spreads orders over arbiters. UUIDv7 ends in random bits; the last 16 choose the shard, so
/// placement takes the 32 before them, or a node serving some shards would load some arbiters
/// more than others.
fn placement(id: OrderId, arbiters: usize) -> usize {
    ((id.as_uuid().as_u128() >> 16) as u32 as usize) % arbiters
}

/// Supervises the order actors as a whole: rehydrates the live ones at boot.
struct RegistryActor {
    registry: Registry,
}

impl Actor for RegistryActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let registry = self.registry.clone();
        ctx.spawn(
            async move {
                let started = std::time::Instant::now();
                // Until it works: the node is not ready before, and a live order left without
                // its actor would never fire its timers. Orders already started are kept.
                let mut backoff = Duration::from_millis(250);
                loop {
                    match registry.rehydrate().await {
                        Ok(count) => {
                            tracing::info!(
                                orders = count,
                                millis = started.elapsed().as_millis() as u64,
                                "rehydrated live orders"
                            );
                            break;
                        }
                        Err(error) => {
                            tracing::warn!(%error, "rehydration failed; trying again");
                            registry.inner.env.journal.breaker().closed().await;
                            tokio::time::sleep(backoff).await;
                            backoff = (backoff * 2).min(Duration::from_secs(5));
                        }
                    }
                }
            }
            .into_actor(self),
        );
    }
}
