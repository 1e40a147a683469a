//! HTTPS and HTTP/2 in lb's own server (feature `https`), over real sockets with a
//! self-signed certificate: answers over HTTP/1.1 and HTTP/2 (chosen by ALPN) with the
//! client's address known to handlers; the limits of a plain connection (handshake and head
//! timeouts, idle close, header size, graceful shutdown) over both; certificate errors before
//! serving.
#![cfg(feature = "https")]

mod support;

use support::net::closed_within;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lb::server::TlsConfig;
use lb::{App, Server};
use reqwest::Version;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A self-signed certificate for `localhost`: its PEM, its key's PEM and its DER.
struct Cert {
    pem: String,
    key_pem: String,
    der: Vec<u8>,
}

fn cert() -> Cert {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let c = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    Cert {
        pem: pem("CERTIFICATE", c.cert.der()),
        key_pem: pem("PRIVATE KEY", &c.signing_key.serialize_der()),
        der: c.cert.der().to_vec(),
    }
}

/// DER as a PEM section (rcgen's `pem` feature is off).
fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A running HTTPS server; it stops when `stop` is dropped or sent, and `done` ends then.
struct Running {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

/// Serves `app` over HTTPS with `cert` and `limits` applied, on an ephemeral port.
async fn start(app: App, cert: &Cert, limits: impl FnOnce(Server) -> Server) -> Running {
    let tls = TlsConfig::from_pem(cert.pem.as_bytes(), cert.key_pem.as_bytes()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let server = limits(app.server().tls(tls));
    let done = tokio::spawn(async move {
        server
            .serve_until(listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    Running { addr, stop, done }
}

/// A client trusting only `cert`, reaching `localhost` at `addr`; HTTP/1.1 only, or
/// whatever ALPN chooses (HTTP/2 with lb).
fn client(cert: &Cert, addr: SocketAddr, http1_only: bool) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_der(&cert.der).unwrap()])
        .resolve("localhost", addr)
        .pool_max_idle_per_host(0);
    if http1_only {
        b = b.http1_only();
    }
    b.build().unwrap()
}

fn url(addr: SocketAddr, path: &str) -> String {
    format!("https://localhost:{}{path}", addr.port())
}

/// The example app, with the client address every `Product.find` saw.
fn app_seeing_clients() -> (App, Arc<Mutex<Vec<Option<SocketAddr>>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let app = support::app_with(move |b| {
        b.before_remote("Product", "find", move |_ctx| {
            s.lock().unwrap().push(lb::rest::client_address());
            async { Ok(()) }
        })
    });
    (app, seen)
}

#[tokio::test]
async fn https_answers_over_http1_and_http2() {
    let cert = cert();
    let (app, seen) = app_seeing_clients();
    support::json(&app, "POST", "/api/products", &json!({"name": "tls"})).await;
    let server = start(app, &cert, |s| s).await;
    for (http1_only, version) in [(true, Version::HTTP_11), (false, Version::HTTP_2)] {
        let res = client(&cert, server.addr, http1_only)
            .get(url(server.addr, "/api/products?filter[fields][name]=true"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.version(), version);
        assert_eq!(res.status(), 200);
        let body: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
        assert_eq!(body, json!([{"name": "tls"}]), "{version:?}");
    }
    // a POST with a body over HTTP/2
    let res = client(&cert, server.addr, false)
        .post(url(server.addr, "/api/products"))
        .header("content-type", "application/json")
        .body(r#"{"name":"h2"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (res.version(), res.status().as_u16()),
        (Version::HTTP_2, 200)
    );
    // handlers know the client's address over both protocols (HTTP/2: in each stream's task)
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    for a in seen {
        assert_eq!(a.map(|a| a.ip()), Some([127, 0, 0, 1].into()));
    }
}

#[tokio::test]
async fn plain_http_on_the_tls_port_gets_no_answer() {
    let cert = cert();
    let server = start(support::app(), &cert, |s| s).await;
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(b"GET /api/products HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "the connection must be closed");
    let text = String::from_utf8_lossy(&out);
    assert!(!text.contains("HTTP/1.1"), "a plain answer: {text}");
    assert!(!text.contains("products"), "{text}");
}

/// A client that opens TCP and never says hello is dropped after the header-read timeout;
/// it held no place: others are served meanwhile and after.
#[tokio::test]
async fn a_silent_client_is_dropped_after_the_header_read_timeout() {
    let cert = cert();
    let server = start(support::app(), &cert, |s| {
        s.header_read_timeout(Duration::from_millis(400))
            .max_connections_per_address(2)
    })
    .await;
    let opened = Instant::now();
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let mut half = TcpStream::connect(server.addr).await.unwrap();
    // the start of a ClientHello, never finished
    half.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .await
        .unwrap();
    for s in [&mut silent, &mut half] {
        closed_within(s, Duration::from_secs(3))
            .await
            .expect("a client without a handshake must be dropped");
        let t = opened.elapsed();
        assert!(t >= Duration::from_millis(250), "dropped too early: {t:?}");
    }
    let res = client(&cert, server.addr, false)
        .get(url(server.addr, "/api/products"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// An idle HTTP/2 connection is closed after the header-read timeout; one with a request in
/// flight longer than that is not.
#[tokio::test]
async fn http2_idle_connections_close_and_slow_answers_finish() {
    let cert = cert();
    let app = support::app_with(|b| {
        b.before_remote("Product", "count", |_ctx| async {
            tokio::time::sleep(Duration::from_millis(900)).await;
            Ok(())
        })
    });
    let server = start(app, &cert, |s| {
        s.header_read_timeout(Duration::from_millis(300))
    })
    .await;
    // a slow answer over HTTP/2 outlasts the header-read timeout
    let res = client(&cert, server.addr, false)
        .get(url(server.addr, "/api/products/count"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (res.version(), res.status().as_u16()),
        (Version::HTTP_2, 200)
    );
    assert_eq!(res.text().await.unwrap(), r#"{"count":0}"#);

    // the HTTP/2 preface and settings, then nothing
    let mut tls = h2_connection(&cert, server.addr).await;
    tls.write_all(&h2_preface(&[])).await.unwrap();
    let t = closed_within(&mut tls, Duration::from_secs(3))
        .await
        .expect("an idle HTTP/2 connection must be closed");
    assert!(t >= Duration::from_millis(150), "closed too early: {t:?}");
}

/// A TLS connection to `addr` asking ALPN for HTTP/2.
async fn h2_connection(
    cert: &Cert,
    addr: SocketAddr,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.der.clone().into()).unwrap();
    let mut config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, tcp).await.unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    tls
}

/// The HTTP/2 connection preface with a SETTINGS frame of `settings` (id, value) pairs.
fn h2_preface(settings: &[(u16, u32)]) -> Vec<u8> {
    let mut out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    let len = settings.len() * 6;
    out.extend_from_slice(&[0, 0, len as u8, 4, 0, 0, 0, 0, 0]);
    for (id, value) in settings {
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&value.to_be_bytes());
    }
    out
}

/// A client that gives no HTTP/2 flow-control window never blocks a write, yet does not
/// read its answer: its connection is closed after the write timeout.
#[tokio::test]
async fn an_http2_client_giving_no_window_is_disconnected() {
    let cert = cert();
    let server = start(support::app(), &cert, |s| {
        s.write_timeout(Duration::from_millis(300))
    })
    .await;
    let mut tls = h2_connection(&cert, server.addr).await;
    // SETTINGS_INITIAL_WINDOW_SIZE 0, then GET /api/products (HPACK: GET, https, then
    // :path and :authority as literals without indexing)
    let mut bytes = h2_preface(&[(4, 0)]);
    let mut block = vec![0x82, 0x87, 0x04, 13];
    block.extend_from_slice(b"/api/products");
    block.extend_from_slice(&[0x01, 9]);
    block.extend_from_slice(b"localhost");
    bytes.extend_from_slice(&[0, 0, block.len() as u8, 1, 0x5, 0, 0, 0, 1]);
    bytes.extend_from_slice(&block);
    let sent = Instant::now();
    tls.write_all(&bytes).await.unwrap();
    closed_within(&mut tls, Duration::from_secs(5))
        .await
        .expect("a connection whose answer waits for window must be closed");
    let t = sent.elapsed();
    assert!(t >= Duration::from_millis(250), "closed too early: {t:?}");
}

/// Request heads over `max_header_bytes` are answered 431 over both protocols (HTTP/2: the
/// header list size).
#[tokio::test]
async fn oversized_heads_are_refused_over_both_protocols() {
    let cert = cert();
    let server = start(support::app(), &cert, |s| s.max_header_bytes(16 * 1024)).await;
    let long = url(
        server.addr,
        &format!("/api/products?x={}", "a".repeat(40_000)),
    );
    let res = client(&cert, server.addr, true)
        .get(&long)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 431);
    let res = client(&cert, server.addr, false)
        .get(&long)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (res.version(), res.status().as_u16()),
        (Version::HTTP_2, 431)
    );
    let res = client(&cert, server.addr, false)
        .get(url(server.addr, "/api/products"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// A shutdown lets an HTTP/2 request in flight finish, then the server returns.
#[tokio::test]
async fn http2_requests_in_flight_finish_on_shutdown() {
    let cert = cert();
    let app = support::app_with(|b| {
        b.before_remote("Product", "count", |_ctx| async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            Ok(())
        })
    });
    let server = start(app, &cert, |s| s.shutdown_grace(Duration::from_secs(5))).await;
    let c = client(&cert, server.addr, false);
    let pending = tokio::spawn(c.get(url(server.addr, "/api/products/count")).send());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = server.stop.send(());
    let res = pending.await.unwrap().unwrap();
    assert_eq!(
        (res.version(), res.status().as_u16()),
        (Version::HTTP_2, 200)
    );
    tokio::time::timeout(Duration::from_secs(3), server.done)
        .await
        .expect("the server returns once the request is answered")
        .unwrap();
}

/// `config.json`'s `https` names the PEM files, relative to the config folder.
#[tokio::test]
async fn https_from_config_json() {
    let cert = cert();
    let dir = std::env::temp_dir().join(format!("lb-https-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cert.pem"), &cert.pem).unwrap();
    std::fs::write(dir.join("key.pem"), &cert.key_pem).unwrap();
    std::fs::write(
        dir.join("config.json"),
        json!({"https": {"cert": "cert.pem", "key": "key.pem"}}).to_string(),
    )
    .unwrap();
    let build = || {
        App::builder()
            .model::<support::models::Location>()
            .model::<support::models::Inventory>()
            .model::<support::models::Product>()
            .config_dir_for(&dir, "development")
            .unwrap()
            .build()
            .unwrap()
    };
    let app = build();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(app.server().serve_until(listener, async {
        let _ = rx.await;
    }));
    let res = client(&cert, addr, false)
        .get(url(addr, "/api/locations"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.version(), Version::HTTP_2);
    let _ = stop.send(());
    done.await.unwrap().unwrap();
    // a certificate file that is not there: serving fails with its name
    std::fs::write(
        dir.join("config.json"),
        json!({"https": {"cert": "missing.pem", "key": "key.pem"}}).to_string(),
    )
    .unwrap();
    let app = build();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let e = app
        .server()
        .serve_until(listener, async {})
        .await
        .unwrap_err();
    assert!(e.to_string().contains("missing.pem"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn certificate_errors_name_the_file_and_the_problem() {
    let cert = cert();
    let dir = std::env::temp_dir().join(format!("lb-https-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_file, key_file, garbage) = (
        dir.join("cert.pem"),
        dir.join("key.pem"),
        dir.join("garbage.pem"),
    );
    std::fs::write(&cert_file, &cert.pem).unwrap();
    std::fs::write(&key_file, &cert.key_pem).unwrap();
    std::fs::write(&garbage, "not a certificate\n").unwrap();

    assert!(TlsConfig::from_pem_files(&cert_file, &key_file).is_ok());

    let missing = dir.join("missing.pem");
    let e = TlsConfig::from_pem_files(&missing, &key_file).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
    let msg = e.to_string();
    assert!(
        msg.contains("certificate file") && msg.contains("missing.pem"),
        "{msg}"
    );

    let e = TlsConfig::from_pem_files(&garbage, &key_file).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("garbage.pem") && msg.contains("no certificate"),
        "{msg}"
    );

    let e = TlsConfig::from_pem_files(&cert_file, &garbage).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("garbage.pem") && msg.contains("no private key"),
        "{msg}"
    );

    // a key that is not the certificate's
    let other = pem(
        "PRIVATE KEY",
        &rcgen::KeyPair::generate().unwrap().serialize_der(),
    );
    let e = TlsConfig::from_pem(cert.pem.as_bytes(), other.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("refused"), "{e}");

    // a broken PEM section
    let broken = "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n";
    let e = TlsConfig::from_pem(broken.as_bytes(), cert.key_pem.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("not valid PEM"), "{e}");

    let _ = std::fs::remove_dir_all(&dir);
}
