//! The `ory_kratos_session` cookie (spec §13.1). Its value is opaque to clients: Kratos's own
//! format (gorilla/securecookie, [`crate::x::securecookie`]) holding the session token, so cookies
//! carry over between Kratos and hoplite on the same secrets.
//!
//! Kratos writes its cookies with Go's `http.SetCookie`, so [`SetCookie::to_header`] reproduces Go's
//! `(*http.Cookie).String()`: attribute order `Path`, `Domain`, `Expires`, `Max-Age`, `HttpOnly`,
//! `Secure`, `SameSite`; a leading `.` dropped from the domain; an invalid domain dropped.

use crate::config::Config;
use crate::session::Session;
use crate::x::securecookie::CodecKeys;
use time::OffsetDateTime;

/// A cookie to set, with the fields of Go's `http.Cookie` that Kratos uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SetCookie {
    pub name: String,
    pub value: String,
    /// Omitted when empty.
    pub path: String,
    /// Omitted when empty or not a valid cookie domain.
    pub domain: String,
    /// Written as an HTTP date in GMT when set (and in year 1601 or later).
    pub expires: Option<OffsetDateTime>,
    /// Go's convention: 0 = no attribute, < 0 = `Max-Age=0`, > 0 = `Max-Age=n`.
    pub max_age: i64,
    pub http_only: bool,
    pub secure: bool,
    /// `Lax`, `Strict` or `None`; anything else (Go's `SameSiteDefaultMode`) writes no attribute.
    pub same_site: String,
}

impl SetCookie {
    /// The `Set-Cookie` header value, as Go's `(*http.Cookie).String()` writes it.
    pub fn to_header(&self) -> String {
        let mut b = format!("{}={}", self.name, sanitize_value(&self.value));
        if !self.path.is_empty() {
            b.push_str("; Path=");
            b.extend(
                self.path
                    .chars()
                    .filter(|&c| (' '..'\x7f').contains(&c) && c != ';'),
            );
        }
        if !self.domain.is_empty() && valid_cookie_domain(&self.domain) {
            b.push_str("; Domain=");
            b.push_str(self.domain.strip_prefix('.').unwrap_or(&self.domain));
        }
        if let Some(expires) = self.expires.filter(|e| e.year() >= 1601) {
            b.push_str("; Expires=");
            b.push_str(&http_date(expires));
        }
        if self.max_age > 0 {
            b.push_str(&format!("; Max-Age={}", self.max_age));
        } else if self.max_age < 0 {
            b.push_str("; Max-Age=0");
        }
        if self.http_only {
            b.push_str("; HttpOnly");
        }
        if self.secure {
            b.push_str("; Secure");
        }
        if matches!(self.same_site.as_str(), "Lax" | "Strict" | "None") {
            b.push_str("; SameSite=");
            b.push_str(&self.same_site);
        }
        b
    }
}

/// Go's `http.TimeFormat`: `Mon, 02 Jan 2006 15:04:05 GMT`.
fn http_date(t: OffsetDateTime) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .expect("a UTC time formats")
}

/// Go's `sanitizeCookieValue`: invalid bytes dropped, quoted when it contains a space or comma.
fn sanitize_value(v: &str) -> String {
    let v: String = v
        .chars()
        .filter(|&c| (' '..'\x7f').contains(&c) && !matches!(c, '"' | ';' | '\\'))
        .collect();
    if v.contains([' ', ',']) {
        format!("\"{v}\"")
    } else {
        v
    }
}

/// Go's `validCookieDomain`: a domain name (optionally with a leading dot) or an IPv4 address.
fn valid_cookie_domain(v: &str) -> bool {
    is_cookie_domain_name(v) || (v.parse::<std::net::IpAddr>().is_ok() && !v.contains(':'))
}

/// Go's `isCookieDomainName`.
fn is_cookie_domain_name(s: &str) -> bool {
    if s.is_empty() || s.len() > 255 {
        return false;
    }
    let s = s.strip_prefix('.').unwrap_or(s);
    let mut last = b'.';
    let mut ok = false;
    let mut part_len = 0;
    for &c in s.as_bytes() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {
                ok = true;
                part_len += 1;
            }
            b'0'..=b'9' => part_len += 1,
            b'-' => {
                if last == b'.' {
                    return false;
                }
                part_len += 1;
            }
            b'.' => {
                if last == b'.' || last == b'-' || part_len > 63 || part_len == 0 {
                    return false;
                }
                part_len = 0;
            }
            _ => return false,
        }
        last = c;
    }
    last != b'-' && part_len <= 63 && ok
}

