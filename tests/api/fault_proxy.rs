//! A TCP proxy between the server and PostgreSQL that injects the faults of a real network:
//! the database refusing connections, a blackhole that swallows every byte, and a connection
//! cut right after a journal transaction's `COMMIT` was sent (so the database commits it but
//! the server never hears back).
//!
//! When a fault ends, every connection that lived through it is closed, as a firewall or a
//! restarted database would leave them; new connections pass again.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Bytes flow.
    None,
    /// Every connection is closed at once, and new ones are closed as they arrive.
    Refuse,
    /// Connections are accepted and kept, but nothing passes in either direction.
    Blackhole,
}

struct State {
    fault: Mutex<Fault>,
    /// Bumped to close every connection alive now.
    generation: watch::Sender<u64>,
    /// Cut the next journal transaction's connection just after its `COMMIT` went out, then
    /// refuse for this long.
    cut_at_commit: Mutex<Option<Duration>>,
    cuts: AtomicU64,
    stopped: AtomicBool,
}

pub struct FaultProxy {
    pub port: u16,
    state: Arc<State>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.state.stopped.store(true, Ordering::Relaxed);
        self.state.generation.send_modify(|g| *g += 1);
    }
}

/// The bound parameters of a journal transaction carry event payloads, which start so.
const JOURNAL_MARK: &[u8] = br#"{"type":"order."#;

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State {
            fault: Mutex::new(Fault::None),
            generation: watch::Sender::new(0),
            cut_at_commit: Mutex::new(None),
            cuts: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
        });
        let upstream = upstream.to_owned();
        let accepting = state.clone();
        tokio::spawn(async move {
            let mut stopped = accepting.generation.subscribe();
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    _ = stopped.changed() => {
                        if accepting.stopped.load(Ordering::Relaxed) { return } else { continue }
                    }
                };
                let Ok((client, _)) = accepted else { continue };
                let fault = *accepting.fault.lock().unwrap();
                match fault {
                    Fault::Refuse => drop(client),
                    Fault::Blackhole => {
                        let mut generation = accepting.generation.subscribe();
                        tokio::spawn(async move {
                            let _ = generation.changed().await;
                            drop(client);
                        });
                    }
                    Fault::None => {
                        tokio::spawn(relay(client, upstream.clone(), accepting.clone()));
                    }
                }
            }
        });
        FaultProxy { port, state }
    }

    /// `url` (a `postgres://…:5432/db` URL) with its port replaced by the proxy's.
    pub fn url_for(&self, url: &str) -> String {
        let host_end = url.rfind('/').unwrap();
        let port_start = url[..host_end].rfind(':').unwrap();
        format!("{}:{}{}", &url[..port_start], self.port, &url[host_end..])
    }

    pub fn set(&self, fault: Fault) {
        let old = std::mem::replace(&mut *self.state.fault.lock().unwrap(), fault);
        // Entering a refusal kills what is open (a restarted database); leaving any fault
        // closes what lived through it.
        if fault == Fault::Refuse || (old != Fault::None && fault == Fault::None) {
            self.state.generation.send_modify(|g| *g += 1);
        }
    }

    /// Arms a cut: the next journal transaction's connection is closed right after its
    /// `COMMIT` reached the database, and connections are refused for `refuse_for` after.
    pub fn cut_next_commit(&self, refuse_for: Duration) {
        *self.state.cut_at_commit.lock().unwrap() = Some(refuse_for);
    }

    /// Cuts made so far.
    pub fn cuts(&self) -> u64 {
        self.state.cuts.load(Ordering::Relaxed)
    }
}

async fn relay(client: TcpStream, upstream: String, state: Arc<State>) {
    let Ok(server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let mut generation = state.generation.subscribe();
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    // Set once a cut `COMMIT` went out: its answer must never reach the server under test.
    let muted = Arc::new(AtomicBool::new(false));
    let upward = {
        let state = state.clone();
        let muted = muted.clone();
        async move {
            let mut buffer = vec![0u8; 64 * 1024];
            let mut in_journal_transaction = false;
            loop {
                let read = client_read.read(&mut buffer).await.unwrap_or(0);
                if read == 0 {
                    return;
                }
                let chunk = &buffer[..read];
                if *state.fault.lock().unwrap() != Fault::None {
                    continue; // swallowed
                }
                in_journal_transaction |= contains(chunk, JOURNAL_MARK);
                let commit = in_journal_transaction && contains(chunk, b"COMMIT");
                let cut = if commit {
                    in_journal_transaction = false;
                    state.cut_at_commit.lock().unwrap().take()
                } else {
                    None
                };
                if cut.is_some() {
                    muted.store(true, Ordering::SeqCst);
                }
                if server_write.write_all(chunk).await.is_err() {
                    return;
                }
                {
                    if let Some(refuse_for) = cut {
                        // Let the database apply it, then cut before the answer gets back.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        state.cuts.fetch_add(1, Ordering::Relaxed);
                        *state.fault.lock().unwrap() = Fault::Refuse;
                        state.generation.send_modify(|g| *g += 1);
                        let state = state.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(refuse_for).await;
                            *state.fault.lock().unwrap() = Fault::None;
                            state.generation.send_modify(|g| *g += 1);
                        });
                        return;
                    }
                }
            }
        }
    };
    let downward = {
        let state = state.clone();
        async move {
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                let read = server_read.read(&mut buffer).await.unwrap_or(0);
                if read == 0 {
                    return;
                }
                if *state.fault.lock().unwrap() != Fault::None || muted.load(Ordering::SeqCst) {
                    continue;
                }
                if client_write.write_all(&buffer[..read]).await.is_err() {
                    return;
                }
            }
        }
    };
    // Either side ending, or a new generation, closes both (the halves drop here).
    tokio::select! {
        () = upward => {}
        () = downward => {}
        _ = generation.changed() => {}
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
