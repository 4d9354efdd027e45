//! Request bodies: read with a size limit, checked for `Content-Type: application/json`, and
//! parsed into domain types. Not JSON at all is 400; JSON of the wrong shape or with an
//! invalid value is 422 naming the field, and so is an array or a scalar where an object is
//! expected, at any depth (see `strict`).

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

/// Parses `bytes` into `T`. Not JSON at all is 400, whatever `T` would have said (a missing
/// field is not noticed before trailing garbage). JSON that `T` refuses is 422 naming the
/// field: a wrong type, a missing or unknown field, an invalid value, and an array or a scalar
/// where an object is expected, at the top level (`details.field = "body"`) or nested
/// (`strict`).
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|syntax| {
        ApiError::malformed(format!(
            "the body is not valid JSON: {}",
            without_position(&syntax)
        ))
    })?;
    serde_path_to_error::deserialize(strict::Strict(&value)).map_err(|error| {
        let path = error.path().to_string();
        data_error(&path, &error.into_inner())
    })
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

/// A serde `Deserializer` over a parsed JSON value that fills a struct (or a map) only from a
/// JSON object.
///
/// serde's derived `Deserialize` for a struct also takes a sequence, by position, and both of
/// serde_json's deserializers offer it one when the JSON has an array there: `["too late"]`
/// would be a valid reject body and `[]` a fee of zero. This deserializer answers
/// `deserialize_struct` and `deserialize_map` with an error unless the value is an object, at
/// every depth, since sequences, maps and enum variants hand their members to it again.
/// Scalars are left to `serde_json::Value`'s own deserializer.
mod strict {
    use serde::de::value::BorrowedStrDeserializer;
    use serde::de::{
        self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
        VariantAccess, Visitor,
    };
    use serde_json::{Error, Value};

