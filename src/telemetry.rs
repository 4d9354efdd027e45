//! Logs: `tracing` to stderr, human-readable or one JSON object per line.

use std::any::TypeId;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::fmt;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
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
    // Colours only for a person at a terminal: escape codes are noise in a file or a log
    // collector, and writing them costs the request log's every line.
    let colours = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let layer = fmt::layer().with_writer(std::io::stderr).with_ansi(colours);
    let layer = match format {
        // One object per line: the event's fields at the top, the request span's fields
        // (request id, route, order id) under "span".
        LogFormat::Json => layer
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
        LogFormat::Pretty => layer.boxed(),
    };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(ClientErrorsAsWarnings(layer))
        .try_init();
}

/// actix-http logs at ERROR, as "stream error: …", every connection it closes because of the
/// client: a request head it cannot parse (a NUL byte in a header), one over the size limit,
/// a client that went away mid-request. It answers those itself (400, 431, or nothing) before
/// the application sees a request. A client error is not a server error: this layer writes
/// those lines at WARN, under the target `rampflow::http::connection`. (The dispatcher's own
/// internal failures are logged at ERROR on lines of their own, which pass untouched.)
struct ClientErrorsAsWarnings<L>(L);

const ACTIX_DISPATCHER: &str = "actix_http::h1::dispatcher";

static CONNECTION_WARNING_CALLSITE: tracing::callsite::DefaultCallsite =
    tracing::callsite::DefaultCallsite::new(&CONNECTION_WARNING);

static CONNECTION_WARNING: tracing::Metadata<'static> = tracing::Metadata::new(
    "a connection closed on a client error",
    "rampflow::http::connection",
    Level::WARN,
    Some(file!()),
    Some(line!()),
    Some(module_path!()),
    tracing::field::FieldSet::new(
        &["message"],
        tracing_core::identify_callsite!(&CONNECTION_WARNING_CALLSITE),
    ),
    tracing::metadata::Kind::EVENT,
);

/// The `message` of an event, as written.
#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_owned();
        }
    }
}

/// The client's part of an actix-http connection error, if `event` is one.
fn client_connection_error(event: &Event<'_>) -> Option<String> {
    let meta = event.metadata();
    if meta.target() != ACTIX_DISPATCHER || *meta.level() != Level::ERROR {
        return None;
    }
    let mut message = Message::default();
    event.record(&mut message);
    message
        .0
        .strip_prefix("stream error: ")
        .map(|cause| format!("closed a connection on a request it could not read: {cause}"))
}

impl<S, L> Layer<S> for ClientErrorsAsWarnings<L>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    L: Layer<S>,
{
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(text) = client_connection_error(event) else {
            return self.0.on_event(event, ctx);
        };
        let fields = CONNECTION_WARNING.fields();
        let Some(field) = fields.field("message") else {
            return;
        };
        let text = format_args!("{text}");
        let values = [(&field, Some(&text as &dyn tracing::Value))];
        let values = fields.value_set(&values);
        self.0
            .on_event(&Event::new(&CONNECTION_WARNING, &values), ctx);
    }

    fn on_register_dispatch(&self, subscriber: &tracing::Dispatch) {
        self.0.on_register_dispatch(subscriber)
    }

    fn on_layer(&mut self, subscriber: &mut S) {
        self.0.on_layer(subscriber)
    }

    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        self.0.register_callsite(metadata)
    }

    fn enabled(&self, metadata: &Metadata<'_>, ctx: Context<'_, S>) -> bool {
        self.0.enabled(metadata, ctx)
    }

    fn event_enabled(&self, event: &Event<'_>, ctx: Context<'_, S>) -> bool {
        self.0.event_enabled(event, ctx)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        self.0.on_new_span(attrs, id, ctx)
    }

    fn on_record(&self, span: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        self.0.on_record(span, values, ctx)
    }

    fn on_follows_from(&self, span: &Id, follows: &Id, ctx: Context<'_, S>) {
        self.0.on_follows_from(span, follows, ctx)
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        self.0.on_enter(id, ctx)
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        self.0.on_exit(id, ctx)
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        self.0.on_close(id, ctx)
    }

    fn on_id_change(&self, old: &Id, new: &Id, ctx: Context<'_, S>) {
        self.0.on_id_change(old, new, ctx)
    }

    unsafe fn downcast_raw(&self, id: TypeId) -> Option<*const ()> {
        if id == TypeId::of::<Self>() {
            return Some(self as *const Self as *const ());
        }
        // SAFETY: forwarded as is; the inner layer answers for its own types.
        unsafe { self.0.downcast_raw(id) }
    }
}
