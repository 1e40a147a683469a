//! [`SmtpMailer`]: mail over SMTP with `lettre` (feature `smtp`).

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{Email, Mailer};
use crate::future::BoxFuture;
use crate::{Error, Result};

/// Sends mail to an SMTP server (feature `smtp`).
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A server by URL, as `lettre` reads it: `smtp://host:25` (no encryption),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS), `smtps://host` (TLS).
    pub fn from_url(url: &str) -> Result<SmtpMailer> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| Error::internal(format!("the SMTP URL is not valid: {e}")))?
            .build();
        Ok(SmtpMailer { transport })
    }

    /// A mailer over a transport configured in full with `lettre`.
    pub fn new(transport: AsyncSmtpTransport<Tokio1Executor>) -> SmtpMailer {
        SmtpMailer { transport }
    }
}

fn mailbox(address: &str, role: &str) -> Result<Mailbox> {
    address.parse().map_err(|e| {
        Error::internal(format!(
            "the mail's {role} address {address:?} is not valid: {e}"
        ))
    })
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, email: &'a Email) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let builder = Message::builder()
                .from(mailbox(&email.from, "from")?)
                .to(mailbox(&email.to, "to")?)
                .subject(&email.subject);
            let message = match &email.html {
                Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                    email.text.clone(),
                    html.clone(),
                )),
                None => builder.singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(email.text.clone()),
                ),
            }
            .map_err(|e| Error::internal(format!("the mail could not be written: {e}")))?;
            self.transport
                .send(message)
                .await
                .map_err(|e| Error::internal(format!("the mail could not be sent: {e}")))?;
            Ok(())
        })
    }
}
