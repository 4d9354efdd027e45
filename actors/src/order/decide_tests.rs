//! Table-driven tests of the pure state machine (`open` and `decide`) against API.md
//! § Orders / Lifecycle. The expected table is a literal copied from the contract, never computed
//! by the code under test, and the fixtures are built by hand (not through `decide`), so a bug in
//! `decide` cannot hide in its own expectations.

use std::time::Duration;

use super::{
    amount, decide, open, Accept, BankDetails, Change, Command, Crypto, Deposit,
    DepositInstructions, Direction, EventType, Failure, Fee, FeeType, Fiat, Funds, HistoryEntry,
    NewOrder, Order, OrderState, Outcome, Refund, Rejection, Status, Tag, TagType, TimerKind,
    Timers,
};
use crate::model::{
    Address, AssetCode, ExternalRef, FailureCode, FiatCurrency, Network, OrderId, PartnerId,
    PaymentMethod, Rate, Reason, Reference, Timestamp, UserRef, WalletId,
};

// ---------------------------------------------------------------------------------------------
// Time line of the fixtures, in minutes after creation: created at 0 (acceptance deadline at
// 15), accepted at 5 with a 30-minute window (reminder at 25, expiry at 35). Commands are
// decided at minute 120, after every deadline, so every armed timer is due.

const ACCEPT_TIMEOUT: Duration = Duration::from_secs(15 * 60);
const WINDOW: Duration = Duration::from_secs(30 * 60);
const REMIND_BEFORE: Duration = Duration::from_secs(10 * 60);

fn at(minutes: u64) -> Timestamp {
    Timestamp::parse("2026-11-22T10:00:00.000Z")
        .unwrap()
        .plus(Duration::from_secs(60 * minutes))
}

fn now() -> Timestamp {
    at(120)
}

fn reference(text: &str) -> Reference {
    Reference::parse(text).unwrap()
}

fn reason(text: &str) -> Reason {
    Reason::parse(text).unwrap()
}

fn address(text: &str) -> Address {
    Address::parse(text).unwrap()
}

fn failure(code: &str) -> Failure {
    Failure {
        code: FailureCode::parse(code).unwrap(),
        reason: reason("fixture"),
    }
}

fn entry(status: Status, at: Timestamp) -> HistoryEntry {
    HistoryEntry { status, at }
}

