//! The `ory_kratos_session` cookie (spec §13.1). Its value is opaque to clients; hoplite stores the
//! session token in it.

use crate::config::Config;
use crate::session::Session;
use time::OffsetDateTime;

/// The `Set-Cookie` value that hands `session` to a browser.
pub fn session_cookie(config: &Config, session: &Session, now: OffsetDateTime) -> String {
    let s = &config.session;
    let mut c = format!(
        "{}={}; Path={}",
        s.cookie_name, session.token, s.cookie_path
    );
    if let Some(domain) = s
        .cookie_domain
        .as_deref()
        .or(config.cookies.domain.as_deref())
    {
        c.push_str(&format!("; Domain={domain}"));
    }
    if s.cookie_persistent {
        let secs = (session.expires_at - now).whole_seconds().max(0);
        c.push_str(&format!("; Max-Age={secs}"));
    }
    c.push_str("; HttpOnly");
    if s.cookie_secure {
        c.push_str("; Secure");
    }
    // Browsers drop SameSite=None cookies that are not Secure, so Kratos forces Lax then.
    let same_site = if s.cookie_secure {
        s.cookie_same_site.as_str()
    } else {
        "Lax"
    };
    c.push_str(&format!("; SameSite={same_site}"));
    c
}
