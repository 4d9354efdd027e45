//! Which `RAMPFLOW_*` environment variables are settings, and what to say about the others.
//!
//! A deployment's environment holds more than its settings: Kubernetes injects service-link
//! variables (`RAMPFLOW_PORT=tcp://10.0.0.1:8080`, `RAMPFLOW_SERVICE_HOST`, …) into every pod
//! of a namespace with a Service named `rampflow`, and shells collect variables of their own.
//! So only the names of known settings reach the configuration; service links are passed over
//! in silence, and any other `RAMPFLOW_*` name is a warning that suggests the closest setting
//! (a typo like `RAMPFLOW_DATABSE_URL` must not go unnoticed, nor stop the start). A bad value
//! of a *known* setting still stops the start, as one line naming the variable
//! ([`describe_error`]).

use std::collections::BTreeSet;

use figment::providers::{Format, Toml};
use figment::value::{Dict, Value};
use figment::Figment;

/// The prefix of every setting's variable.
pub const PREFIX: &str = "RAMPFLOW_";

/// Settings without a default value, so absent from `config/default.toml`.
const OPTIONAL_KEYS: &[&str] = &[
    "admin_token",
    "cluster_advertise",
    "master_key",
    "master_key_file",
];

/// The variables of the test harness, which child processes inherit: not settings, and not
/// worth a warning.
const HARNESS_VARIABLES: &[&str] = &["test_database", "test_postgres"];

/// The setting names a variable may carry, after the prefix, lowercased, with `__` between a
/// section and its key (`http__workers`).
#[derive(Debug, Clone)]
pub struct KnownSettings {
    /// Exact names.
    exact: BTreeSet<String>,
    /// Names of tables whose keys are free (`asset_precision__usdc`).
    open_tables: BTreeSet<String>,
}

/// What to do with one `RAMPFLOW_*` variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A setting: it goes to the configuration.
    Setting,
    /// A Kubernetes service link or a harness variable: ignored without a word.
    Silent,
    /// Nothing rampflow knows: ignored with a warning naming the closest setting.
    Unknown { suggestion: Option<String> },
}

/// An unknown variable, as the startup warning names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVariable {
    pub name: String,
    pub suggestion: Option<String>,
}

impl std::fmt::Display for UnknownVariable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is not a rampflow setting; ignored", self.name)?;
        if let Some(suggestion) = &self.suggestion {
            write!(f, " (did you mean {suggestion}?)")?;
        }
        Ok(())
    }
}

impl KnownSettings {
    /// The names in the compiled-in defaults, plus the optional settings.
    pub fn from_defaults(defaults: &str) -> KnownSettings {
        let dict: Dict = Figment::from(Toml::string(defaults))
            .extract()
            .expect("the compiled-in defaults parse");
        let mut known = KnownSettings {
            exact: OPTIONAL_KEYS.iter().map(|k| (*k).to_owned()).collect(),
            open_tables: BTreeSet::new(),
        };
        known.add(String::new(), &dict);
        known
    }

    fn add(&mut self, prefix: String, dict: &Dict) {
        for (key, value) in dict {
            let name = format!("{prefix}{key}");
            self.exact.insert(name.clone());
            if let Value::Dict(_, inner) = value {
                if inner.is_empty() {
                    self.open_tables.insert(name);
                } else {
                    self.add(format!("{name}__"), inner);
                }
            }
        }
    }

    /// Whether `key` (after the prefix, any case) names a setting.
    pub fn is_setting(&self, key: &str) -> bool {
        let key = key.to_ascii_lowercase();
        self.exact.contains(&key)
            || self.open_tables.iter().any(|table| {
                key.strip_prefix(table.as_str())
                    .and_then(|rest| rest.strip_prefix("__"))
                    .is_some_and(|rest| !rest.is_empty())
            })
    }

    /// What to do with the variable `name` (with its prefix); `None` when it does not start
    /// with the prefix.
    pub fn judge(&self, name: &str) -> Option<Verdict> {
        let key = strip_prefix(name)?;
        if self.is_setting(key) {
            return Some(Verdict::Setting);
        }
        let lower = key.to_ascii_lowercase();
        if is_service_link(&lower) || HARNESS_VARIABLES.contains(&lower.as_str()) {
            return Some(Verdict::Silent);
        }
        Some(Verdict::Unknown {
            suggestion: self.closest(&lower),
        })
    }

    /// The known variable nearest to `key` by edit distance, if any is near enough to be what
    /// was meant.
    fn closest(&self, key: &str) -> Option<String> {
        let candidates = self
            .exact
            .iter()
            .chain(self.open_tables.iter())
            .map(|known| (strsim::levenshtein(key, known), known));
        let (distance, best) = candidates.min_by_key(|(distance, known)| (*distance, *known))?;
        let tolerance = (key.len().max(best.len()) / 3).max(2);
        (distance <= tolerance).then(|| format!("{PREFIX}{}", best.to_ascii_uppercase()))
    }

