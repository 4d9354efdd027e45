//! One order: its model, its commands, the pure state machine that moves it, and the actor
//! that runs that state machine for a live order.

#[cfg(feature = "runtime")]
mod actor;
mod command;
mod decide;
mod event;
mod model;

#[cfg(feature = "runtime")]
pub(crate) use actor::Held;
#[cfg(feature = "runtime")]
pub use actor::{
    document_of as actor_document, Execute, OrderActor, OrderReply, Party, Release, ReplyError,
    ReplySender, Snapshot,
};
pub use command::{Accept, Command, DepositInstructions, Issuer};
pub use decide::{amount, decide, open, Change, NewOrder, Outcome, Rejection};
pub use event::{EventType, OrderEvent};
pub use model::{
    BankDetails, Crypto, Deposit, Direction, Failure, Fee, FeeType, Fiat, Funds, HistoryEntry,
    Order, OrderState, Refund, Status, Tag, TagType, TimerKind, Timers,
};

#[cfg(test)]
pub(crate) mod decide_tests;
