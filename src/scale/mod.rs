//! `rampflow scale`: issue 6's scale figures, each from one command anyone can run.
//!
//! - RSS per idle live order, and the time to rehydrate every live order and re-arm its
//!   timers after a restart: N orders with far-away deadlines, probed once they are all up.
//! - Timer lateness: N orders whose deadlines all fall inside a window that opens after
//!   rehydration, each timer's lateness observed where the actor's timer callback runs.
//!
//! Each figure runs on a fresh SQLite database in a temporary directory, seeded straight
//! through the store, and is taken in a child process (`rampflow scale-probe`) that starts
//! the registry as the server does, so its resident memory is the actors' and nothing else's.
//!
//! # Layout
//! - [`cli`]: the arguments, the runs in order, the table and `--json`.
//! - [`seed`]: the seeded database.
//! - [`probe`]: the child that measures.
//! - [`report`]: the figures as data and as a table.
//! - [`machine`]: cores, memory and a process's resident set, from `/proc`.

pub mod cli;
pub mod machine;
pub mod probe;
pub mod report;
pub mod seed;

pub use cli::{main, Figure, ScaleArgs};
pub use probe::ProbeArgs;
