//! The demo's terminal output: section headings, one line per HTTP request with its status,
//! indented detail lines, and one line per webhook delivery. Everything goes to one writer, in
//! the order the demo's steps happen, so a test can capture it and a newcomer can read it top
//! to bottom.

use std::io::{self, Write};

use reqwest::{Method, StatusCode};

use super::receiver::Delivery;

/// Width of the "who" column (`operator`, `wallet`, `partner`).
const WHO: usize = 8;
/// Width of the method and path column, so statuses line up.
const REQUEST: usize = 46;

pub struct Narrator<W: Write> {
    out: W,
}

impl<W: Write> Narrator<W> {
    pub fn new(out: W) -> Self {
        Narrator { out }
    }

    /// A plain line, as is.
    pub fn line(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.out, "{text}")?;
        self.out.flush()
    }

    /// A new part of the story, set off by a blank line.
    pub fn heading(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.out)?;
        self.line(&format!("── {text} ──"))
    }

    /// What a party does or thinks, in words.
    pub fn note(&mut self, text: &str) -> io::Result<()> {
        self.line(&format!("  {text}"))
    }

    /// One request and the status it got: `wallet    POST /v1/orders    201 Created`.
    pub fn request(
        &mut self,
        who: &str,
        method: &Method,
        path: &str,
        status: StatusCode,
    ) -> io::Result<()> {
        let request = format!("{:<4} {}", method.as_str(), short_path(path));
        self.line(&format!(
            "  {who:<WHO$}  {request:<REQUEST$} {} {}",
            status.as_str(),
            status.canonical_reason().unwrap_or("")
        ))
    }

    /// A key field of the answer, under its request line.
    pub fn detail(&mut self, text: &str) -> io::Result<()> {
        self.line(&format!("  {:WHO$}    {text}", ""))
    }

    /// A webhook that a simulated party received and verified.
    pub fn webhook(&mut self, who: &str, delivery: &Delivery) -> io::Result<()> {
        let event = format!("← {}", delivery.event_type);
        self.line(&format!(
            "  {who:<WHO$}  {event:<REQUEST$} v{}  signature verified",
            delivery.version
        ))
    }
}

/// The path with every id cut to its last 8 characters, so request lines stay short: UUIDv7
/// ids made close together share their first characters, not their last.
pub fn short_path(path: &str) -> String {
    let (path, query) = path
        .split_once('?')
        .map_or((path, None), |(p, q)| (p, Some(q)));
    let segments: Vec<String> = path
        .split('/')
        .map(|segment| match uuid::Uuid::parse_str(segment) {
            Ok(_) => format!("…{}", &segment[segment.len() - 8..]),
            Err(_) => segment.to_owned(),
        })
        .collect();
    let mut short = segments.join("/");
    if let Some(query) = query {
        short.push('?');
        short.push_str(query);
    }
    short
}

/// An id cut like the paths (`…4f5a6b7c`).
pub fn short_id(id: &str) -> String {
    match id.len() > 8 {
        true => format!("…{}", &id[id.len() - 8..]),
        false => id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_paths_are_shortened_and_the_rest_is_kept() {
        assert_eq!(
            short_path("/v1/orders/01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b/accept"),
            "/v1/orders/…7e8f9a0b/accept"
        );
        assert_eq!(
            short_path("/v1/users/u-ada/grants/01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b"),
            "/v1/users/u-ada/grants/…7e8f9a0b"
        );
        assert_eq!(short_path("/v1/orders?limit=2"), "/v1/orders?limit=2");
    }
}
