//! A fresh database of N live orders, written straight through the store: the HTTP path would
//! take the best part of an hour to create a million, and nothing about creating them is
//! measured here. Orders are built by the real state machine (`open`, then `decide` for the
//! accepted ones), so their documents load exactly like orders the server made; they go in as
//! large transactions of multi-row inserts ([`Store::seed_orders`]), without their events.
//!
//! A thread builds the next batch while the current one commits.

use std::time::Duration;

use anyhow::{bail, Context};
use rampflow_actors::model::{
    Address, AssetCode, ExternalRef, FiatCurrency, Network, OrderId, PartnerId, PaymentMethod,
    Rate, Timestamp, UserRef, WalletId,
};
use rampflow_actors::order::{
    amount, decide, open, Accept, Command, Crypto, DepositInstructions, Direction, Fee, FeeType,
    Fiat, NewOrder, Outcome,
};
use rampflow_actors::store::OrderWrite;
use rampflow_actors::write_for;
use tokio::sync::mpsc;

use crate::store::Store;

/// Orders per transaction: large enough that the fsync per commit does not matter.
const BATCH: usize = 4096;

/// When the seeded orders' timers are due.
#[derive(Debug, Clone, Copy)]
pub enum Deadlines {
    /// A week away, so nothing fires while the figures are taken. Every other order is
    /// `created` (one deadline: acceptance); the rest are `accepted` (two: the deposit reminder
    /// and the deposit expiry), so both shapes of a waiting order are in memory.
    Distant,
    /// Every order `created`, its acceptance deadline spread evenly over
    /// `[from, from + window)`: one timer per order, all due inside the measured window.
    Spread { from: Timestamp, window: Duration },
}

/// Writes `orders` live orders into `store`, calling `progress` with the running count.
pub async fn seed(
    store: &Store,
    orders: u64,
    deadlines: Deadlines,
    progress: impl Fn(u64),
) -> anyhow::Result<()> {
    let (batches, mut ready) = mpsc::channel::<Vec<OrderWrite>>(2);
    let builder = std::thread::Builder::new()
        .name("scale-seed".into())
        .spawn(move || build_batches(orders, deadlines, batches))
        .context("cannot start the seeding thread")?;
    let mut written = 0;
    while let Some(batch) = ready.recv().await {
        written += store
            .seed_orders(&batch)
            .await
            .context("cannot write the seeded orders")?;
        progress(written);
    }
    builder
        .join()
        .map_err(|_| anyhow::anyhow!("the seeding thread panicked"))?;
    if written != orders {
        bail!("seeded {written} orders, expected {orders}");
    }
    Ok(())
}

fn build_batches(orders: u64, deadlines: Deadlines, batches: mpsc::Sender<Vec<OrderWrite>>) {
    let parties = Parties::new();
    let now = Timestamp::now();
    let mut batch = Vec::with_capacity(BATCH);
    for index in 0..orders {
        batch.push(order(&parties, index, orders, deadlines, now));
        if batch.len() == BATCH || index + 1 == orders {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if batches.blocking_send(full).is_err() {
                return; // the writer gave up; its error is the one to report
            }
        }
    }
}

/// A few wallets and partners, as a real population would have.
struct Parties {
    wallets: Vec<WalletId>,
    partners: Vec<PartnerId>,
}

impl Parties {
    fn new() -> Parties {
        Parties {
            wallets: (0..4).map(|_| WalletId::new()).collect(),
            partners: (0..4).map(|_| PartnerId::new()).collect(),
        }
    }
}

/// The `index`th order of `total`, shaped like one the API creates (fees, rate, references),
/// so its document is the usual size.
fn order(
    parties: &Parties,
    index: u64,
    total: u64,
    deadlines: Deadlines,
    now: Timestamp,
) -> OrderWrite {
    let slot = index as usize;
    let new = NewOrder {
        id: OrderId::new(),
        direction: Direction::Offramp,
        wallet_id: parties.wallets[slot % parties.wallets.len()],
        partner_id: parties.partners[slot % parties.partners.len()],
        user_ref: UserRef::parse(&format!("u-{}", index % 10_000)).expect("a valid user ref"),
        external_ref: Some(ExternalRef::parse(&format!("w-{index}")).expect("a valid reference")),
        crypto: Crypto {
            asset: AssetCode::parse("USDC").expect("a valid asset"),
            network: Network::parse("solana").expect("a valid network"),
            amount: amount("10.00"),
        },
        fiat: Fiat {
            currency: FiatCurrency::parse("NGN").expect("a valid currency"),
            amount: amount("15000.00"),
        },
        rate: Some(Rate::parse("1500.00").expect("a valid rate")),
        fees: vec![
            fee(FeeType::Partner, "0.05", "USDC"),
            fee(FeeType::Network, "0.01", "USDC"),
        ],
        user_wallet_address: Address::parse("F2etcaJ1W1m8Qm2s4aWkX3oVJcZq8Lr6yPpTnB9uQh7D")
            .expect("a valid address"),
        payment_method: PaymentMethod::parse("bank_transfer").expect("a valid method"),
    };
    let week = Duration::from_secs(7 * 24 * 3600);
    let mut change = open(new, now, week);
    match deadlines {
        Deadlines::Spread { from, window } => {
            let offset = window.mul_f64(index as f64 / total.max(1) as f64);
            change.state.timers.acceptance = Some(from.plus(offset));
        }
        Deadlines::Distant if index % 2 == 1 => {
            let accept = Command::Accept(Accept {
                external_id: None,
                rate: None,
                fees: None,
                deposit: DepositInstructions::Crypto {
                    address: Address::parse("DepositAddr7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZ")
                        .expect("a valid address"),
                    tag: None,
                },
                deposit_window: week,
                remind_before: Some(Duration::from_secs(24 * 3600)),
            });
            match decide(&change.state, &accept, now) {
                Ok(Outcome::Changed(accepted)) => change = accepted,
                other => unreachable!("a created order accepts: {other:?}"),
            }
        }
        Deadlines::Distant => {}
    }
    write_for(change, 0, None)
}

fn fee(fee_type: FeeType, value: &str, asset: &str) -> Fee {
    Fee {
        fee_type,
        amount: amount(value),
        asset: AssetCode::parse(asset).expect("a valid asset"),
    }
}
