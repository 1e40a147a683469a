//! CRUD mode of the REST connector: a model attached to a REST datasource with a `baseURL`
//! is stored by another HTTP API (`{baseURL}/{resourceName or the model's path}`), in one of
//! two dialects:
//!
//! * [`CrudDialect::Rest`] (the default): what `loopback-connector-rest` sends to a generic
//!   REST API — the normalized filter as query parameters (`where[name]=Mary&limit=5&order=age
//!   DESC&offset=0&skip=0`), `PUT /:id` for updates, `DELETE /resource` to delete all;
//! * [`CrudDialect::LoopBack`] (`"dialect": "loopback"`): a LoopBack or lb server's own API —
//!   `filter[...]`, `PATCH /:id`, `/count`, `/update`, `POST /:id/replace` — so another lb or
//!   LoopBack server answers every operation exactly; its errors keep their status, message
//!   and details.

use std::sync::Arc;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::Value;

use super::{RestDataSource, RestRequest, RestResponse};
use crate::connector::{BoxFuture, Connector, Row};
use crate::filter::{Filter, Where};
use crate::model::ModelDefinition;
use crate::value::{js, Object, Record};
use crate::{Error, Result};

/// The API a CRUD datasource speaks (`"dialect"` in its settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrudDialect {
    /// A generic REST API, as `loopback-connector-rest` calls it (`"rest"`, the default).
    Rest,
    /// A LoopBack 3 or lb server's REST API (`"loopback"`).
    LoopBack,
}

/// A datasource proxying a remote REST resource per model.
#[derive(Debug, Clone)]
pub struct RestCrud {
    ds: RestDataSource,
    base: String,
    resource: Option<String>,
    dialect: CrudDialect,
}

/// `prefix[key]=value` pairs of a JSON value (LoopBack's `qs` bracket syntax; arrays indexed).
pub(crate) fn brackets(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                brackets(&format!("{prefix}[{k}]"), x, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                brackets(&format!("{prefix}[{i}]"), x, out);
            }
        }
        Value::Null => out.push((prefix.to_string(), String::new())),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// Whether a value cannot travel as brackets to a LoopBack server: brackets cannot say null
/// (`x=` is ""), and LoopBack's query parser reads at most 20 array items and 5 levels.
fn has_null(v: &Value) -> bool {
    fn unsafe_at(v: &Value, depth: usize) -> bool {
        match v {
            Value::Null => true,
            _ if depth > 4 => matches!(v, Value::Array(_) | Value::Object(_)),
            Value::Array(a) => a.len() > 20 || a.iter().any(|x| unsafe_at(x, depth + 1)),
            Value::Object(o) => o.values().any(|x| unsafe_at(x, depth + 1)),
            _ => false,
        }
    }
    unsafe_at(v, 0)
}

/// An instance the remote API answered; a strict model keeps only its declared properties
/// (as LoopBack builds the instance), a non-strict one every property.
fn row(model: &ModelDefinition, v: Value) -> Result<Row> {
    match v {
        Value::Object(mut o) => {
            if model.strict != crate::model::Strict::False {
                o.retain(|k, _| model.property_index(k).is_some());
            }
            Ok(Arc::new(Record::new(o)))
        }
        other => Err(Error::new(
            axum::http::StatusCode::BAD_GATEWAY,
            format!("the remote API answered {other}, not an instance"),
        )),
    }
}

fn count(v: &Value) -> Result<u64> {
    v.get("count").and_then(Value::as_u64).ok_or_else(|| {
        Error::new(
            axum::http::StatusCode::BAD_GATEWAY,
            format!("the remote API answered {v}, not a count"),
        )
    })
}

/// A remote LoopBack error (`{"error": {..}}`) as the same error here.
fn remote(e: Error) -> Error {
    let body = e.details.as_deref().and_then(|d| d.get("body")).cloned();
    let Some(Value::Object(err)) = body.as_ref().and_then(|b| b.get("error")).cloned() else {
        return e;
    };
    let message = err
        .get("message")
        .and_then(Value::as_str)
        .map_or_else(|| e.message.clone(), str::to_string);
    let mut out = Error::new(e.status, message);
    if let Some(n) = err.get("name").and_then(Value::as_str) {
        out = out.with_name(n.to_string());
    }
    if let Some(c) = err.get("code").and_then(Value::as_str) {
        out = out.with_code(c.to_string());
    }
    if let Some(d) = err.get("details") {
        out = out.with_details(d.clone());
    }
    out
}

