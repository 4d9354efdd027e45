//! The lifecycle of API.md § Lifecycle as a pure function:
//! `decide(state, command, now) -> Outcome | Rejection`. No actors, no I/O and no clock: the
//! caller passes `now`, so every path is testable from a table.

use std::time::Duration;

use super::command::{Accept, Command, DepositInstructions};
use super::event::EventType;
use super::model::{
    Crypto, Deposit, Direction, Failure, Fee, Fiat, Funds, HistoryEntry, Order, OrderState, Refund,
    Status, TimerKind, Timers,
};
use crate::model::{
    Address, Amount, ExternalRef, FailureCode, OrderId, PartnerId, PaymentMethod, Rate, Reason,
    Timestamp, UserRef, WalletId,
};

/// What a valid command does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The order changes: its new state (version one higher) and the event announcing it.
    Changed(Change),
    /// The same command already brought the order where it is (a safe retry): answer with the
    /// order as it is, write nothing.
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub state: OrderState,
    pub event: EventType,
}

/// Why a command was refused. Nothing changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("order is {status}; cannot {command}", status = .status.as_str())]
    InvalidTransition {
        status: Status,
        command: &'static str,
    },
    /// A timer fired before its deadline (clock skew); the caller re-arms it.
    #[error("timer is not due until {due}")]
    NotDue { due: Timestamp },
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

/// What a wallet asks for when it creates an order, already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub id: OrderId,
    pub direction: Direction,
    pub wallet_id: WalletId,
    pub partner_id: PartnerId,
    pub user_ref: UserRef,
    pub external_ref: Option<ExternalRef>,
    pub crypto: Crypto,
    pub fiat: Fiat,
    pub rate: Option<Rate>,
    pub fees: Vec<Fee>,
    pub user_wallet_address: Address,
    pub payment_method: PaymentMethod,
}

/// Creates an order: version 1, status `created`, the acceptance deadline armed.
pub fn open(new: NewOrder, now: Timestamp, accept_timeout: Duration) -> Change {
    let order = Order {
        id: new.id,
        direction: new.direction,
        status: Status::Created,
        version: 1,
        wallet_id: new.wallet_id,
        partner_id: new.partner_id,
        user_ref: new.user_ref,
        external_ref: new.external_ref,
        external_id: None,
        crypto: new.crypto,
        fiat: new.fiat,
        rate: new.rate,
        fees: new.fees,
        user_wallet_address: new.user_wallet_address,
        payment_method: new.payment_method,
        deposit: None,
        funds: None,
        transaction_id: None,
        refund: None,
        failure: None,
        created_at: now,
        updated_at: now,
        history: vec![HistoryEntry {
            status: Status::Created,
            at: now,
        }],
    };
    Change {
        state: OrderState {
            order,
            timers: Timers {
                acceptance: Some(now.plus(accept_timeout)),
                ..Timers::default()
            },
            last_command: None,
        },
        event: EventType::Created,
    }
}

pub fn decide(state: &OrderState, command: &Command, now: Timestamp) -> Result<Outcome, Rejection> {
    let status = state.order.status;
    if !matches!(command, Command::Timer(_)) && state.last_command.as_ref() == Some(command) {
        return Ok(Outcome::Unchanged);
    }
    let refuse = || Rejection::InvalidTransition {
        status,
        command: command.name(),
    };
    let mut next = state.clone();
    let order = &mut next.order;

    let target = match (status, command) {
        (Status::Created, Command::Accept(accept)) => {
            apply_accept(order, &mut next.timers, accept, now)?;
            Status::Accepted
        }
        (Status::Created, Command::Reject { reason }) => {
            order.failure = Some(failure("rejected", reason.clone()));
            Status::Rejected
        }
        (Status::Created | Status::Accepted, Command::Cancel) => Status::Cancelled,
        (Status::Accepted, Command::FundsSent { reference }) => {
            order.funds = Some(Funds {
                amount: None,
                reference: reference.clone(),
            });
            Status::FundsSent
        }
        (
            Status::Accepted | Status::FundsSent | Status::Expired,
            Command::FundsReceived { amount, reference },
        ) => {
            let expected_matches = amount.same_value(order.expected_funds());
            let earlier_reference = order.funds.take().and_then(|f| f.reference);
            order.funds = Some(Funds {
                amount: Some(*amount),
                reference: reference.clone().or(earlier_reference),
            });
            // Late funds on an expired order are taken, never lost; the expiry no longer
            // describes the order.
            order.failure = None;
            if expected_matches {
                Status::FundsReceived
            } else {
                Status::Inconsistent
            }
        }
        (
            Status::FundsReceived | Status::Inconsistent,
            Command::Complete {
                transaction_id,
                crypto_amount,
                fiat_amount,
            },
        ) => {
            if let Some(amount) = fiat_amount {
                let units = order.fiat.currency.minor_units();
                if amount.scale() > units {
                    return Err(Rejection::Invalid {
                        field: "fiat_amount",
                        reason: format!(
                            "{} has {units} decimal places at most",
                            order.fiat.currency
                        ),
                    });
                }
            }
            order.transaction_id = Some(transaction_id.clone());
            if let Some(amount) = crypto_amount {
                order.crypto.amount = *amount;
            }
            if let Some(amount) = fiat_amount {
                order.fiat.amount = *amount;
            }
            Status::Completed
        }
        (
            Status::Accepted | Status::FundsSent | Status::FundsReceived | Status::Inconsistent,
            Command::Fail { code, reason },
        ) => {
            order.failure = Some(Failure {
                code: code.clone(),
                reason: reason.clone(),
            });
            Status::Failed
        }
        (
            Status::Failed | Status::Inconsistent | Status::Expired,
            Command::Refund {
                amount,
                transaction_id,
                address,
            },
        ) => {
            // Off-ramp users sent crypto, and `user_wallet_address` is their refund address.
            let default_address = match order.direction {
                Direction::Offramp => Some(order.user_wallet_address.clone()),
                Direction::Onramp => None,
            };
            order.refund = Some(Refund {
                amount: *amount,
                transaction_id: transaction_id.clone(),
                address: address.clone().or(default_address),
            });
            Status::Refunded
        }
        (_, Command::Timer(kind)) => return fire_timer(state, *kind, now).ok_or_else(refuse)?,
        _ => return Err(refuse()),
    };

    next.timers = timers_after(target, next.timers);
    next.last_command = Some(command.clone());
    Ok(Outcome::Changed(enter(next, target, now)))
}

