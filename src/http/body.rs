//! Request bodies: read with a size limit, checked for `Content-Type: application/json`, and
//! parsed straight into domain types. Not JSON at all is 400; JSON of the wrong shape or with
//! an invalid value is 422 naming the field.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut, Data};
use actix_web::{FromRequest, HttpRequest};
use futures::future::LocalBoxFuture;
use futures::StreamExt;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::AppState;

/// The raw body, at most `http.max_body_bytes`.
///
/// A body over the limit is not read further, but the 413 is only given when the handler asks
/// for the body ([`RawBody::json`]): the key and the role are checked first, so an
/// unauthenticated or forbidden caller gets its 401 or 403 whatever it sent.
pub struct RawBody {
    bytes: Bytes,
    is_json: bool,
    too_large: Option<usize>,
}

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<Data<AppState>>()
            .map_or(64 * 1024, |state| state.settings.http.max_body_bytes);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<mime::Mime>().ok())
            .is_some_and(|m| m.essence_str() == "application/json");
        let mut payload = payload.take();
        Box::pin(async move {
            let too_large = RawBody {
                bytes: Bytes::new(),
                is_json,
                too_large: Some(limit),
            };
            if declared.is_some_and(|len| len > limit) {
                return Ok(too_large);
            }
            let mut body = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk =
                    chunk.map_err(|_| ApiError::malformed("could not read the request body"))?;
                if body.len() + chunk.len() > limit {
                    return Ok(too_large);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(RawBody {
                bytes: body.freeze(),
                is_json,
                too_large: None,
            })
        })
    }
}

impl RawBody {
    /// The body as received; only meaningful once [`RawBody::json`] accepted it.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Parses a required JSON body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        if let Some(limit) = self.too_large {
            return Err(ApiError::payload_too_large(limit));
        }
        if !self.is_json {
            return Err(ApiError::malformed(
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        parse(&self.bytes)
    }

    /// Parses a body that may be left out entirely (commands without required fields); an
    /// empty body reads as `{}`.
    pub fn json_or_empty<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        if self.too_large.is_none() && self.bytes.iter().all(u8::is_ascii_whitespace) {
            return parse(b"{}");
        }
        self.json()
    }
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = match serde_path_to_error::deserialize(&mut deserializer) {
        Ok(value) => value,
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            // A body that is not JSON at all is a 400, whatever the parser stumbled on first
            // (a missing field is noticed before trailing garbage, say).
            let value = match serde_json::from_slice::<serde_json::Value>(bytes) {
                Ok(value) => value,
                Err(syntax) => {
                    return Err(ApiError::malformed(format!(
                        "the body is not valid JSON: {}",
                        without_position(&syntax)
                    )))
                }
            };
            return Err(match inner.classify() {
                serde_json::error::Category::Data => data_error(&path, &inner),
                // serde_json reports a number or boolean where an enum is expected as a syntax
                // error ("expected value") though the JSON is fine: the value has the wrong
                // type. Find the field by reading the body again through a `Value`.
                _ => wrong_shape::<T>(value),
            });
        }
    };
    deserializer.end().map_err(|_| {
        ApiError::malformed("the body has trailing characters after the JSON value")
    })?;
    Ok(value)
}

/// The 422 naming the field of valid JSON that `T` refuses.
fn wrong_shape<T: DeserializeOwned>(value: serde_json::Value) -> ApiError {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Err(error) => {
            let path = error.path().to_string();
            data_error(&path, &error.into_inner())
        }
        Ok(_) => ApiError::validation("body", "does not have the expected shape"),
    }
}

/// Names the field the way a client wrote it: `crypto.amount`, `fees[0].type`.
fn data_error(path: &str, error: &serde_json::Error) -> ApiError {
    let message = without_position(error);
    let parent = if path == "." { "" } else { path };
    let join = |name: &str| {
        if parent.is_empty() {
            name.to_owned()
        } else {
            format!("{parent}.{name}")
        }
    };
    if let Some(name) = between_backticks(&message, "missing field `") {
        return ApiError::validation(join(name), "is required");
    }
    if let Some(name) = between_backticks(&message, "unknown field `") {
        // Here the path already ends with the unknown field.
        let field = if parent.is_empty() {
            name.to_owned()
        } else {
            parent.to_owned()
        };
        return ApiError::validation(field, "is not a known field");
    }
    let field = if parent.is_empty() {
        "body".to_owned()
    } else {
        parent.to_owned()
    };
    ApiError::validation(field, message)
}

fn between_backticks<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next()
}

/// serde_json appends " at line 1 column 42"; clients need the reason, not our parser's
/// position.
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(index) => text[..index].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::Value;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        amount: rampflow_actors::model::Amount,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        crypto: Inner,
        note: Option<String>,
    }

    fn details(error: ApiError) -> (String, Value) {
        let response = actix_web::ResponseError::error_response(&error);
        let body = actix_web::body::to_bytes(response.into_body());
        let body = futures::executor::block_on(body).unwrap();
        let value: Value = serde_json::from_slice(&body).unwrap();
        (error.code().to_owned(), value["error"]["details"].clone())
    }

    #[test]
    fn invalid_json_is_malformed() {
        let (code, _) = details(parse::<Outer>(b"{not json").unwrap_err());
        assert_eq!(code, "malformed_request");
    }

    #[test]
    fn a_json_number_for_a_decimal_names_the_field() {
        let (code, details) =
            details(parse::<Outer>(br#"{"crypto":{"amount":10.5}}"#).unwrap_err());
        assert_eq!(code, "validation_failed");
        assert_eq!(details["field"], "crypto.amount");
    }

    #[test]
    fn missing_and_unknown_fields_are_named() {
        let (_, missing) = details(parse::<Outer>(br#"{"crypto":{}}"#).unwrap_err());
        assert_eq!(missing["field"], "crypto.amount");
        let (_, unknown) =
            details(parse::<Outer>(br#"{"crypto":{"amount":"1"},"x":1}"#).unwrap_err());
        assert_eq!(unknown["field"], "x");
    }

    #[test]
    fn a_number_for_an_enum_names_the_field() {
        #[derive(Debug, Deserialize)]
        #[serde(rename_all = "lowercase")]
        #[allow(dead_code)]
        enum Kind {
            Onramp,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct WithEnum {
            kinds: Vec<Kind>,
        }
        let body = br#"{"kinds":["onramp",1]}"#;
        let (code, named) = details(parse::<WithEnum>(body).unwrap_err());
        assert_eq!(code, "validation_failed");
        assert_eq!(named["field"], "kinds[1]");
        let (code, _) = details(parse::<WithEnum>(br#"{"kinds":[1}"#).unwrap_err());
        assert_eq!(code, "malformed_request");
    }

    #[test]
    fn invalid_json_is_malformed_even_after_a_shape_error() {
        for body in [
            &br#"{"crypto":{}} x"#[..],
            br#"{"crypto":{"amount":1.5}, oops"#,
        ] {
            let (code, _) = details(parse::<Outer>(body).unwrap_err());
            assert_eq!(
                code,
                "malformed_request",
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn trailing_garbage_is_malformed() {
        let (code, _) = details(parse::<Outer>(br#"{"crypto":{"amount":"1"}} x"#).unwrap_err());
        assert_eq!(code, "malformed_request");
    }
}