impl RestCrud {
    /// A CRUD datasource on `base_url` (`http://host/api`); `resource` names the remote
    /// collection of every model (default: each model's REST path).
    pub fn new(ds: RestDataSource, base_url: &str, resource: Option<String>) -> RestCrud {
        RestCrud {
            ds,
            base: base_url.trim_end_matches('/').to_string(),
            resource,
            dialect: CrudDialect::Rest,
        }
    }

    /// The same datasource speaking `dialect`.
    pub fn dialect(mut self, dialect: CrudDialect) -> RestCrud {
        self.dialect = dialect;
        self
    }

    /// From LoopBack's settings: `baseURL` (or `restPath`), `resourceName`, `options`, and
    /// lb's `dialect` (`"rest"`, the default, or `"loopback"`).
    pub fn from_settings(settings: &Value) -> Result<RestCrud> {
        let base = settings
            .get("baseURL")
            .or_else(|| settings.get("restPath"))
            .and_then(Value::as_str)
            .ok_or_else(|| super::config_error("CRUD mode needs a `baseURL`"))?;
        let ds = RestDataSource::from_settings(&serde_json::json!({
            "options": settings.get("options").cloned().unwrap_or(Value::Null)
        }))?;
        let resource = settings
            .get("resourceName")
            .and_then(Value::as_str)
            .map(str::to_string);
        let dialect = match settings.get("dialect").and_then(Value::as_str) {
            None | Some("rest") => CrudDialect::Rest,
            Some("loopback") => CrudDialect::LoopBack,
            Some(other) => {
                return Err(super::config_error(&format!(
                    "dialect {other:?}: expected \"rest\" or \"loopback\""
                )))
            }
        };
        Ok(RestCrud::new(ds, base, resource).dialect(dialect))
    }