    /// The unknown `RAMPFLOW_*` variables among `vars`, each with its suggestion.
    pub fn unknown_variables(
        &self,
        vars: impl IntoIterator<Item = String>,
    ) -> Vec<UnknownVariable> {
        let mut unknown: Vec<UnknownVariable> = vars
            .into_iter()
            .filter_map(|name| match self.judge(&name)? {
                Verdict::Unknown { suggestion } => Some(UnknownVariable { name, suggestion }),
                Verdict::Setting | Verdict::Silent => None,
            })
            .collect();
        unknown.sort_by(|a, b| a.name.cmp(&b.name));
        unknown
    }
}

fn strip_prefix(name: &str) -> Option<&str> {
    let head = name.get(..PREFIX.len())?;
    head.eq_ignore_ascii_case(PREFIX)
        .then(|| &name[PREFIX.len()..])
        .filter(|rest| !rest.is_empty())
}

/// Kubernetes service-link variables of a Service named `rampflow` or `rampflow-…`, after the
/// prefix, lowercased: `port`, `port_8080_tcp…`, `service_host`, `service_port…`, and the same
/// behind a longer service name (`db_port`, `db_service_host`).
fn is_service_link(key: &str) -> bool {
    key == "port"
        || key.ends_with("_port")
        || key.starts_with("port_")
        || key.contains("_port_")
        || key == "service_host"
        || key.ends_with("_service_host")
        || key.starts_with("service_port")
        || key.contains("_service_port")
}

/// A configuration error as one readable line: which variable (or key of which file) holds
/// the bad value, and why it is bad.
pub fn describe_error(error: &figment::Error) -> String {
    let lines: Vec<String> = error
        .clone()
        .into_iter()
        .map(|error| {
            let from_env = error
                .metadata
                .as_ref()
                .is_some_and(|m| m.name.contains("environment"));
            let path = error.path.join(".");
            let place = if path.is_empty() {
                String::new()
            } else if from_env {
                format!("{PREFIX}{}: ", error.path.join("__").to_ascii_uppercase())
            } else {
                let source = error
                    .metadata
                    .as_ref()
                    .and_then(|m| m.source.as_ref())
                    .map(|s| format!(" in {s}"))
                    .unwrap_or_default();
                format!("setting `{path}`{source}: ")
            };
            format!("{place}{}", error.kind)
        })
        .collect();
    format!("bad configuration: {}", lines.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> KnownSettings {
        KnownSettings::from_defaults(crate::config::DEFAULTS)
    }

    #[test]
    fn settings_are_known_by_their_variables() {
        let known = known();
        for name in [
            "RAMPFLOW_BIND",
            "RAMPFLOW_DATABASE_URL",
            "RAMPFLOW_ADMIN_TOKEN",
            "RAMPFLOW_MASTER_KEY",
            "RAMPFLOW_MASTER_KEY_FILE",
            "RAMPFLOW_HTTP__WORKERS",
            "RAMPFLOW_PLATFORM_FEE__PERCENT",
            "RAMPFLOW_PLATFORM_FEE__FIXED__NGN",
            "RAMPFLOW_ASSET_PRECISION__USDC",
            "rampflow_log_format",
        ] {
            assert_eq!(known.judge(name), Some(Verdict::Setting), "{name}");
        }
        assert_eq!(known.judge("PATH"), None);
    }

    #[test]
    fn kubernetes_service_links_are_silent() {
        let known = known();
        for name in [
            "RAMPFLOW_PORT",
            "RAMPFLOW_PORT_8080_TCP",
            "RAMPFLOW_PORT_8080_TCP_ADDR",
            "RAMPFLOW_PORT_8080_TCP_PROTO",
            "RAMPFLOW_SERVICE_HOST",
            "RAMPFLOW_SERVICE_PORT",
            "RAMPFLOW_SERVICE_PORT_HTTP",
            "RAMPFLOW_DB_PORT",
            "RAMPFLOW_DB_SERVICE_HOST",
        ] {
            assert_eq!(known.judge(name), Some(Verdict::Silent), "{name}");
        }
    }

    #[test]
    fn unknown_variables_suggest_the_closest_setting() {
        let unknown = known().unknown_variables([
            "RAMPFLOW_DATABSE_URL".to_owned(),
            "RAMPFLOW_PORT".to_owned(),
            "RAMPFLOW_BIND".to_owned(),
            "RAMPFLOW_HTTP__WORKRES".to_owned(),
            "RAMPFLOW_ZZZZZZZZZZZZZZZZZZZZZ".to_owned(),
        ]);
        assert_eq!(
            unknown,
            vec![
                UnknownVariable {
                    name: "RAMPFLOW_DATABSE_URL".into(),
                    suggestion: Some("RAMPFLOW_DATABASE_URL".into()),
                },
                UnknownVariable {
                    name: "RAMPFLOW_HTTP__WORKRES".into(),
                    suggestion: Some("RAMPFLOW_HTTP__WORKERS".into()),
                },
                UnknownVariable {
                    name: "RAMPFLOW_ZZZZZZZZZZZZZZZZZZZZZ".into(),
                    suggestion: None,
                },
            ]
        );
        assert_eq!(
            unknown[0].to_string(),
            "RAMPFLOW_DATABSE_URL is not a rampflow setting; ignored (did you mean RAMPFLOW_DATABASE_URL?)"
        );
    }
}
