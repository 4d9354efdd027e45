use std::sync::Arc;

use tokio::time::Instant;

use super::Workload;

/// Runs every slot back to back until `stop`: a slot starts its next turn as soon as the last
/// one ended, and starts none at or after `stop`. Returns once every slot's last turn ended.
pub async fn closed_loop<W: Workload>(workload: Arc<W>, slots: Vec<W::Slot>, stop: Instant) {
    let tasks: Vec<_> = slots
        .into_iter()
        .map(|mut slot| {
            let workload = workload.clone();
            tokio::spawn(async move {
                loop {
                    let began = Instant::now();
                    if began >= stop {
                        break;
                    }
                    workload.turn(&mut slot, began).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a load slot panicked");
    }
}
