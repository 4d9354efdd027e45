//! Query strings and cursor pagination: `?limit=1..100` (default 20) `&cursor=<opaque>` →
//! `{"data": [...], "next_cursor": "..." | null}`. A cursor is the base64url of the last key
//! the client saw; clients must treat it as opaque.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

use super::error::ApiError;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// The query string as a map, refusing parameters the endpoint does not know, parameters
/// given twice and empty values.
pub struct Query(HashMap<String, String>);

impl Query {
    pub fn parse(query_string: &str, allowed: &[&str]) -> Result<Query, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query_string)
            .map_err(|_| ApiError::malformed("the query string could not be parsed"))?;
        let mut map = HashMap::new();
        for (name, value) in pairs {
            if !allowed.contains(&name.as_str()) && name != "limit" && name != "cursor" {
                return Err(ApiError::validation(name, "is not a known query parameter"));
            }
            // `?partner_id=` is not "no filter": a client that meant one and sent an empty
            // value would otherwise get every row. Leave a parameter out to not filter.
            if value.is_empty() {
                return Err(ApiError::validation(
                    name,
                    "must not be empty; leave the parameter out instead",
                ));
            }
            if map.insert(name.clone(), value).is_some() {
                return Err(ApiError::validation(name, "is given more than once"));
            }
        }
        Ok(Query(map))
    }

    /// A present parameter (never empty: [`Query::parse`] refuses empty values).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn limit(&self) -> Result<u32, ApiError> {
        match self.get("limit") {
            None => Ok(DEFAULT_LIMIT),
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| ApiError::validation("limit", "must be an integer from 1 to 100")),
        }
    }

    /// The decoded cursor, if any.
    pub fn cursor(&self) -> Result<Option<String>, ApiError> {
        let Some(text) = self.get("cursor") else {
            return Ok(None);
        };
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(Some)
            .ok_or_else(|| ApiError::validation("cursor", "is not a cursor this API issued"))
    }
}

pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

/// A page of a list.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    /// Pass it back as `cursor` for the next page; `null` on the last page.
    #[schema(required)]
    pub next_cursor: Option<String>,
}

/// `limit` and `cursor`, taken by every list (documentation only: lists parse their query with
/// [`Query`], which refuses unknown parameters).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PageParams {
    /// How many items to return, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page (base64url, opaque).
    #[param(pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

impl<T> Page<T> {
    /// `items` were fetched with `limit + 1`: the extra one only says there is a next page.
    pub fn from_overfetch(mut items: Vec<T>, limit: u32, key: impl Fn(&T) -> String) -> Page<T> {
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|last| encode_cursor(&key(last)))
        } else {
            None
        };
        Page {
            data: items,
            next_cursor,
        }
    }
}
