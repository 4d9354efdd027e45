//! One `WebhookSender` actor per endpoint: it makes the attempts for that endpoint, at most
//! `max_in_flight` at a time, and reports each outcome to the recorder.
//!
//! A claimed delivery may wait in the sender's queue. Before its attempt starts, the sender
//! checks that the attempt can still end, and its outcome be recorded, inside the claim's
//! lease, and that this node still serves the delivery's shard; otherwise it gives the claim
//! back unattempted, and the delivery is claimed again (here, or by the shard's new owner).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use actix::prelude::*;
use reqwest::StatusCode;
use tokio::sync::mpsc;

use super::client::literal_target_is_forbidden;
use super::retry::{parse_retry_after, RetryPolicy};
use super::signing::signature_header;
use super::store::{AttemptOutcome, DueDelivery, NextStep, Release};
use crate::instruments;
use crate::model::Timestamp;
use crate::shard::{ShardId, Shards};

/// A sender queues at most this many rounds of `max_in_flight` attempts; what comes beyond is
/// given back at once, to be claimed again once the sender has room. A round takes one
/// receiver's round trip, so sixteen of a fast receiver take milliseconds, far inside a lease's
/// queue allowance; a slow receiver's are passed over by the claim anyway. With four, a burst
/// of handed-over deliveries (1 024 orders in flight) was mostly given back, and waited for a
/// claim: the lifecycle's webhook lag p99 there fell from 1.2–1.3 s to 0.5 s with sixteen.
pub const QUEUED_ROUNDS: usize = 16;

/// The first this many bytes of a response body are kept with the attempt.
const KEPT_RESPONSE_BYTES: usize = 1024;

/// What the recorder is told about a claimed delivery: its attempt's outcome, or that the
/// claim was given back. Either way the delivery is no longer in flight once recorded.
#[derive(Debug)]
pub enum Finished {
    Attempted(AttemptOutcome, ShardId),
    Released(Release, ShardId),
}

/// What every sender shares.
pub struct SenderEnv {
    pub client: reqwest::Client,
    pub policy: RetryPolicy,
    pub outcomes: mpsc::Sender<Finished>,
    pub allow_private_targets: bool,
    pub max_in_flight: usize,
    pub shards: Arc<Shards>,
    /// An attempt starts only while at least this much of its lease is left.
    pub attempt_allowance: Duration,
    /// Where a 2xx is noted until it is recorded; `None` where the journal never records
    /// them (the recorder then writes every outcome as it comes).
    pub delivered: Option<super::DeliveredUnrecorded>,
}

pub struct WebhookSender {
    env: Arc<SenderEnv>,
    in_flight: usize,
    waiting: VecDeque<DueDelivery>,
    /// `waiting.len()`, for the dispatcher's check of the endpoints it holds deliveries for.
    queued: Arc<AtomicUsize>,
    /// Stopping: nothing more starts, whatever arrives is given back.
    stopping: bool,
}

impl WebhookSender {
    pub fn new(env: Arc<SenderEnv>, queued: Arc<AtomicUsize>) -> WebhookSender {
        WebhookSender {
            env,
            in_flight: 0,
            waiting: VecDeque::new(),
            queued,
            stopping: false,
        }
    }

    /// Starts queued deliveries while there is room, giving back those that may not start.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        while self.in_flight < self.env.max_in_flight {
            let Some(delivery) = self.waiting.pop_front() else {
                break;
            };
            self.queued.store(self.waiting.len(), Ordering::Relaxed);
            if self.may_start(&delivery) {
                self.start(delivery, ctx);
            } else {
                self.release(delivery, ctx);
            }
        }
    }

    fn may_start(&self, delivery: &DueDelivery) -> bool {
        let lease_left = delivery.lease_until.as_millis() - Timestamp::now().as_millis();
        !self.stopping
            && lease_left >= self.env.attempt_allowance.as_millis() as i64
            && self.env.shards.serves(delivery.shard)
    }

    fn start(&mut self, delivery: DueDelivery, ctx: &mut Context<Self>) {
        self.in_flight += 1;
        let env = self.env.clone();
        ctx.spawn(
            async move {
                let started = Instant::now();
                let shard = delivery.shard;
                let outcome = attempt(&env, delivery).await;
                instruments::webhook_attempt(&outcome.next, started.elapsed());
                if let (NextStep::Delivered, Some(delivered)) = (&outcome.next, &env.delivered) {
                    delivered.insert(&outcome);
                }
                // Bounded: if the recorder falls behind, senders wait rather than pile up.
                let _ = env.outcomes.send(Finished::Attempted(outcome, shard)).await;
            }
            .into_actor(self)
            .map(|(), act, ctx| {
                act.in_flight -= 1;
                act.pump(ctx);
            }),
        );
    }

    fn release(&mut self, delivery: DueDelivery, ctx: &mut Context<Self>) {
        let env = self.env.clone();
        let release = Release {
            event_id: delivery.event_id,
            endpoint_id: delivery.endpoint_id,
            lease_until: delivery.lease_until,
        };
        let shard = delivery.shard;
        ctx.spawn(
            async move {
                let _ = env.outcomes.send(Finished::Released(release, shard)).await;
            }
            .into_actor(self),
        );
    }
}

