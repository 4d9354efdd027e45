//! The transport: one [`Client`] per API key, sending [`Call`]s with the key, an
//! `Idempotency-Key` on creates, and the retries of [`RetryPolicy`].

use std::sync::Arc;
use std::time::Duration;

use futures::{stream, Stream, StreamExt, TryStreamExt};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, Error, ErrorCode};
use crate::retry::RetryPolicy;

/// A client of one rampflow server with one API key: the operator's admin token, a wallet's
/// key or a partner's key. Cheap to clone (the connection pool is shared).
///
/// Every method says which role may call it; another role gets 403 `forbidden`.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    key: HeaderValue,
    retry: RetryPolicy,
    /// `limit` of the pages the streams read (the server's default, 20, when `None`).
    page_size: Option<u32>,
    observer: Option<Observer>,
}

type Observer = Arc<dyn Fn(&Exchange<'_>) + Send + Sync>;

/// One answered attempt, as an observer given to [`ClientBuilder::observe`] sees it.
#[derive(Debug)]
pub struct Exchange<'a> {
    pub method: &'a Method,
    /// The path and query, percent-encoded as sent (`/v1/orders?limit=20`).
    pub path: &'a str,
    pub status: StatusCode,
    /// 1 for the first attempt, 2 for the first retry, …
    pub attempt: u32,
    pub request_id: Option<&'a str>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("Client")
            .field("base", &self.inner.base.as_str())
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Client`] beyond its URL and key.
pub struct ClientBuilder {
    base_url: String,
    api_key: String,
    retry: RetryPolicy,
    timeout: Duration,
    http: Option<reqwest::Client>,
    page_size: Option<u32>,
    observer: Option<Observer>,
}

impl ClientBuilder {
    /// Retries (default [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Per-attempt timeout (default 30 s). Ignored when [`ClientBuilder::http_client`] is set.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The page size (1..=100) the list streams ask for; the server's default (20) otherwise.
    pub fn page_size(mut self, limit: u32) -> Self {
        self.page_size = Some(limit);
        self
    }

    /// Calls `observer` with every answer the client gets, retried attempts included, before
    /// it is handled: for logs, metrics or (in `rampflow demo`) narration.
    pub fn observe(mut self, observer: impl Fn(&Exchange<'_>) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// A reqwest client of your own (proxies, TLS roots, connection pool).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    pub fn build(self) -> Result<Client, Error> {
        let mut base = Url::parse(&self.base_url)
            .map_err(|e| Error::Input(format!("base URL {:?}: {e}", self.base_url)))?;
        if base.cannot_be_a_base() {
            return Err(Error::Input(format!("base URL {:?}", self.base_url)));
        }
        base.set_query(None);
        let mut key = HeaderValue::try_from(format!("Bearer {}", self.api_key))
            .map_err(|_| Error::Input("the API key is not a valid header value".into()))?;
        key.set_sensitive(true);
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .timeout(self.timeout)
                .user_agent(concat!("rampflow-client-rust/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(Error::Transport)?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                key,
                retry: self.retry,
                page_size: self.page_size,
                observer: self.observer,
            }),
        })
    }
}

impl Client {
    /// A client of the server at `base_url` (`http://127.0.0.1:8080`) with `api_key`, and the
    /// default retries.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> Result<Client, Error> {
        Client::builder(base_url, api_key).build()
    }

    pub fn builder(base_url: impl Into<String>, api_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            api_key: api_key.into(),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            http: None,
            page_size: None,
            observer: None,
        }
    }

    /// The same server and settings with another key (the operator hands a wallet its key).
    pub fn with_key(&self, api_key: impl Into<String>) -> Result<Client, Error> {
        let mut key = HeaderValue::try_from(format!("Bearer {}", api_key.into()))
            .map_err(|_| Error::Input("the API key is not a valid header value".into()))?;
        key.set_sensitive(true);
        Ok(Client {
            inner: Arc::new(Inner {
                http: self.inner.http.clone(),
                base: self.inner.base.clone(),
                key,
                retry: self.inner.retry.clone(),
                page_size: self.inner.page_size,
                observer: self.inner.observer.clone(),
            }),
        })
    }

    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// Sends `call` (with its retries) and reads a JSON answer.
    pub(crate) async fn json<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        let answer = self.send(call).await?;
        serde_json::from_slice(&answer.body).map_err(|source| Error::Decode {
            status: answer.status,
            request_id: answer.request_id,
            source,
        })
    }

    /// Sends `call` (with its retries) and keeps only that it succeeded.
    pub(crate) async fn empty(&self, call: Call) -> Result<(), Error> {
        self.send(call).await.map(drop)
    }

    /// Sends `call` with its retries: the answer when 2xx, else the error envelope.
    pub(crate) async fn send(&self, call: Call) -> Result<Answer, Error> {
        let none = RetryPolicy::none();
        let retry = if call.once { &none } else { &self.inner.retry };
        let mut attempt = 1;
        loop {
            let wait = match self.attempt(&call, attempt).await {
                Ok(answer) if answer.status.is_success() => return Ok(answer),
                Ok(answer) => {
                    let error = ApiError::from_parts(
                        answer.status,
                        answer.request_id,
                        answer.retry_after,
                        &answer.body,
                    );
                    // An idempotent request may be sent again after any 429 or 503; another
                    // only after the codes that say nothing was done (not `commit_unknown`,
                    // nor a 503 without the envelope, from a proxy say).
                    let again = matches!(
                        answer.status,
                        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
                    ) && (call.idempotent
                        || error.code.is_some_and(ErrorCode::nothing_done));
                    match again
                        .then(|| retry.after(attempt, error.retry_after))
                        .flatten()
                    {
                        Some(wait) => wait,
                        None => return Err(error.into()),
                    }
                }
                Err(e) => {
                    // A refused connection sent nothing; anything else may have reached it.
                    let again = e.is_connect() || call.idempotent;
                    match again.then(|| retry.backoff(attempt)).flatten() {
                        Some(wait) => wait,
                        None => return Err(Error::Transport(e)),
                    }
                }
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn attempt(&self, call: &Call, attempt: u32) -> Result<Answer, reqwest::Error> {
        let mut url = self.inner.base.clone();
        url.path_segments_mut()
            .expect("checked by the builder")
            .pop_if_empty()
            .extend(&call.segments);
        if !call.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url)
            .header(AUTHORIZATION, self.inner.key.clone());
        if let Some(body) = &call.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        if let Some(key) = &call.idempotency_key {
            request = request.header("idempotency-key", key.as_str());
        }
        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        let request_id = header_text(&headers, "x-request-id");
        if let Some(observer) = &self.inner.observer {
            observer(&Exchange {
                method: &call.method,
                path: &path,
                status,
                attempt,
                request_id: request_id.as_deref(),
            });
        }
        Ok(Answer {
            status,
            request_id,
            retry_after: header_text(&headers, RETRY_AFTER.as_str())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs),
            body: body.to_vec(),
        })
    }

    /// Every item of a list endpoint, page after page, following `next_cursor`.
    pub(crate) fn paginate<T>(&self, call: Call) -> impl Stream<Item = Result<T, Error>> + Send
    where
        T: DeserializeOwned + Send + 'static,
    {
        let client = self.clone();
        let call = call.query("limit", self.inner.page_size);
        // The state: the cursor of the next page, or `None` once the last page was read.
        stream::try_unfold(Some(String::new()), move |cursor| {
            let client = client.clone();
            let mut call = call.clone();
            async move {
                let Some(cursor) = cursor else {
                    return Ok(None);
                };
                if !cursor.is_empty() {
                    call.query.retain(|(k, _)| *k != "cursor");
                    call.query.push(("cursor", cursor));
                }
                let page: Page<T> = client.json(call).await?;
                Ok::<_, Error>(Some((page.data, page.next_cursor)))
            }
        })
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A 2xx or non-2xx answer as read off the wire.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub request_id: Option<String>,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

/// One request as the resource modules describe it.
#[derive(Clone)]
pub(crate) struct Call {
    method: Method,
    /// Path segments, percent-encoded when the URL is built (a `user_ref` may hold `/`).
    segments: Vec<String>,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    idempotency_key: Option<String>,
    /// Safe to send twice (see [`crate::retry`]).
    idempotent: bool,
    /// Sent once whatever the policy says (`/readyz` answers for now, not later).
    once: bool,
}

impl Call {
    pub fn get(segments: &[&str]) -> Call {
        Call::new(Method::GET, segments, true)
    }

    pub fn delete(segments: &[&str]) -> Call {
        Call::new(Method::DELETE, segments, true)
    }

    pub fn put(segments: &[&str], body: &impl Serialize) -> Call {
        Call::new(Method::PUT, segments, true).body(body)
    }

    /// A PUT without a body (a grant).
    pub fn put_bare(segments: &[&str]) -> Call {
        Call::new(Method::PUT, segments, true)
    }

    /// No retries for this call.
    pub fn once(mut self) -> Call {
        self.once = true;
        self
    }

    /// A POST that creates something: it carries `key`, or a fresh UUIDv7 when `None`, so a
    /// retry is answered with the first response.
    pub fn create(segments: &[&str], body: &impl Serialize, key: Option<IdempotencyKey>) -> Call {
        let mut call = Call::new(Method::POST, segments, true).body(body);
        call.idempotency_key = Some(key.unwrap_or_else(IdempotencyKey::generate).0);
        call
    }

    /// An order command: repeating it is answered with the order as it is.
    pub fn command(segments: &[&str], body: &impl Serialize) -> Call {
        Call::new(Method::POST, segments, true).body(body)
    }

    /// A POST that is not safe to send twice (rotations, redeliveries).
    pub fn action(segments: &[&str]) -> Call {
        Call::new(Method::POST, segments, false)
    }

    fn new(method: Method, segments: &[&str], idempotent: bool) -> Call {
        Call {
            method,
            segments: segments.iter().map(|s| (*s).to_owned()).collect(),
            query: Vec::new(),
            body: None,
            idempotency_key: None,
            idempotent,
            once: false,
        }
    }

    fn body(mut self, body: &impl Serialize) -> Call {
        self.body = Some(serde_json::to_vec(body).expect("request bodies serialize"));
        self
    }

    /// Adds `name=value` when `value` is given.
    pub fn query(mut self, name: &'static str, value: Option<impl ToString>) -> Call {
        if let Some(value) = value {
            self.query.push((name, value.to_string()));
        }
        self
    }

    pub fn page(self, page: &PageRequest) -> Call {
        self.query("limit", page.limit)
            .query("cursor", page.cursor.as_deref())
    }
}

/// The `Idempotency-Key` of a create (at most 255 characters). Give your own to make a create
/// safe to repeat across restarts of your process (derive it from your own record's id);
/// without one the client makes a UUIDv7 per call, which covers its own retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn new(key: impl Into<String>) -> Result<IdempotencyKey, Error> {
        let key = key.into();
        if key.is_empty() || key.len() > 255 || HeaderValue::from_str(&key).is_err() {
            return Err(Error::Input(format!(
                "an Idempotency-Key is 1 to 255 visible characters: {key:?}"
            )));
        }
        Ok(IdempotencyKey(key))
    }

    pub fn generate() -> IdempotencyKey {
        IdempotencyKey(uuid::Uuid::now_v7().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One page of a list endpoint: `{"data": [...], "next_cursor": "..." | null}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Which page to read: `limit` 1..=100 (the server's default is 20) and the `cursor` of the
/// previous page's `next_cursor`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl PageRequest {
    pub fn limit(limit: u32) -> PageRequest {
        PageRequest {
            limit: Some(limit),
            cursor: None,
        }
    }

    /// The page after `page`, or `None` after the last.
    pub fn after<T>(&self, page: &Page<T>) -> Option<PageRequest> {
        page.next_cursor.as_ref().map(|cursor| PageRequest {
            limit: self.limit,
            cursor: Some(cursor.clone()),
        })
    }
}
