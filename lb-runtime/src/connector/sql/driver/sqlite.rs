//! SQLite through sqlx (bundled library): `regexp` (Rust's regex, as the memory connector)
//! and `lb_distance` (the memory connector's haversine) registered on every connection.

use std::str::FromStr;

use serde_json::Value;
use sqlx::sqlite::{
    Sqlite, SqliteArguments, SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool,
    SqlitePoolOptions, SqliteRow,
};
use sqlx::Row;

use super::super::statement::{Arg, Sql};
use super::super::PoolSettings;
use super::{is_json, parse_json};
use crate::model::DataType;
use crate::value::{js, DistanceUnit, GeoPoint};

super::driver_fns!(Sqlite, SqliteConnection);

fn bind(
    q: sqlx::query::Query<'static, Sqlite, SqliteArguments>,
    a: Arg,
) -> sqlx::query::Query<'static, Sqlite, SqliteArguments> {
    match a {
        Arg::Null => q.bind(None::<String>),
        Arg::Bool(b) => q.bind(b),
        Arg::Int(i) => q.bind(i),
        Arg::Float(f) => q.bind(f),
        Arg::Text(s) => q.bind(s),
        Arg::Json(v) => q.bind(v.to_string()),
        Arg::Date(d) => q.bind(crate::value::date::format_millis(d.timestamp_millis())),
        Arg::TextArray(v) => q.bind(Value::from(v).to_string()),
    }
}

fn decode(r: &SqliteRow, i: usize, t: &DataType) -> Result<Value, sqlx::Error> {
    Ok(match t {
        DataType::Integer => r.try_get::<Option<i64>, _>(i)?.map(Value::from),
        // a `number` id is an integer column
        DataType::Number => match r.try_get::<Option<f64>, _>(i) {
            Ok(v) => v.map(js::number),
            Err(_) => r.try_get::<Option<i64>, _>(i)?.map(Value::from),
        },
        DataType::Boolean => r.try_get::<Option<bool>, _>(i)?.map(Value::Bool),
        t if is_json(t) => r.try_get::<Option<String>, _>(i)?.map(parse_json),
        _ => r.try_get::<Option<String>, _>(i)?.map(Value::String),
    }
    .unwrap_or(Value::Null))
}

/// A pool for `sqlite://path`, `sqlite:path` or `sqlite::memory:` (one connection, kept
/// open, so the in-memory database lives as long as the pool).
pub(crate) fn pool(url: &str, settings: &PoolSettings) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .foreign_keys(true)
        .busy_timeout(settings.acquire_timeout)
        .with_regexp();
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    let options = if in_memory {
        options
    } else {
        options.journal_mode(SqliteJournalMode::Wal)
    };
    // the in-memory database lives as long as its one connection: never reap it
    let (idle, lifetime) = if in_memory {
        (None, None)
    } else {
        settings.reaping()
    };
    let max = if in_memory {
        1
    } else {
        settings.max_connections
    };
    let pool = SqlitePoolOptions::new()
        .max_connections(max)
        .acquire_timeout(settings.acquire_timeout)
        .idle_timeout(idle)
        .max_lifetime(lifetime)
        .after_connect({
            let limit = settings.statement_timeout;
            move |conn, _| {
                Box::pin(async move {
                    register_functions(conn).await?;
                    if let Some(limit) = limit {
                        limit_statements(conn, limit).await?;
                    }
                    Ok(())
                })
            }
        });
    Ok(pool.connect_lazy_with(options))
}

async fn register_functions(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is the live connection handle, locked for the duration of the call; the
    // function name is a NUL-terminated static string; `lb_distance` has the signature SQLite
    // expects and keeps no user data.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_create_function_v2(
            db,
            c"lb_distance".as_ptr(),
            5,
            libsqlite3_sys::SQLITE_UTF8 | libsqlite3_sys::SQLITE_DETERMINISTIC,
            std::ptr::null_mut(),
            Some(lb_distance),
            None,
            None,
            None,
        )
    };
    if rc != libsqlite3_sys::SQLITE_OK {
        return Err(sqlx::Error::Protocol(format!(
            "registering lb_distance failed (SQLite code {rc})"
        )));
    }
    Ok(())
}

/// SQLite's statement timeout: a progress handler (every 10,000 VM instructions) that
/// interrupts a statement running longer than `limit`. A statement run is told apart by the
/// busy statements and their run counters, so every run gets its own time.
async fn limit_statements(
    conn: &mut SqliteConnection,
    limit: std::time::Duration,
) -> Result<(), sqlx::Error> {
    use libsqlite3_sys as ffi;
    use std::time::Instant;
    let mut handle = conn.lock_handle().await?;
    // a pointer as a number: the handler runs on the worker thread that owns the handle
    let db = handle.as_raw_handle().as_ptr() as usize;
    let mut current: u64 = 0;
    let mut started = Instant::now();
    handle.set_progress_handler(10_000, move || {
        let db = db as *mut ffi::sqlite3;
        let mut run: u64 = 0;
        // SAFETY: `db` is the live connection this handler is installed on (the handler is
        // removed before the connection closes); these calls only read statement state, as a
        // progress handler may.
        unsafe {
            let mut stmt = ffi::sqlite3_next_stmt(db, std::ptr::null_mut());
            while !stmt.is_null() {
                if ffi::sqlite3_stmt_busy(stmt) != 0 {
                    let count = ffi::sqlite3_stmt_status(stmt, ffi::SQLITE_STMTSTATUS_RUN, 0);
                    run = run.rotate_left(17) ^ (stmt as u64) ^ (count as u64);
                }
                stmt = ffi::sqlite3_next_stmt(db, stmt);
            }
        }
        if run != current {
            current = run;
            started = Instant::now();
            return true;
        }
        started.elapsed() < limit
    });
    Ok(())
}

/// `lb_distance(lat, lng, origin_lat, origin_lng, earth_radius)`; NULL when a coordinate is.
unsafe extern "C" fn lb_distance(
    ctx: *mut libsqlite3_sys::sqlite3_context,
    n: std::os::raw::c_int,
    args: *mut *mut libsqlite3_sys::sqlite3_value,
) {
    use libsqlite3_sys as ffi;
    if n != 5 {
        // SAFETY: `ctx` is the context SQLite passed in.
        unsafe { ffi::sqlite3_result_null(ctx) };
        return;
    }
    let mut v = [0.0f64; 5];
    for (i, slot) in v.iter_mut().enumerate() {
        // SAFETY: SQLite passes `n` (= 5) valid value pointers.
        let arg = unsafe { *args.add(i) };
        // SAFETY: `arg` is a valid protected value for the duration of the call.
        if unsafe { ffi::sqlite3_value_type(arg) } == ffi::SQLITE_NULL {
            // SAFETY: as above.
            unsafe { ffi::sqlite3_result_null(ctx) };
            return;
        }
        // SAFETY: as above.
        *slot = unsafe { ffi::sqlite3_value_double(arg) };
    }
    let point = GeoPoint {
        lat: v[0],
        lng: v[1],
    };
    let origin = GeoPoint {
        lat: v[2],
        lng: v[3],
    };
    let d = origin.distance_to(point, DistanceUnit::Radians) * v[4];
    // SAFETY: as above.
    unsafe { ffi::sqlite3_result_double(ctx, d) };
}

/// Runs an `INSERT .. RETURNING id` and returns the generated id.
pub(crate) async fn insert_id(c: &mut SqliteConnection, sql: Sql) -> Result<i64, sqlx::Error> {
    integer(c, sql).await
}
