//! The client against the real server: rampflow is started in-process on port 0 with a fresh
//! SQLite database of its own ([`server::Server::start`]), and the Rust and TypeScript clients
//! call it as an integrator would.

mod lifecycle;
mod server;
mod spec;
mod typescript;
