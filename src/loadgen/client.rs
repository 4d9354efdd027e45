//! The load generator's HTTP client: one hyper HTTP/1.1 connection per slot, kept alive and
//! reopened only when the server closes it.
//!
//! Why not a pooled client: the load generator shares the machine's cores with the server it
//! measures, so every microsecond it spends is taken from the server. A bare
//! `hyper::client::conn::http1` connection has no pool bookkeeping, no per-request task and no
//! locking; a slot owns its connection outright.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use http::{HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
const JSON: HeaderValue = HeaderValue::from_static("application/json");

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the target must be an http:// URL with a host: {0}")]
    BadTarget(String),
    #[error("cannot resolve {0}")]
    Resolve(String, #[source] std::io::Error),
    #[error("connect: {0}")]
    Connect(#[source] std::io::Error),
    #[error("http: {0}")]
    Http(#[from] hyper::Error),
    #[error("bad request parts: {0}")]
    Request(#[from] http::Error),
}

impl ClientError {
    /// A short, stable name for the error tables (no addresses or ids in it).
    pub fn kind(&self) -> String {
        match self {
            ClientError::BadTarget(_) | ClientError::Resolve(..) => "io target".into(),
            ClientError::Connect(error) => format!("io connect {:?}", error.kind()),
            ClientError::Http(error) if error.is_canceled() => "io canceled".into(),
            ClientError::Http(error) if error.is_closed() => "io closed".into(),
            ClientError::Http(error) if error.is_incomplete_message() => "io incomplete".into(),
            ClientError::Http(_) => "io http".into(),
            ClientError::Request(_) => "io request".into(),
        }
    }
}

/// Where requests go: a plain-HTTP origin, resolved once.
#[derive(Debug, Clone)]
pub struct Target {
    addr: SocketAddr,
    authority: HeaderValue,
    base: String,
}

impl Target {
    /// Parses `http://host:port` (a path, if any, is ignored) and resolves the host once.
    pub async fn parse(url: &str) -> Result<Target, ClientError> {
        let parsed = url::Url::parse(url).map_err(|_| ClientError::BadTarget(url.to_owned()))?;
        if parsed.scheme() != "http" {
            return Err(ClientError::BadTarget(url.to_owned()));
        }
        let host = parsed
            .host_str()
            .ok_or_else(|| ClientError::BadTarget(url.to_owned()))?;
        let port = parsed.port_or_known_default().unwrap_or(80);
        let authority = format!("{host}:{port}");
        let addr = tokio::net::lookup_host(&authority)
            .await
            .map_err(|error| ClientError::Resolve(authority.clone(), error))?
            .next()
            .ok_or_else(|| {
                ClientError::Resolve(authority.clone(), std::io::ErrorKind::NotFound.into())
            })?;
        Ok(Target {
            addr,
            authority: HeaderValue::from_str(&authority)
                .map_err(|_| ClientError::BadTarget(url.to_owned()))?,
            base: format!("http://{authority}"),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://host:port`, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Reply {
    /// `"<status> <error.code>"` for a non-2xx answer with the API's error envelope, else
    /// `"<status>"`: the key of the error tables.
    pub fn error_key(&self) -> String {
        #[derive(serde::Deserialize)]
        struct Envelope {
            error: Code,
        }
        #[derive(serde::Deserialize)]
        struct Code {
            code: String,
        }
        match serde_json::from_slice::<Envelope>(&self.body) {
            Ok(envelope) => format!("{} {}", self.status.as_u16(), envelope.error.code),
            Err(_) => self.status.as_u16().to_string(),
        }
    }
}

/// One request, built from parts that are shared between requests where possible (the
/// bearer key and the order body are prebuilt `Bytes`/`HeaderValue`s, cloned by refcount).
#[derive(Clone)]
pub struct Call {
    pub method: Method,
    pub path: Uri,
    pub key: Option<HeaderValue>,
    pub idempotency_key: Option<HeaderValue>,
    pub body: Option<Bytes>,
}

impl Call {
    pub fn get(path: Uri, key: &HeaderValue) -> Call {
        Call {
            method: Method::GET,
            path,
            key: Some(key.clone()),
            idempotency_key: None,
            body: None,
        }
    }

    pub fn post(path: Uri, key: &HeaderValue, body: Bytes) -> Call {
        Call {
            method: Method::POST,
            path,
            key: Some(key.clone()),
            idempotency_key: None,
            body: Some(body),
        }
    }
}

/// `Bearer <key>` as a header value, built once per party.
pub fn bearer(key: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("Bearer {key}")).expect("API keys are visible ASCII")
}

/// A path with dynamic parts (`/v1/orders/{id}/accept`).
pub fn path(path: String) -> Uri {
    Uri::try_from(path).expect("paths built by the load generator are valid")
}

/// One keep-alive HTTP/1.1 connection, opened on first use and reopened after the server
/// closed it.
pub struct Conn {
    target: Arc<Target>,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub fn new(target: Arc<Target>) -> Conn {
        Conn {
            target,
            sender: None,
        }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, ClientError> {
        let stream = TcpStream::connect(self.target.addr)
            .await
            .map_err(ClientError::Connect)?;
        // Small requests and responses: waiting for Nagle would add up to 40 ms to each.
        stream.set_nodelay(true).map_err(ClientError::Connect)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(ClientError::Http)?;
        tokio::spawn(async move {
            // The connection ends when the sender is dropped or the server closes it; either
            // is reported on the next send, so nothing to do with the result here.
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// Sends `call` and reads the whole response. After any error the connection is dropped,
    /// so the next call starts on a fresh one.
    pub async fn send(&mut self, call: Call) -> Result<Reply, ClientError> {
        let result = self.try_send(call).await;
        if result.is_err() {
            self.sender = None;
        }
        result
    }

    async fn try_send(&mut self, call: Call) -> Result<Reply, ClientError> {
        let sender = match &mut self.sender {
            Some(sender) if !sender.is_closed() => sender,
            _ => self.sender.insert(self.connect().await?),
        };
        sender.ready().await?;
        let mut request = Request::builder()
            .method(call.method)
            .uri(call.path)
            .header(HOST, self.target.authority.clone());
        if let Some(key) = call.key {
            request = request.header(AUTHORIZATION, key);
        }
        if let Some(idempotency_key) = call.idempotency_key {
            request = request.header(IDEMPOTENCY_KEY, idempotency_key);
        }
        let body = match call.body {
            Some(body) => {
                request = request
                    .header(CONTENT_TYPE, JSON)
                    .header(CONTENT_LENGTH, body.len());
                body
            }
            None => Bytes::new(),
        };
        let response = sender.send_request(request.body(Full::new(body))?).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Reply { status, body })
    }
}
