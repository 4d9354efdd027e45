//! The one HTTP client every sender shares: keep-alive pools per host, a per-attempt timeout,
//! no redirects (a redirect could lead anywhere), and a DNS resolver that refuses private
//! addresses unless they are allowed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::ssrf::is_forbidden_ip;

pub fn build_client(timeout: Duration, allow_private_targets: bool) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        // No cap on idle connections per host: many endpoints can share one host (a partner's
        // several URLs), each with up to `max_in_flight_per_endpoint` requests in flight, and a
        // cap below that closes a connection after each request and opens a new one for the
        // next. Connections are still bounded by what can be in flight, and idle ones close
        // after the timeout.
        .pool_idle_timeout(Duration::from_secs(90))
        .user_agent(concat!("rampflow-webhooks/", env!("CARGO_PKG_VERSION")));
    if !allow_private_targets {
        builder = builder.dns_resolver(Arc::new(PublicOnlyResolver));
    }
    builder.build().expect("the webhook HTTP client builds")
}

/// Resolves like the system does, then drops every forbidden address; a host with nothing
/// left is refused.
struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|address| !is_forbidden_ip(address.ip()))
                .collect();
            if resolved.is_empty() {
                return Err(
                    format!("{host} resolves only to private or loopback addresses").into(),
                );
            }
            Ok(Box::new(resolved.into_iter()) as Addrs)
        })
    }
}

/// IP literals never reach the resolver, so they are checked here.
pub fn literal_target_is_forbidden(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => is_forbidden_ip(ip.into()),
        Some(url::Host::Ipv6(ip)) => is_forbidden_ip(ip.into()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hostname_resolving_to_loopback_is_refused_at_connect_time() {
        let client = build_client(Duration::from_secs(2), false);
        let error = client
            .post("http://localhost:9/hooks")
            .send()
            .await
            .expect_err("the resolver refuses loopback");
        let mut cause: &dyn std::error::Error = &error;
        let mut text = cause.to_string();
        while let Some(source) = cause.source() {
            cause = source;
            text.push_str(&format!(": {cause}"));
        }
        assert!(text.contains("private or loopback"), "{text}");
    }

    #[test]
    fn ip_literals_are_checked_before_sending() {
        let forbidden = reqwest::Url::parse("http://127.0.0.1:8080/x").unwrap();
        let mapped = reqwest::Url::parse("http://[::ffff:10.0.0.1]/x").unwrap();
        let public = reqwest::Url::parse("https://93.184.216.34/x").unwrap();
        let named = reqwest::Url::parse("https://hooks.example.com/x").unwrap();
        assert!(literal_target_is_forbidden(&forbidden));
        assert!(literal_target_is_forbidden(&mapped));
        assert!(!literal_target_is_forbidden(&public));
        assert!(!literal_target_is_forbidden(&named));
    }
}
