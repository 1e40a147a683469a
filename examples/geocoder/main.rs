//! The geocoder example: a REST datasource (`config/datasources.json`, LoopBack's shape) whose
//! `geocode(street, city, zipcode)` function calls a geocoding service, published as
//! `GET /api/locations/geocode` and used by `POST /api/locations/:id/geocode` to fill a
//! location's `geo`.
//!
//! Env: `PORT` (3000), `GEOCODER_URL` (the service; `http://127.0.0.1:4010` by default).
//! `--stub` starts the bundled geocoding stub on a free port and points `GEOCODER_URL` at it,
//! so the example runs without the internet:
//!
//! ```sh
//! cargo run --example geocoder --features rest -- --stub
//! curl -X POST localhost:3000/api/locations -H 'content-type: application/json' \
//!   -d '{"name":"Bay","street":"107 S B St","city":"San Mateo","zipcode":"94401"}'
//! curl -X POST localhost:3000/api/locations/1/geocode
//! ```

mod models;
mod stub;

use lb::App;
use models::Location;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().any(|a| a == "--stub") {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        eprintln!("geocoding stub at {url}");
        // set before the configuration is read (`${GEOCODER_URL}`), while nothing else runs
        std::env::set_var("GEOCODER_URL", &url);
        tokio::spawn(async move { axum::serve(listener, stub::router()).await });
    }
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/geocoder/config");
    let app = App::builder()
        .model::<Location>()
        .config_dir(config)?
        .rest_methods("Location", "geo")
        .build()?;
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    eprintln!(
        "lb geocoder example listening at http://{}/api",
        listener.local_addr()?
    );
    app.serve_on(listener).await?;
    Ok(())
}
