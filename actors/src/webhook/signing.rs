//! Standard Webhooks signing: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed by
//! the base64 part of a `whsec_` secret. The signature is the `standardwebhooks` crate's, the
//! same code the clients and the tests verify with: one implementation of the standard.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;
use standardwebhooks::Webhook;

const PREFIX: &str = "whsec_";

/// A new endpoint secret: `whsec_` and 32 random bytes in base64.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

/// One `v1,<signature>` entry for `secret`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    // Every secret rampflow stores is one it generated, so it always decodes; were one not to,
    // its bytes are the key rather than a failed delivery.
    let webhook = Webhook::new(secret).unwrap_or_else(|_| raw_key(secret));
    webhook
        .sign(id, timestamp, body.as_bytes())
        .expect("the crate refuses only a body that is not UTF-8, and a &str is")
}

fn raw_key(secret: &str) -> Webhook {
    Webhook::from_bytes(secret.as_bytes().to_vec()).expect("any bytes are a key")
}

/// The `webhook-signature` header: one entry per live secret, space-separated. While a secret
/// rotates, both the new and the previous secret sign, so a receiver holding either verifies.
pub fn signature_header<'a>(
    secrets: impl IntoIterator<Item = &'a str>,
    id: &str,
    timestamp: i64,
    body: &str,
) -> String {
    secrets
        .into_iter()
        .map(|secret| sign(secret, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification.
    #[test]
    fn matches_the_specification_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_are_whsec_and_32_bytes() {
        let secret = generate_secret();
        let bytes = STANDARD
            .decode(secret.strip_prefix("whsec_").unwrap())
            .unwrap();
        assert_eq!(bytes.len(), 32);
        assert_ne!(secret, generate_secret());
    }

    /// A receiver holding either secret of a rotation verifies the header.
    #[test]
    fn a_rotation_header_verifies_with_either_secret() {
        let (old, new) = (generate_secret(), generate_secret());
        let timestamp = chrono::Utc::now().timestamp();
        let body = r#"{"type":"order.created"}"#;
        let header = signature_header([new.as_str(), old.as_str()], "msg_1", timestamp, body);
        assert_eq!(header.split(' ').count(), 2);
        let mut headers = http::HeaderMap::new();
        headers.insert("webhook-id", "msg_1".parse().unwrap());
        headers.insert("webhook-timestamp", timestamp.into());
        headers.insert("webhook-signature", header.parse().unwrap());
        for secret in [&old, &new] {
            Webhook::new(secret)
                .unwrap()
                .verify(body.as_bytes(), &headers)
                .expect("either secret verifies");
        }
        let stranger = Webhook::new(&generate_secret()).unwrap();
        assert!(stranger.verify(body.as_bytes(), &headers).is_err());
    }
}
