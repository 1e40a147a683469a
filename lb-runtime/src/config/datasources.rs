//! `datasources.json`: LoopBack's datasource settings, as URLs for [`crate::connector`].

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::env::substitute;
use crate::connector::Connector;
use crate::{Error, Result};

/// One entry of `datasources.json` (its `Debug` hides the URL's password).
#[derive(Clone, PartialEq)]
pub struct DatasourceConfig {
    /// The key (`db`).
    pub name: String,
    /// LoopBack's connector name: `memory`, `sqlite3`, `postgresql`, `mysql`.
    pub connector: String,
    /// The URL lb opens (given as `url`, or built from host/port/database/user/password/file).
    pub url: String,
    /// Pool size (`connectionLimit`, `max` or `maxConnections`).
    pub max_connections: Option<u32>,
    /// Wait for a pooled connection (`acquireTimeout`, milliseconds).
    pub acquire_timeout: Option<Duration>,
    /// Longest statement (`statementTimeout` or node-postgres' `statement_timeout`,
    /// milliseconds; 0 turns the limit off).
    pub statement_timeout: Option<Duration>,
}

impl std::fmt::Debug for DatasourceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
        let url = crate::connector::sql::redact(&self.url);
        #[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
        let url = &self.url;
        f.debug_struct("DatasourceConfig")
            .field("name", &self.name)
            .field("connector", &self.connector)
            .field("url", &url)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .finish()
    }
}

fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    match o.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(o: &Map<String, Value>, keys: &[&str]) -> Option<u64> {
    keys.iter().find_map(|k| match o.get(*k)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    })
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Substitutes environment variables in every string of `v`.
fn expand(v: &mut Value, lookup: &dyn Fn(&str) -> Option<String>, at: &str) -> Result<()> {
    match v {
        Value::String(s) => *s = substitute(s, lookup, at)?,
        Value::Array(a) => {
            for x in a {
                expand(x, lookup, at)?;
            }
        }
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                expand(x, lookup, &format!("{at}.{k}"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

impl DatasourceConfig {
    fn from_json(
        name: &str,
        mut v: Value,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let at = format!("datasources.json: {name}");
        expand(&mut v, lookup, &at)?;
        let o = v
            .as_object()
            .ok_or_else(|| Error::internal(format!("{at}: not an object")))?;
        // `loopback-connector-postgresql` names the same connector as `postgresql`
        let connector = text(o, "connector")
            .map(|c| c.trim_start_matches("loopback-connector-").to_string())
            .unwrap_or_else(|| "memory".into());
        let url = match text(o, "url").filter(|u| !u.is_empty()) {
            Some(u) => u,
            None => Self::url_from_parts(&connector, o, &at)?,
        };
        Ok(DatasourceConfig {
            name: name.to_string(),
            connector,
            url,
            max_connections: number(o, &["connectionLimit", "max", "maxConnections"])
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
            acquire_timeout: number(o, &["acquireTimeout"]).map(Duration::from_millis),
            statement_timeout: number(o, &["statementTimeout", "statement_timeout"])
                .map(Duration::from_millis),
        })
    }

    /// LoopBack's discrete settings as a URL.
    fn url_from_parts(connector: &str, o: &Map<String, Value>, at: &str) -> Result<String> {
        let file = text(o, "file");
        match connector {
            "memory" => Ok(format!("memory:{}", file.unwrap_or_default())),
            "sqlite3" | "sqlite" => Ok(match file.or_else(|| text(o, "database")) {
                Some(f) if f != ":memory:" => format!("sqlite:{f}"),
                _ => "sqlite::memory:".into(),
            }),
            "postgresql" | "postgres" | "mysql" => {
                let scheme = if connector == "mysql" {
                    "mysql"
                } else {
                    "postgres"
                };
                let host = text(o, "host").unwrap_or_else(|| "localhost".into());
                // an IPv6 address is bracketed in a URL
                let host = if host.contains(':') && !host.starts_with('[') {
                    format!("[{host}]")
                } else {
                    host
                };
                let port = text(o, "port").map(|p| format!(":{p}")).unwrap_or_default();
                let user = text(o, "user").or_else(|| text(o, "username"));
                let creds = match (user, text(o, "password")) {
                    (Some(u), Some(p)) => format!("{}:{}@", encode(&u), encode(&p)),
                    (Some(u), None) => format!("{}@", encode(&u)),
                    _ => String::new(),
                };
                let db = encode(&text(o, "database").unwrap_or_default());
                Ok(format!("{scheme}://{creds}{host}{port}/{db}"))
            }
            other => Err(Error::internal(format!(
                "{at}: unsupported connector {other:?} (memory, sqlite3, postgresql, mysql)"
            ))),
        }
    }

    /// Opens the datasource.
    pub fn connect(&self) -> Result<Arc<dyn Connector>> {
        #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
        if !self.url.starts_with("memory:") {
            let mut settings = crate::connector::sql::PoolSettings::default();
            if let Some(n) = self.max_connections {
                settings.max_connections = n.max(1);
            }
            if let Some(t) = self.acquire_timeout {
                settings.acquire_timeout = t;
            }
            if let Some(t) = self.statement_timeout {
                settings.statement_timeout = (!t.is_zero()).then_some(t);
            }
            return Ok(Arc::new(
                crate::connector::sql::SqlConnector::with_settings(&self.url, &settings)?,
            ));
        }
        crate::connector::from_url(&self.url)
    }
}

/// Parses `datasources.json` (environment variables substituted with `lookup`); REST
/// datasources are left out (see [`parse_all`]).
pub fn parse(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Vec<DatasourceConfig>> {
    Ok(parse_all(text, lookup)?.0)
}

/// Whether a settings object names the REST connector.
fn is_rest(v: &Value) -> bool {
    v.get("connector")
        .and_then(Value::as_str)
        .is_some_and(|c| c.trim_start_matches("loopback-connector-") == "rest")
}

/// The settings of REST datasources by name (`"connector": "rest"`).
pub type RestSettings = Vec<(String, Value)>;

/// Parses `datasources.json`: the database datasources, and the settings of the REST ones,
/// both with environment variables substituted.
pub fn parse_all(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(Vec<DatasourceConfig>, RestSettings)> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| Error::internal(format!("datasources.json: {e}")))?;
    let Value::Object(o) = v else {
        return Err(Error::internal("datasources.json: not an object"));
    };
    let mut dbs = Vec::new();
    let mut rest = Vec::new();
    for (name, mut v) in o {
        if is_rest(&v) {
            expand(&mut v, lookup, &format!("datasources.json: {name}"))?;
            rest.push((name, v));
        } else {
            dbs.push(DatasourceConfig::from_json(&name, v, lookup)?);
        }
    }
    Ok((dbs, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_from_loopback_settings() {
        let env = |n: &str| (n == "DATABASE_URL").then(|| "postgres://u@h/db".to_string());
        let ds = parse(
            r#"{
              "db": {"name": "db", "connector": "postgresql", "url": "${DATABASE_URL}", "max": 4},
              "legacy": {"connector": "mysql", "host": "127.0.0.1", "port": 3306,
                         "database": "test", "user": "root", "password": "p@ss:word",
                         "connectionLimit": 7, "acquireTimeout": 1500},
              "local": {"connector": "loopback-connector-sqlite3", "file": "data.db"},
              "v6": {"connector": "postgresql", "host": "::1", "database": "my db"},
              "mem": {"connector": "memory", "file": "mem.json"},
              "scratch": {"connector": "memory"}
            }"#,
            &env,
        )
        .unwrap();
        let by = |n: &str| ds.iter().find(|d| d.name == n).unwrap().clone();
        assert_eq!(by("db").url, "postgres://u@h/db");
        assert_eq!(by("db").max_connections, Some(4));
        assert_eq!(
            by("legacy").url,
            "mysql://root:p%40ss%3Aword@127.0.0.1:3306/test"
        );
        assert_eq!(by("legacy").max_connections, Some(7));
        assert_eq!(
            by("legacy").acquire_timeout,
            Some(Duration::from_millis(1500))
        );
        assert_eq!(by("local").url, "sqlite:data.db");
        assert_eq!(by("v6").url, "postgres://[::1]/my%20db");
        assert!(!format!("{:?}", by("legacy")).contains("p%40ss"));
        assert_eq!(by("mem").url, "memory:mem.json");
        assert_eq!(by("scratch").url, "memory:");
    }

    #[test]
    fn errors_name_the_setting() {
        let none = |_: &str| None;
        let e = parse(
            r#"{"db": {"connector": "postgresql", "url": "${DB}"}}"#,
            &none,
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "datasources.json: db.url: environment variable DB is not set"
        );
        let e = parse(r#"{"db": {"connector": "oracle"}}"#, &none).unwrap_err();
        assert!(
            e.message.contains("unsupported connector \"oracle\""),
            "{}",
            e.message
        );
    }
}
