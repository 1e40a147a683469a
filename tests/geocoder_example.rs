//! The geocoder example as a user runs it: `geocoder --stub` (its own local geocoding
//! service), then a location gets its `geo` from the service through the REST datasource.
#![cfg(feature = "rest")]

use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The example binary that `cargo test` built.
fn binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(|d| d.parent())
        .unwrap()
        .join("examples/geocoder")
}

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start(args: &[&str], env: &[(&str, &str)]) -> (Child, u16) {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cmd = std::process::Command::new(binary());
    cmd.args(args)
        .env("PORT", port.to_string())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = Child(cmd.spawn().unwrap());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the example did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (child, port)
}

/// `(status, JSON body)` of a request to the example.
async fn http(port: u16, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_location_gets_its_geo_from_the_geocoding_service() {
    let (_child, port) = start(&["--stub"], &[]).await;
    let (s, v) = http(
        port,
        "POST",
        "/api/locations",
        Some(
            json!({"name": "Bay", "street": "107 S B St", "city": "San Mateo", "zipcode": "94401"}),
        ),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let id = v["id"].clone();
    let (s, v) = http(port, "POST", &format!("/api/locations/{id}/geocode"), None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["geo"], json!({"lat": 37.5670042, "lng": -122.3240212}));
    let (_, v) = http(port, "GET", &format!("/api/locations/{id}"), None).await;
    assert_eq!(v["geo"]["lat"], 37.5670042, "stored");
    // the datasource function itself, published on the model (LoopBack's wrapped answer)
    let (s, v) = http(
        port,
        "GET",
        "/api/locations/geocode?street=1%20Infinite%20Loop&city=Cupertino&zipcode=95014",
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v, json!([{"lat": 37.3318598, "lng": -122.0302485}]));
    // an address the service does not know: 404, the location unchanged
    let (_, v) = http(
        port,
        "POST",
        "/api/locations",
        Some(json!({"name": "Nowhere", "street": "1 Nowhere", "city": "X", "zipcode": "0"})),
    )
    .await;
    let (s, e) = http(
        port,
        "POST",
        &format!("/api/locations/{}/geocode", v["id"]),
        None,
    )
    .await;
    assert_eq!(s, 404, "{e}");
    assert_eq!(
        e["error"]["message"],
        "the geocoding service found no such address"
    );
}

#[tokio::test]
async fn an_unreachable_service_is_a_502() {
    let (_child, port) = start(&[], &[("GEOCODER_URL", "http://127.0.0.1:9")]).await;
    let (s, v) = http(
        port,
        "GET",
        "/api/locations/geocode?street=a&city=b&zipcode=c",
        None,
    )
    .await;
    assert_eq!(s, 502, "{v}");
}
