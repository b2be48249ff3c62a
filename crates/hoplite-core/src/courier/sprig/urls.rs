//! Sprig's `urlJoin`: a dict such as `urlParse` returns (`scheme`, `host`, `path`, `query`,
//! `opaque`, `fragment`, `userinfo`) written as Go's `url.URL.String()` writes it.
//!
//! Sprig gets the user information by parsing `proto://<userinfo>@host` with Go's `url.Parse`,
//! so what that parse refuses (or reads differently, when the user information holds `/`, `?`
//! or `#`) is reproduced here.

use super::{R, arity, fail, kind_name, map, st};
use gotmpl::{FuncMap, TemplateError, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The parts of a URL Go escapes, each its own way.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Path,
    Host,
    UserPassword,
    Fragment,
}

/// Go's `url.shouldEscape`.
fn should_escape(c: u8, part: Part) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    // A host may hold sub-delimiters, a port, an IPv6 literal's brackets, and (because they
    // could not be percent-encoded there anyway) `<`, `>` and `"`.
    if part == Part::Host && b"!$&'()*+,;=:[]<>\"".contains(&c) {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match part {
            Part::Path => c == b'?',
            Part::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
            Part::Fragment => false,
            Part::Host => true,
        },
        b'!' | b'(' | b')' | b'*' => part != Part::Fragment,
        _ => true,
    }
}

fn escape(bytes: &[u8], part: Part) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &c in bytes {
        if should_escape(c, part) {
            out.push_str(&format!("%{c:02X}"));
        } else {
            out.push(char::from(c));
        }
    }
    out
}

/// Go's `strconv.Quote` closely enough for error messages: bytes that are not UTF-8 as `\xNN`.
fn quote(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                c if c.is_control() => out.extend(c.escape_debug()),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}

/// Go's `url.unescape`: `%XX` decoded; in a host, only non-ASCII bytes (and `%25`) may be
/// escaped and characters a host cannot hold are refused.
fn unescape(text: &str, part: Part) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'%' {
            let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
            let piece = &bytes[i..(i + 3).min(bytes.len())];
            if !(hex(i + 1) && hex(i + 2)) {
                return Err(format!("invalid URL escape {}", quote(piece)));
            }
            let value = u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap_or(0);
            if part == Part::Host && value < 0x80 && piece != b"%25" {
                return Err(format!("invalid URL escape {}", quote(piece)));
            }
            out.push(value);
            i += 3;
        } else {
            if part == Part::Host && c < 0x80 && should_escape(c, Part::Host) {
                return Err(format!("invalid character {} in host name", quote(&[c])));
            }
            out.push(c);
            i += 1;
        }
    }
    Ok(out)
}

/// `:` followed by digits, or nothing.
fn valid_optional_port(port: &str) -> bool {
    port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// Go's `parseHost` for a scheme other than http(s), as far as checking goes.
fn check_host(host: &str) -> Result<(), String> {
    match host.rfind('[') {
        Some(i) if i > 0 => return Err("invalid IP-literal".into()),
        Some(_) => {
            let Some(close) = host.rfind(']') else {
                return Err("missing ']' in host".into());
            };
            let port = &host[close + 1..];
            if !valid_optional_port(port) {
                return Err(format!("invalid port {port:?} after host"));
            }
            let inside = &host[1..close];
            let address = match inside.find("%25") {
                Some(zone) => unescape(&inside[..zone], Part::Host)?,
                None => unescape(inside, Part::Host)?,
            };
            let address = String::from_utf8_lossy(&address);
            if address.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!("invalid host: {address:?} is not an IPv6 address"));
            }
            return Ok(());
        }
        None => {}
    }
    if let Some(colon) = host.rfind(':') {
        let port = &host[colon..];
        if !valid_optional_port(port) {
            return Err(format!("invalid port {port:?} after host"));
        }
    }
    unescape(host, Part::Host).map(|_| ())
}

