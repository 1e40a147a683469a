//! The REST connector over HTTPS: a local TLS server with a self-signed certificate is refused
//! by default (the certificate is checked) and reached with `strictSSL: false`.
#![cfg(feature = "rest")]

use std::sync::Arc;

use lb::connector::rest::RestDataSource;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An HTTPS server on a free port answering `{"secure": true}` to every request.
async fn tls_stub() -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                break;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let body = r#"{"secure":true}"#;
                let res = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(res.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    format!("https://localhost:{port}")
}

#[tokio::test]
async fn certificates_are_checked_unless_strict_ssl_is_off() {
    let base = tls_stub().await;
    let settings = |strict: Option<bool>| {
        let mut s = json!({"operations": [{
            "template": {"url": format!("{base}/x")},
            "functions": {"x": []}
        }]});
        if let Some(v) = strict {
            s["options"] = json!({"strictSSL": v});
        }
        RestDataSource::from_settings(&s).unwrap()
    };
    let e = settings(None).invoke("x", json!([])).await.unwrap_err();
    assert_eq!(
        e.status, 502,
        "a self-signed certificate is refused: {}",
        e.message
    );
    assert!(e.message.contains("https://localhost"), "{}", e.message);
    let v = settings(Some(false)).invoke("x", json!([])).await.unwrap();
    assert_eq!(v, json!({"secure": true}));
}