    pub struct Strict<'a>(pub &'a Value);

    /// How the refusal reads in `details.reason`.
    fn not_an_object(value: &Value) -> Error {
        let found = match value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        };
        de::Error::custom(format!("must be a JSON object, not {found}"))
    }

    macro_rules! scalars {
        ($($method:ident),* $(,)?) => {$(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                self.0.$method(visitor)
            }
        )*};
    }

    impl<'de> Deserializer<'de> for Strict<'de> {
        type Error = Error;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Array(items) => {
                    let mut seq = Seq(items.iter());
                    let value = visitor.visit_seq(&mut seq)?;
                    match seq.0.len() {
                        0 => Ok(value),
                        _ => Err(de::Error::invalid_length(items.len(), &"fewer elements")),
                    }
                }
                Value::Object(_) => self.deserialize_map(visitor),
                other => other.deserialize_any(visitor),
            }
        }

        fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Object(map) => visitor.visit_map(Map {
                    entries: map.iter(),
                    value: None,
                }),
                other => Err(not_an_object(other)),
            }
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Error> {
            self.deserialize_map(visitor)
        }

        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Null => visitor.visit_none(),
                _ => visitor.visit_some(self),
            }
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            visitor: V,
        ) -> Result<V::Value, Error> {
            visitor.visit_newtype_struct(self)
        }

        fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.deserialize_any(visitor)
        }

        fn deserialize_tuple<V: Visitor<'de>>(
            self,
            _len: usize,
            visitor: V,
        ) -> Result<V::Value, Error> {
            self.deserialize_any(visitor)
        }

        fn deserialize_tuple_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _len: usize,
            visitor: V,
        ) -> Result<V::Value, Error> {
            self.deserialize_any(visitor)
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            name: &'static str,
            variants: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Error> {
            match self.0 {
                Value::Object(map) if map.len() == 1 => {
                    let (variant, value) = map.iter().next().expect("one entry");
                    visitor.visit_enum(Enum { variant, value })
                }
                other => other.deserialize_enum(name, variants, visitor),
            }
        }

        fn deserialize_unit_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            visitor: V,
        ) -> Result<V::Value, Error> {
            self.0.deserialize_unit_struct(name, visitor)
        }

        scalars!(
            deserialize_bool,
            deserialize_i8,
            deserialize_i16,
            deserialize_i32,
            deserialize_i64,
            deserialize_i128,
            deserialize_u8,
            deserialize_u16,
            deserialize_u32,
            deserialize_u64,
            deserialize_u128,
            deserialize_f32,
            deserialize_f64,
            deserialize_char,
            deserialize_str,
            deserialize_string,
            deserialize_bytes,
            deserialize_byte_buf,
            deserialize_unit,
            deserialize_identifier,
            deserialize_ignored_any,
        );
    }

    struct Seq<'a>(std::slice::Iter<'a, Value>);

    impl<'de> SeqAccess<'de> for Seq<'de> {
        type Error = Error;

        fn next_element_seed<T: DeserializeSeed<'de>>(
            &mut self,
            seed: T,
        ) -> Result<Option<T::Value>, Error> {
            self.0
                .next()
                .map(|value| seed.deserialize(Strict(value)))
                .transpose()
        }

        fn size_hint(&self) -> Option<usize> {
            Some(self.0.len())
        }
    }

    struct Map<'a> {
        entries: serde_json::map::Iter<'a>,
        value: Option<&'a Value>,
    }

    impl<'de> MapAccess<'de> for Map<'de> {
        type Error = Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, Error> {
            let Some((key, value)) = self.entries.next() else {
                return Ok(None);
            };
            self.value = Some(value);
            seed.deserialize(BorrowedStrDeserializer::new(key))
                .map(Some)
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
            match self.value.take() {
                Some(value) => seed.deserialize(Strict(value)),
                None => Err(de::Error::custom("a value was asked for before its key")),
            }
        }

        fn size_hint(&self) -> Option<usize> {
            Some(self.entries.len())
        }
    }

    /// An enum written as `{"variant": content}`.
    struct Enum<'a> {
        variant: &'a str,
        value: &'a Value,
    }

    impl<'de> EnumAccess<'de> for Enum<'de> {
        type Error = Error;
        type Variant = Strict<'de>;

        fn variant_seed<S: DeserializeSeed<'de>>(
            self,
            seed: S,
        ) -> Result<(S::Value, Strict<'de>), Error> {
            let variant = seed.deserialize(self.variant.into_deserializer())?;
            Ok((variant, Strict(self.value)))
        }
    }

    impl<'de> VariantAccess<'de> for Strict<'de> {
        type Error = Error;

        fn unit_variant(self) -> Result<(), Error> {
            match self.0 {
                Value::Null => Ok(()),
                other => Err(de::Error::invalid_type(
                    de::Unexpected::Other(&other.to_string()),
                    &"a unit variant",
                )),
            }
        }

        fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
            seed.deserialize(self)
        }

        fn tuple_variant<V: Visitor<'de>>(
            self,
            _len: usize,
            visitor: V,
        ) -> Result<V::Value, Error> {
            self.deserialize_any(visitor)
        }

        fn struct_variant<V: Visitor<'de>>(
            self,
            _fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Error> {
            self.deserialize_map(visitor)
        }
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
    fn an_array_or_a_scalar_where_an_object_is_required_is_refused() {
        let cases: [(&[u8], &str); 8] = [
            (br#"[{"amount":"1"}, null]"#, "body"),
            (br#"[]"#, "body"),
            (br#""crypto""#, "body"),
            (br#"null"#, "body"),
            (br#"{"crypto":["1"]}"#, "crypto"),
            (br#"{"crypto":[]}"#, "crypto"),
            (br#"{"crypto":7}"#, "crypto"),
            (br#"{"crypto":"x"}"#, "crypto"),
        ];
        for (body, field) in cases {
            let (code, details) = details(parse::<Outer>(body).unwrap_err());
            let shown = String::from_utf8_lossy(body);
            assert_eq!(code, "validation_failed", "{shown}");
            assert_eq!(details["field"], field, "{shown}");
            let reason = details["reason"].as_str().unwrap();
            assert!(
                reason.starts_with("must be a JSON object"),
                "{shown}: {reason}"
            );
        }
    }

    #[test]
    fn objects_in_arrays_and_maps_are_strict_too() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Lists {
            items: Vec<Inner>,
            by_name: std::collections::BTreeMap<String, Inner>,
            maybe: Option<Inner>,
        }
        let good = br#"{"items":[{"amount":"1"}],"by_name":{"a":{"amount":"2"}},"maybe":null}"#;
        parse::<Lists>(good).unwrap();
        for (body, field) in [
            (
                &br#"{"items":[["1"]],"by_name":{},"maybe":null}"#[..],
                "items[0]",
            ),
            (
                br#"{"items":[],"by_name":{"a":["2"]},"maybe":null}"#,
                "by_name.a",
            ),
            (br#"{"items":[],"by_name":[],"maybe":null}"#, "by_name"),
            (br#"{"items":[],"by_name":{},"maybe":["3"]}"#, "maybe"),
        ] {
            let (code, details) = details(parse::<Lists>(body).unwrap_err());
            assert_eq!(code, "validation_failed");
            assert_eq!(details["field"], field, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn trailing_garbage_is_malformed() {
        let (code, _) = details(parse::<Outer>(br#"{"crypto":{"amount":"1"}} x"#).unwrap_err());
        assert_eq!(code, "malformed_request");
    }
}
