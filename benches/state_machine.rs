//! The pure decide step: how long the state machine itself takes for one command. (Encoding
//! and decoding the order are in `benches/order_json.rs`.)
//!
//! `cargo bench --bench state_machine`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rampflow_actors::model::{
    Address, AssetCode, FiatCurrency, Network, OrderId, PartnerId, PaymentMethod, Timestamp,
    UserRef, WalletId,
};
use rampflow_actors::order::{
    amount, decide, open, Accept, Command, Crypto, DepositInstructions, Direction, Fiat, NewOrder,
};

fn new_order() -> NewOrder {
    NewOrder {
        id: OrderId::new(),
        direction: Direction::Offramp,
        wallet_id: WalletId::new(),
        partner_id: PartnerId::new(),
        user_ref: UserRef::parse("u-42").unwrap(),
        external_ref: None,
        crypto: Crypto {
            asset: AssetCode::parse("USDC").unwrap(),
            network: Network::parse("solana").unwrap(),
            amount: amount("10.00"),
        },
        fiat: Fiat {
            currency: FiatCurrency::parse("NGN").unwrap(),
            amount: amount("15000.00"),
        },
        rate: None,
        fees: Vec::new(),
        user_wallet_address: Address::parse("F2etcaJ1userWallet").unwrap(),
        payment_method: PaymentMethod::parse("bank_transfer").unwrap(),
    }
}

fn benches(c: &mut Criterion) {
    let now = Timestamp::now();
    let created = open(new_order(), now, Duration::from_secs(600)).state;
    let accept = Command::Accept(Accept {
        external_id: None,
        rate: None,
        fees: None,
        deposit: DepositInstructions::Crypto {
            address: Address::parse("DepositAddr111").unwrap(),
            tag: None,
        },
        deposit_window: Duration::from_secs(1800),
        remind_before: Some(Duration::from_secs(600)),
    });
    c.bench_function("decide/accept", |b| {
        b.iter(|| decide(black_box(&created), black_box(&accept), now))
    });
    c.bench_function("open/create", |b| {
        b.iter_batched(
            new_order,
            |order| open(order, now, Duration::from_secs(600)),
            criterion::BatchSize::SmallInput,
        )
    });
}

criterion_group!(state_machine, benches);
criterion_main!(state_machine);
