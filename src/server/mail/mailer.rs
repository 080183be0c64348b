//! Where mail goes: an SMTP relay, or the development mailbox.
//!
//! `smtps://` is TLS from the first byte; `smtp://` must upgrade with
//! STARTTLS, and a relay that does not offer it gets no mail (lettre's own
//! reading of `smtp://` would send in clear). Plain text is only for a
//! local test relay, by `LYCEUM_SMTP_PLAINTEXT`, which production refuses.

use super::Mail;
use crate::server::config::Config;
use crate::server::jobs::JobError;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Clone)]
pub enum Mailer {
    /// Sends through the relay named by `SMTP_URL`.
    Smtp(Smtp),
    /// Keeps every message in the `mailbox` table (development only:
    /// production does not start without a relay).
    Mailbox,
}

/// How the connection to the relay is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtps://`: TLS from the first byte.
    Tls,
    /// `smtp://`: STARTTLS, required.
    StartTls,
    /// `smtp://` with `LYCEUM_SMTP_PLAINTEXT`: no TLS at all.
    Plaintext,
}

/// A mail setting that passed the configuration's checks but cannot be
/// used to build a transport. The message names the setting.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailerError(String);

fn invalid(setting: &str, problem: impl std::fmt::Display) -> MailerError {
    MailerError(format!("setting {setting} is invalid: {problem}"))
}

impl Mailer {
    /// SMTP when `SMTP_URL` is set, the mailbox otherwise. Call it inside
    /// the runtime: the SMTP connection pool starts a task.
    pub fn from_config(config: &Config) -> Result<Self, MailerError> {
        let Some(text) = &config.smtp_url else { return Ok(Mailer::Mailbox) };
        // Neither url's nor lettre's errors quote the URL, so its password
        // is never echoed.
        let url = url::Url::parse(text).map_err(|e| invalid("SMTP_URL", e))?;
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| invalid("SMTP_URL", "it names no host"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        if url.query_pairs().any(|(key, _)| key == "tls") {
            return Err(invalid("SMTP_URL", "the scheme says how TLS is used: leave out ?tls="));
        }
        let security = match (url.scheme(), config.smtp_plaintext) {
            ("smtps", _) => SmtpSecurity::Tls,
            ("smtp", false) => SmtpSecurity::StartTls,
            ("smtp", true) => SmtpSecurity::Plaintext,
            _ => return Err(invalid("SMTP_URL", "expected smtp:// or smtps://")),
        };
        let mut tls = TlsParameters::builder(host.clone());
        if let Some(path) = &config.smtp_ca_file {
            let pem = std::fs::read(path).map_err(|e| invalid("LYCEUM_SMTP_CA_FILE", e))?;
            let ca = Certificate::from_pem(&pem).map_err(|e| invalid("LYCEUM_SMTP_CA_FILE", e))?;
            tls = tls.add_root_certificate(ca);
        }
        let tls = tls.build_rustls().map_err(|e| invalid("SMTP_URL", e))?;
        let (tls, default_port) = match security {
            SmtpSecurity::Tls => (Tls::Wrapper(tls), 465),
            SmtpSecurity::StartTls => (Tls::Required(tls), 587),
            SmtpSecurity::Plaintext => (Tls::None, 25),
        };
        let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(url.port().unwrap_or(default_port))
            .tls(tls);
        if !url.username().is_empty() {
            let decode =
                |text: &str| percent_decode(text).ok_or_else(|| invalid("SMTP_URL", "bad %-escape in the credentials"));
            let user = decode(url.username())?;
            let password = decode(url.password().unwrap_or_default())?;
            transport =
                transport.credentials(lettre::transport::smtp::authentication::Credentials::new(user, password));
        }
        let from = config.mail_from.parse::<Mailbox>().map_err(|e| invalid("LYCEUM_MAIL_FROM", e))?;
        let domain = from.email.domain().to_string();
        Ok(Mailer::Smtp(Smtp { transport: transport.build(), from, domain, security }))
    }
}

/// `%XX` escapes decoded, as URLs write credentials.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[derive(Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The sender's domain, for `Message-ID`s.
    domain: String,
    security: SmtpSecurity,
}

/// Plain text and HTML as alternatives; with attachments, those follow
/// them in a `multipart/mixed`.
fn body(mail: &Mail) -> Result<MultiPart, JobError> {
    let alternatives = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
    if mail.attachments.is_empty() {
        return Ok(alternatives);
    }
    let mut mixed = MultiPart::mixed().multipart(alternatives);
    for file in &mail.attachments {
        let content_type = ContentType::parse(&file.content_type)
            .map_err(|_| JobError::permanent("an attachment has an invalid content type"))?;
        let bytes = file.bytes().map_err(|_| JobError::permanent("an attachment's file does not decode"))?;
        mixed = mixed.singlepart(Attachment::new(file.filename.clone()).body(bytes, content_type));
    }
    Ok(mixed)
}

impl Smtp {
    pub fn domain(&self) -> &str {
        &self.domain
    }

    pub fn security(&self) -> SmtpSecurity {
        self.security
    }

    /// Sends `mail` with plain-text and HTML alternatives and the given
    /// `Message-ID` (and, for an answer, the id of the message it answers:
    /// a token of Lyceum's, see `Thread`). A refusal the relay calls
    /// permanent (an unknown recipient) is not retried.
    pub async fn send(&self, mail: &Mail, message_id: &str) -> Result<(), JobError> {
        let to: Mailbox =
            mail.to.parse().map_err(|_| JobError::permanent("the recipient is not a valid e-mail address"))?;
        let mut message = Message::builder().from(self.from.clone()).to(to).message_id(Some(message_id.to_string()));
        if let Some(token) = &mail.thread.replies_to {
            let original = super::thread_id(token, &self.domain);
            message = message.in_reply_to(original.clone()).references(original);
        }
        let message = message
            .subject(mail.subject.clone())
            .multipart(body(mail)?)
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
        let security = |url: &str, plaintext: bool| {
            let config = Config::from_lookup(|name| match name {
                "SMTP_URL" => Some(url.to_string()),
                "LYCEUM_SMTP_PLAINTEXT" => Some(plaintext.to_string()),
                _ => None,
            })
            .expect("valid settings");
            match Mailer::from_config(&config) {
                Ok(Mailer::Smtp(smtp)) => Ok(smtp.security()),
                Ok(Mailer::Mailbox) => panic!("{url} gave the mailbox"),
                Err(error) => Err(error.to_string()),
            }
        };
        assert_eq!(security("smtp://relay.test:2525", false), Ok(SmtpSecurity::StartTls), "smtp:// means STARTTLS");
        assert_eq!(security("smtps://mailer:hunter2@relay.test", false), Ok(SmtpSecurity::Tls));
        assert_eq!(security("smtp://relay.test", true), Ok(SmtpSecurity::Plaintext), "only when asked for");
        assert_eq!(security("smtps://relay.test", true), Ok(SmtpSecurity::Tls), "smtps stays TLS");
        for url in ["smtp://mailer:hunter2@relay.test?tls=opportunistic", "smtp://mailer:hunter2@"] {
            let error = security(url, false).expect_err(url);
            assert!(error.starts_with("setting SMTP_URL is invalid"), "{error}");
            assert!(!error.contains("hunter2"), "{error}");
        }
    }

    #[test]
    fn credentials_are_percent_decoded() {
        assert_eq!(percent_decode("p%40ss%3Aword").as_deref(), Some("p@ss:word"));
        assert_eq!(percent_decode("%zz"), None);
    }
}
