//! Where mail goes: an SMTP relay, or the development mailbox.

use super::Mail;
use crate::server::config::Config;
use crate::server::jobs::JobError;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Clone)]
pub enum Mailer {
    /// Sends through the relay named by `SMTP_URL`.
    Smtp(Smtp),
    /// Keeps every message in the `mailbox` table.
    Mailbox,
}

/// A mail setting that passed the configuration's checks but cannot be
/// used to build a transport. The message names the setting.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailerError(String);

impl Mailer {
    /// SMTP when `SMTP_URL` is set, the mailbox otherwise (in production
    /// too, where the mailbox is kept but not shown). Call it inside the
    /// runtime: the SMTP connection pool starts a task.
    pub fn from_config(config: &Config) -> Result<Self, MailerError> {
        let Some(url) = &config.smtp_url else { return Ok(Mailer::Mailbox) };
        // lettre's errors name the problem, never the URL's password.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailerError(format!("setting SMTP_URL is invalid: {e}")))?
            .build();
        let from = config
            .mail_from
            .parse::<Mailbox>()
            .map_err(|e| MailerError(format!("setting LYCEUM_MAIL_FROM is invalid: {e}")))?;
        Ok(Mailer::Smtp(Smtp { transport, from }))
    }
}

#[derive(Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    /// Sends `mail` with plain-text and HTML alternatives. A refusal the
    /// relay calls permanent (an unknown recipient) is not retried.
    pub async fn send(&self, mail: &Mail) -> Result<(), JobError> {
        let to: Mailbox =
            mail.to.parse().map_err(|_| JobError::permanent("the recipient is not a valid e-mail address"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
            .map_err(|e| JobError::permanent(format!("the message cannot be built: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(JobError::permanent(format!("the mail relay refused the message: {e}"))),
            Err(e) => Err(JobError::retry(format!("the mail relay did not take the message: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(smtp_url: Option<&str>) -> Config {
        Config::from_lookup(|name| match name {
            "SMTP_URL" => smtp_url.map(str::to_string),
            _ => None,
        })
        .expect("valid settings")
    }

    #[test]
    fn without_smtp_mail_goes_to_the_mailbox() {
        assert!(matches!(Mailer::from_config(&config(None)), Ok(Mailer::Mailbox)));
    }

    #[tokio::test]
    async fn smtp_urls_build_a_transport_and_errors_never_echo_the_password() {
        for url in ["smtp://relay.test:2525", "smtps://mailer:hunter2@relay.test", "smtp://relay.test?tls=required"] {
            assert!(matches!(Mailer::from_config(&config(Some(url))), Ok(Mailer::Smtp(_))), "{url}");
        }
        let error = Mailer::from_config(&config(Some("smtp://mailer:hunter2@relay.test?tls=sometimes")))
            .err()
            .expect("an unknown tls mode is refused");
        assert!(error.to_string().starts_with("setting SMTP_URL is invalid"), "{error}");
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }
}
