//! Layered settings: the defaults compiled in from `config/default.toml`, then an optional
//! `--config FILE`, then `RAMPFLOW_*` environment variables (API.md § Running).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use rampflow_actors::model::{AssetCode, FiatCurrency};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use crate::environment::{KnownSettings, UnknownVariable, PREFIX};
use crate::pricing::FeeSchedule;

/// The defaults, compiled into the binary so `rampflow serve` starts from any directory.
pub const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub bind: String,
    pub database_url: String,
    pub data_dir: PathBuf,
    #[serde(default)]
    pub admin_token: Option<Secret>,
    /// The master key, base64 of 32 bytes (`RAMPFLOW_MASTER_KEY`); during a rotation, the new
    /// key, a comma, and the old one. When unset, the key file is used (see [`crate::keys`]).
    #[serde(default)]
    pub master_key: Option<Secret>,
    /// The master key file (`RAMPFLOW_MASTER_KEY_FILE`): one base64 key per line, the current
    /// one first. Defaults to `<data_dir>/master_key`, generated on first start.
    #[serde(default)]
    pub master_key_file: Option<PathBuf>,
    #[serde(with = "humantime_serde")]
    pub accept_timeout: Duration,
    #[serde(with = "humantime_serde")]
    pub deposit_window: Duration,
    #[serde(with = "humantime_serde")]
    pub deposit_reminder: Duration,
    #[serde(with = "humantime_serde")]
    pub deposit_window_min: Duration,
    #[serde(with = "humantime_serde")]
    pub deposit_window_max: Duration,
    #[serde(deserialize_with = "duration_list")]
    pub webhook_retry_schedule: Vec<Duration>,
    #[serde(with = "humantime_serde")]
    pub webhook_timeout: Duration,
    #[serde(with = "humantime_serde")]
    pub quote_ttl: Duration,
    /// The operator's fee on every quote, beside the partner's and the wallet's (API.md §
    /// Pricing and quotes). Zero unless configured.
    #[serde(default, deserialize_with = "fee_schedule")]
    pub platform_fee: FeeSchedule,
    /// Decimal places of a crypto asset that `asset_precision` does not list.
    #[serde(default = "default_asset_precision")]
    pub default_asset_precision: u32,
    /// Decimal places per crypto asset code (`USDC = 6`): what a user receives is rounded
    /// down to them.
    #[serde(default)]
    pub asset_precision: BTreeMap<String, u32>,
    pub webhook_allow_private_targets: bool,
    pub log_format: LogFormat,
    /// PostgreSQL only: how long a node's shard leases last without renewal
    /// (`RAMPFLOW_CLUSTER_LEASE`).
    #[serde(with = "humantime_serde")]
    pub cluster_lease: Duration,
    /// PostgreSQL only: the `host:port` other nodes forward requests to; the bound address
    /// when unset (`RAMPFLOW_CLUSTER_ADVERTISE`).
    #[serde(default)]
    pub cluster_advertise: Option<String>,
    pub cluster: ClusterTuning,
    pub http: HttpSettings,
    pub journal: JournalSettings,
    pub actors: ActorSettings,
    pub database: DatabaseSettings,
    pub webhooks: WebhookDeliverySettings,
    pub idempotency: IdempotencySettings,
    pub rate_limit: RateLimitSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterTuning {
    /// Shards the orders are split into, for a database whose cluster starts now; a database
    /// keeps the count it started with.
    pub shards: u32,
    /// How long a node trusts an API key or grant it cached; a rotation, revocation or delete
    /// waits this long before it answers, so that no node honours the old one afterwards.
    #[serde(with = "humantime_serde")]
    pub cache_ttl: Duration,
    /// How long the owner of an order may take to answer a forwarded request.
    #[serde(with = "humantime_serde")]
    pub forward_timeout: Duration,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    pub workers: usize,
    pub max_body_bytes: usize,
    #[serde(with = "humantime_serde")]
    pub shutdown_timeout: Duration,
    pub max_connections: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalSettings {
    pub queue_capacity: usize,
    pub max_batch: usize,
    pub postgres_writers: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorSettings {
    pub arbiters: usize,
    pub mailbox_capacity: usize,
    #[serde(with = "humantime_serde")]
    pub passivate_after: Duration,
    pub rehydrate_page: u32,
    /// Order actors in memory, at most; 0 derives it from the machine's memory.
    pub max_live: usize,
    #[serde(with = "humantime_serde")]
    pub compact_after: Duration,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub max_connections: u32,
    #[serde(with = "humantime_serde")]
    pub busy_timeout: Duration,
    /// How long a request waits for a pooled connection before it is answered 503.
    #[serde(with = "humantime_serde")]
    pub acquire_timeout: Duration,
    /// How often the health probe asks the database for `SELECT 1`.
    #[serde(with = "humantime_serde")]
    pub probe_interval: Duration,
    /// A probe not answered within this counts as a failure.
    #[serde(with = "humantime_serde")]
    pub probe_timeout: Duration,
    /// On SQLite, the journal checkpoints the WAL between its batches, when no write waits, at
    /// most this often; zero leaves every checkpoint to SQLite, inside commits.
    #[serde(with = "humantime_serde")]
    pub idle_checkpoint_interval: Duration,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookDeliverySettings {
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    pub claim_batch: u32,
    pub max_in_flight_per_endpoint: usize,
    /// 0: one per core.
    pub sender_threads: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    pub per_key_per_second: u32,
    pub burst: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdempotencySettings {
    #[serde(with = "humantime_serde")]
    pub retention: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A thread count from the settings, where 0 means one per core.
pub fn one_per_core_if_zero(threads: usize) -> usize {
    match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// A value that must never be printed (the admin token).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl<'de> Deserialize<'de> for Secret {
    /// Environment values that look like numbers reach us as numbers; a token made only of
    /// digits is still a token.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Unsigned(u64),
            Signed(i64),
        }
        Ok(Secret(match Raw::deserialize(d)? {
            Raw::Text(text) => text,
            Raw::Unsigned(n) => n.to_string(),
            Raw::Signed(n) => n.to_string(),
        }))
    }
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Settings {
    /// Defaults, then `file`, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, figment::Error> {
        Settings::load_reporting(file).map(|(settings, _)| settings)
    }

    /// Like [`Settings::load`], and the `RAMPFLOW_*` variables that name no setting, for the
    /// caller to warn about once logging is up. Only variables that name a setting are read
    /// (see [`crate::environment`]).
    pub fn load_reporting(
        file: Option<&Path>,
    ) -> Result<(Settings, Vec<UnknownVariable>), figment::Error> {
        let known = KnownSettings::from_defaults(DEFAULTS);
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        let settings_only = known.clone();
        // `Env` lowercases keys; the names are the keys, `__` between a section and its key.
        figment = figment.merge(
            Env::prefixed(PREFIX)
                .filter(move |key| settings_only.is_setting(key.as_str()))
                .split("__"),
        );
        let settings: Settings = figment.extract()?;
        settings.validate().map_err(figment::Error::from)?;
        let unknown = known
            .unknown_variables(std::env::vars_os().filter_map(|(name, _)| name.into_string().ok()));
        Ok((settings, unknown))
    }

    /// Just the compiled-in defaults: for tests, which then adjust fields in code.
    pub fn defaults() -> Settings {
        Figment::from(Toml::string(DEFAULTS))
            .extract()
            .expect("the compiled-in defaults are valid")
    }

    fn validate(&self) -> Result<(), String> {
        if self.webhook_retry_schedule.is_empty() {
            return Err("webhook_retry_schedule needs at least one delay".into());
        }
        if self.deposit_window_min > self.deposit_window_max {
            return Err("deposit_window_min must not exceed deposit_window_max".into());
        }
        if self.http.max_body_bytes == 0 || self.journal.max_batch == 0 {
            return Err("http.max_body_bytes and journal.max_batch must be positive".into());
        }
        if self.journal.postgres_writers == 0 {
            return Err("journal.postgres_writers must be at least 1".into());
        }
        if self.cluster_lease < Duration::from_millis(500) {
            return Err("cluster_lease must be at least 500ms".into());
        }
        if !(1..=rampflow_actors::shard::MAX_SHARD_COUNT).contains(&self.cluster.shards) {
            return Err(format!(
                "cluster.shards must be from 1 to {}",
                rampflow_actors::shard::MAX_SHARD_COUNT
            ));
        }
        if self.default_asset_precision > MAX_SCALE {
            return Err(format!("default_asset_precision is {MAX_SCALE} at most"));
        }
        for (asset, places) in &self.asset_precision {
            AssetCode::parse(&asset.to_ascii_uppercase())
                .map_err(|e| format!("asset_precision.{asset}: {e}"))?;
            if *places > MAX_SCALE {
                return Err(format!("asset_precision.{asset} is {MAX_SCALE} at most"));
            }
        }
        Ok(())
    }

    /// Decimal places of crypto amounts of `asset`. (Keys set through the environment arrive
    /// lowercased.)
    pub fn asset_precision(&self, asset: &str) -> u32 {
        self.asset_precision
            .get(asset)
            .or_else(|| self.asset_precision.get(&asset.to_ascii_lowercase()))
            .copied()
            .unwrap_or(self.default_asset_precision)
    }
}

/// Most decimal places an amount may carry (as `Amount` allows).
const MAX_SCALE: u32 = 18;

fn default_asset_precision() -> u32 {
    8
}

/// `{percent = "0.5", fixed = {NGN = "100"}}`: decimals as strings (or numbers, as the
/// environment gives them), `percent` from 0 to below 100, fixed amounts not negative and in
/// real currencies.
fn fee_schedule<'de, D: Deserializer<'de>>(d: D) -> Result<FeeSchedule, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Text(String),
        Unsigned(u64),
        Signed(i64),
        Float(f64),
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw {
        #[serde(default)]
        percent: Option<Number>,
        #[serde(default)]
        fixed: BTreeMap<String, Number>,
    }
    fn decimal<E: serde::de::Error>(name: &str, value: Number) -> Result<Decimal, E> {
        let text = match value {
            Number::Text(text) => text,
            Number::Unsigned(n) => n.to_string(),
            Number::Signed(n) => n.to_string(),
            Number::Float(n) => n.to_string(),
        };
        let value = Decimal::from_str(text.trim())
            .map_err(|_| E::custom(format!("platform_fee.{name}: {text:?} is not a decimal")))?;
        if value < Decimal::ZERO {
            return Err(E::custom(format!(
                "platform_fee.{name} must not be negative"
            )));
        }
        Ok(value)
    }
    let raw = Raw::deserialize(d)?;
    let percent = match raw.percent {
        Some(p) => decimal("percent", p)?,
        None => Decimal::ZERO,
    };
    if percent >= Decimal::ONE_HUNDRED {
        return Err(serde::de::Error::custom(
            "platform_fee.percent must be below 100",
        ));
    }
    let mut fixed = BTreeMap::new();
    for (currency, amount) in raw.fixed {
        let code = FiatCurrency::parse(&currency.to_ascii_uppercase())
            .map_err(|e| serde::de::Error::custom(format!("platform_fee.fixed.{currency}: {e}")))?;
        fixed.insert(
            code.code().to_owned(),
            decimal(&format!("fixed.{currency}"), amount)?,
        );
    }
    Ok(FeeSchedule { percent, fixed })
}

/// `"0s,5s,5m"` → durations. Also accepts a TOML array of strings.
fn duration_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        List(Vec<String>),
    }
    let items = match Raw::deserialize(d)? {
        Raw::Text(text) => text.split(',').map(|s| s.trim().to_owned()).collect(),
        Raw::List(list) => list,
    };
    items
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| humantime::parse_duration(s).map_err(serde::de::Error::custom))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_contract() {
        let s = Settings::defaults();
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.database_url, "sqlite://data/rampflow.db");
        assert_eq!(s.accept_timeout, Duration::from_secs(600));
        assert_eq!(s.deposit_window, Duration::from_secs(1800));
        assert_eq!(s.deposit_reminder, Duration::from_secs(600));
        assert_eq!(s.webhook_retry_schedule.len(), 8);
        assert_eq!(s.webhook_retry_schedule[7], Duration::from_secs(36_000));
        assert_eq!(s.webhook_timeout, Duration::from_secs(15));
        assert_eq!(s.quote_ttl, Duration::from_secs(60));
        assert!(s.platform_fee.is_zero());
        assert_eq!(s.asset_precision("USDC"), 8);
        assert!(!s.webhook_allow_private_targets);
        assert_eq!(s.log_format, LogFormat::Pretty);
        assert!(s.admin_token.is_none());
        assert_eq!(s.cluster_lease, Duration::from_secs(5));
        assert!(s.cluster_advertise.is_none());
        assert_eq!(s.cluster.shards, 256);
    }

    #[test]
    fn environment_overrides_file_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "over.toml",
                "accept_timeout = \"2m\"\nbind = \"0.0.0.0:1\"\n",
            )?;
            jail.set_env("RAMPFLOW_BIND", "127.0.0.1:9999");
            jail.set_env("RAMPFLOW_ADMIN_TOKEN", "12345");
            jail.set_env("RAMPFLOW_WEBHOOK_RETRY_SCHEDULE", "1s,2s");
            jail.set_env("RAMPFLOW_JOURNAL__MAX_BATCH", "7");
            jail.set_env("RAMPFLOW_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true");
            jail.set_env("RAMPFLOW_PLATFORM_FEE__PERCENT", "0.25");
            jail.set_env("RAMPFLOW_PLATFORM_FEE__FIXED__NGN", "10");
            jail.set_env("RAMPFLOW_ASSET_PRECISION__BTC", "8");
            jail.set_env("RAMPFLOW_CLUSTER_LEASE", "2s");
            jail.set_env("RAMPFLOW_CLUSTER_ADVERTISE", "10.0.0.5:8080");
            let s = Settings::load(Some(Path::new("over.toml"))).expect("loads");
            assert_eq!(s.accept_timeout, Duration::from_secs(120));
            assert_eq!(s.bind, "127.0.0.1:9999");
            assert_eq!(s.admin_token.as_ref().map(Secret::expose), Some("12345"));
            assert_eq!(
                s.webhook_retry_schedule,
                vec![Duration::from_secs(1), Duration::from_secs(2)]
            );
            assert_eq!(s.journal.max_batch, 7);
            assert!(s.webhook_allow_private_targets);
            assert_eq!(s.platform_fee.percent.to_string(), "0.25");
            assert_eq!(s.platform_fee.fixed["NGN"].to_string(), "10");
            assert_eq!(s.asset_precision("BTC"), 8);
            assert_eq!(s.cluster_lease, Duration::from_secs(2));
            assert_eq!(s.cluster_advertise.as_deref(), Some("10.0.0.5:8080"));
            Ok(())
        });
    }

    #[test]
    fn bad_values_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("RAMPFLOW_ACCEPT_TIMEOUT", "soon");
            let error = Settings::load(None).unwrap_err();
            let line = crate::environment::describe_error(&error);
            assert!(line.contains("RAMPFLOW_ACCEPT_TIMEOUT"), "{line}");
            assert!(!line.contains('\n'), "{line}");
            Ok(())
        });
    }

    #[test]
    fn unknown_variables_and_service_links_do_not_stop_the_start() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("RAMPFLOW_PORT", "tcp://10.0.0.1:8080");
            jail.set_env("RAMPFLOW_PORT_8080_TCP_ADDR", "10.0.0.1");
            jail.set_env("RAMPFLOW_SERVICE_HOST", "10.0.0.1");
            jail.set_env("RAMPFLOW_SERVICE_PORT", "8080");
            jail.set_env("RAMPFLOW_DATABSE_URL", "postgres://elsewhere/db");
            jail.set_env("RAMPFLOW_MASTER_KEY_FILE", "/run/secrets/master_key");
            let (s, unknown) = Settings::load_reporting(None).expect("loads");
            assert_eq!(s.database_url, "sqlite://data/rampflow.db");
            assert_eq!(
                s.master_key_file.as_deref(),
                Some(Path::new("/run/secrets/master_key"))
            );
            let names: Vec<&str> = unknown.iter().map(|u| u.name.as_str()).collect();
            assert_eq!(names, ["RAMPFLOW_DATABSE_URL"]);
            assert_eq!(
                unknown[0].suggestion.as_deref(),
                Some("RAMPFLOW_DATABASE_URL")
            );
            Ok(())
        });
    }
}
