//! Shared by the actor test binaries: an in-memory `OrderStore` and a new order.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use rampflow_actors::model::{
    Address, AssetCode, FiatCurrency, Network, OrderId, PartnerId, PaymentMethod, UserRef, WalletId,
};
use rampflow_actors::order::{amount, Crypto, Direction, Fiat, NewOrder, OrderState};
use rampflow_actors::store::{OrderStore, OrderWrite, StoreError, WriteOutcome};

/// Orders in a map, with the same compare-and-set rule as the SQL store.
#[derive(Default)]
pub struct MemoryStore {
    pub orders: Mutex<HashMap<OrderId, OrderState>>,
    pub events: Mutex<Vec<(OrderId, u64, &'static str)>>,
}

impl MemoryStore {
    /// A second writer changes the order behind its actor's back.
    pub fn bump_behind_the_actor(&self, id: OrderId) {
        let mut orders = self.orders.lock().unwrap();
        let state = orders.get_mut(&id).unwrap();
        state.order.version += 1;
        state.order.external_ref = None;
    }
}

#[async_trait]
impl OrderStore for MemoryStore {
    async fn commit(&self, writes: &[OrderWrite]) -> Result<Vec<WriteOutcome>, StoreError> {
        let mut orders = self.orders.lock().unwrap();
        let mut events = self.events.lock().unwrap();
        Ok(writes
            .iter()
            .map(|write| {
                let stored = orders
                    .get(&write.state.order.id)
                    .map(|s| s.order.version)
                    .unwrap_or(0);
                if stored != write.expected_version {
                    return WriteOutcome::VersionConflict;
                }
                orders.insert(write.state.order.id, (*write.state).clone());
                events.push((
                    write.event.order_id,
                    write.event.version,
                    write.event.event_type.as_str(),
                ));
                WriteOutcome::Committed
            })
            .collect())
    }

    async fn load(&self, id: OrderId) -> Result<Option<OrderState>, StoreError> {
        Ok(self.orders.lock().unwrap().get(&id).cloned())
    }

    async fn live_orders(
        &self,
        after: Option<OrderId>,
        limit: u32,
    ) -> Result<Vec<OrderState>, StoreError> {
        let orders = self.orders.lock().unwrap();
        let mut live: Vec<OrderState> = orders
            .values()
            .filter(|s| s.order.status.is_live() && Some(s.order.id) > after)
            .cloned()
            .collect();
        live.sort_by_key(|s| s.order.id);
        live.truncate(limit as usize);
        Ok(live)
    }
}

pub fn new_order(wallet: WalletId, partner: PartnerId) -> NewOrder {
    NewOrder {
        id: OrderId::new(),
        direction: Direction::Offramp,
        wallet_id: wallet,
        partner_id: partner,
        user_ref: UserRef::parse("u-1").unwrap(),
        external_ref: None,
        crypto: Crypto {
            asset: AssetCode::parse("USDC").unwrap(),
            network: Network::parse("solana").unwrap(),
            amount: amount("10"),
        },
        fiat: Fiat {
            currency: FiatCurrency::parse("NGN").unwrap(),
            amount: amount("15000"),
        },
        rate: None,
        fees: Vec::new(),
        user_wallet_address: Address::parse("UserAddr").unwrap(),
        payment_method: PaymentMethod::parse("bank_transfer").unwrap(),
    }
}
