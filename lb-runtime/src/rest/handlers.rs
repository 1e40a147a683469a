//! The built-in PersistedModel endpoints (spec §2).

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::arguments as args;
use super::builtin_spec as spec;
use super::call::Call;
use super::outcome::Outcome;
use crate::connector::BoxFuture;
use crate::remote::Source;
use crate::{Error, Result};

type Reply = BoxFuture<'static, Result<Outcome>>;

/// LB3 asserts `where` on updateAll/upsertWithWhere with a 500; lb answers 400 (COMPAT 2).
fn where_required() -> Error {
    Error::bad_request(
        "The where argument must be an object: pass where={} to match every instance",
    )
}

pub(super) fn create(mut c: Call) -> Reply {
    Box::pin(async move {
        let body = args::data(&mut c, &spec::data(false))?;
        let repo = c.repo();
        match body {
            Value::Array(items) => {
                let rows = repo.create_many(items).await?;
                Ok(Outcome::Rows(rows))
            }
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                Err(crate::repository::not_an_object())
            }
            body => {
                let row = repo.create(body).await?;
                Ok(Outcome::Row(row))
            }
        }
    })
}

pub(super) fn patch_or_create(mut c: Call) -> Reply {
    Box::pin(async move {
        let body = args::data(&mut c, &spec::data(false))?;
        let row = c.repo().patch_or_create(body).await?;
        Ok(Outcome::Row(row))
    })
}

pub(super) fn replace_or_create(mut c: Call) -> Reply {
    Box::pin(async move {
        let body = args::data(&mut c, &spec::data(false))?;
        let row = c.repo().replace_or_create(body).await?;
        Ok(Outcome::Row(row))
    })
}

pub(super) fn upsert_with_where(mut c: Call) -> Reply {
    Box::pin(async move {
        let where_ = args::where_arg(&c, Source::Query, true)?.ok_or_else(where_required)?;
        let body = args::data(&mut c, &spec::data(true))?;
        let row = c.repo().upsert_with_where(where_.as_ref(), body).await?;
        Ok(Outcome::Row(row))
    })
}

pub(super) fn exists(c: Call) -> Reply {
    Box::pin(async move {
        let exists = c.repo().exists(&c.id()).await?;
        Ok(Outcome::Json(StatusCode::OK, json!({ "exists": exists })))
    })
}

pub(super) fn head_exists(c: Call) -> Reply {
    Box::pin(async move {
        let exists = c.repo().exists(&c.id()).await?;
        let status = if exists {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        Ok(Outcome::Json(status, json!({ "exists": exists })))
    })
}

pub(super) fn find_by_id(c: Call) -> Reply {
    Box::pin(async move {
        let filter = args::filter(&c)?;
        let found = c.repo().find_by_id(&c.id(), Some(&filter)).await?;
        match found {
            Some(row) => Ok(Outcome::Found(row)),
            None => Ok(Outcome::Missing(Error::unknown_id(
                &c.model().name,
                c.id_text(),
            ))),
        }
    })
}

pub(super) fn replace_by_id(mut c: Call) -> Reply {
    Box::pin(async move {
        let body = args::data(&mut c, &spec::data(false))?;
        let row = c.repo().replace_by_id(&c.id(), body).await?;
        Ok(Outcome::Row(row))
    })
}

pub(super) fn patch_attributes(mut c: Call) -> Reply {
    Box::pin(async move {
        let body = args::data(&mut c, &spec::data(false))?;
        let row = c
            .repo()
            .patch_attributes(&c.id(), body, c.id_text())
            .await?;
        Ok(Outcome::Row(row))
    })
}

pub(super) fn find(c: Call) -> Reply {
    Box::pin(async move {
        let filter = args::filter(&c)?;
        let rows = c.repo().find(&filter).await?;
        Ok(Outcome::Rows(rows))
    })
}

pub(super) fn find_one(c: Call) -> Reply {
    Box::pin(async move {
        let mut filter = args::filter(&c)?;
        filter.limit = Some(1);
        let first = c.repo().find(&filter).await?.into_iter().next();
        match first {
            Some(row) => Ok(Outcome::Found(row)),
            None => Ok(Outcome::Missing(Error::unknown_id(
                &c.model().name,
                "undefined",
            ))),
        }
    })
}

pub(super) fn count(c: Call) -> Reply {
    Box::pin(async move {
        let where_ = args::where_arg(&c, Source::Auto, false)?.flatten();
        let n = c.repo().count(where_.as_ref()).await?;
        Ok(Outcome::Count(n))
    })
}

pub(super) fn update_all(mut c: Call) -> Reply {
    Box::pin(async move {
        let where_ = args::where_arg(&c, Source::Query, true)?.ok_or_else(where_required)?;
        let body = args::data(&mut c, &spec::data(false))?;
        let n = c.repo().update_all(where_.as_ref(), body).await?;
        Ok(Outcome::Json(StatusCode::OK, json!({ "count": n })))
    })
}

pub(super) fn delete_by_id(c: Call) -> Reply {
    Box::pin(async move {
        let n = c.repo().delete_by_id(&c.id()).await?;
        Ok(Outcome::Json(StatusCode::OK, json!({ "count": n })))
    })
}
