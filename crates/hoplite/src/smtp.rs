//! The courier's SMTP channel behind core's [`Mailer`] port (`ory/kratos: courier/smtp.go`):
//! lettre over rustls (ring), from `courier.smtp.*` with Kratos's URI forms: `smtp://` requires
//! STARTTLS unless `?disable_starttls=true`, `smtps://` is implicit TLS, `skip_ssl_verify=true`
//! accepts any certificate, `server_name` sets the TLS name.

use hoplite_core::config::Courier;
use hoplite_core::courier::{DeliveryError, Email, Mailer};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// Delivers through one SMTP server.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    headers: Vec<(String, String)>,
}

fn bool_param(url: &url::Url, key: &str) -> bool {
    url.query_pairs()
        .any(|(k, v)| k == key && matches!(v.as_ref(), "1" | "t" | "T" | "true" | "TRUE" | "True"))
}

impl SmtpMailer {
    /// The mailer for `cfg`; `None` when no connection URI is configured.
    pub fn from_config(cfg: &Courier) -> Result<Option<SmtpMailer>, String> {
        if cfg.smtp_connection_uri.is_empty() {
            return Ok(None);
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let url = url::Url::parse(&cfg.smtp_connection_uri)
            .map_err(|e| format!("courier.smtp.connection_uri: {e}"))?;
        let host = url
            .host_str()
            .ok_or("courier.smtp.connection_uri: no host")?
            .to_string();
        let implicit = match url.scheme() {
            "smtps" => true,
            "smtp" => false,
            other => {
                return Err(format!(
                    "courier.smtp.connection_uri: unknown scheme {other}"
                ));
            }
        };
        let port = url.port().unwrap_or(if implicit { 465 } else { 587 });
        let server_name = url
            .query_pairs()
            .find(|(k, _)| k == "server_name")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| host.clone());
        let tls = || {
            TlsParameters::builder(server_name.clone())
                .dangerous_accept_invalid_certs(bool_param(&url, "skip_ssl_verify"))
                .dangerous_accept_invalid_hostnames(bool_param(&url, "skip_ssl_verify"))
                .build_rustls()
                .map_err(|e| format!("courier.smtp TLS: {e}"))
        };
        let tls = if implicit {
            Tls::Wrapper(tls()?)
        } else if bool_param(&url, "disable_starttls") {
            Tls::None
        } else {
            Tls::Required(tls()?)
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host)
            .port(port)
            .tls(tls)
            .hello_name(ClientId::Domain(cfg.local_name.clone()))
            .timeout(Some(Duration::from_secs(10)));
        if !url.username().is_empty() {
            let decode = |s: &str| percent_decode(s);
            builder = builder.credentials(Credentials::new(
                decode(url.username()),
                decode(url.password().unwrap_or("")),
            ));
        }
        let address = cfg
            .from_address
            .parse()
            .map_err(|e| format!("courier.smtp.from_address: {e}"))?;
        Ok(Some(SmtpMailer {
            transport: builder.build(),
            from: Mailbox::new(cfg.from_name.clone(), address),
            headers: cfg.headers.clone(),
        }))
    }
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn failed(message: impl std::fmt::Display) -> DeliveryError {
    DeliveryError {
        reason: "failed to send email via smtp".into(),
        message: message.to_string(),
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> Result<(), DeliveryError> {
        let to: Mailbox = email.to.parse().map_err(failed)?;
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone());
        for (name, value) in &self.headers {
            let name = HeaderName::new_from_ascii(name.clone()).map_err(failed)?;
            builder = builder.raw_header(HeaderValue::new(name, value.clone()));
        }
        let message = match &email.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                html.clone(),
            )),
            None => builder.singlepart(SinglePart::plain(email.text.clone())),
        }
        .map_err(failed)?;
        self.transport.send(message).await.map_err(failed)?;
        Ok(())
    }
}
