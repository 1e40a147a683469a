//! Verification mail over SMTP (`lb::auth::SmtpMailer`, feature `smtp`) to a real SMTP server:
//! `aiosmtpd` from PyPI, started by the test, writing what it receives into a Maildir.
//! Without the `aiosmtpd` Python module the test is skipped with a message (under `CI=true`,
//! where `.ci/run` installs it, it fails instead).
#![cfg(feature = "smtp")]

mod support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use lb::auth::{SmtpMailer, UserModel, VerifyOptions};
use lb::App;
use serde_json::json;
use support::models::{Note, User};

struct Sink(Child);
impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn aiosmtpd() -> bool {
    Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test]
async fn verification_mail_reaches_an_smtp_server() {
    if !aiosmtpd() {
        assert!(
            std::env::var("CI").is_err(),
            "CI=true: the aiosmtpd module must be installed (pip install aiosmtpd)"
        );
        eprintln!("SKIPPED verification_mail_reaches_an_smtp_server: pip install aiosmtpd");
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let maildir = std::env::temp_dir().join(format!("lb-smtp-{port}"));
    let _ = std::fs::remove_dir_all(&maildir);
    let _sink = Sink(
        Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
                maildir.to_str().unwrap(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mailer = SmtpMailer::from_url(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let app = App::builder()
        .model::<User>()
        .model::<Note>()
        .user_model(
            UserModel::new("user")
                .mailer(mailer)
                .verify_options(VerifyOptions {
                    from: Some("noreply@example.com".into()),
                    ..VerifyOptions::default()
                }),
        )
        .build()
        .unwrap();
    let r = support::json(
        &app,
        "POST",
        "/api/users",
        &json!({"email": "ann@example.com", "password": "p"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = support::send(&app, "POST", "/api/users/1/verify", &[], None).await;
    assert_eq!(r.status, 204, "{}", r.text);
    // the Maildir's new/ holds the message as the server received it
    let mut mails = Vec::new();
    for _ in 0..100 {
        if let Ok(dir) = std::fs::read_dir(maildir.join("new")) {
            mails = dir
                .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                .collect();
            if !mails.is_empty() {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(mails.len(), 1, "one mail received");
    let mail = &quoted_printable(&mails[0]);
    assert!(mail.contains("To: ann@example.com"), "{mail}");
    assert!(mail.contains("From: noreply@example.com"), "{mail}");
    assert!(mail.contains("Subject: Thanks for Registering"), "{mail}");
    assert!(
        mail.contains("/api/users/confirm?uid=1&redirect=%2F&token="),
        "{mail}"
    );
    // the token in the mail confirms the user
    let token = mail
        .split("token=")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect::<String>();
    assert_eq!(token.len(), 128, "{mail}");
    let r = support::get(&app, &format!("/api/users/confirm?uid=1&token={token}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let _ = std::fs::remove_dir_all(&maildir);
}

/// The text of a quoted-printable body (soft line breaks joined, `=XX` decoded).
fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
