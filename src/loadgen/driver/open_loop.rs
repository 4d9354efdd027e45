use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::time::{Duration, Instant};

use super::Workload;

/// The arrival schedule: request `i` is meant to go out at `start + i / rate`, for every such
/// time before `stop`.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub start: Instant,
    pub rate: f64,
    pub stop: Instant,
    /// Requests not yet sent by then are given up and reported as not sent, so a server that
    /// fell far behind cannot keep the run going for ever.
    pub give_up: Instant,
}

impl Pace {
    /// The intended send time of request `i`.
    pub fn intended(&self, i: u64) -> Instant {
        self.start + Duration::from_secs_f64(i as f64 / self.rate)
    }

    /// How many requests the schedule holds: every `i` with `intended(i) < stop`.
    pub fn total(&self) -> u64 {
        let seconds = (self.stop - self.start).as_secs_f64();
        let mut total = (seconds * self.rate).ceil() as u64;
        // The float estimate can be off by one either way at the edge.
        while total > 0 && self.intended(total - 1) >= self.stop {
            total -= 1;
        }
        while self.intended(total) < self.stop {
            total += 1;
        }
        total
    }
}

/// What an open-loop run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paced {
    pub sent: u64,
    /// Requests of the schedule never sent: every slot was still busy at `give_up`.
    pub not_sent: u64,
}

/// Sends the schedule's requests on `slots`.
///
/// No coordinated omission: a free slot claims the next request of the schedule and waits for
/// its intended time; when every slot is busy, the due requests queue, and each is sent as
/// soon as a slot frees up, *its latency still counted from its intended time*. So when the
/// server stalls, the stall shows in the latency of every request that should have gone out
/// meanwhile, as a user arriving at that rate would see it. (A slot that was idle and merely
/// woke late is not the server's doing: its request counts from the wake-up.)
pub async fn open_loop<W: Workload>(workload: Arc<W>, slots: Vec<W::Slot>, pace: Pace) -> Paced {
    let total = pace.total();
    let next = Arc::new(AtomicU64::new(0));
    let sent = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = slots
        .into_iter()
        .map(|mut slot| {
            let (workload, next, sent) = (workload.clone(), next.clone(), sent.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total || Instant::now() >= pace.give_up {
                        break;
                    }
                    let intended = pace.intended(i);
                    // A request already due (the slots were all busy) counts from its
                    // intended time. One not yet due counts from when the timer woke this
                    // slot: tokio's timer has 1 ms granularity, and charging that lateness of
                    // the load generator to the server would add up to 1 ms to every latency.
                    let from = if intended > Instant::now() {
                        tokio::time::sleep_until(intended).await;
                        Instant::now()
                    } else {
                        intended
                    };
                    workload.turn(&mut slot, from).await;
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a load slot panicked");
    }
    let sent = sent.load(Ordering::Relaxed);
    Paced {
        sent,
        not_sent: total - sent,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// A "server" that takes `service` per request, recording each latency from the
    /// intended send time.
    struct Slow {
        service: Duration,
        latencies: Mutex<Vec<Duration>>,
    }

    impl Workload for Slow {
        type Slot = ();

        async fn turn(&self, _: &mut (), intended: Instant) {
            tokio::time::sleep(self.service).await;
            self.latencies.lock().unwrap().push(intended.elapsed());
        }
    }

    fn run(service_ms: u64, slots: usize) -> (Vec<Duration>, Paced) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(async {
            let start = Instant::now();
            let workload = Arc::new(Slow {
                service: Duration::from_millis(service_ms),
                latencies: Mutex::new(Vec::new()),
            });
            let pace = Pace {
                start,
                rate: 10.0,
                stop: start + Duration::from_secs(1),
                give_up: start + Duration::from_secs(60),
            };
            let paced = open_loop(workload.clone(), vec![(); slots], pace).await;
            let latencies = workload.latencies.lock().unwrap().clone();
            (latencies, paced)
        })
    }

    #[test]
    fn a_fast_server_shows_its_service_time() {
        let (latencies, paced) = run(20, 1);
        assert_eq!(
            paced,
            Paced {
                sent: 10,
                not_sent: 0
            }
        );
        assert!(latencies.iter().all(|l| *l == Duration::from_millis(20)));
    }

    #[test]
    fn latency_counts_the_wait_behind_a_slow_server_from_the_intended_time() {
        // 10 requests/s on one connection to a server taking 200 ms: request i is meant for
        // i × 100 ms but can only start at i × 200 ms, so it waits i × 100 ms before its own
        // 200 ms. Timing from the real send would report 200 ms for all of them.
        let (latencies, paced) = run(200, 1);
        assert_eq!(paced.sent, 10);
        let expected: Vec<_> = (0..10)
            .map(|i| Duration::from_millis(200 + 100 * i))
            .collect();
        assert_eq!(latencies, expected);
    }

    #[test]
    fn enough_connections_absorb_a_slow_server() {
        let (latencies, _) = run(200, 2);
        assert!(latencies.iter().all(|l| *l == Duration::from_millis(200)));
    }

    #[test]
    fn requests_still_due_at_give_up_are_reported_not_sent() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let paced = runtime.block_on(async {
            let start = Instant::now();
            let workload = Arc::new(Slow {
                service: Duration::from_secs(1),
                latencies: Mutex::new(Vec::new()),
            });
            let pace = Pace {
                start,
                rate: 10.0,
                stop: start + Duration::from_secs(1),
                give_up: start + Duration::from_millis(2500),
            };
            open_loop(workload, vec![()], pace).await
        });
        // Sent at 0 s, 1 s and 2 s; the fourth slot turn begins at 3 s, after give-up.
        assert_eq!(
            paced,
            Paced {
                sent: 3,
                not_sent: 7
            }
        );
    }
}
