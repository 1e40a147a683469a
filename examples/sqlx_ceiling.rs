//! The benchmark's ceiling for SQL datasources: a hand-written axum + sqlx server answering the
//! bench's `Location` endpoints with the queries lb's SQL connector runs for them, and nothing
//! else (no filter language, no hooks, no validation). `docs/performance.md` compares lb on
//! SQLite and PostgreSQL with it.
//!
//! Env: `DATASOURCE_URL` (`sqlite:/tmp/ceiling.db` or `postgres://..`), `PORT` (3000),
//! `HOST` (127.0.0.1). The table is dropped and created at start. Routes under `/api`.

use std::net::SocketAddr;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::{PgPool, Row, SqlitePool};

#[derive(Clone)]
enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

fn row_json(
    id: i64,
    street: Option<String>,
    city: Option<String>,
    zip: Option<f64>,
    name: Option<String>,
    geo: Option<Value>,
) -> Value {
    json!({"id": id, "street": street, "city": city, "zipcode": zip, "name": name, "geo": geo})
}

fn sqlite_row(r: &sqlx::sqlite::SqliteRow) -> Value {
    let geo: Option<String> = r.get(5);
    row_json(
        r.get(0),
        r.get(1),
        r.get(2),
        r.get(3),
        r.get(4),
        geo.and_then(|g| serde_json::from_str(&g).ok()),
    )
}

fn pg_row(r: &sqlx::postgres::PgRow) -> Value {
    row_json(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5))
}

fn fail(e: sqlx::Error) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
}

async fn count(State(db): State<Db>) -> Response {
    let n: Result<i64, _> = match &db {
        Db::Sqlite(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM location_ceiling")
                .fetch_one(p)
                .await
        }
        Db::Pg(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM location_ceiling")
                .fetch_one(p)
                .await
        }
    };
    match n {
        Ok(n) => Json(json!({ "count": n })).into_response(),
        Err(e) => fail(e),
    }
}

async fn by_id(State(db): State<Db>, Path(id): Path<i64>) -> Response {
    let row = match &db {
        Db::Sqlite(p) => sqlx::query(
            "SELECT id, street, city, zipcode, name, geo FROM location_ceiling WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(p)
        .await
        .map(|r| r.as_ref().map(sqlite_row)),
        Db::Pg(p) => sqlx::query(
            "SELECT id, street, city, zipcode, name, geo FROM location_ceiling WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(p)
        .await
        .map(|r| r.as_ref().map(pg_row)),
    };
    match row {
        Ok(Some(v)) => Json(v).into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => fail(e),
    }
}

#[derive(Deserialize)]
struct FilterQuery {
    filter: Option<String>,
}

async fn find(State(db): State<Db>, Query(q): Query<FilterQuery>) -> Response {
    let f: Value = q
        .filter
        .and_then(|f| serde_json::from_str(&f).ok())
        .unwrap_or(Value::Null);
    let city = f["where"]["city"].as_str().map(str::to_string);
    let limit = f["limit"].as_i64().unwrap_or(i64::MAX);
    let rows = match (&db, city) {
        (Db::Sqlite(p), Some(c)) => sqlx::query("SELECT id, street, city, zipcode, name, geo FROM location_ceiling WHERE city = ? ORDER BY id LIMIT ?")
            .bind(c).bind(limit).fetch_all(p).await.map(|r| r.iter().map(sqlite_row).collect::<Vec<_>>()),
        (Db::Sqlite(p), None) => sqlx::query("SELECT id, street, city, zipcode, name, geo FROM location_ceiling ORDER BY id LIMIT ?")
            .bind(limit).fetch_all(p).await.map(|r| r.iter().map(sqlite_row).collect()),
        (Db::Pg(p), Some(c)) => sqlx::query("SELECT id, street, city, zipcode, name, geo FROM location_ceiling WHERE city = $1 ORDER BY id LIMIT $2")
            .bind(c).bind(limit).fetch_all(p).await.map(|r| r.iter().map(pg_row).collect()),
        (Db::Pg(p), None) => sqlx::query("SELECT id, street, city, zipcode, name, geo FROM location_ceiling ORDER BY id LIMIT $1")
            .bind(limit).fetch_all(p).await.map(|r| r.iter().map(pg_row).collect()),
    };
    match rows {
        Ok(v) => Json(Value::Array(v)).into_response(),
        Err(e) => fail(e),
    }
}

async fn create(State(db): State<Db>, Json(body): Json<Value>) -> Response {
    let street = body["street"].as_str().map(str::to_string);
    let city = body["city"].as_str().map(str::to_string);
    let zip = body["zipcode"].as_f64();
    let name = body["name"].as_str().map(str::to_string);
    let geo = body.get("geo").cloned().filter(|g| !g.is_null());
    let id: Result<i64, _> = match &db {
        Db::Sqlite(p) => sqlx::query_scalar("INSERT INTO location_ceiling (street, city, zipcode, name, geo) VALUES (?, ?, ?, ?, ?) RETURNING id")
            .bind(&street).bind(&city).bind(zip).bind(&name).bind(geo.as_ref().map(Value::to_string))
            .fetch_one(p).await,
        Db::Pg(p) => sqlx::query_scalar("INSERT INTO location_ceiling (street, city, zipcode, name, geo) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(&street).bind(&city).bind(zip).bind(&name).bind(geo.clone().map(sqlx::types::Json))
            .fetch_one(p).await,
    };
    match id {
        Ok(id) => Json(row_json(id, street, city, zip, name, geo)).into_response(),
        Err(e) => fail(e),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATASOURCE_URL").unwrap_or_else(|_| "sqlite:/tmp/ceiling.db".into());
    let db = if url.starts_with("sqlite:") {
        let opts: sqlx::sqlite::SqliteConnectOptions = url.parse()?;
        let opts = opts
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(10)
            .connect_with(opts)
            .await?;
        for s in [
            "DROP TABLE IF EXISTS location_ceiling",
            "CREATE TABLE location_ceiling (id INTEGER PRIMARY KEY AUTOINCREMENT, street TEXT, city TEXT, zipcode REAL, name TEXT, geo TEXT)",
        ] {
            sqlx::query(s).execute(&pool).await?;
        }
        Db::Sqlite(pool)
    } else {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(10)
            .connect(&url)
            .await?;
        for s in [
            "DROP TABLE IF EXISTS location_ceiling",
            "CREATE TABLE location_ceiling (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, street TEXT COLLATE \"C\", city TEXT COLLATE \"C\", zipcode DOUBLE PRECISION, name TEXT COLLATE \"C\", geo JSONB)",
        ] {
            sqlx::query(s).execute(&pool).await?;
        }
        Db::Pg(pool)
    };

    let app = Router::new()
        .route("/api/locations", get(find).post(create))
        .route("/api/locations/count", get(count))
        .route("/api/locations/{id}", get(by_id))
        .with_state(db);
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let addr: SocketAddr = format!("{host}:{port}").parse()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
