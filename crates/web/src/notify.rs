//! Thông báo: the one call every area uses to tell people something
//! ([`notify`]), and the e-mail that carries it when an SMTP server is set
//! up ([`Mailer`]).
//!
//! `notify` only writes to the store: the notification shows at once in
//! the product (the bell in the header, `/thong-bao`), and its e-mail waits
//! in the outbox. The scheduler's `thu-dien-tu` job sends the outbox, and
//! `notify` also wakes a sender in the background, so a slow or broken mail
//! server never holds up the request; a failed e-mail is tried again later.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use nghitruong_store::{NewNotification, OutgoingEmail};
use time::OffsetDateTime;

use crate::AppState;

/// The SMTP server e-mails go through (`[smtp]` in the settings).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpConfig {
    /// Host name or address.
    pub host: String,
    /// Port (587 with STARTTLS, 25 without).
    pub port: u16,
    /// The sender, `Tên <dia-chi@...>` or a bare address.
    pub from: String,
    /// Sign-in name, if the server needs one.
    pub user: Option<String>,
    /// Its password.
    pub password: Option<String>,
    /// Upgrade the connection with STARTTLS (required unless the server is
    /// on the same machine or network and trusted).
    pub starttls: bool,
}

/// Attempts before an e-mail is given up (the notification stays).
pub const MAX_EMAIL_ATTEMPTS: i64 = 8;

/// E-mails sent per run, so one run stays short.
const BATCH: i64 = 50;

/// Sends e-mails through the configured server, one run at a time.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Only one run sends at a time, so an e-mail is not sent twice by two
    /// runs that read the outbox together.
    running: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// A mailer for `config`; fails on a bad sender address or host.
    pub fn new(config: &SmtpConfig) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("địa chỉ gửi thư [smtp].from không hợp lệ: {e}"))?;
        let builder = if config.starttls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
        };
        let mut builder = builder
            .port(config.port)
            .timeout(Some(Duration::from_secs(20)));
        if let (Some(user), Some(password)) = (&config.user, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            running: tokio::sync::Mutex::new(()),
        })
    }

    async fn send(&self, email: &OutgoingEmail) -> anyhow::Result<()> {
        let to: Mailbox = email.recipient.parse()?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.clone())?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// Whether `input` is an e-mail address a message can be sent to.
pub fn valid_email(input: &str) -> bool {
    input.parse::<lettre::Address>().is_ok()
}

/// Tells `recipients` (user ids) something: a notification in the product
/// for each, and an e-mail to those with an address when SMTP is set up.
/// Returns how many notifications were made. E-mails go out in the
/// background; this never waits for the mail server.
pub async fn notify(
    state: &AppState,
    recipients: &[i64],
    subject: &str,
    body: &str,
    link: Option<&str>,
) -> anyhow::Result<usize> {
    notify_once(state, recipients, None, subject, body, link).await
}

/// [`notify`], at most once per recipient for `key` (a sender that may
/// run again, like the scheduler, passes the key of what it is telling).
pub async fn notify_once(
    state: &AppState,
    recipients: &[i64],
    key: Option<&str>,
    subject: &str,
    body: &str,
    link: Option<&str>,
) -> anyhow::Result<usize> {
    let new = NewNotification {
        recipients: recipients.to_vec(),
        dedupe_key: key.map(str::to_owned),
        subject: subject.to_owned(),
        body: with_link(body, link, state.config.public_url.as_deref()),
        link: link.map(str::to_owned),
        email: state.mailer.is_some(),
    };
    let made = state
        .store
        .add_notifications(&new, state.clock.now())
        .await?;
    if made > 0 && state.mailer.is_some() {
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(e) = send_due(&state, state.clock.now()).await {
                tracing::warn!(error = %e, "could not send notification e-mails");
            }
        });
    }
    Ok(made)
}

/// The body with the address of what it is about, for the e-mail.
fn with_link(body: &str, link: Option<&str>, base: Option<&str>) -> String {
    match (link, base) {
        (Some(link), Some(base)) => {
            format!(
                "{body}\n\nXem chi tiết: {}{link}",
                base.trim_end_matches('/')
            )
        }
        _ => body.to_owned(),
    }
}

/// How long to wait before attempt `attempts + 1`: 1, 2, 4 … minutes, at
/// most six hours.
fn backoff(attempts: i64) -> time::Duration {
    let minutes = 1_i64 << attempts.clamp(0, 9);
    time::Duration::minutes(minutes.min(360))
}

/// Sends the e-mails whose turn has come; a failure is recorded with the
/// time of the next attempt. Returns how many went out.
pub async fn send_due(state: &AppState, now: OffsetDateTime) -> anyhow::Result<usize> {
    let Some(mailer) = state.mailer.clone() else {
        return Ok(0);
    };
    send_with(&mailer, state, now).await
}

async fn send_with(
    mailer: &Arc<Mailer>,
    state: &AppState,
    now: OffsetDateTime,
) -> anyhow::Result<usize> {
    let _one_run = mailer.running.lock().await;
    let mut sent = 0;
    for email in state.store.due_emails(now, BATCH).await? {
        match mailer.send(&email).await {
            Ok(()) => {
                state.store.email_sent(email.id, state.clock.now()).await?;
                sent += 1;
            }
            Err(e) => {
                let attempts = email.attempts + 1;
                let retry = (attempts < MAX_EMAIL_ATTEMPTS).then(|| now + backoff(attempts));
                tracing::warn!(email = email.id, attempts, error = %e, "e-mail not sent");
                state
                    .store
                    .email_failed(email.id, &e.to_string(), retry)
                    .await?;
            }
        }
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_six_hours() {
        assert_eq!(backoff(1), time::Duration::minutes(2));
        assert_eq!(backoff(3), time::Duration::minutes(8));
        assert_eq!(backoff(20), time::Duration::minutes(360));
    }

    #[test]
    fn addresses_are_checked() {
        assert!(valid_email("coquan@soxaydung.nghean.example"));
        assert!(!valid_email("khong co a còng"));
        assert!(!valid_email("a@"));
    }

    #[test]
    fn the_email_carries_the_full_link_when_the_address_is_known() {
        assert_eq!(
            with_link(
                "Nội dung",
                Some("/giam-sat/nhiem-vu/3"),
                Some("https://hdnd.example/")
            ),
            "Nội dung\n\nXem chi tiết: https://hdnd.example/giam-sat/nhiem-vu/3"
        );
        assert_eq!(with_link("Nội dung", Some("/x"), None), "Nội dung");
    }
}