impl Actor for WebhookSender {
    type Context = Context<Self>;
}

/// Attempt this delivery.
pub struct Deliver(pub DueDelivery);

impl Message for Deliver {
    type Result = ();
}

impl Handler<Deliver> for WebhookSender {
    type Result = ();

    fn handle(&mut self, msg: Deliver, ctx: &mut Self::Context) {
        // A queue longer than a few rounds of attempts would only wait out its leases.
        if self.waiting.len() >= self.env.max_in_flight * QUEUED_ROUNDS {
            self.release(msg.0, ctx);
            return;
        }
        self.waiting.push_back(msg.0);
        self.queued.store(self.waiting.len(), Ordering::Relaxed);
        self.pump(ctx);
    }
}

/// Give back every delivery still queued (not started): the endpoint was deleted or disabled,
/// or, with `stopping`, the node is stopping and nothing more may start.
pub struct ReleaseQueued {
    pub stopping: bool,
}

impl Message for ReleaseQueued {
    type Result = ();
}

impl Handler<ReleaseQueued> for WebhookSender {
    type Result = ();

    fn handle(&mut self, msg: ReleaseQueued, ctx: &mut Self::Context) {
        self.stopping |= msg.stopping;
        let queued: Vec<DueDelivery> = self.waiting.drain(..).collect();
        self.queued.store(0, Ordering::Relaxed);
        for delivery in queued {
            self.release(delivery, ctx);
        }
    }
}

/// One signed POST, classified into what happens next.
async fn attempt(env: &SenderEnv, delivery: DueDelivery) -> AttemptOutcome {
    let attempted_at = Timestamp::now();
    let started = Instant::now();
    let attempts = delivery.attempts + 1;
    let mut outcome = AttemptOutcome {
        event_id: delivery.event_id.clone(),
        endpoint_id: delivery.endpoint_id.clone(),
        order_id: delivery.order_id.clone(),
        attempts,
        attempted_at,
        status_code: None,
        duration_ms: 0,
        error: None,
        response_body: None,
        next: NextStep::Failed,
        disable_endpoint: false,
    };
    let url = match reqwest::Url::parse(&delivery.url) {
        Ok(url) => url,
        Err(error) => {
            outcome.error = Some(format!("invalid endpoint URL: {error}"));
            return outcome;
        }
    };
    if !env.allow_private_targets && literal_target_is_forbidden(&url) {
        outcome.error = Some("refused: the endpoint is a private or loopback address".into());
        return outcome;
    }
    let timestamp = attempted_at.unix_seconds();
    let signature = signature_header(
        delivery.secrets.iter().map(String::as_str),
        &delivery.event_id,
        timestamp,
        &delivery.payload,
    );
    let sent = env
        .client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &delivery.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(delivery.payload)
        .send()
        .await;
    let retry = |delay: Option<Duration>| match delay {
        Some(delay) if attempts < env.policy.max_attempts() => {
            NextStep::RetryAt(Timestamp::now().plus(delay))
        }
        _ => NextStep::Failed,
    };
    match sent {
        Ok(response) => {
            let status = response.status();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            outcome.status_code = Some(status.as_u16());
            outcome.response_body = first_bytes(response).await;
            outcome.next = if status.is_success() {
                NextStep::Delivered
            } else if status == StatusCode::GONE {
                outcome.disable_endpoint = true;
                outcome.error = Some("the receiver answered 410 Gone; endpoint disabled".into());
                NextStep::Failed
            } else {
                outcome.error = Some(format!("the receiver answered {status}"));
                let honours_retry_after = matches!(
                    status,
                    StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
                );
                match retry_after.filter(|_| honours_retry_after) {
                    Some(delay) => retry(Some(delay)),
                    None => retry(env.policy.next_delay(attempts)),
                }
            };
        }
        Err(error) => {
            outcome.error = Some(describe(&error));
            outcome.next = retry(env.policy.next_delay(attempts));
        }
    }
    outcome.duration_ms = started.elapsed().as_millis() as u64;
    outcome
}

fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    // The innermost cause says the most (refused, reset, DNS).
    let mut cause: &dyn std::error::Error = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    format!("{kind}: {cause}")
}

async fn first_bytes(mut response: reqwest::Response) -> Option<String> {
    let mut kept = Vec::new();
    while kept.len() < KEPT_RESPONSE_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
            _ => break,
        }
    }
    kept.truncate(KEPT_RESPONSE_BYTES);
    (!kept.is_empty()).then(|| String::from_utf8_lossy(&kept).into_owned())
}