    fn url(&self, model: &ModelDefinition, id: Option<&Value>, suffix: &str) -> String {
        let resource = model
            .resource_name
            .clone()
            .or_else(|| self.resource.clone())
            .unwrap_or_else(|| model.rest_path().to_string());
        let mut u = format!("{}/{resource}", self.base);
        if let Some(id) = id {
            let text = match id {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            u.push('/');
            u.push_str(&utf8_percent_encode(&text, NON_ALPHANUMERIC).to_string());
        }
        u.push_str(suffix);
        u
    }

    async fn call(
        &self,
        method: &str,
        url: String,
        query: Vec<(String, String)>,
        body: Option<Value>,
    ) -> Result<RestResponse> {
        let request = RestRequest {
            method: method.to_string(),
            url,
            headers: Vec::new(),
            query,
            body,
            timeout_ms: None,
            json: true,
        };
        self.ds.execute(request).await.map_err(remote)
    }

    /// A call whose 404 means "no such instance".
    async fn call_optional(
        &self,
        method: &str,
        url: String,
        body: Option<Value>,
    ) -> Result<Option<RestResponse>> {
        match self.call(method, url, Vec::new(), body).await {
            Ok(r) => Ok(Some(r)),
            Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn where_query(where_: Option<&Where>) -> Vec<(String, String)> {
        let mut q = Vec::new();
        if let Some(w) = where_ {
            let json = w.to_json();
            if has_null(&json) {
                q.push(("where".to_string(), json.to_string()));
            } else {
                brackets("where", &json, &mut q);
            }
        }
        q
    }
}

/// The data sent: every property given, `null` ones included (as LoopBack sends them).
fn body(data: Object) -> Value {
    Value::Object(data)
}

/// The filter as `loopback-connector-rest` sends it to a generic REST API: juggler's
/// normalized filter (`limit` 100 when only a skip is given, `offset` and `skip` both set,
/// one `order` as text, `fields` as the list of included properties) in `qs` brackets.
fn generic_query(model: &ModelDefinition, filter: &Filter) -> Vec<(String, String)> {
    let mut q = Vec::new();
    if let Some(w) = &filter.where_ {
        brackets("where", &w.to_json(), &mut q);
    }
    let json = filter.to_json();
    if filter.limit.is_some() || filter.skip.is_some_and(|s| s > 0) {
        let skip = filter.skip.unwrap_or(0);
        q.push(("limit".into(), filter.limit.unwrap_or(100).to_string()));
        q.push(("offset".into(), skip.to_string()));
        q.push(("skip".into(), skip.to_string()));
    }
    match json.get("order") {
        Some(Value::Array(o)) if o.len() == 1 => q.push(("order".into(), js::to_js_string(&o[0]))),
        Some(o) => brackets("order", o, &mut q),
        None => {}
    }
    if let Some(fields) = &filter.fields {
        let included: Vec<Value> = model
            .properties
            .iter()
            .filter(|p| fields.shows(&p.name))
            .map(|p| Value::String(p.name.clone()))
            .collect();
        brackets("fields", &Value::Array(included), &mut q);
    }
    q
}

/// An operation a generic REST API has no call for (LoopBack's connector has none either).
fn unsupported(what: &str) -> Error {
    Error::new(
        axum::http::StatusCode::NOT_IMPLEMENTED,
        format!(
            "{what} is not supported by a generic REST API (set \"dialect\": \"loopback\" for a LoopBack or lb server)"
        ),
    )
    .with_code("NOT_SUPPORTED")
}

impl Connector for RestCrud {
    fn name(&self) -> &'static str {
        "rest"
    }

    fn create<'a>(
        &'a self,
        model: &'static ModelDefinition,
        data: Object,
    ) -> BoxFuture<'a, Result<Row>> {
        Box::pin(async move {
            let mut data = data;
            // an id the remote API is to generate is not sent (LoopBack leaves it undefined)
            let id = &model.id().name;
            if data.get(id).is_some_and(Value::is_null) {
                data.shift_remove(id);
            }
            let r = self
                .call(
                    "POST",
                    self.url(model, None, ""),
                    Vec::new(),
                    Some(body(data)),
                )
                .await?;
            row(model, r.body)
        })
    }

