//! The simulated parties call the API through `rampflow-client`, as an integrator would. Each
//! party's client reports every answer it gets (retries included) to one [`Log`], and the
//! demo narrates the log after each call: one line per request, with the status it got.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rampflow_client::{Client, Exchange};
use reqwest::{Method, StatusCode};

/// The answers the parties' clients got since the last narration.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Sent>>>);

/// One answered request.
pub struct Sent {
    pub who: &'static str,
    pub method: Method,
    pub path: String,
    pub status: StatusCode,
}

impl Log {
    /// A client of the server at `base` with `key`, reporting to this log as `who`.
    pub fn client(&self, base: &str, who: &'static str, key: &str) -> anyhow::Result<Client> {
        let log = self.clone();
        Ok(Client::builder(base, key)
            .timeout(Duration::from_secs(30))
            .observe(move |exchange: &Exchange<'_>| {
                log.0.lock().expect("log lock").push(Sent {
                    who,
                    method: exchange.method.clone(),
                    path: exchange.path.to_owned(),
                    status: exchange.status,
                })
            })
            .build()?)
    }

    /// The answers logged so far, oldest first; the log is left empty.
    pub fn take(&self) -> Vec<Sent> {
        std::mem::take(&mut *self.0.lock().expect("log lock"))
    }
}

/// Someone who calls the API with a key: the operator, the wallet or the partner.
#[derive(Clone)]
pub struct Caller {
    pub who: &'static str,
    pub key: String,
    pub client: Client,
}

impl<W: std::io::Write> super::Demo<W> {
    /// Narrates the requests the parties' clients sent since the last narration (one line
    /// each, with its status), then gives the call's answer; a failed call names `what`.
    pub(super) fn told<T>(
        &mut self,
        what: &str,
        answer: Result<T, rampflow_client::Error>,
    ) -> anyhow::Result<T> {
        for sent in self.log.take() {
            self.out
                .request(sent.who, &sent.method, &sent.path, sent.status)?;
        }
        anyhow::Context::with_context(answer, || format!("{what} failed"))
    }
}