fn other(direction: Direction) -> Direction {
    match direction {
        Direction::Onramp => Direction::Offramp,
        Direction::Offramp => Direction::Onramp,
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/// 10 USDC against 15000 NGN: the two legs differ, so using the wrong one as the expected funds
/// shows up as `inconsistent`.
pub(crate) fn new_order(direction: Direction) -> NewOrder {
    NewOrder {
        id: OrderId::parse("01936f4e-0000-7000-8000-000000000001").unwrap(),
        direction,
        wallet_id: WalletId::parse("01936f4e-0000-7000-8000-000000000002").unwrap(),
        partner_id: PartnerId::parse("01936f4e-0000-7000-8000-000000000003").unwrap(),
        user_ref: UserRef::parse("u-42").unwrap(),
        external_ref: Some(ExternalRef::parse("w-991").unwrap()),
        crypto: Crypto {
            asset: AssetCode::parse("USDC").unwrap(),
            network: Network::parse("solana").unwrap(),
            amount: amount("10.00"),
        },
        fiat: Fiat {
            currency: FiatCurrency::parse("NGN").unwrap(),
            amount: amount("15000.00"),
        },
        rate: Some(Rate::parse("1500").unwrap()),
        fees: vec![],
        user_wallet_address: address("F2etcaJ1user"),
        payment_method: PaymentMethod::parse("bank_transfer").unwrap(),
    }
}

/// What `open(new_order(direction), at(0), ACCEPT_TIMEOUT)` must give, written out by hand.
fn created(direction: Direction) -> OrderState {
    let new = new_order(direction);
    OrderState {
        order: Order {
            id: new.id,
            direction,
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
            created_at: at(0),
            updated_at: at(0),
            history: vec![entry(Status::Created, at(0))],
        },
        timers: Timers {
            acceptance: Some(at(15)),
            ..Timers::default()
        },
        last_command: None,
    }
}

fn bank() -> BankDetails {
    BankDetails {
        name: reference("Rampbank"),
        account: address("0123456789"),
        reference: Some(reference("RF-42")),
    }
}

/// The deposit instructions that fit `direction`: bank details on-ramp, an address off-ramp.
fn instructions(direction: Direction) -> DepositInstructions {
    match direction {
        Direction::Onramp => DepositInstructions::Bank(bank()),
        Direction::Offramp => DepositInstructions::Crypto {
            address: address("DepositAddr1"),
            tag: Some(Tag {
                tag_type: TagType::Memo,
                value: reference("memo-7"),
            }),
        },
    }
}

/// The deposit an accept at minute 5 with `instructions(direction)` records.
fn deposit(direction: Direction) -> Deposit {
    let (address, tag, bank) = match instructions(direction) {
        DepositInstructions::Crypto { address, tag } => (Some(address), tag, None),
        DepositInstructions::Bank(bank) => (None, None, Some(bank)),
    };
    Deposit {
        address,
        tag,
        bank,
        expires_at: at(35),
        remind_at: Some(at(25)),
    }
}

/// An order that reached `status` along the usual road, one step every 5 minutes, with the
/// parts and the timers an order in that status really has. No last command: each cell of the
/// table then exercises the transition itself, not the safe-retry shortcut (tested apart).
fn fixture(status: Status, direction: Direction) -> OrderState {
    use Status::*;
    let road: &[Status] = match status {
        Created => &[],
        Accepted => &[Accepted],
        Rejected => &[Rejected],
        Cancelled => &[Accepted, Cancelled],
        FundsSent => &[Accepted, FundsSent],
        FundsReceived => &[Accepted, FundsSent, FundsReceived],
        Inconsistent => &[Accepted, FundsSent, Inconsistent],
        Completed => &[Accepted, FundsSent, FundsReceived, Completed],
        Failed => &[Accepted, FundsSent, Failed],
        Refunded => &[Accepted, FundsSent, Failed, Refunded],
        Expired => &[Accepted, Expired],
    };
    let passed = |s: Status| road.contains(&s);
    let mut state = created(direction);
    let order = &mut state.order;
    for (step, &s) in road.iter().enumerate() {
        let when = at(5 * (step as u64 + 1));
        order.status = s;
        order.version += 1;
        order.updated_at = when;
        order.history.push(entry(s, when));
    }
    if passed(Accepted) {
        order.deposit = Some(deposit(direction));
        order.external_id = Some(ExternalRef::parse("p-1").unwrap());
    }
    if passed(FundsSent) {
        let received = if passed(FundsReceived) {
            Some(*order.expected_funds())
        } else if passed(Inconsistent) {
            Some(amount("1.23"))
        } else {
            None
        };
        order.funds = Some(Funds {
            amount: received,
            reference: Some(reference("wallet-tx")),
        });
    }
    order.failure = match status {
        Rejected => Some(failure("rejected")),
        Failed | Refunded => Some(failure("aml_check_failed")),
        Expired => Some(failure("deposit_expired")),
        _ => None,
    };
    if passed(Completed) {
        order.transaction_id = Some(reference("0xpayout"));
    }
    if passed(Refunded) {
        order.refund = Some(Refund {
            amount: amount("10.00"),
            transaction_id: reference("0xrefund"),
            address: None,
        });
    }
    // API.md's timer rows: acceptance while created, reminder + expiry while accepted, expiry
    // while funds_sent, nothing anywhere else.
    state.timers = match status {
        Created => Timers {
            acceptance: Some(at(15)),
            ..Timers::default()
        },
        Accepted => Timers {
            acceptance: None,
            reminder: Some(at(25)),
            expiry: Some(at(35)),
        },
        FundsSent => Timers {
            expiry: Some(at(35)),
            ..Timers::default()
        },
        _ => Timers::default(),
    };
    state
}

// ---------------------------------------------------------------------------------------------
// Commands

/// The twelve command kinds of the table, in its column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Accept,
    Reject,
    Cancel,
    FundsSent,
    /// funds_received with the expected amount (written at another scale).
    FundsMatching,
    /// funds_received with another amount.
    FundsDiffering,
    Complete,
    Fail,
    Refund,
    TimerAcceptance,
    TimerReminder,
    TimerExpiry,
}

const KINDS: [Kind; 12] = [
    Kind::Accept,
    Kind::Reject,
    Kind::Cancel,
    Kind::FundsSent,
    Kind::FundsMatching,
    Kind::FundsDiffering,
    Kind::Complete,
    Kind::Fail,
    Kind::Refund,
    Kind::TimerAcceptance,
    Kind::TimerReminder,
    Kind::TimerExpiry,
];

impl Kind {
    /// The command name a rejection reports (the `cannot …` of the 409 message).
    fn name(self) -> &'static str {
        match self {
            Kind::Accept => "accept",
            Kind::Reject => "reject",
            Kind::Cancel => "cancel",
            Kind::FundsSent => "funds_sent",
            Kind::FundsMatching | Kind::FundsDiffering => "funds_received",
            Kind::Complete => "complete",
            Kind::Fail => "fail",
            Kind::Refund => "refund",
            Kind::TimerAcceptance => "timer_acceptance",
            Kind::TimerReminder => "timer_reminder",
            Kind::TimerExpiry => "timer_expiry",
        }
    }

    fn is_timer(self) -> bool {
        matches!(
            self,
            Kind::TimerAcceptance | Kind::TimerReminder | Kind::TimerExpiry
        )
    }
}

