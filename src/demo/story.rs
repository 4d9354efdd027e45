//! The order of the story: the parties come up, the operator sets them up, the two orders live
//! their lives, and the demo checks that every webhook came. With `--keep-running` the server
//! then stays up for curl, and the receivers keep printing what they get.

use std::io::Write;
use std::time::Duration;

use anyhow::bail;
use rampflow_client::{DeliveryState, EventFilter, PageRequest};

use super::api::{Caller, Log};
use super::lifecycle::Plan;
use super::narrator::Narrator;
use super::receiver::Receiver;
use super::server::DemoServer;
use super::{Demo, OrderSummary, Party};

impl<W: Write> Demo<W> {
    /// Starts both parties' receivers and introduces the cast.
    pub(super) async fn start(
        output: W,
        server: &DemoServer,
        wait: Duration,
    ) -> anyhow::Result<Demo<W>> {
        let log = Log::default();
        // The parties get their keys from the operator during setup.
        let party = |who, hooks| -> anyhow::Result<Party> {
            Ok(Party {
                caller: Caller {
                    who,
                    key: String::new(),
                    client: log.client(&server.url, who, "")?,
                },
                id: String::new(),
                hooks,
            })
        };
        let wallet = party("wallet", Receiver::start("wallet").await?)?;
        let partner = party("partner", Receiver::start("partner").await?)?;
        let mut out = Narrator::new(output);
        out.line("rampflow demo: one on-ramp and one off-ramp order, from creation to completion")?;
        out.line("")?;
        out.line(&format!("  server    {}", server.url))?;
        out.line(&format!("  database  {}", server.database_url))?;
        out.line(&format!(
            "  wallet    simulated; its webhook receiver listens on {}",
            wallet.hooks.url()
        ))?;
        out.line(&format!(
            "  partner   simulated; its webhook receiver listens on {}",
            partner.hooks.url()
        ))?;
        let operator = Caller {
            who: "operator",
            key: server.admin_token.clone(),
            client: log.client(&server.url, "operator", &server.admin_token)?,
        };
        Ok(Demo {
            base: server.url.clone(),
            log,
            out,
            wait,
            operator,
            wallet,
            partner,
        })
    }

    /// Setup, then the two orders, then the final checks.
    pub(super) async fn story(&mut self) -> anyhow::Result<Vec<OrderSummary>> {
        self.setup().await?;
        let mut orders = Vec::new();
        for plan in [Plan::onramp(), Plan::offramp()] {
            orders.push(self.order_life(&plan).await?);
        }
        self.access_log().await?;
        self.delivery_report(&orders).await?;
        self.check(&orders)?;
        Ok(orders)
    }

    /// Each party asks the server how its webhooks went: once nothing is pending any more,
    /// every event of both orders must be `delivered` to it. (Waiting for that also means the
    /// server has recorded every attempt before the demo stops it.)
    async fn delivery_report(&mut self, orders: &[OrderSummary]) -> anyhow::Result<()> {
        self.out
            .heading("7. Each party asks the server how its webhooks went")?;
        let expected: usize = orders.iter().map(|o| o.events.len()).sum();
        let parties =
            [&self.partner.caller, &self.wallet.caller].map(|c| (c.who, c.client.clone()));
        for (who, client) in parties {
            let filter = |delivery| EventFilter {
                delivery: Some(delivery),
                ..EventFilter::default()
            };
            let page = PageRequest::limit(100);
            let deadline = tokio::time::Instant::now() + self.wait;
            loop {
                // Polled without narration.
                let pending = client
                    .list_events(&filter(DeliveryState::Pending), &page)
                    .await;
                self.log.take();
                let pending = pending?;
                if pending.data.is_empty() {
                    break;
                }
                if tokio::time::Instant::now() >= deadline {
                    bail!(
                        "the server still has {} webhooks pending for the {who} after {:?}",
                        pending.data.len(),
                        self.wait
                    );
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let answer = client
                .list_events(&filter(DeliveryState::Delivered), &page)
                .await;
            let delivered = self.told("the delivered events", answer)?.data.len();
            self.out.detail(&format!(
                "{delivered} events delivered to its endpoint, none pending or failed"
            ))?;
            if delivered != expected {
                bail!(
                    "the server reports {delivered} events delivered to the {who}, expected {expected}"
                );
            }
        }
        Ok(())
    }

    /// Every order completed and every webhook verified, none refused and none left over.
    fn check(&mut self, orders: &[OrderSummary]) -> anyhow::Result<()> {
        let expected_events: usize = orders.iter().map(|o| o.events.len()).sum();
        self.out.heading("The end")?;
        for order in orders {
            self.out.note(&format!(
                "{:<8} order {}: {} at version {}",
                order.direction, order.id, order.status, order.version
            ))?;
        }
        for party in [&mut self.wallet, &mut self.partner] {
            let tally = party.hooks.tally();
            let unclaimed = party.hooks.unclaimed();
            self.out.note(&format!(
                "{:<8} verified {} webhook signatures ({} events, {} redeliveries dropped), refused {}",
                party.caller.who, tally.verified, tally.events, tally.duplicates, tally.rejected
            ))?;
            if tally.rejected > 0 {
                bail!(
                    "the {} refused {} webhooks whose signature did not verify",
                    party.caller.who,
                    tally.rejected
                );
            }
            if tally.events != expected_events || !unclaimed.is_empty() {
                bail!(
                    "the {} received {} events, expected {expected_events}; not asked for: {:?}",
                    party.caller.who,
                    tally.events,
                    unclaimed
                        .iter()
                        .map(|d| format!("{} v{} of {}", d.event_type, d.version, d.order_id))
                        .collect::<Vec<_>>()
                );
            }
        }
        if let Some(order) = orders.iter().find(|o| o.status != "completed") {
            bail!("order {} ended {}, not completed", order.id, order.status);
        }
        self.out
            .note("Both orders completed; every webhook arrived, in order, and verified.")?;
        Ok(())
    }

    /// Leaves the server up for curl until Ctrl-C or SIGTERM, printing the webhooks the
    /// parties still receive (they no longer react to them).
    pub(super) async fn keep_running(&mut self, server: &DemoServer) -> anyhow::Result<()> {
        self.out
            .heading("The server keeps running (--keep-running); Ctrl-C stops it")?;
        let lines = [
            format!("export BASE={}", server.url),
            format!("export ADMIN={}", server.admin_token),
            format!("export WALLET_KEY={}", self.wallet.caller.key),
            format!("export PARTNER_KEY={}", self.partner.caller.key),
            format!("export PARTNER_ID={}", self.partner.id),
            "curl -s $BASE/v1/orders -H \"Authorization: Bearer $WALLET_KEY\"".to_owned(),
            "curl -s $BASE/v1/admin/wallets -H \"Authorization: Bearer $ADMIN\"".to_owned(),
        ];
        for line in lines {
            self.out.note(&line)?;
        }
        self.out.note(
            "The simulated parties keep listening (at the same URLs) and print what they get.",
        )?;
        let mut check = tokio::time::interval(Duration::from_millis(200));
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                Some(delivery) = self.wallet.hooks.next() => {
                    self.out.webhook("wallet", &delivery)?;
                }
                Some(delivery) = self.partner.hooks.next() => {
                    self.out.webhook("partner", &delivery)?;
                }
                // SIGTERM reaches the server's own handler, which stops it.
                _ = check.tick() => if server.is_stopped() { break },
            }
        }
        self.out.line("")?;
        self.out.note("stopping")?;
        Ok(())
    }
}
