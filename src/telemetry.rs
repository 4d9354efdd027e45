//! Logs: `tracing` to stderr, human-readable or one JSON object per line.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// The default filter of `serve` and `migrate`.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,actix_server=warn";

/// Installs the global subscriber with [`DEFAULT_FILTER`]. `RUST_LOG` refines it.
pub fn init(format: LogFormat) {
    init_with(format, DEFAULT_FILTER)
}

/// Installs the global subscriber with `default_filter` unless `RUST_LOG` is set.
pub fn init_with(format: LogFormat, default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        // One object per line: the event's fields at the top, the request span's fields
        // (request id, route, order id) under "span".
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}