/// The `Set-Cookie` value that hands `session` to a browser, as Kratos's `IssueCookie` writes it
/// through gorilla's `sessions.NewCookie`: a persistent cookie carries `Max-Age` (the whole seconds
/// until the session expires) and `Expires` (`now` + that many seconds); `SameSite` is the
/// configured value (unlike the CSRF cookie, not forced to `Lax` on insecure cookies).
pub fn session_cookie(
    config: &Config,
    codecs: &[CodecKeys],
    session: &Session,
    now: OffsetDateTime,
) -> String {
    let s = &config.session;
    let max_age = if s.cookie_persistent {
        (session.expires_at - now).whole_seconds()
    } else {
        0
    };
    let expires = match max_age {
        0 => None,
        n if n > 0 => Some(now + time::Duration::seconds(n)),
        // gorilla: a negative MaxAge expires the cookie at once.
        _ => Some(OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(1)),
    };
    SetCookie {
        name: s.cookie_name.clone(),
        value: cookie_value(config, codecs, session, now),
        path: s.cookie_path.clone(),
        // `cookie_domain` already falls back to `cookies.domain` (Kratos's `SessionDomain`).
        domain: s.cookie_domain.clone().unwrap_or_default(),
        expires,
        max_age,
        http_only: true,
        secure: s.cookie_secure,
        same_site: s.cookie_same_site.clone(),
    }
    .to_header()
}

/// The cookie codecs: one per `secrets.cookie` entry, else per `secrets.default` entry (Kratos's
/// `SecretsSession`); the first encodes, all decode.
pub fn session_codecs(config: &Config) -> Vec<CodecKeys> {
    let secrets = if config.secrets.cookie.is_empty() {
        &config.secrets.default
    } else {
        &config.secrets.cookie
    };
    secrets.iter().map(|s| CodecKeys::from_secret(s)).collect()
}

/// How old a cookie's signature may be: the session lifespan for persistent cookies (Kratos's
/// `cs.MaxAge`), else gorilla's default of 30 days.
fn codec_max_age(config: &Config) -> i64 {
    if config.session.cookie_persistent {
        i64::try_from(config.session.lifespan.as_secs()).unwrap_or(i64::MAX)
    } else {
        86400 * 30
    }
}

/// The cookie's value, as Kratos's `IssueCookie` fills it: the token, the expiry and a fresh
/// nonce, sealed with the first codec.
fn cookie_value(
    config: &Config,
    codecs: &[CodecKeys],
    session: &Session,
    now: OffsetDateTime,
) -> String {
    let Some(codec) = codecs.first() else {
        // No secret at all (the binary always has one): the bare token.
        return session.token.clone();
    };
    let expires_at = crate::x::timefmt::rfc3339_nano(session.expires_at);
    let nonce = crate::session::random_letters(8);
    let iv: [u8; 16] = rand::random();
    crate::x::securecookie::encode(
        codec,
        &config.session.cookie_name,
        &[
            ("session_token", session.token.as_str()),
            ("expires_at", expires_at.as_str()),
            ("nonce", nonce.as_str()),
        ],
        now.unix_timestamp(),
        iv,
    )
}

/// The session token a session cookie carries (Kratos's `extractToken`): Kratos's sealed format,
/// signed by one of the configured secrets within the codec's age; also a bare `ory_st_` token, as
/// hoplite's cookies held before they took Kratos's format.
pub fn token_from_cookie(
    config: &Config,
    codecs: &[CodecKeys],
    value: &str,
    now: OffsetDateTime,
) -> Option<String> {
    match crate::x::securecookie::decode(
        codecs,
        &config.session.cookie_name,
        value,
        now.unix_timestamp(),
        codec_max_age(config),
    ) {
        Ok(pairs) => pairs
            .into_iter()
            .find(|(k, _)| k == "session_token")
            .map(|(_, v)| v)
            .filter(|v| !v.is_empty()),
        Err(_) if value.starts_with("ory_st_") => Some(value.to_string()),
        Err(_) => None,
    }
}