/// The user information Sprig's `urlJoin` gets from `url.Parse("proto://<userinfo>@host")`,
/// written back as `url.Userinfo.String()` does; `None` when that URL has none.
fn userinfo_of(userinfo: &str) -> Result<Option<String>, String> {
    let raw = format!("proto://{userinfo}@host");
    let (before_fragment, fragment) = match raw.split_once('#') {
        Some((u, f)) => (u, Some(f)),
        None => (raw.as_str(), None),
    };
    let invalid =
        |url: &str, why: String| format!("unable to parse userinfo in dict: parse {url:?}: {why}");
    let fail_here = |why: String| invalid(before_fragment, why);
    if before_fragment.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(fail_here(
            "net/url: invalid control character in URL".into(),
        ));
    }
    let rest = &before_fragment["proto:".len()..];
    let rest = if rest.ends_with('?') && rest.matches('?').count() == 1 {
        &rest[..rest.len() - 1]
    } else {
        rest.split_once('?').map_or(rest, |(r, _)| r)
    };
    let after_slashes = &rest[2..];
    let (authority, path) =
        after_slashes.split_at(after_slashes.find('/').unwrap_or(after_slashes.len()));
    let at = authority.rfind('@');
    check_host(at.map_or(authority, |i| &authority[i + 1..])).map_err(fail_here)?;
    let user = match at {
        None => None,
        Some(i) => {
            let info = &authority[..i];
            let allowed = |c: char| c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c);
            if !info.chars().all(allowed) {
                return Err(fail_here("net/url: invalid userinfo".into()));
            }
            let (name, password) = match info.split_once(':') {
                Some((n, p)) => (n, Some(p)),
                None => (info, None),
            };
            let mut out = escape(
                &unescape(name, Part::UserPassword).map_err(fail_here)?,
                Part::UserPassword,
            );
            if let Some(p) = password {
                out.push(':');
                out.push_str(&escape(
                    &unescape(p, Part::UserPassword).map_err(fail_here)?,
                    Part::UserPassword,
                ));
            }
            Some(out)
        }
    };
    unescape(path, Part::Path).map_err(fail_here)?;
    if let Some(f) = fragment {
        unescape(f, Part::Fragment).map_err(|why| invalid(&raw, why))?;
    }
    Ok(user)
}

/// Go's `url.URL.String()` of the dict's parts.
fn join(d: &BTreeMap<Arc<str>, Value>) -> Result<String, TemplateError> {
    let get = |key: &str| -> Result<String, TemplateError> {
        match d.get(key) {
            None => Ok(String::new()),
            Some(v) => v.as_str().map(str::to_string).ok_or_else(|| {
                fail(format!(
                    "unable to parse {key} key, must be of type string, but {} found",
                    kind_name(v)
                ))
            }),
        }
    };
    let (scheme, host, path) = (get("scheme")?, get("host")?, get("path")?);
    let (query, opaque, fragment) = (get("query")?, get("opaque")?, get("fragment")?);
    let userinfo = get("userinfo")?;
    let user = if userinfo.is_empty() {
        None
    } else {
        userinfo_of(&userinfo).map_err(fail)?
    };
    let mut out = String::new();
    if !scheme.is_empty() {
        out.push_str(&scheme);
        out.push(':');
    }
    if !opaque.is_empty() {
        out.push_str(&opaque);
    } else {
        if !scheme.is_empty() || !host.is_empty() || user.is_some() {
            if !host.is_empty() || !path.is_empty() || user.is_some() {
                out.push_str("//");
            }
            if let Some(u) = &user {
                out.push_str(u);
                out.push('@');
            }
            out.push_str(&escape(host.as_bytes(), Part::Host));
        }
        let path = if path == "*" {
            path
        } else {
            escape(path.as_bytes(), Part::Path)
        };
        if !path.is_empty() && !path.starts_with('/') && !host.is_empty() {
            out.push('/');
        }
        // A relative path whose first segment has a colon would read as a scheme.
        if out.is_empty() && path.split('/').next().is_some_and(|seg| seg.contains(':')) {
            out.push_str("./");
        }
        out.push_str(&path);
    }
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query);
    }
    if !fragment.is_empty() {
        out.push('#');
        out.push_str(&escape(fragment.as_bytes(), Part::Fragment));
    }
    Ok(out)
}

pub(super) fn register(m: &mut FuncMap) {
    m.insert(
        "urlJoin".into(),
        Arc::new(|a: &[Value]| -> R {
            arity("urlJoin", a, 1)?;
            Ok(st(join(&map(&a[0]))?))
        }),
    );
}