fn accept(direction: Direction) -> Accept {
    Accept {
        external_id: Some(ExternalRef::parse("p-1").unwrap()),
        rate: None,
        fees: None,
        deposit: instructions(direction),
        deposit_window: WINDOW,
        remind_before: Some(REMIND_BEFORE),
    }
}

fn funds_received(text: &str) -> Command {
    Command::FundsReceived {
        amount: amount(text),
        reference: None,
    }
}

fn complete(crypto: Option<&str>, fiat: Option<&str>) -> Command {
    Command::Complete {
        transaction_id: reference("0xpayout"),
        crypto_amount: crypto.map(amount),
        fiat_amount: fiat.map(amount),
    }
}

fn refund(to: Option<&str>) -> Command {
    Command::Refund {
        amount: amount("10.00"),
        transaction_id: reference("0xrefund"),
        address: to.map(address),
    }
}

fn command(kind: Kind, direction: Direction) -> Command {
    match kind {
        Kind::Accept => Command::Accept(accept(direction)),
        Kind::Reject => Command::Reject {
            reason: reason("corridor not supported"),
        },
        Kind::Cancel => Command::Cancel,
        Kind::FundsSent => Command::FundsSent {
            reference: Some(reference("wallet-tx")),
        },
        // Fiat is what an on-ramp partner receives, crypto an off-ramp one; written without
        // the fixture's ".00" so the comparison must be by value.
        Kind::FundsMatching => funds_received(match direction {
            Direction::Onramp => "15000",
            Direction::Offramp => "10",
        }),
        Kind::FundsDiffering => funds_received("1.23"),
        Kind::Complete => complete(None, None),
        Kind::Fail => Command::Fail {
            code: FailureCode::parse("aml_check_failed").unwrap(),
            reason: reason("sanctions hit"),
        },
        Kind::Refund => refund(None),
        Kind::TimerAcceptance => Command::Timer(TimerKind::Acceptance),
        Kind::TimerReminder => Command::Timer(TimerKind::Reminder),
        Kind::TimerExpiry => Command::Timer(TimerKind::Expiry),
    }
}