    fn find<'a>(
        &'a self,
        model: &'static ModelDefinition,
        filter: &'a Filter,
    ) -> BoxFuture<'a, Result<Vec<Row>>> {
        Box::pin(async move {
            // a per-parent page (include scopes) has no remote form: read the matches, page here
            let mut remote_filter = filter.clone();
            if filter.partition.is_some() {
                remote_filter.partition = None;
                remote_filter.limit = None;
                remote_filter.skip = None;
            }
            remote_filter.include = Vec::new();
            let q = match self.dialect {
                CrudDialect::Rest => generic_query(model, &remote_filter),
                CrudDialect::LoopBack => {
                    let json = remote_filter.to_json();
                    let mut q = Vec::new();
                    if has_null(&json) {
                        // brackets cannot say null (`x=` is ""): the JSON form, which
                        // LoopBack reads too
                        q.push(("filter".to_string(), json.to_string()));
                    } else {
                        brackets("filter", &json, &mut q);
                    }
                    q
                }
            };
            let r = self.call("GET", self.url(model, None, ""), q, None).await?;
            let rows = match r.body {
                Value::Array(a) => a
                    .into_iter()
                    .map(|v| row(model, v))
                    .collect::<Result<Vec<_>>>()?,
                other => {
                    return Err(Error::new(
                        axum::http::StatusCode::BAD_GATEWAY,
                        format!("the remote API answered {other}, not a list"),
                    ))
                }
            };
            if filter.partition.is_some() {
                let paging = Filter {
                    partition: filter.partition.clone(),
                    limit: filter.limit,
                    skip: filter.skip,
                    ..Default::default()
                };
                return Ok(crate::filter::eval::apply(rows.into_iter(), &paging, |r| {
                    r.as_ref()
                }));
            }
            Ok(rows)
        })
    }

    fn find_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Row>>> {
        Box::pin(async move {
            match self
                .call_optional("GET", self.url(model, Some(id), ""), None)
                .await?
            {
                Some(r) => row(model, r.body).map(Some),
                None => Ok(None),
            }
        })
    }

    fn count<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            if self.dialect == CrudDialect::Rest {
                return Err(unsupported("count"));
            }
            let r = self
                .call(
                    "GET",
                    self.url(model, None, "/count"),
                    Self::where_query(where_),
                    None,
                )
                .await?;
            count(&r.body)
        })
    }

    fn update_all<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
        data: Object,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            if self.dialect == CrudDialect::Rest {
                return Err(unsupported("updateAll"));
            }
            let mut q = Self::where_query(where_);
            if q.is_empty() {
                // LoopBack's updateAll needs a where: `{}` matches every instance
                q.push(("where".into(), "{}".into()));
            }
            let r = self
                .call(
                    "POST",
                    self.url(model, None, "/update"),
                    q,
                    Some(Value::Object(data)),
                )
                .await?;
            count(&r.body)
        })
    }

    fn delete_all<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            if self.dialect == CrudDialect::Rest && where_.is_none() {
                // the resource's own delete-all (LoopBack's `DELETE /resource`): the count
                // its answer gives, if any
                let r = self
                    .call("DELETE", self.url(model, None, ""), Vec::new(), None)
                    .await?;
                return Ok(r.body.get("count").and_then(Value::as_u64).unwrap_or(0));
            }
            // with a where (LoopBack's connector then deletes every instance) or on a
            // LoopBack server (no delete-all route): the matching ids, one delete each
            let id = model.id().name.clone();
            let f = Filter {
                where_: where_.cloned(),
                fields: Some(crate::filter::Fields::Include(vec![id.clone()])),
                ..Default::default()
            };
            let mut n = 0;
            for r in self.find(model, &f).await? {
                if let Some(v) = r.get(&id) {
                    n += self.delete_by_id(model, &v).await?;
                }
            }
            Ok(n)
        })
    }

    fn delete_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            match self
                .call_optional("DELETE", self.url(model, Some(id), ""), None)
                .await?
            {
                Some(r) => Ok(r.body.get("count").and_then(Value::as_u64).unwrap_or(1)),
                None => Ok(0),
            }
        })
    }

    fn replace_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
        data: Object,
    ) -> BoxFuture<'a, Result<Option<Row>>> {
        Box::pin(async move {
            // a generic API replaces with `PUT /:id`; `POST /:id/replace` replaces on
            // LoopBack 3 and lb whatever `replaceOnPUT` says
            let (verb, url) = match self.dialect {
                CrudDialect::Rest => ("PUT", self.url(model, Some(id), "")),
                CrudDialect::LoopBack => ("POST", self.url(model, Some(id), "/replace")),
            };
            match self.call_optional(verb, url, Some(body(data))).await? {
                Some(r) => row(model, r.body).map(Some),
                None => Ok(None),
            }
        })
    }

    fn patch_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
        data: Object,
    ) -> BoxFuture<'a, Result<Option<Row>>> {
        Box::pin(async move {
            let url = self.url(model, Some(id), "");
            // a generic API: LoopBack's connector `PUT`s the changed properties and the id
            let (verb, data) = match self.dialect {
                CrudDialect::Rest => {
                    let mut data = data;
                    data.insert(model.id().name.clone(), id.clone());
                    ("PUT", data)
                }
                CrudDialect::LoopBack => ("PATCH", data),
            };
            match self
                .call_optional(verb, url, Some(Value::Object(data)))
                .await?
            {
                Some(r) => row(model, r.body).map(Some),
                None => Ok(None),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bracket_query() {
        let mut q = Vec::new();
        brackets(
            "filter",
            &json!({"where": {"city": "Reno", "n": {"gt": 1}}, "order": ["a DESC"], "limit": 2}),
            &mut q,
        );
        assert_eq!(
            q,
            [
                ("filter[where][city]", "Reno"),
                ("filter[where][n][gt]", "1"),
                ("filter[order][0]", "a DESC"),
                ("filter[limit]", "2")
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }
}
