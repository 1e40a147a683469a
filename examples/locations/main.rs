//! The locations example: LoopBack's Location/Inventory/Product app, served under `/api`.
//!
//! Env: `PORT` (3000), `HOST` (127.0.0.1), `DATASOURCE_URL` (`memory:`; `memory:file.json`
//! persists; `sqlite:file.db`, `sqlite::memory:`, `postgres://..`, `mysql://..`), `LB_ENV`
//! (`production` errors by default, or `development`), `RUST_LOG` (`info`; `lb::request=debug`
//! logs a span per request), `LB_PLATFORM` (`on`; `off`: no CORS, security headers, status,
//! health or metrics — the bench's baseline; or a list of them: `cors,helmet,status,health,metrics`).
//!
//! It serves with the LoopBack 3 scaffold's defaults — CORS, helmet's headers, `loopback#status`
//! at `/` — plus `/health`, `/live`, `/ready` and `/metrics`.
//!
//! * `--config DIR` boots from a LoopBack `server/` folder instead (see
//!   `examples/locations/config`: `config.json`, `datasources.json`, `model-config.json`,
//!   `middleware.json` and their per-environment files), overriding all of the above.
//! * `--demo` seeds a few rows when the datasource is empty; by default it starts empty.
//! * `migrate` creates the SQL tables, columns and indexes that are missing and exits
//!   (`autoupdate`: no data is lost); `migrate --drop` drops and re-creates them
//!   (`automigrate`). Serving also runs `autoupdate` first, so a new database just works.

mod models;

use std::net::SocketAddr;

use lb::App;
use models::{Inventory, Location, Product};

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

async fn seed(app: &App) -> lb::Result<()> {
    let places = [
        (
            "Bay Area Headquarters",
            "2010 Lane Rd",
            "San Mateo",
            94403.0,
            37.5629,
            -122.3255,
        ),
        (
            "Burlingame Store",
            "1 Burlingame Ave",
            "Burlingame",
            94010.0,
            37.5841,
            -122.3663,
        ),
        (
            "Palo Alto Store",
            "425 University Ave",
            "Palo Alto",
            94301.0,
            37.4477,
            -122.1601,
        ),
    ];
    // LoopBack's docs show `GET /api/locations/88/inventory`: the demo locations are 87..=89.
    // Location ids are generated (forceId), so they are written through the datasource itself.
    let repo = app
        .repository("Location")
        .ok_or_else(|| lb::Error::internal("Location is not attached"))?;
    for ((name, street, city, zipcode, lat, lng), id) in places.into_iter().zip(87i64..) {
        let loc = serde_json::json!({
            "id": id, "street": street, "city": city, "zipcode": zipcode, "name": name,
            "geo": {"lat": lat, "lng": lng},
        });
        let serde_json::Value::Object(data) = loc else {
            unreachable!("an object literal");
        };
        repo.connector.create(repo.model, data).await?;
        let loc = Location::find_by_id(app, id).await?.expect("just created");
        for (product, available) in [("1", 10.0), ("2", 3.0)] {
            loc.inventory(app)
                .create(&Inventory {
                    product_id: Some(product.into()),
                    available: Some(available),
                    total: Some(12.0),
                    ..Default::default()
                })
                .await?;
        }
    }
    Product::create(
        app,
        &Product {
            name: "Pencil".into(),
            price: Some(1.5),
            active: Some(true),
            created: None,
            tags: Some(vec!["office".into()]),
            secret: Some("supplier-42".into()),
            status: None,
            qty: None,
            id: None,
        },
    )
    .await?;
    Ok(())
}

fn arg_after(flag: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    lb::telemetry::init_tracing();
    let url = env_or("DATASOURCE_URL", "memory:");
    let debug = env_or("LB_ENV", "production") == "development";
    let mut builder = App::builder()
        .datasource_url("db", &url)?
        .model::<Location>()
        .model::<Inventory>()
        .model::<Product>()
        .rest_api_root("/api")
        .debug(debug)
        .setting("host", "127.0.0.1".into());
    builder = models::with_users(builder)?;
    if let Some(dir) = arg_after("--config") {
        builder = builder.config_dir(dir)?;
    } else {
        // `on` (everything), `off`, or a list: cors,helmet,status,health,metrics
        let platform = env_or("LB_PLATFORM", "on");
        let on = |part: &str| platform == "on" || platform.split(',').any(|p| p.trim() == part);
        if on("cors") {
            builder = builder.cors(lb::middleware::Cors::default());
        }
        if on("helmet") {
            builder = builder.security_headers(lb::middleware::SecurityHeaders::scaffold());
        }
        if on("status") {
            builder = builder.status_route("/");
        }
        if on("health") {
            builder = builder.health(Default::default());
        }
        if on("metrics") {
            builder = builder.metrics(Default::default());
        }
    }
    let app = builder.build()?;
    let connector = app.datasource("db").map_or("none", |c| c.name());
    if std::env::args().nth(1).as_deref() == Some("migrate") {
        if std::env::args().any(|a| a == "--drop") {
            app.automigrate().await?;
            eprintln!("automigrate: tables dropped and created ({connector})");
        } else {
            app.autoupdate().await?;
            eprintln!("autoupdate: missing tables, columns and indexes created ({connector})");
        }
        return Ok(());
    }
    app.autoupdate().await?;
    models::seed_admin(&app).await?;
    if std::env::args().any(|a| a == "--demo") && Location::count(&app, ()).await? == 0 {
        seed(&app).await?;
    }
    let addr: SocketAddr = app.listen_address()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let root = app.rest_api_root().to_string();
    eprintln!("lb locations example listening at http://{addr}{root} (datasource: {connector})");
    app.serve_on(listener).await?;
    Ok(())
}
