//! Shared by the benches: a typical order, as the HTTP layer would build it from a create.

#![allow(dead_code)]

use rampflow_actors::model::{
    Address, AssetCode, FiatCurrency, Network, OrderId, PartnerId, PaymentMethod, UserRef, WalletId,
};
use rampflow_actors::order::{amount, Crypto, Direction, Fiat, NewOrder};

pub fn new_order() -> NewOrder {
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