/// Which timers survive entering `status`: each deadline only means something in the statuses
/// of API.md's timer rows.
fn timers_after(status: Status, timers: Timers) -> Timers {
    match status {
        Status::Created => Timers {
            reminder: None,
            expiry: None,
            ..timers
        },
        Status::Accepted => Timers {
            acceptance: None,
            ..timers
        },
        Status::FundsSent => Timers {
            expiry: timers.expiry,
            ..Timers::default()
        },
        _ => Timers::default(),
    }
}

fn apply_accept(
    order: &mut Order,
    timers: &mut Timers,
    accept: &Accept,
    now: Timestamp,
) -> Result<(), Rejection> {
    let (address, tag, bank) = match (&accept.deposit, order.direction) {
        (DepositInstructions::Crypto { address, tag }, Direction::Offramp) => {
            (Some(address.clone()), tag.clone(), None)
        }
        (DepositInstructions::Bank(bank), Direction::Onramp) => (None, None, Some(bank.clone())),
        (DepositInstructions::Bank(_), Direction::Offramp) => {
            return Err(Rejection::Invalid {
                field: "deposit",
                reason: "an off-ramp order needs a crypto deposit address".into(),
            })
        }
        (DepositInstructions::Crypto { .. }, Direction::Onramp) => {
            return Err(Rejection::Invalid {
                field: "deposit",
                reason: "an on-ramp order needs bank details".into(),
            })
        }
    };
    let expires_at = now.plus(accept.deposit_window);
    let remind_at = accept
        .remind_before
        .filter(|before| *before < accept.deposit_window)
        .map(|before| expires_at.minus(before));
    order.deposit = Some(Deposit {
        address,
        tag,
        bank,
        expires_at,
        remind_at,
    });
    if let Some(external_id) = &accept.external_id {
        order.external_id = Some(external_id.clone());
    }
    if let Some(rate) = accept.rate {
        order.rate = Some(rate);
    }
    if let Some(fees) = &accept.fees {
        order.fees = fees.clone();
    }
    *timers = Timers {
        acceptance: None,
        reminder: remind_at,
        expiry: Some(expires_at),
    };
    Ok(())
}

/// A deadline fired. `None` when the timer does not apply to the order any more (the order
/// moved on before it fired): nothing happens.
fn fire_timer(
    state: &OrderState,
    kind: TimerKind,
    now: Timestamp,
) -> Option<Result<Outcome, Rejection>> {
    let due = state.timers.get(kind)?;
    if now < due {
        return Some(Err(Rejection::NotDue { due }));
    }
    let mut next = state.clone();
    let outcome = match (state.order.status, kind) {
        (Status::Created, TimerKind::Acceptance) => {
            next.order.failure = Some(failure(
                "partner_timeout",
                reason("the partner did not accept or reject in time"),
            ));
            next.timers = Timers::default();
            next.last_command = None;
            enter(next, Status::Expired, now)
        }
        (Status::Accepted, TimerKind::Reminder) => {
            // Not a transition: the status stays, the version moves on so the reminder event
            // has its own place in the order's event sequence.
            next.timers.reminder = None;
            next.order.version += 1;
            next.order.updated_at = now;
            Change {
                state: next,
                event: EventType::DepositReminder,
            }
        }
        (Status::Accepted | Status::FundsSent, TimerKind::Expiry) => {
            next.order.failure = Some(failure(
                "deposit_expired",
                reason("the funds were not received before the deposit window closed"),
            ));
            next.timers = Timers::default();
            next.last_command = None;
            enter(next, Status::Expired, now)
        }
        _ => return None,
    };
    Some(Ok(Outcome::Changed(outcome)))
}

fn enter(mut state: OrderState, status: Status, now: Timestamp) -> Change {
    let order = &mut state.order;
    order.status = status;
    order.version += 1;
    order.updated_at = now;
    order.history.push(HistoryEntry { status, at: now });
    Change {
        state,
        event: EventType::entering(status),
    }
}

fn failure(code: &str, reason: Reason) -> Failure {
    Failure {
        code: FailureCode::parse(code).expect("built-in failure codes are valid"),
        reason,
    }
}

fn reason(text: &str) -> Reason {
    Reason::parse(text).expect("built-in reasons are valid")
}

/// For tests and benches: an amount from a literal.
pub fn amount(text: &str) -> Amount {
    Amount::parse(text).expect("a valid amount literal")
}
