// The world the crate's doc examples run in (`cargo test --doc -p rampflow-client`), included
// by their hidden lines: the real server on port 0 (`tests/live/server.rs`), a wallet and a
// partner the operator made, and for the partner's and the receiver's examples an order, and
// a webhook delivery the server really sent.

mod server {
    include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/live/server.rs"));
}

pub struct World {
    pub server: server::Server,
    pub base: String,
    pub admin_token: &'static str,
    pub wallet: rampflow_client::Client,
    pub wallet_key: String,
    pub partner_key: String,
    pub partner_id: rampflow_client::model::PartnerId,
}

/// A delivery as the receiver got it: the headers and the raw body.
pub struct Delivery {
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl World {
    pub async fn start() -> World {
        let server = server::Server::start().await;
        let operator = server.operator();
        let wallet = operator.create_wallet("Doc Wallet").await.unwrap();
        let partner = operator.create_partner("Doc Ramp").await.unwrap();
        World {
            base: server.address.clone(),
            admin_token: server::ADMIN_TOKEN,
            wallet: rampflow_client::Client::new(&server.address, &wallet.api_key).unwrap(),
            wallet_key: wallet.api_key,
            partner_key: partner.api_key,
            partner_id: partner.id,
            server,
        }
    }

    /// An off-ramp order of a user who granted the partner access, as the wallet makes it.
    pub async fn order(&self) -> rampflow_client::model::OrderId {
        let user = rampflow_client::model::UserRef::parse("u-7").unwrap();
        let data = rampflow_client::UserData {
            email: Some("grace@example.com".into()),
            ..Default::default()
        };
        self.wallet.put_user(&user, &data).await.unwrap();
        self.wallet.grant(&user, &self.partner_id).await.unwrap();
        let order = server::offramp(&self.partner_id, &user, "doc-order");
        self.wallet.create_order(&order).await.unwrap().id
    }

    /// The endpoint secret of a webhook endpoint of the wallet's, and the first delivery the
    /// server sent it (the `order.created` of a new order), caught by a one-shot receiver.
    pub async fn delivery(&self) -> (String, Delivery) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let endpoint = rampflow_client::CreateEndpoint::new(url);
        let secret = self.wallet.create_endpoint(&endpoint).await.unwrap().secret;
        let (caught, delivered) = tokio::sync::oneshot::channel();
        tokio::spawn(receive_one(listener, caught));
        self.order().await;
        let delivery = tokio::time::timeout(std::time::Duration::from_secs(30), delivered)
            .await
            .expect("a delivery within 30 s")
            .unwrap();
        (secret, delivery)
    }
}

/// Answers the first request on `listener` with 204 and hands over its headers and body.
async fn receive_one(
    listener: tokio::net::TcpListener,
    caught: tokio::sync::oneshot::Sender<Delivery>,
) {
    use http_body_util::BodyExt;
    let (stream, _) = listener.accept().await.unwrap();
    let caught = std::sync::Mutex::new(Some(caught));
    let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let caught = caught.lock().unwrap().take();
        async move {
            let (parts, body) = request.into_parts();
            let body = body.collect().await?.to_bytes().to_vec();
            if let Some(caught) = caught {
                let _ = caught.send(Delivery {
                    headers: parts.headers,
                    body,
                });
            }
            let mut answer = hyper::Response::new(http_body_util::Empty::<hyper::body::Bytes>::new());
            *answer.status_mut() = hyper::StatusCode::NO_CONTENT;
            Ok::<_, hyper::Error>(answer)
        }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
        .await;
}