/// The `Set-Cookie` value that removes the session cookie (empty value, `Max-Age` < 0), as
/// gorilla/sessions writes it when a session is purged.
pub fn clear_session_cookie(config: &Config) -> String {
    let s = &config.session;
    SetCookie {
        name: s.cookie_name.clone(),
        value: String::new(),
        path: s.cookie_path.clone(),
        domain: s.cookie_domain.clone().unwrap_or_default(),
        expires: Some(OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(1)),
        max_age: -1,
        http_only: true,
        secure: s.cookie_secure,
        same_site: s.cookie_same_site.clone(),
    }
    .to_header()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn session(expires_at: OffsetDateTime) -> Session {
        Session {
            id: uuid::Uuid::nil(),
            active: true,
            expires_at,
            authenticated_at: expires_at,
            authenticator_assurance_level: "aal1".into(),
            authentication_methods: vec![],
            issued_at: expires_at,
            identity: None,
            devices: vec![],
            identity_id: uuid::Uuid::nil(),
            token: "ory_st_abc".into(),
            logout_token: String::new(),
        }
    }

    fn config() -> Config {
        let mut c = crate::config::load(None, &std::collections::HashMap::new(), true)
            .expect("the --dev config loads");
        c.session.cookie_name = "ory_kratos_session".into();
        c.session.cookie_path = "/".into();
        c.session.cookie_same_site = "Lax".into();
        c.session.cookie_persistent = true;
        c.session.cookie_secure = false;
        c.session.cookie_domain = None;
        c
    }

    const NOW: OffsetDateTime = datetime!(2024-03-05 07:08:09.75 UTC);

    #[test]
    fn persistent_cookie_has_expires_then_max_age_in_go_order() {
        let c = config();
        let s = session(NOW + time::Duration::seconds(86400) + time::Duration::milliseconds(900));
        assert_eq!(
            session_cookie(&c, &session_codecs(&c), &s, NOW),
            "ory_kratos_session=ory_st_abc; Path=/; Expires=Wed, 06 Mar 2024 07:08:09 GMT; Max-Age=86400; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn session_cookie_keeps_configured_same_site_and_strips_domain_dot() {
        let mut c = config();
        c.session.cookie_same_site = "None".into();
        c.session.cookie_domain = Some(".example.org".into());
        c.session.cookie_path = "/app".into();
        c.session.cookie_persistent = false;
        let s = session(NOW + time::Duration::hours(1));
        assert_eq!(
            session_cookie(&c, &session_codecs(&c), &s, NOW),
            "ory_kratos_session=ory_st_abc; Path=/app; Domain=example.org; HttpOnly; SameSite=None"
        );
        c.session.cookie_secure = true;
        c.session.cookie_same_site = "Strict".into();
        assert_eq!(
            session_cookie(&c, &session_codecs(&c), &s, NOW),
            "ory_kratos_session=ory_st_abc; Path=/app; Domain=example.org; HttpOnly; Secure; SameSite=Strict"
        );
    }

    #[test]
    fn expired_session_cookie_expires_at_once() {
        let c = config();
        let s = session(NOW - time::Duration::seconds(5));
        assert_eq!(
            session_cookie(&c, &session_codecs(&c), &s, NOW),
            "ory_kratos_session=ory_st_abc; Path=/; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn the_value_is_the_token_sealed_as_kratos_seals_it() {
        let mut c = config();
        c.secrets.cookie = vec!["PLEASE-CHANGE-ME-I-AM-VERY-INSECURE".into()];
        let s = session(NOW + time::Duration::seconds(86400) + time::Duration::milliseconds(900));
        let header = session_cookie(&c, &session_codecs(&c), &s, NOW);
        let (pair, rest) = header.split_once("; ").unwrap();
        assert_eq!(
            rest,
            "Path=/; Expires=Wed, 06 Mar 2024 07:08:09 GMT; Max-Age=86400; HttpOnly; SameSite=Lax"
        );
        let value = pair.strip_prefix("ory_kratos_session=").unwrap();
        assert!(!value.contains("ory_st_abc"));
        assert_eq!(
            token_from_cookie(&c, &session_codecs(&c), value, NOW).as_deref(),
            Some("ory_st_abc")
        );
        // A fresh IV and nonce each time.
        assert_ne!(session_cookie(&c, &session_codecs(&c), &s, NOW), header);
        // Rotation: a new first secret still reads cookies the old one sealed.
        let mut rotated = c.clone();
        rotated.secrets.cookie.insert(0, "a newer secret".into());
        assert_eq!(
            token_from_cookie(&rotated, &session_codecs(&rotated), value, NOW).as_deref(),
            Some("ory_st_abc")
        );
        let mut other = c.clone();
        other.secrets.cookie = vec!["another secret".into()];
        assert_eq!(
            token_from_cookie(&other, &session_codecs(&other), value, NOW),
            None
        );
        // Signed longer ago than a session lives: refused.
        let later = NOW + time::Duration::seconds(86401);
        assert_eq!(
            token_from_cookie(&c, &session_codecs(&c), value, later),
            None
        );
        // hoplite's earlier cookies held the bare token.
        assert_eq!(
            token_from_cookie(&c, &session_codecs(&c), "ory_st_bare", NOW).as_deref(),
            Some("ory_st_bare")
        );
        assert_eq!(
            token_from_cookie(&c, &session_codecs(&c), "garbage", NOW),
            None
        );
    }

    #[test]
    fn go_cookie_string_rules() {
        let c = SetCookie {
            name: "n".into(),
            value: "a b".into(),
            path: "/p;x".into(),
            domain: "bad_domain".into(),
            same_site: "Default".into(),
            ..Default::default()
        };
        assert_eq!(c.to_header(), "n=\"a b\"; Path=/px");
        let c = SetCookie {
            name: "n".into(),
            value: "v".into(),
            domain: "127.0.0.1".into(),
            ..Default::default()
        };
        assert_eq!(c.to_header(), "n=v; Domain=127.0.0.1");
        assert!(!valid_cookie_domain("::1"));
        assert!(!valid_cookie_domain("a..b"));
        assert!(!valid_cookie_domain("-a.b"));
        assert!(valid_cookie_domain(".a-b.c"));
        assert!(!valid_cookie_domain("123.456"));
    }
}
