//! Mail for users (verification, password reset): a [`Mailer`] sends an [`Email`]. lb ships
//! [`LogMailer`] (development: the mail goes to the log) and [`MemoryMailer`] (tests: the
//! mails are kept); an SMTP mailer plugs in the same way.

use std::sync::{Arc, Mutex};

use crate::future::BoxFuture;
use crate::Result;

/// One mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// The recipient.
    pub to: String,
    /// The sender.
    pub from: String,
    /// The subject.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body, if any.
    pub html: Option<String>,
}

/// Sends mail (LoopBack's `Email.send`).
pub trait Mailer: Send + Sync + 'static {
    /// Sends one mail; an error fails the request that sent it.
    fn send<'a>(&'a self, email: &'a Email) -> BoxFuture<'a, Result<()>>;
}

/// Writes every mail to standard error (for development).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogMailer;

impl Mailer for LogMailer {
    fn send<'a>(&'a self, email: &'a Email) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            eprintln!(
                "lb mail to {} from {}: {}\n{}",
                email.to, email.from, email.subject, email.text
            );
            Ok(())
        })
    }
}

/// Keeps every mail in memory (for tests): [`MemoryMailer::sent`].
#[derive(Debug, Clone, Default)]
pub struct MemoryMailer {
    sent: Arc<Mutex<Vec<Email>>>,
}

impl MemoryMailer {
    /// An empty outbox.
    pub fn new() -> MemoryMailer {
        MemoryMailer::default()
    }

    /// The mails sent so far, oldest first.
    pub fn sent(&self) -> Vec<Email> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Mailer for MemoryMailer {
    fn send<'a>(&'a self, email: &'a Email) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.sent
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(email.clone());
            Ok(())
        })
    }
}