/// The same command kind with another body, for the safe-retry test. `cancel` has no body.
fn different_body(kind: Kind, direction: Direction) -> Option<Command> {
    Some(match kind {
        Kind::Accept => Command::Accept(Accept {
            deposit_window: WINDOW * 2,
            ..accept(direction)
        }),
        Kind::Reject => Command::Reject {
            reason: reason("another reason"),
        },
        Kind::FundsSent => Command::FundsSent { reference: None },
        Kind::FundsMatching | Kind::FundsDiffering => funds_received("2.34"),
        Kind::Complete => Command::Complete {
            transaction_id: reference("0xother"),
            crypto_amount: None,
            fiat_amount: None,
        },
        Kind::Fail => Command::Fail {
            code: FailureCode::parse("other_code").unwrap(),
            reason: reason("sanctions hit"),
        },
        Kind::Refund => refund(Some("SomewhereElse")),
        Kind::Cancel | Kind::TimerAcceptance | Kind::TimerReminder | Kind::TimerExpiry => {
            return None
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The expected lifecycle, copied from API.md § Lifecycle

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The order moves to this status.
    To(Status),
    /// `order.deposit_reminder` is announced; the status stays.
    Reminder,
    /// 409 `invalid_transition`.
    Invalid,
}

#[rustfmt::skip] // one row per status, one column per command: keep it a grid
fn lifecycle_table() -> [(Status, [Expect; 12]); 11] {
    use Expect::To;
    use Status::*;
    const X: Expect = Expect::Invalid;
    const R: Expect = Expect::Reminder;
    [
        // status        accept        reject        cancel         funds_sent     recv =             recv ≠            complete       fail        refund        t_accept     t_rem t_expiry
        (Created,       [To(Accepted), To(Rejected), To(Cancelled), X,             X,                 X,                X,             X,          X,            To(Expired), X,    X]),
        (Accepted,      [X,            X,            To(Cancelled), To(FundsSent), To(FundsReceived), To(Inconsistent), X,             To(Failed), X,            X,           R,    To(Expired)]),
        (Rejected,      [X,            X,            X,             X,             X,                 X,                X,             X,          X,            X,           X,    X]),
        (Cancelled,     [X,            X,            X,             X,             X,                 X,                X,             X,          X,            X,           X,    X]),
        (FundsSent,     [X,            X,            X,             X,             To(FundsReceived), To(Inconsistent), X,             To(Failed), X,            X,           X,    To(Expired)]),
        (FundsReceived, [X,            X,            X,             X,             X,                 X,                To(Completed), To(Failed), X,            X,           X,    X]),
        (Inconsistent,  [X,            X,            X,             X,             X,                 X,                To(Completed), To(Failed), To(Refunded), X,           X,    X]),
        (Completed,     [X,            X,            X,             X,             X,                 X,                X,             X,          X,            X,           X,    X]),
        (Failed,        [X,            X,            X,             X,             X,                 X,                X,             X,          To(Refunded), X,           X,    X]),
        (Refunded,      [X,            X,            X,             X,             X,                 X,                X,             X,          X,            X,           X,    X]),
        (Expired,       [X,            X,            X,             X,             To(FundsReceived), To(Inconsistent), X,             X,          To(Refunded), X,           X,    X]),
    ]
}

/// The webhook event announcing entry into `status` (API.md § Webhooks).
fn announcing(status: Status) -> EventType {
    match status {
        Status::Created => EventType::Created,
        Status::Accepted => EventType::Accepted,
        Status::Rejected => EventType::Rejected,
        Status::Cancelled => EventType::Cancelled,
        Status::FundsSent => EventType::FundsSent,
        Status::FundsReceived => EventType::FundsReceived,
        Status::Inconsistent => EventType::Inconsistent,
        Status::Completed => EventType::Completed,
        Status::Failed => EventType::Failed,
        Status::Refunded => EventType::Refunded,
        Status::Expired => EventType::Expired,
    }
}

/// The timers an order has right after entering `target` at `now()` from `before`.
fn timers_entering(target: Status, before: &OrderState) -> Timers {
    match target {
        // Armed by the accept at `now()` with the default window and reminder.
        Status::Accepted => Timers {
            acceptance: None,
            reminder: Some(now().plus(WINDOW - REMIND_BEFORE)),
            expiry: Some(now().plus(WINDOW)),
        },
        // The deposit window still runs; the reminder has no point any more.
        Status::FundsSent => Timers {
            expiry: before.timers.expiry,
            ..Timers::default()
        },
        _ => Timers::default(),
    }
}

fn changed(result: Result<Outcome, Rejection>, cell: &str) -> Change {
    match result {
        Ok(Outcome::Changed(change)) => change,
        other => panic!("{cell}: expected a change, got {other:?}"),
    }
}

/// Checks what every change does: one version more, stamped `now()`, identity untouched.
fn assert_bumped(before: &OrderState, change: &Change, cell: &str) {
    let (old, new) = (&before.order, &change.state.order);
    assert_eq!(new.version, old.version + 1, "{cell}: version");
    assert_eq!(new.updated_at, now(), "{cell}: updated_at");
    assert_eq!(
        (
            new.id,
            new.direction,
            new.wallet_id,
            new.partner_id,
            new.created_at
        ),
        (
            old.id,
            old.direction,
            old.wallet_id,
            old.partner_id,
            old.created_at
        ),
        "{cell}: identity"
    );
    assert_eq!(new.user_wallet_address, old.user_wallet_address, "{cell}");
}

fn check_cell(status: Status, kind: Kind, direction: Direction, expect: Expect) {
    let cell = format!("{direction:?} order in {status:?} given {kind:?}");
    let before = fixture(status, direction);
    let untouched = before.clone();
    let result = decide(&before, &command(kind, direction), now());
    assert_eq!(before, untouched, "{cell}: decide modified its input");
    match expect {
        Expect::Invalid => assert_eq!(
            result,
            Err(Rejection::InvalidTransition {
                status,
                command: kind.name()
            }),
            "{cell}"
        ),
        Expect::To(target) => {
            let change = changed(result, &cell);
            assert_eq!(change.event, announcing(target), "{cell}: event");
            assert_eq!(change.state.order.status, target, "{cell}: status");
            assert_bumped(&before, &change, &cell);
            let mut history = before.order.history.clone();
            history.push(entry(target, now()));
            assert_eq!(change.state.order.history, history, "{cell}: history");
            assert_eq!(
                change.state.timers,
                timers_entering(target, &before),
                "{cell}: timers"
            );
        }
        Expect::Reminder => {
            let change = changed(result, &cell);
            assert_eq!(change.event, EventType::DepositReminder, "{cell}: event");
            assert_eq!(change.state.order.status, status, "{cell}: status");
            assert_bumped(&before, &change, &cell);
            assert_eq!(
                change.state.order.history, before.order.history,
                "{cell}: a reminder is no transition"
            );
            let timers = Timers {
                reminder: None,
                ..before.timers
            };
            assert_eq!(change.state.timers, timers, "{cell}: timers");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Every status × every command

#[test]
fn every_status_and_command_follows_the_lifecycle_table() {
    let table = lifecycle_table();
    assert_eq!(
        table.map(|(status, _)| status),
        Status::ALL,
        "one row per status"
    );
    let mut cells = 0;
    for direction in Direction::ALL {
        for (status, row) in table {
            for (kind, expect) in KINDS.into_iter().zip(row) {
                check_cell(status, kind, direction, expect);
                cells += 1;
            }
        }
    }
    assert_eq!(cells, 2 * 11 * 12);
}

#[test]
fn fixtures_are_consistent_with_their_status() {
    // Guards the table test's premise: each fixture is a plausible order in its status.
    for direction in Direction::ALL {
        for status in Status::ALL {
            let state = fixture(status, direction);
            let order = &state.order;
            assert_eq!(order.status, status);
            assert_eq!(order.history.last().unwrap().status, status);
            assert_eq!(order.version as usize, order.history.len());
            assert!(state.timers.pending().all(|(_, due)| due < now()));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Accept, per direction

#[test]
fn accept_needs_the_deposit_kind_of_the_direction() {
    for direction in Direction::ALL {
        let state = fixture(Status::Created, direction);
        let untouched = state.clone();
        let wrong = Command::Accept(Accept {
            deposit: instructions(other(direction)),
            ..accept(direction)
        });
        match decide(&state, &wrong, now()) {
            Err(Rejection::Invalid {
                field: "deposit", ..
            }) => {}
            other => panic!("{direction:?} with the wrong deposit: {other:?}"),
        }
        assert_eq!(state, untouched);
    }
}

#[test]
fn accept_records_the_deposit_and_arms_reminder_and_expiry() {
    for direction in Direction::ALL {
        let fees = vec![Fee {
            fee_type: FeeType::Partner,
            amount: amount("150.00"),
            asset: AssetCode::parse("NGN").unwrap(),
        }];
        let command = Command::Accept(Accept {
            rate: Some(Rate::parse("1499.5").unwrap()),
            fees: Some(fees.clone()),
            ..accept(direction)
        });
        let change = changed(
            decide(&fixture(Status::Created, direction), &command, now()),
            "accept",
        );
        let order = &change.state.order;
        let expires_at = now().plus(WINDOW);
        let remind_at = expires_at.minus(REMIND_BEFORE);
        let expected = Deposit {
            expires_at,
            remind_at: Some(remind_at),
            ..deposit(direction)
        };
        assert_eq!(order.deposit, Some(expected));
        match direction {
            Direction::Onramp => assert_eq!(order.deposit.as_ref().unwrap().bank, Some(bank())),
            Direction::Offramp => assert_eq!(
                order.deposit.as_ref().unwrap().address,
                Some(address("DepositAddr1"))
            ),
        }
        assert_eq!(order.external_id, Some(ExternalRef::parse("p-1").unwrap()));
        assert_eq!(order.rate, Some(Rate::parse("1499.5").unwrap()));
        assert_eq!(order.fees, fees);
        assert_eq!(
            change.state.timers,
            Timers {
                acceptance: None,
                reminder: Some(remind_at),
                expiry: Some(expires_at)
            }
        );
    }
}

#[test]
fn accept_without_rate_or_fees_keeps_those_of_the_order() {
    let state = fixture(Status::Created, Direction::Onramp);
    let change = changed(
        decide(&state, &command(Kind::Accept, Direction::Onramp), now()),
        "accept",
    );
    assert_eq!(change.state.order.rate, state.order.rate);
    assert_eq!(change.state.order.fees, state.order.fees);
}

#[test]
fn no_reminder_unless_it_falls_inside_the_window() {
    let second = Duration::from_secs(1);
    // (remind_before, expected remind_at); a reminder at or before acceptance is pointless.
    let cases = [
        (None, None),
        (Some(WINDOW), None),
        (Some(WINDOW + second), None),
        (Some(WINDOW - second), Some(now().plus(second))),
    ];
    for direction in Direction::ALL {
        for (remind_before, remind_at) in cases {
            let command = Command::Accept(Accept {
                remind_before,
                ..accept(direction)
            });
            let cell = format!("{direction:?} remind_before {remind_before:?}");
            let change = changed(
                decide(&fixture(Status::Created, direction), &command, now()),
                &cell,
            );
            let deposit = change.state.order.deposit.unwrap();
            assert_eq!(deposit.expires_at, now().plus(WINDOW), "{cell}");
            assert_eq!(deposit.remind_at, remind_at, "{cell}");
            assert_eq!(
                change.state.timers,
                Timers {
                    acceptance: None,
                    reminder: remind_at,
                    expiry: Some(now().plus(WINDOW))
                },
                "{cell}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Funds received

#[test]
fn funds_received_compares_the_expected_leg_by_value() {
    use Status::{FundsReceived, Inconsistent};
    let cases = [
        (Direction::Onramp, "15000", FundsReceived),
        (Direction::Onramp, "15000.000", FundsReceived),
        (Direction::Onramp, "15000.01", Inconsistent),
        // The crypto leg is what the on-ramp partner pays out, not what it receives.
        (Direction::Onramp, "10.00", Inconsistent),
        (Direction::Offramp, "10", FundsReceived),
        (Direction::Offramp, "10.000000", FundsReceived),
        (Direction::Offramp, "9.99", Inconsistent),
        (Direction::Offramp, "15000.00", Inconsistent),
    ];
    for from in [Status::Accepted, Status::FundsSent] {
        for (direction, text, target) in cases {
            let cell = format!("{direction:?} from {from:?} receiving {text}");
            let change = changed(
                decide(&fixture(from, direction), &funds_received(text), now()),
                &cell,
            );
            assert_eq!(change.state.order.status, target, "{cell}");
            let funds = change.state.order.funds.unwrap();
            // Kept as the partner wrote it.
            assert_eq!(
                funds.amount.map(|a| a.to_string()),
                Some(text.to_owned()),
                "{cell}"
            );
        }
    }
}

#[test]
fn funds_received_keeps_the_wallet_reference_unless_it_brings_one() {
    let sent = fixture(Status::FundsSent, Direction::Offramp);
    let plain = changed(decide(&sent, &funds_received("10"), now()), "no reference");
    assert_eq!(
        plain.state.order.funds.unwrap().reference,
        Some(reference("wallet-tx"))
    );
    let with = Command::FundsReceived {
        amount: amount("10"),
        reference: Some(reference("partner-tx")),
    };
    let replaced = changed(decide(&sent, &with, now()), "with reference");
    assert_eq!(
        replaced.state.order.funds.unwrap().reference,
        Some(reference("partner-tx"))
    );
}

#[test]
fn late_funds_on_an_expired_order_are_taken_and_clear_the_failure() {
    for direction in Direction::ALL {
        let expired = fixture(Status::Expired, direction);
        assert!(expired.order.failure.is_some());
        for (kind, target) in [
            (Kind::FundsMatching, Status::FundsReceived),
            (Kind::FundsDiffering, Status::Inconsistent),
        ] {
            let cell = format!("{direction:?} late {kind:?}");
            let change = changed(decide(&expired, &command(kind, direction), now()), &cell);
            assert_eq!(change.state.order.status, target, "{cell}");
            assert_eq!(change.state.order.failure, None, "{cell}");
            assert!(change.state.order.funds.unwrap().amount.is_some(), "{cell}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Safe retries

#[test]
fn repeating_the_command_that_made_a_change_is_a_safe_retry() {
    let mut retried = 0;
    for direction in Direction::ALL {
        for (status, row) in lifecycle_table() {
            for (kind, expect) in KINDS.into_iter().zip(row) {
                let (Expect::To(target), false) = (expect, kind.is_timer()) else {
                    continue;
                };
                let cell = format!("{direction:?} {kind:?} from {status:?}");
                let cmd = command(kind, direction);
                let after = changed(decide(&fixture(status, direction), &cmd, now()), &cell).state;
                let later = now().plus(Duration::from_secs(5));
                assert_eq!(
                    decide(&after, &cmd, later),
                    Ok(Outcome::Unchanged),
                    "{cell}"
                );
                if let Some(other) = different_body(kind, direction) {
                    assert_eq!(
                        decide(&after, &other, later),
                        Err(Rejection::InvalidTransition {
                            status: target,
                            command: kind.name()
                        }),
                        "{cell}: different body"
                    );
                }
                retried += 1;
            }
        }
    }
    // The table's command cells that change the order, per direction:
    // created 3, accepted 5, funds_sent 3, funds_received 2, inconsistent 3, failed 1, expired 3.
    assert_eq!(retried, 2 * 20);
}

#[test]
fn a_retry_after_the_order_moved_on_is_refused() {
    let direction = Direction::Offramp;
    let accept = command(Kind::Accept, direction);
    let accepted = changed(
        decide(&fixture(Status::Created, direction), &accept, now()),
        "accept",
    )
    .state;
    let cancelled = changed(decide(&accepted, &Command::Cancel, now()), "cancel").state;
    assert_eq!(
        decide(&cancelled, &accept, now()),
        Err(Rejection::InvalidTransition {
            status: Status::Cancelled,
            command: "accept"
        })
    );

    // A timer moved the order: the wallet's retried funds_sent must not look successful.
    let sent_cmd = command(Kind::FundsSent, direction);
    let sent = changed(decide(&accepted, &sent_cmd, now()), "funds_sent").state;
    let expiry = sent.timers.expiry.unwrap();
    let expired = changed(
        decide(&sent, &Command::Timer(TimerKind::Expiry), expiry),
        "expiry",
    )
    .state;
    assert_eq!(
        decide(&expired, &sent_cmd, expiry),
        Err(Rejection::InvalidTransition {
            status: Status::Expired,
            command: "funds_sent"
        })
    );
}

#[test]
fn the_reminder_does_not_break_a_retry_of_accept() {
    let direction = Direction::Onramp;
    let accept = command(Kind::Accept, direction);
    let accepted = changed(
        decide(&fixture(Status::Created, direction), &accept, now()),
        "accept",
    )
    .state;
    let remind_at = accepted.timers.reminder.unwrap();
    let reminded = changed(
        decide(&accepted, &Command::Timer(TimerKind::Reminder), remind_at),
        "reminder",
    )
    .state;
    assert_eq!(
        decide(&reminded, &accept, remind_at),
        Ok(Outcome::Unchanged)
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Timers

#[test]
fn a_timer_before_its_deadline_is_not_due_and_fires_at_it() {
    let armed = [
        (Status::Created, TimerKind::Acceptance, at(15)),
        (Status::Accepted, TimerKind::Reminder, at(25)),
        (Status::Accepted, TimerKind::Expiry, at(35)),
        (Status::FundsSent, TimerKind::Expiry, at(35)),
    ];
    for direction in Direction::ALL {
        for (status, kind, due) in armed {
            let cell = format!("{direction:?} {status:?} {kind:?}");
            let state = fixture(status, direction);
            let timer = Command::Timer(kind);
            let early = due.minus(Duration::from_millis(1));
            assert_eq!(
                decide(&state, &timer, early),
                Err(Rejection::NotDue { due }),
                "{cell}"
            );
            changed(decide(&state, &timer, due), &cell);
        }
    }
}

#[test]
fn acceptance_timeout_expires_the_order_as_partner_timeout() {
    for direction in Direction::ALL {
        let timer = Command::Timer(TimerKind::Acceptance);
        let change = changed(
            decide(&fixture(Status::Created, direction), &timer, now()),
            "acceptance",
        );
        assert_eq!(change.event, EventType::Expired);
        assert_eq!(change.state.order.status, Status::Expired);
        let failure = change.state.order.failure.unwrap();
        assert_eq!(failure.code.as_str(), "partner_timeout");
        assert_eq!(change.state.timers, Timers::default());
    }
}

#[test]
fn deposit_expiry_expires_the_order_as_deposit_expired() {
    for direction in Direction::ALL {
        for from in [Status::Accepted, Status::FundsSent] {
            let timer = Command::Timer(TimerKind::Expiry);
            let change = changed(decide(&fixture(from, direction), &timer, now()), "expiry");
            assert_eq!(change.event, EventType::Expired);
            assert_eq!(change.state.order.status, Status::Expired);
            let failure = change.state.order.failure.unwrap();
            assert_eq!(failure.code.as_str(), "deposit_expired");
            assert_eq!(change.state.timers, Timers::default());
        }
    }
}

#[test]
fn the_reminder_is_announced_once_and_clears_itself() {
    let accepted = fixture(Status::Accepted, Direction::Offramp);
    let timer = Command::Timer(TimerKind::Reminder);
    let change = changed(decide(&accepted, &timer, now()), "reminder");
    assert_eq!(change.event, EventType::DepositReminder);
    assert_eq!(change.state.timers.reminder, None);
    assert_eq!(change.state.timers.expiry, Some(at(35)));
    assert_eq!(change.state.order.deposit, accepted.order.deposit);
    // Firing it again (a duplicate run_later) finds no reminder to send.
    assert_eq!(
        decide(&change.state, &timer, now()),
        Err(Rejection::InvalidTransition {
            status: Status::Accepted,
            command: "timer_reminder"
        })
    );
}

#[test]
fn funds_sent_drops_the_reminder_but_keeps_the_expiry() {
    let accepted = fixture(Status::Accepted, Direction::Onramp);
    let change = changed(
        decide(
            &accepted,
            &command(Kind::FundsSent, Direction::Onramp),
            now(),
        ),
        "funds_sent",
    );
    assert_eq!(
        change.state.timers,
        Timers {
            acceptance: None,
            reminder: None,
            expiry: Some(at(35))
        }
    );
}

#[test]
fn timers_follow_the_order_along_a_whole_life() {
    // Driven end to end through `decide` itself, from `open`, at realistic times.
    let timeline = |direction: Direction| {
        [
            (command(Kind::Accept, direction), at(5), Status::Accepted),
            (
                command(Kind::FundsSent, direction),
                at(10),
                Status::FundsSent,
            ),
            (
                command(Kind::FundsMatching, direction),
                at(20),
                Status::FundsReceived,
            ),
            (
                command(Kind::Complete, direction),
                at(25),
                Status::Completed,
            ),
        ]
    };
    for direction in Direction::ALL {
        let mut state = open(new_order(direction), at(0), ACCEPT_TIMEOUT).state;
        for (cmd, when, target) in timeline(direction) {
            let change = changed(decide(&state, &cmd, when), target.as_str());
            state = change.state;
            let accepted_deadlines = Timers {
                acceptance: None,
                reminder: Some(at(5).plus(WINDOW - REMIND_BEFORE)),
                expiry: Some(at(5).plus(WINDOW)),
            };
            let expected = match target {
                Status::Accepted => accepted_deadlines,
                Status::FundsSent => Timers {
                    reminder: None,
                    ..accepted_deadlines
                },
                _ => Timers::default(),
            };
            assert_eq!(state.timers, expected, "{direction:?} in {target:?}");
        }
        let statuses: Vec<Status> = state.order.history.iter().map(|e| e.status).collect();
        use Status::*;
        assert_eq!(
            statuses,
            [Created, Accepted, FundsSent, FundsReceived, Completed]
        );
        assert_eq!(state.order.version, 5);
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Refund, complete, reject, fail

#[test]
fn refund_address_defaults_to_the_user_wallet_on_offramp_only() {
    for from in [Status::Failed, Status::Inconsistent, Status::Expired] {
        for direction in Direction::ALL {
            let state = fixture(from, direction);
            let cell = format!("{direction:?} refund from {from:?}");
            let default = match direction {
                // Off-ramp users sent crypto from `user_wallet_address`: that is where it goes back.
                Direction::Offramp => Some(address("F2etcaJ1user")),
                Direction::Onramp => None,
            };
            for (to, expected) in [
                (None, default),
                (Some("RefundHere"), Some(address("RefundHere"))),
            ] {
                let change = changed(decide(&state, &refund(to), now()), &cell);
                let expected = Refund {
                    amount: amount("10.00"),
                    transaction_id: reference("0xrefund"),
                    address: expected,
                };
                assert_eq!(
                    change.state.order.refund,
                    Some(expected),
                    "{cell} to {to:?}"
                );
            }
        }
    }
}

#[test]
fn complete_overrides_only_the_amounts_it_is_given() {
    let cases = [
        (None, None, "10.00", "15000.00"),
        (Some("9.95"), None, "9.95", "15000.00"),
        (None, Some("14925.00"), "10.00", "14925.00"),
        (Some("9.95"), Some("14925.00"), "9.95", "14925.00"),
    ];
    for from in [Status::FundsReceived, Status::Inconsistent] {
        for (crypto, fiat, crypto_after, fiat_after) in cases {
            let cell = format!("complete from {from:?} with {crypto:?} {fiat:?}");
            let state = fixture(from, Direction::Onramp);
            let order = changed(decide(&state, &complete(crypto, fiat), now()), &cell)
                .state
                .order;
            assert_eq!(order.crypto.amount.to_string(), crypto_after, "{cell}");
            assert_eq!(order.fiat.amount.to_string(), fiat_after, "{cell}");
            assert_eq!(order.transaction_id, Some(reference("0xpayout")), "{cell}");
        }
    }
}

#[test]
fn reject_and_fail_record_why() {
    let created = fixture(Status::Created, Direction::Onramp);
    let rejected = changed(
        decide(&created, &command(Kind::Reject, Direction::Onramp), now()),
        "reject",
    );
    let failure = rejected.state.order.failure.unwrap();
    assert_eq!(failure.code.as_str(), "rejected");
    assert_eq!(failure.reason, reason("corridor not supported"));

    let accepted = fixture(Status::Accepted, Direction::Onramp);
    let failed = changed(
        decide(&accepted, &command(Kind::Fail, Direction::Onramp), now()),
        "fail",
    );
    let failure = failed.state.order.failure.unwrap();
    assert_eq!(failure.code.as_str(), "aml_check_failed");
    assert_eq!(failure.reason, reason("sanctions hit"));
}

// ---------------------------------------------------------------------------------------------
// 7. open

#[test]
fn open_creates_version_one_with_the_acceptance_deadline() {
    for direction in Direction::ALL {
        let change = open(new_order(direction), at(0), ACCEPT_TIMEOUT);
        assert_eq!(change.event, EventType::Created);
        let order = &change.state.order;
        assert_eq!((order.version, order.status), (1, Status::Created));
        assert_eq!(order.history, [entry(Status::Created, at(0))]);
        assert_eq!(
            change.state.timers,
            Timers {
                acceptance: Some(at(0).plus(ACCEPT_TIMEOUT)),
                reminder: None,
                expiry: None
            }
        );
        // And nothing else: the whole state is the hand-written one.
        assert_eq!(change.state, created(direction));
    }
}
