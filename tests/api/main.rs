//! Black-box tests: the real server on a random port with a fresh SQLite database per test,
//! driven over HTTP like a wallet, a partner and an operator would.

mod helpers;
mod smoke;
