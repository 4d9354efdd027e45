// The real application on port 0, in its own actix System (its own thread), on a fresh
// SQLite database in a temporary directory. Stopped, and its directory removed, on drop.
// (Plain comments, not `//!`: the doc examples include this file, see `tests/doc/world.rs`.)

use std::time::Duration;

use rampflow::config::{Secret, Settings};
use rampflow::startup::Application;
use rampflow_client::model::{
    Address, Amount, AssetCode, ExternalRef, FiatCurrency, Network, PartnerId, PaymentMethod,
    UserRef,
};
use rampflow_client::order::{Crypto, Direction, Fiat};
use rampflow_client::CreateOrder;

pub const ADMIN_TOKEN: &str = "client-test-admin-token";

pub struct Server {
    pub address: String,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts the server with webhooks to loopback allowed (the tests' receivers are local)
    /// and waits until it is ready.
    pub async fn start() -> Server {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut settings = Settings::defaults();
        settings.bind = "127.0.0.1:0".into();
        settings.database_url = format!("sqlite://{}/rampflow.db", dir.path().display());
        settings.data_dir = dir.path().to_path_buf();
        settings.admin_token = Some(Secret::new(ADMIN_TOKEN));
        settings.webhook_allow_private_targets = true;
        settings.http.workers = 2;
        settings.actors.arbiters = 2;
        let (ready, started) = tokio::sync::oneshot::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build(settings).await.expect("the app builds");
                let _ = ready.send((app.port(), app.handle()));
                app.run_until_stopped().await.expect("the app runs");
            })
        });
        let (port, handle) = started.await.expect("the app started");
        let server = Server {
            address: format!("http://127.0.0.1:{port}"),
            handle,
            thread: Some(thread),
            _dir: dir,
        };
        let operator = server.operator();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while operator.ready().await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "never ready");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server
    }

    pub fn operator(&self) -> rampflow_client::Client {
        rampflow_client::Client::new(&self.address, ADMIN_TOKEN).expect("a client")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An off-ramp order of 10 USDC for 15 000 NGN.
pub fn offramp(partner: &PartnerId, user: &UserRef, external_ref: &str) -> CreateOrder {
    CreateOrder {
        direction: Some(Direction::Offramp),
        partner_id: Some(*partner),
        user_ref: user.clone(),
        crypto: Some(Crypto {
            asset: AssetCode::parse("USDC").unwrap(),
            network: Network::parse("solana").unwrap(),
            amount: Amount::parse("10.00").unwrap(),
        }),
        fiat: Some(Fiat {
            currency: FiatCurrency::parse("NGN").unwrap(),
            amount: Amount::parse("15000.00").unwrap(),
        }),
        quote_id: None,
        user_wallet_address: Address::parse("F2etcaJ1abc").unwrap(),
        payment_method: PaymentMethod::parse("bank_transfer").unwrap(),
        external_ref: Some(ExternalRef::parse(external_ref).unwrap()),
    }
}
