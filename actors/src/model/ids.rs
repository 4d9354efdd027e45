use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Invalid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new time-ordered id (UUIDv7), so newest-first listings can sort by id.
            pub fn new() -> Self {
                $name(Uuid::now_v7())
            }

            pub fn parse(text: &str) -> Result<Self, Invalid> {
                Uuid::try_parse(text)
                    .map($name)
                    .map_err(|_| Invalid::new("must be a UUID"))
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }
    };
}

uuid_id!(
    /// Identifies an order.
    OrderId
);
uuid_id!(
    /// Identifies a wallet (a tenant that owns users and orders).
    WalletId
);
uuid_id!(
    /// Identifies a ramp partner.
    PartnerId
);
uuid_id!(
    /// Identifies one order event; it is the `webhook-id` of its deliveries.
    EventId
);
