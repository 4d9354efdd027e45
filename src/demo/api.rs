//! The simulated parties' HTTP client: every call is narrated (method, short path, status)
//! and must get the status the contract promises, or the demo stops with the answer's body.

use std::io::Write;

use anyhow::{bail, Context};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::narrator::Narrator;

/// Someone who calls the API with a key: the operator, the wallet or the partner.
#[derive(Clone)]
pub struct Caller {
    pub who: &'static str,
    pub key: String,
}

/// One request: what to send and which statuses are a success.
pub struct Call<'a> {
    method: Method,
    path: String,
    body: Option<&'a Value>,
    idempotency_key: Option<String>,
    expected: &'a [StatusCode],
}

impl<'a> Call<'a> {
    pub fn get(path: impl Into<String>) -> Self {
        Call::new(Method::GET, path, None)
    }

    pub fn post(path: impl Into<String>, body: &'a Value) -> Self {
        Call::new(Method::POST, path, Some(body))
    }

    /// `POST /v1/orders/{id}/<command>`: 200 with the order.
    pub fn command(path: impl Into<String>, body: &'a Value) -> Self {
        Call::new(Method::POST, path, Some(body)).expect(&[StatusCode::OK])
    }

    pub fn put(path: impl Into<String>, body: &'a Value) -> Self {
        Call::new(Method::PUT, path, Some(body))
    }

    fn new(method: Method, path: impl Into<String>, body: Option<&'a Value>) -> Self {
        let expected: &[StatusCode] = match method {
            Method::POST => &[StatusCode::CREATED],
            _ => &[StatusCode::OK],
        };
        Call {
            method,
            path: path.into(),
            body,
            idempotency_key: None,
            expected,
        }
    }

    /// The statuses that count as success, when not the usual one.
    pub fn expect(mut self, expected: &'a [StatusCode]) -> Self {
        self.expected = expected;
        self
    }

    /// Makes the request safe to retry, as a real client does on a create.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

pub struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    pub fn new(base: String) -> anyhow::Result<Api> {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()?;
        Ok(Api { client, base })
    }

    /// Sends `call` as `caller`, narrates it and returns the JSON answer.
    pub async fn send<W: Write>(
        &self,
        out: &mut Narrator<W>,
        caller: &Caller,
        call: Call<'_>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}{}", self.base, call.path);
        let mut request = self
            .client
            .request(call.method.clone(), &url)
            .bearer_auth(&caller.key);
        if let Some(body) = call.body {
            request = request.json(body);
        }
        if let Some(key) = &call.idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{} {} {}: no answer", caller.who, call.method, call.path))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        out.request(caller.who, &call.method, &call.path, status)?;
        if !call.expected.contains(&status) {
            bail!(
                "{} {} {} answered {status}, expected {}: {text}",
                caller.who,
                call.method,
                call.path,
                call.expected
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            );
        }
        serde_json::from_str(&text).with_context(|| {
            format!(
                "{} {} {}: the answer is not JSON: {text}",
                caller.who, call.method, call.path
            )
        })
    }
}

impl Api {
    /// `GET path` without narration, for polling; any status but 200 is an error.
    pub async fn get_quietly(&self, caller: &Caller, path: &str) -> anyhow::Result<Value> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&caller.key)
            .send()
            .await
            .with_context(|| format!("{} GET {path}: no answer", caller.who))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status != StatusCode::OK {
            bail!("{} GET {path} answered {status}: {text}", caller.who);
        }
        serde_json::from_str(&text)
            .with_context(|| format!("{} GET {path}: the answer is not JSON: {text}", caller.who))
    }
}

/// A string field of a JSON answer, by JSON pointer (`/deposit/expires_at`), or `-` when it is
/// absent: for narration only.
pub fn field<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("-")
}

/// A string field the demo needs to go on.
pub fn required(value: &Value, pointer: &str) -> anyhow::Result<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("the answer has no {pointer}: {value}"))
}
