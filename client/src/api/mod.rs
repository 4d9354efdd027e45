//! One file per resource: its wire types and the [`Client`](crate::Client) methods that call
//! it. The order resource itself and its parts are `rampflow-actors`' own types.

pub mod admin;
pub mod events;
pub mod orders;
pub mod pricing;
pub mod users;
