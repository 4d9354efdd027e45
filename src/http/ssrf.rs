//! Which webhook URLs may be registered. A URL must be `http` or `https`, at most
//! [`MAX_URL_LEN`] characters and carry no credentials; unless private targets are allowed
//! (`webhook_allow_private_targets`, for tests and local development), its host may not be,
//! or resolve to, an address [`is_forbidden_ip`] refuses, and it must resolve at all.
//!
//! This is the check at registration. Delivery applies the same rule again when it connects
//! (the resolver of `rampflow_actors::webhook::client`), so a name that resolves to a public
//! address now and a private one later still cannot reach inside.

use std::net::IpAddr;
use std::time::Duration;

use url::{Host, Url};

use super::error::ApiError;

/// The address rule, shared with the delivery side.
pub use rampflow_actors::webhook::ssrf::is_forbidden_ip;

pub const MAX_URL_LEN: usize = 2048;

/// How long a registration waits for DNS before refusing the host.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

const FIELD: &str = "url";
const PRIVATE_REASON: &str = "private, loopback and link-local targets are not allowed";

/// Parses a webhook URL and checks its form: `http` or `https`, a host, no user name or
/// password, at most [`MAX_URL_LEN`] characters. 422 on field `url` otherwise.
pub fn parse_webhook_url(text: &str) -> Result<Url, ApiError> {
    if text.len() > MAX_URL_LEN {
        return Err(ApiError::validation(
            FIELD,
            format!("must be at most {MAX_URL_LEN} characters"),
        ));
    }
    let url = Url::parse(text.trim())
        .map_err(|e| ApiError::validation(FIELD, format!("is not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ApiError::validation(FIELD, "must be an http or https URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ApiError::validation(
            FIELD,
            "must not carry a user name or password",
        ));
    }
    if url.host().is_none() {
        return Err(ApiError::validation(FIELD, "must name a host"));
    }
    if url.as_str().len() > MAX_URL_LEN {
        return Err(ApiError::validation(
            FIELD,
            format!("must be at most {MAX_URL_LEN} characters"),
        ));
    }
    Ok(url)
}

/// Refuses a URL whose host is, or resolves to, a forbidden address, or does not resolve,
/// unless private targets are allowed (then nothing is looked up).
pub async fn check_target(url: &Url, allow_private_targets: bool) -> Result<(), ApiError> {
    if allow_private_targets {
        return Ok(());
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let name = match url.host() {
        Some(Host::Ipv4(ip)) => return check_ip(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => return check_ip(IpAddr::V6(ip)),
        Some(Host::Domain(name)) => name,
        None => return Err(ApiError::validation(FIELD, "must name a host")),
    };
    // RFC 6761: these names are the local machine whatever DNS says.
    let bare = name.trim_end_matches('.').to_ascii_lowercase();
    if bare == "localhost" || bare.ends_with(".localhost") {
        return Err(ApiError::validation(FIELD, PRIVATE_REASON));
    }
    let resolved = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, port)))
        .await
        .ok()
        .and_then(Result::ok)
        .map(|addresses| addresses.map(|a| a.ip()).collect::<Vec<_>>())
        .unwrap_or_default();
    if resolved.is_empty() {
        return Err(ApiError::validation(
            FIELD,
            format!("the host {name} does not resolve"),
        ));
    }
    resolved.into_iter().try_for_each(check_ip)
}

fn check_ip(ip: IpAddr) -> Result<(), ApiError> {
    if is_forbidden_ip(ip) {
        Err(ApiError::validation(FIELD, PRIVATE_REASON))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_and_reason(error: ApiError) -> (String, String) {
        let response = actix_web::ResponseError::error_response(&error);
        let body = actix_web::body::to_bytes(response.into_body());
        let body = futures::executor::block_on(body).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["error"]["code"], "validation_failed");
        let details = &value["error"]["details"];
        (
            details["field"].as_str().unwrap().to_owned(),
            details["reason"].as_str().unwrap().to_owned(),
        )
    }

    #[test]
    fn the_forbidden_ranges() {
        for ip in [
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "255.255.255.255",
            "100.64.0.1",
            "100.127.255.255",
            "::1",
            "::",
            "fc00::1",
            "fdff:ffff::1",
            "fe80::1",
            "febf::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:100.64.0.1",
        ] {
            assert!(is_forbidden_ip(ip.parse().unwrap()), "{ip} is allowed");
        }
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "1.1.1.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.169.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.255.0.1",
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "fec0::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_forbidden_ip(ip.parse().unwrap()), "{ip} is refused");
        }
    }

    #[test]
    fn only_http_urls_without_credentials() {
        assert!(parse_webhook_url("https://hooks.example.com/rampflow").is_ok());
        assert!(parse_webhook_url("http://example.com:8080/x?y=1").is_ok());
        for bad in [
            "ftp://example.com/x",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "example.com/hook",
            "https://user:pass@example.com/",
            "https://user@example.com/",
            "",
        ] {
            let (field, _) = field_and_reason(parse_webhook_url(bad).unwrap_err());
            assert_eq!(field, "url", "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        let (_, reason) = field_and_reason(parse_webhook_url(&long).unwrap_err());
        assert!(reason.contains("2048"), "{reason}");
    }

    #[tokio::test]
    async fn private_literals_and_localhost_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:8080/x",
            "http://10.0.0.1/x",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/x",
            "http://[::ffff:192.168.1.1]/x",
            "http://localhost:3000/x",
            "http://LOCALHOST./x",
            "http://api.localhost/x",
            // The URL parser reads these as 127.0.0.1 and 10.0.0.1.
            "http://2130706433/x",
            "http://0x0a.0.0.1/x",
            "http://127.1/x",
        ] {
            let parsed = parse_webhook_url(url).unwrap();
            let (field, reason) = field_and_reason(check_target(&parsed, false).await.unwrap_err());
            assert_eq!(field, "url");
            assert!(reason.contains("not allowed"), "{url}: {reason}");
            assert!(check_target(&parsed, true).await.is_ok(), "{url}");
        }
        let public = parse_webhook_url("https://93.184.216.34/hooks").unwrap();
        assert!(check_target(&public, false).await.is_ok());
    }

    #[tokio::test]
    async fn a_host_that_does_not_resolve_is_refused() {
        let url = parse_webhook_url("https://no-such-host.invalid/hooks").unwrap();
        let (field, reason) = field_and_reason(check_target(&url, false).await.unwrap_err());
        assert_eq!(field, "url");
        assert!(reason.contains("does not resolve"), "{reason}");
    }
}
