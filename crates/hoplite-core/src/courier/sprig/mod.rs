//! The Sprig v3 template functions Kratos offers operator templates (`sprig.HermeticTxtFuncMap` /
//! `HermeticHtmlFuncMap` in `ory/kratos: courier/template/load_template.go`): Sprig's functions
//! without the ones that depend on the clock, randomness or the environment (`now`, `date*`,
//! `env`, `rand*`, `uuidv4`, `getHostByName`, ...), named and ordered as Sprig takes its arguments
//! (the piped value last), so a Kratos template such as
//! `{{ .Identity.traits.name | default "there" | title }}` renders the same.
//!
//! Where hoplite differs from Go:
//! - Arguments are converted leniently (a number where a string is expected is printed as Go's
//!   `%v` would) where Go would refuse the call; the plain list functions (`first`, `rest`, ...)
//!   treat a single value as a one-item list, while their `must*` forms refuse it as Sprig does.
//! - gotmpl has no time type. A time is the text Go's `time.Time.String()` prints
//!   (`2017-12-31 00:00:00 +0000 UTC`), which is also what printing a Go time gives; functions
//!   taking a time also read RFC 3339 text and, where Sprig takes an `int`, Unix seconds. Go's
//!   "Local" zone is UTC here, so `toDate` reads a layout without a zone as UTC. `duration`
//!   counts any integer as seconds, where Go only does so for an `int64` (a template's `int`
//!   literal gives `0s` there); `durationRound` counts any integer as nanoseconds, as Go does
//!   for an `int64`. `ago` reads the system clock, not the registry's (movable) clock.
//! - `semver` gives a map with `Major`, `Minor`, `Patch`, `Prerelease`, `Metadata`, `Original`
//!   and `String`, so `(semver "1.2.3").Major` works as on Go's `*semver.Version`; printing it
//!   prints the map, not the version.
//! - Sprig's certificate and key generators (`genPrivateKey`, `genCA`, `genCAWithKey`,
//!   `genSelfSignedCert`, `genSelfSignedCertWithKey`, `genSignedCert`, `genSignedCertWithKey`,
//!   `buildCustomCert`) are registered so templates naming them parse, but calling one is an
//!   error: hoplite has no RSA/DSA/ECDSA key generation or X.509 encoding.
//! - Where Go would panic (`decryptAES` of a malformed ciphertext, `randInt` with an empty
//!   range), the call is a template error. `decryptAES` output that is not UTF-8 has its bad
//!   bytes replaced (U+FFFD), where Go keeps them.

use base64::Engine as _;
use gotmpl::{FuncMap, TemplateError, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

type R = Result<Value, TemplateError>;

fn fail(msg: impl Into<String>) -> TemplateError {
    TemplateError::Exec(msg.into())
}

/// Go's `%v` of a value; Sprig's `strval` (nil prints as an empty string here, as template
/// authors expect from `toString` of a missing field).
fn s(v: &Value) -> String {
    match v {
        Value::Nil => String::new(),
        other => other
            .as_str()
            .map_or_else(|| other.to_string(), str::to_string),
    }
}

fn st(v: impl Into<String>) -> Value {
    Value::String(Arc::from(v.into()))
}

/// Sprig's `toInt64` (spf13/cast): numbers truncated, numeric strings parsed, booleans 0/1,
/// anything else 0.
fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Uint(u) => i64::try_from(*u).unwrap_or(i64::MAX),
        Value::Float(f) => *f as i64,
        Value::Bool(b) => i64::from(*b),
        other => other
            .as_str()
            .map(str::trim)
            .and_then(|t| {
                t.parse::<i64>()
                    .ok()
                    .or_else(|| t.parse::<f64>().ok().map(|f| f as i64))
            })
            .unwrap_or(0),
    }
}

fn float(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Uint(u) => *u as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        other => other
            .as_str()
            .and_then(|t| t.trim().parse::<f64>().ok())
            .unwrap_or(0.0),
    }
}

fn list(v: &Value) -> Vec<Value> {
    match v {
        Value::List(l) => l.to_vec(),
        Value::Nil => Vec::new(),
        other => vec![other.clone()],
    }
}

/// A list argument of a `must*` list function: anything else is refused as Sprig refuses it
/// (`Cannot find first on type string`).
fn strict_list(refusal: &str, v: &Value) -> Result<Vec<Value>, TemplateError> {
    match v {
        Value::List(l) => Ok(l.to_vec()),
        other => Err(fail(format!("{refusal} {}", kind_name(other)))),
    }
}

fn map(v: &Value) -> BTreeMap<Arc<str>, Value> {
    match v {
        Value::Map(m) => (**m).clone(),
        _ => BTreeMap::new(),
    }
}

fn mk_list(v: Vec<Value>) -> Value {
    Value::List(Arc::from(v))
}

fn mk_map(m: BTreeMap<Arc<str>, Value>) -> Value {
    Value::Map(Arc::new(m))
}

/// Sprig's `empty`: nil, false, 0, "" and empty lists and maps.
fn is_empty(v: &Value) -> bool {
    !v.is_truthy() || matches!(v, Value::Nil)
}

/// Sprig's `strslice`: a list's items as strings (nil items dropped), or the value alone.
fn strings_of(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l
            .iter()
            .filter(|x| !matches!(x, Value::Nil))
            .map(s)
            .collect(),
        Value::Nil => Vec::new(),
        other => vec![s(other)],
    }
}

fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Nil => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Uint(u) => serde_json::Value::from(*u),
        Value::Float(f) => serde_json::Value::from(*f),
        Value::List(l) => serde_json::Value::Array(l.iter().map(to_json).collect()),
        Value::Map(m) => {
            serde_json::Value::Object(m.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect())
        }
        other => serde_json::Value::String(s(other)),
    }
}

fn from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        // encoding/json decodes every number as float64.
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(t) => st(t.as_str()),
        serde_json::Value::Array(a) => mk_list(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => mk_map(
            o.iter()
                .map(|(k, v)| (Arc::from(k.as_str()), from_json(v)))
                .collect(),
        ),
    }
}

/// Go's `json.Marshal` escapes `<`, `>` and `&` in strings.
fn go_json_escape(text: &str) -> String {
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// `strings.Title`: the first letter of every word upper-cased.
fn title(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut prev_sep = true;
    for c in t.chars() {
        if prev_sep {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_sep = !(c.is_alphanumeric() || c == '_' || c == '\'');
    }
    out
}

/// Words split where case changes or at `_`, `-`, `.` and spaces (xstrings' rules, simplified).
fn words(t: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = t.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' || c == '.' || c.is_whitespace() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let boundary = c.is_uppercase()
            && i > 0
            && (chars[i - 1].is_lowercase()
                || chars[i - 1].is_ascii_digit()
                || (chars[i - 1].is_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_lowercase())));
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Greedy word wrap at `width` (goutils' `WrapCustom`).
fn wrap(text: &str, width: usize, sep: &str, long_words: bool) -> String {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let mut word = word.to_string();
            if line.is_empty() {
            } else if line.chars().count() + 1 + word.chars().count() <= width {
                line.push(' ');
                line.push_str(&word);
                continue;
            } else {
                lines.push(std::mem::take(&mut line));
            }
            while long_words && word.chars().count() > width {
                let head: String = word.chars().take(width).collect();
                lines.push(head);
                word = word.chars().skip(width).collect();
            }
            line = word;
        }
        lines.push(line);
    }
    lines.join(sep)
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn base32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = buf.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                out.push(char::from(B32[((bits >> (35 - i * 5)) & 31) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let clean = text.trim_end_matches('=');
    let mut bits = 0u64;
    let mut n = 0;
    let mut out = Vec::new();
    for c in clean.bytes() {
        let v = B32.iter().position(|&x| x == c)? as u64;
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push(((bits >> n) & 0xff) as u8);
        }
    }
    Some(out)
}

/// Go's `path.Clean`.
fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

fn dir(p: &str) -> String {
    match p.rfind('/') {
        Some(i) => clean(&p[..=i]),
        None => ".".into(),
    }
}

fn ext(p: &str) -> String {
    let last = p.rsplit('/').next().unwrap_or(p);
    last.rfind('.')
        .map_or(String::new(), |i| last[i..].to_string())
}

fn regex(pattern: &str) -> Result<regex::Regex, TemplateError> {
    regex::Regex::new(pattern).map_err(|e| fail(format!("error parsing regexp: {e}")))
}

/// Go's `Regexp.Expand` template syntax (`$1`, `${name}`) is also Rust regex's.
fn go_n(n: i64) -> usize {
    if n < 0 { usize::MAX } else { n as usize }
}

fn quote_go(t: &str) -> String {
    let mut out = String::from("\"");
    for c in t.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "<nil>",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Uint(_) => "uint64",
        Value::Float(_) => "float64",
        Value::List(_) => "[]interface {}",
        Value::Map(_) => "map[string]interface {}",
        Value::Function(_) => "func",
        _ => "string",
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "invalid",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Uint(_) => "uint64",
        Value::Float(_) => "float64",
        Value::List(_) => "slice",
        Value::Map(_) => "map",
        Value::Function(_) => "func",
        _ => "string",
    }
}

fn arity(name: &str, args: &[Value], want: usize) -> Result<(), TemplateError> {
    if args.len() == want {
        Ok(())
    } else {
        Err(fail(format!(
            "wrong number of args for {name}: want {want} got {}",
            args.len()
        )))
    }
}

fn at_least(name: &str, args: &[Value], want: usize) -> Result<(), TemplateError> {
    if args.len() >= want {
        Ok(())
    } else {
        Err(fail(format!(
            "wrong number of args for {name}: want at least {want} got {}",
            args.len()
        )))
    }
}

macro_rules! fixed {
    ($m:ident, $name:literal, $n:literal, |$a:ident| $body:expr) => {
        $m.insert(
            $name.into(),
            Arc::new(|$a: &[Value]| -> R {
                arity($name, $a, $n)?;
                $body
            }),
        );
    };
}

macro_rules! variadic {
    ($m:ident, $name:literal, $n:literal, |$a:ident| $body:expr) => {
        $m.insert(
            $name.into(),
            Arc::new(|$a: &[Value]| -> R {
                at_least($name, $a, $n)?;
                $body
            }),
        );
    };
}

mod crypto;
mod dates;
mod semver;
mod urls;

fn strings_funcs(m: &mut FuncMap) {
    fixed!(m, "hello", 0, |_a| Ok(st("Hello!")));
    fixed!(m, "abbrev", 2, |a| {
        let (w, t) = (int(&a[0]), s(&a[1]));
        let n = t.chars().count() as i64;
        if w < 4 || n <= w {
            return Ok(st(t));
        }
        Ok(st(format!(
            "{}...",
            t.chars().take((w - 3) as usize).collect::<String>()
        )))
    });
    fixed!(m, "abbrevboth", 3, |a| {
        let (left, right, t) = (int(&a[0]), int(&a[1]), s(&a[2]));
        if right < 4 || (left > 0 && right < 7) {
            return Ok(st(t));
        }
        let chars: Vec<char> = t.chars().collect();
        let len = chars.len() as i64;
        if len <= right {
            return Ok(st(t));
        }
        let mut offset = left.clamp(0, len);
        if len - offset < right - 3 {
            offset = len - (right - 3);
        }
        if offset <= 4 {
            let head: String = chars[..(right - 3) as usize].iter().collect();
            return Ok(st(format!("{head}...")));
        }
        if offset + right - 3 < len {
            let rest: String = chars[offset as usize..].iter().collect();
            let inner = right - 3;
            let abbreviated = if rest.chars().count() as i64 <= inner {
                rest
            } else {
                format!(
                    "{}...",
                    rest.chars().take((inner - 3) as usize).collect::<String>()
                )
            };
            return Ok(st(format!("...{abbreviated}")));
        }
        let tail: String = chars[(len - (right - 3)) as usize..].iter().collect();
        Ok(st(format!("...{tail}")))
    });
    fixed!(m, "trunc", 2, |a| {
        let (c, t) = (int(&a[0]), s(&a[1]));
        let n = t.chars().count() as i64;
        Ok(st(if c < 0 && n + c > 0 {
            t.chars().skip((n + c) as usize).collect::<String>()
        } else if c >= 0 && n > c {
            t.chars().take(c as usize).collect::<String>()
        } else {
            t
        }))
    });
    fixed!(m, "trim", 1, |a| Ok(st(s(&a[0]).trim())));
    fixed!(m, "upper", 1, |a| Ok(st(s(&a[0]).to_uppercase())));
    fixed!(m, "lower", 1, |a| Ok(st(s(&a[0]).to_lowercase())));
    fixed!(m, "title", 1, |a| Ok(st(title(&s(&a[0])))));
    fixed!(m, "untitle", 1, |a| {
        let t = s(&a[0]);
        let mut out = String::new();
        let mut start = true;
        for c in t.chars() {
            if start {
                out.extend(c.to_lowercase());
            } else {
                out.push(c);
            }
            start = c.is_whitespace();
        }
        Ok(st(out))
    });
    fixed!(m, "substr", 3, |a| {
        let (start, end) = (int(&a[0]), int(&a[1]));
        let chars: Vec<char> = s(&a[2]).chars().collect();
        let len = chars.len() as i64;
        let piece: String = if start < 0 {
            chars[..end.clamp(0, len) as usize].iter().collect()
        } else if start > end && end >= 0 {
            chars.iter().collect()
        } else if end < 0 || end > len {
            chars[start.min(len) as usize..].iter().collect()
        } else {
            chars[start.min(end) as usize..end as usize]
                .iter()
                .collect()
        };
        Ok(st(piece))
    });
    fixed!(m, "repeat", 2, |a| Ok(st(
        s(&a[1]).repeat(int(&a[0]).max(0) as usize)
    )));
    for name in ["trimall", "trimAll"] {
        m.insert(
            name.into(),
            Arc::new(|a: &[Value]| -> R {
                arity("trimAll", a, 2)?;
                let cut: Vec<char> = s(&a[0]).chars().collect();
                Ok(st(s(&a[1]).trim_matches(|c| cut.contains(&c))))
            }),
        );
    }
    fixed!(m, "trimSuffix", 2, |a| {
        let (suffix, t) = (s(&a[0]), s(&a[1]));
        Ok(st(t.strip_suffix(suffix.as_str()).unwrap_or(&t)))
    });
    fixed!(m, "trimPrefix", 2, |a| {
        let (prefix, t) = (s(&a[0]), s(&a[1]));
        Ok(st(t.strip_prefix(prefix.as_str()).unwrap_or(&t)))
    });
    fixed!(m, "nospace", 1, |a| Ok(st(s(&a[0])
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>())));
    fixed!(m, "initials", 1, |a| Ok(st(s(&a[0])
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .collect::<String>())));
    fixed!(m, "swapcase", 1, |a| Ok(st(s(&a[0])
        .chars()
        .flat_map(|c| {
            if c.is_uppercase() {
                c.to_lowercase().collect::<Vec<_>>()
            } else {
                c.to_uppercase().collect::<Vec<_>>()
            }
        })
        .collect::<String>())));
    fixed!(m, "snakecase", 1, |a| Ok(st(words(&s(&a[0]))
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_"))));
    fixed!(m, "kebabcase", 1, |a| Ok(st(words(&s(&a[0]))
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("-"))));
    fixed!(m, "camelcase", 1, |a| {
        let t = s(&a[0]);
        let mut out = String::new();
        for part in t.split('_').filter(|p| !p.is_empty()) {
            let mut cs = part.chars();
            if let Some(f) = cs.next() {
                out.extend(f.to_uppercase());
                out.extend(cs);
            }
        }
        Ok(st(out))
    });
    fixed!(m, "wrap", 2, |a| Ok(st(wrap(
        &s(&a[1]),
        int(&a[0]).max(1) as usize,
        "\n",
        false
    ))));
    fixed!(m, "wrapWith", 3, |a| Ok(st(wrap(
        &s(&a[2]),
        int(&a[0]).max(1) as usize,
        &s(&a[1]),
        true
    ))));
    fixed!(m, "contains", 2, |a| Ok(Value::Bool(
        s(&a[1]).contains(s(&a[0]).as_str())
    )));
    fixed!(m, "hasPrefix", 2, |a| Ok(Value::Bool(
        s(&a[1]).starts_with(s(&a[0]).as_str())
    )));
    fixed!(m, "hasSuffix", 2, |a| Ok(Value::Bool(
        s(&a[1]).ends_with(s(&a[0]).as_str())
    )));
    variadic!(m, "quote", 0, |a| Ok(st(a
        .iter()
        .filter(|v| !matches!(v, Value::Nil))
        .map(|v| quote_go(&s(v)))
        .collect::<Vec<_>>()
        .join(" "))));
    variadic!(m, "squote", 0, |a| Ok(st(a
        .iter()
        .filter(|v| !matches!(v, Value::Nil))
        .map(|v| format!("'{}'", s(v)))
        .collect::<Vec<_>>()
        .join(" "))));
    variadic!(m, "cat", 0, |a| Ok(st(a
        .iter()
        .filter(|v| !matches!(v, Value::Nil))
        .map(s)
        .collect::<Vec<_>>()
        .join(" "))));
    fixed!(m, "indent", 2, |a| {
        let pad = " ".repeat(int(&a[0]).max(0) as usize);
        Ok(st(format!(
            "{pad}{}",
            s(&a[1]).replace('\n', &format!("\n{pad}"))
        )))
    });
    fixed!(m, "nindent", 2, |a| {
        let pad = " ".repeat(int(&a[0]).max(0) as usize);
        Ok(st(format!(
            "\n{pad}{}",
            s(&a[1]).replace('\n', &format!("\n{pad}"))
        )))
    });
    fixed!(m, "replace", 3, |a| Ok(st(
        s(&a[2]).replace(s(&a[0]).as_str(), &s(&a[1]))
    )));
    fixed!(m, "plural", 3, |a| Ok(st(if int(&a[2]) == 1 {
        s(&a[0])
    } else {
        s(&a[1])
    })));
    fixed!(m, "sha1sum", 1, |a| {
        use sha1::Digest;
        Ok(st(hex(&sha1::Sha1::digest(s(&a[0]).as_bytes()))))
    });
    fixed!(m, "sha256sum", 1, |a| {
        use sha2::Digest;
        Ok(st(hex(&sha2::Sha256::digest(s(&a[0]).as_bytes()))))
    });
    fixed!(m, "sha512sum", 1, |a| {
        use sha2::Digest;
        Ok(st(hex(&sha2::Sha512::digest(s(&a[0]).as_bytes()))))
    });
    fixed!(m, "shuffle", 1, |a| {
        use rand::seq::SliceRandom;
        let mut chars: Vec<char> = s(&a[0]).chars().collect();
        chars.shuffle(&mut rand::rng());
        Ok(st(chars.into_iter().collect::<String>()))
    });
    fixed!(m, "adler32sum", 1, |a| Ok(st(
        adler32(s(&a[0]).as_bytes()).to_string()
    )));
    fixed!(m, "toString", 1, |a| Ok(st(s(&a[0]))));
    fixed!(m, "split", 2, |a| {
        let (sep, t) = (s(&a[0]), s(&a[1]));
        Ok(mk_map(
            t.split(sep.as_str())
                .enumerate()
                .map(|(i, p)| (Arc::from(format!("_{i}")), st(p)))
                .collect(),
        ))
    });
    fixed!(m, "splitn", 3, |a| {
        let (sep, n, t) = (s(&a[0]), int(&a[1]), s(&a[2]));
        if n == 0 {
            return Ok(mk_map(BTreeMap::new()));
        }
        Ok(mk_map(
            t.splitn(go_n(n), sep.as_str())
                .enumerate()
                .map(|(i, p)| (Arc::from(format!("_{i}")), st(p)))
                .collect(),
        ))
    });
    fixed!(m, "splitList", 2, |a| {
        let (sep, t) = (s(&a[0]), s(&a[1]));
        Ok(mk_list(t.split(sep.as_str()).map(st).collect()))
    });
    fixed!(m, "toStrings", 1, |a| Ok(mk_list(
        strings_of(&a[0]).into_iter().map(st).collect()
    )));
    fixed!(m, "join", 2, |a| Ok(st(strings_of(&a[1]).join(&s(&a[0])))));
    fixed!(m, "sortAlpha", 1, |a| {
        let mut v = strings_of(&a[0]);
        v.sort();
        Ok(mk_list(v.into_iter().map(st).collect()))
    });
    for (name, encode) in [("b64enc", true), ("b64dec", false)] {
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                arity(name, a, 1)?;
                let engine = base64::engine::general_purpose::STANDARD;
                let t = s(&a[0]);
                Ok(st(if encode {
                    engine.encode(t.as_bytes())
                } else {
                    match engine.decode(t.as_bytes()) {
                        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                        Err(e) => e.to_string(),
                    }
                }))
            }),
        );
    }
    fixed!(m, "b32enc", 1, |a| Ok(st(base32_encode(
        s(&a[0]).as_bytes()
    ))));
    fixed!(m, "b32dec", 1, |a| Ok(st(match base32_decode(&s(&a[0])) {
        Some(b) => String::from_utf8_lossy(&b).into_owned(),
        None => "illegal base32 data".into(),
    })));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn number_funcs(m: &mut FuncMap) {
    fixed!(m, "atoi", 1, |a| Ok(Value::Int(
        s(&a[0]).trim().parse::<i64>().unwrap_or(0)
    )));
    fixed!(m, "int", 1, |a| Ok(Value::Int(int(&a[0]))));
    fixed!(m, "int64", 1, |a| Ok(Value::Int(int(&a[0]))));
    fixed!(m, "float64", 1, |a| Ok(Value::Float(float(&a[0]))));
    fixed!(m, "toDecimal", 1, |a| Ok(Value::Int(
        i64::from_str_radix(s(&a[0]).trim(), 8).unwrap_or(0)
    )));
    variadic!(m, "seq", 0, |a| {
        let n: Vec<i64> = a.iter().map(int).collect();
        let (start, step, end) = match n.as_slice() {
            [] => return Ok(st("")),
            [end] => (1, 1, *end),
            [start, end] => (*start, if start <= end { 1 } else { -1 }, *end),
            [start, step, end, ..] => (*start, *step, *end),
        };
        let mut out = Vec::new();
        let mut i = start;
        while step != 0 && ((step > 0 && i <= end) || (step < 0 && i >= end)) && out.len() < 100_000
        {
            out.push(i.to_string());
            i += step;
        }
        Ok(st(out.join(" ")))
    });
    fixed!(m, "until", 1, |a| {
        let n = int(&a[0]);
        let step = if n < 0 { -1 } else { 1 };
        Ok(mk_list(range(0, n, step)))
    });
    fixed!(m, "untilStep", 3, |a| Ok(mk_list(range(
        int(&a[0]),
        int(&a[1]),
        int(&a[2])
    ))));
    fixed!(m, "randInt", 2, |a| {
        use rand::Rng;
        let (lo, hi) = (int(&a[0]), int(&a[1]));
        let span = hi.wrapping_sub(lo);
        if span <= 0 {
            return Err(fail("invalid argument to Intn"));
        }
        Ok(Value::Int(lo + rand::rng().random_range(0..span)))
    });
    fixed!(m, "add1", 1, |a| Ok(Value::Int(int(&a[0]).wrapping_add(1))));
    variadic!(m, "add", 0, |a| Ok(Value::Int(
        a.iter().fold(0i64, |acc, v| acc.wrapping_add(int(v)))
    )));
    fixed!(m, "sub", 2, |a| Ok(Value::Int(
        int(&a[0]).wrapping_sub(int(&a[1]))
    )));
    fixed!(m, "div", 2, |a| match int(&a[1]) {
        0 => Err(fail("runtime error: integer divide by zero")),
        d => Ok(Value::Int(int(&a[0]).wrapping_div(d))),
    });
    fixed!(m, "mod", 2, |a| match int(&a[1]) {
        0 => Err(fail("runtime error: integer divide by zero")),
        d => Ok(Value::Int(int(&a[0]).wrapping_rem(d))),
    });
    variadic!(m, "mul", 1, |a| Ok(Value::Int(
        a.iter()
            .skip(1)
            .fold(int(&a[0]), |acc, v| acc.wrapping_mul(int(v)))
    )));
    for name in ["max", "biggest"] {
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                at_least(name, a, 1)?;
                Ok(Value::Int(a.iter().map(int).max().unwrap_or(0)))
            }),
        );
    }
    variadic!(m, "min", 1, |a| Ok(Value::Int(
        a.iter().map(int).min().unwrap_or(0)
    )));
    variadic!(m, "maxf", 1, |a| Ok(Value::Float(
        a.iter().map(float).fold(f64::NEG_INFINITY, f64::max)
    )));
    variadic!(m, "minf", 1, |a| Ok(Value::Float(
        a.iter().map(float).fold(f64::INFINITY, f64::min)
    )));
    fixed!(m, "ceil", 1, |a| Ok(Value::Float(float(&a[0]).ceil())));
    fixed!(m, "floor", 1, |a| Ok(Value::Float(float(&a[0]).floor())));
    variadic!(m, "round", 2, |a| {
        let (v, p) = (float(&a[0]), int(&a[1]));
        let round_on = a.get(2).map_or(0.5, float);
        let pow = 10f64.powi(p as i32);
        let digit = pow * v;
        let frac = digit - digit.trunc();
        let r = if frac >= round_on {
            digit.ceil()
        } else {
            digit.floor()
        };
        Ok(Value::Float(r / pow))
    });
    fixed!(m, "add1f", 1, |a| Ok(Value::Float(float(&a[0]) + 1.0)));
    variadic!(m, "addf", 0, |a| Ok(Value::Float(
        a.iter().map(float).sum()
    )));
    variadic!(m, "subf", 1, |a| Ok(Value::Float(
        a.iter().skip(1).fold(float(&a[0]), |acc, v| acc - float(v))
    )));
    variadic!(m, "mulf", 1, |a| Ok(Value::Float(
        a.iter().skip(1).fold(float(&a[0]), |acc, v| acc * float(v))
    )));
    variadic!(m, "divf", 1, |a| {
        let mut acc = float(&a[0]);
        for v in &a[1..] {
            let d = float(v);
            if d == 0.0 {
                return Err(fail("division by zero"));
            }
            acc /= d;
        }
        Ok(Value::Float(acc))
    });
}

fn range(start: i64, stop: i64, step: i64) -> Vec<Value> {
    let mut out = Vec::new();
    if step == 0 {
        return out;
    }
    let mut i = start;
    while ((step > 0 && i < stop) || (step < 0 && i > stop)) && out.len() < 100_000 {
        out.push(Value::Int(i));
        i += step;
    }
    out
}

fn default_funcs(m: &mut FuncMap) {
    variadic!(m, "default", 1, |a| Ok(match a.get(1) {
        Some(v) if !is_empty(v) => v.clone(),
        _ => a[0].clone(),
    }));
    fixed!(m, "empty", 1, |a| Ok(Value::Bool(is_empty(&a[0]))));
    variadic!(m, "coalesce", 0, |a| Ok(a
        .iter()
        .find(|v| !is_empty(v))
        .cloned()
        .unwrap_or(Value::Nil)));
    variadic!(m, "all", 0, |a| Ok(Value::Bool(
        a.iter().all(|v| !is_empty(v))
    )));
    variadic!(m, "any", 0, |a| Ok(Value::Bool(
        a.iter().any(|v| !is_empty(v))
    )));
    for (name, must) in [("compact", false), ("mustCompact", true)] {
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                arity(name, a, 1)?;
                let l = if must {
                    strict_list("Cannot compact on type", &a[0])?
                } else {
                    list(&a[0])
                };
                Ok(mk_list(l.into_iter().filter(|v| !is_empty(v)).collect()))
            }),
        );
    }
    for name in ["fromJson", "mustFromJson"] {
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                arity(name, a, 1)?;
                match serde_json::from_str::<serde_json::Value>(&s(&a[0])) {
                    Ok(v) => Ok(from_json(&v)),
                    Err(e) if name == "mustFromJson" => Err(fail(e.to_string())),
                    Err(_) => Ok(mk_map(BTreeMap::new())),
                }
            }),
        );
    }
    for (name, pretty, escape) in [
        ("toJson", false, true),
        ("mustToJson", false, true),
        ("toPrettyJson", true, true),
        ("mustToPrettyJson", true, true),
        ("toRawJson", false, false),
        ("mustToRawJson", false, false),
    ] {
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                arity(name, a, 1)?;
                let v = to_json(&a[0]);
                let text = if pretty {
                    serde_json::to_string_pretty(&v)
                } else {
                    serde_json::to_string(&v)
                }
                .map_err(|e| fail(e.to_string()))?;
                Ok(st(if escape { go_json_escape(&text) } else { text }))
            }),
        );
    }
    fixed!(m, "ternary", 3, |a| Ok(if a[2].is_truthy() {
        a[0].clone()
    } else {
        a[1].clone()
    }));
    for name in ["deepCopy", "mustDeepCopy"] {
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                arity(name, a, 1)?;
                Ok(a[0].clone())
            }),
        );
    }
    fixed!(m, "typeOf", 1, |a| Ok(st(type_name(&a[0]))));
    fixed!(m, "typeIs", 2, |a| Ok(Value::Bool(
        s(&a[0]) == type_name(&a[1])
    )));
    fixed!(m, "typeIsLike", 2, |a| {
        let (want, got) = (s(&a[0]), type_name(&a[1]));
        Ok(Value::Bool(want == got || want == format!("*{got}")))
    });
    fixed!(m, "kindOf", 1, |a| Ok(st(kind_name(&a[0]))));
    fixed!(m, "kindIs", 2, |a| Ok(Value::Bool(
        s(&a[0]) == kind_name(&a[1])
    )));
    fixed!(m, "deepEqual", 2, |a| Ok(Value::Bool(
        to_json(&a[0]) == to_json(&a[1])
    )));
    m.insert(
        "fail".into(),
        Arc::new(|a: &[Value]| -> R {
            arity("fail", a, 1)?;
            Err(fail(s(&a[0])))
        }),
    );
}

fn path_funcs(m: &mut FuncMap) {
    for (plain, os) in [
        ("base", "osBase"),
        ("dir", "osDir"),
        ("clean", "osClean"),
        ("ext", "osExt"),
        ("isAbs", "osIsAbs"),
    ] {
        for name in [plain, os] {
            m.insert(
                name.into(),
                Arc::new(move |a: &[Value]| -> R {
                    arity(name, a, 1)?;
                    let p = s(&a[0]);
                    Ok(match plain {
                        "base" => st(base(&p)),
                        "dir" => st(dir(&p)),
                        "clean" => st(clean(&p)),
                        "ext" => st(ext(&p)),
                        _ => Value::Bool(p.starts_with('/')),
                    })
                }),
            );
        }
    }
    fixed!(m, "urlParse", 1, |a| {
        let u =
            url::Url::parse(&s(&a[0])).map_err(|e| fail(format!("unable to parse url: {e}")))?;
        let mut d = BTreeMap::new();
        let host = match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => String::new(),
        };
        let userinfo = match (u.username(), u.password()) {
            ("", None) => String::new(),
            (name, Some(pw)) => format!("{name}:{pw}"),
            (name, None) => name.to_string(),
        };
        for (k, v) in [
            ("scheme", u.scheme().to_string()),
            ("host", host),
            ("hostname", u.host_str().unwrap_or_default().to_string()),
            ("path", u.path().to_string()),
            ("query", u.query().unwrap_or_default().to_string()),
            ("opaque", String::new()),
            ("fragment", u.fragment().unwrap_or_default().to_string()),
            ("userinfo", userinfo),
        ] {
            d.insert(Arc::from(k), st(v));
        }
        Ok(mk_map(d))
    });
}

fn dict_funcs(m: &mut FuncMap) {
    variadic!(m, "dict", 0, |a| {
        let mut d = BTreeMap::new();
        for pair in a.chunks(2) {
            let v = pair.get(1).cloned().unwrap_or_else(|| st(""));
            d.insert(Arc::from(s(&pair[0])), v);
        }
        Ok(mk_map(d))
    });
    fixed!(m, "get", 2, |a| Ok(map(&a[0])
        .get(s(&a[1]).as_str())
        .cloned()
        .unwrap_or_else(|| st(""))));
    fixed!(m, "set", 3, |a| {
        let mut d = map(&a[0]);
        d.insert(Arc::from(s(&a[1])), a[2].clone());
        Ok(mk_map(d))
    });
    fixed!(m, "unset", 2, |a| {
        let mut d = map(&a[0]);
        d.remove(s(&a[1]).as_str());
        Ok(mk_map(d))
    });
    fixed!(m, "hasKey", 2, |a| Ok(Value::Bool(
        map(&a[0]).contains_key(s(&a[1]).as_str())
    )));
    variadic!(m, "pluck", 1, |a| {
        let key = s(&a[0]);
        Ok(mk_list(
            a[1..]
                .iter()
                .filter_map(|d| map(d).get(key.as_str()).cloned())
                .collect(),
        ))
    });
    variadic!(m, "keys", 0, |a| Ok(mk_list(
        a.iter()
            .flat_map(|d| map(d).into_keys().map(Value::String).collect::<Vec<_>>())
            .collect()
    )));
    fixed!(m, "values", 1, |a| Ok(mk_list(
        map(&a[0]).into_values().collect()
    )));
    variadic!(m, "pick", 1, |a| {
        let d = map(&a[0]);
        let want: Vec<String> = a[1..].iter().map(s).collect();
        Ok(mk_map(
            d.into_iter()
                .filter(|(k, _)| want.iter().any(|w| w.as_str() == &**k))
                .collect(),
        ))
    });
    variadic!(m, "omit", 1, |a| {
        let d = map(&a[0]);
        let drop: Vec<String> = a[1..].iter().map(s).collect();
        Ok(mk_map(
            d.into_iter()
                .filter(|(k, _)| !drop.iter().any(|w| w.as_str() == &**k))
                .collect(),
        ))
    });
    for (name, overwrite) in [
        ("merge", false),
        ("mustMerge", false),
        ("mergeOverwrite", true),
        ("mustMergeOverwrite", true),
    ] {
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                at_least(name, a, 1)?;
                let mut d = map(&a[0]);
                for src in &a[1..] {
                    for (k, v) in map(src) {
                        if overwrite || !d.contains_key(&k) {
                            d.insert(k, v);
                        }
                    }
                }
                Ok(mk_map(d))
            }),
        );
    }
    variadic!(m, "dig", 2, |a| {
        let (keys, rest) = a.split_at(a.len() - 2);
        let (default, mut cur) = (rest[0].clone(), rest[1].clone());
        for k in keys {
            match map(&cur).get(s(k).as_str()) {
                Some(v) => cur = v.clone(),
                None => return Ok(default),
            }
        }
        Ok(cur)
    });
}

fn list_funcs(m: &mut FuncMap) {
    for name in ["list", "tuple"] {
        m.insert(
            name.into(),
            Arc::new(|a: &[Value]| -> R { Ok(mk_list(a.to_vec())) }),
        );
    }
    // Each operation gets the list (from argument `at`) and all the arguments. The plain form
    // reads a non-list as a one-item list; the `must*` form refuses it with Sprig's message.
    type ListFn = fn(Vec<Value>, &[Value]) -> R;
    let table: [(&str, usize, usize, &str, ListFn); 12] = [
        ("append", 2, 0, "Cannot push on type", |mut l, a| {
            l.push(a[1].clone());
            Ok(mk_list(l))
        }),
        ("push", 2, 0, "Cannot push on type", |mut l, a| {
            l.push(a[1].clone());
            Ok(mk_list(l))
        }),
        ("prepend", 2, 0, "Cannot prepend on type", |mut l, a| {
            l.insert(0, a[1].clone());
            Ok(mk_list(l))
        }),
        ("first", 1, 0, "Cannot find first on type", |l, _| {
            Ok(l.first().cloned().unwrap_or(Value::Nil))
        }),
        ("last", 1, 0, "Cannot find last on type", |l, _| {
            Ok(l.last().cloned().unwrap_or(Value::Nil))
        }),
        ("rest", 1, 0, "Cannot find rest on type", |l, _| {
            Ok(mk_list(
                l.get(1..).map(<[Value]>::to_vec).unwrap_or_default(),
            ))
        }),
        ("initial", 1, 0, "Cannot find initial on type", |l, _| {
            let n = l.len().saturating_sub(1);
            Ok(mk_list(l[..n].to_vec()))
        }),
        (
            "reverse",
            1,
            0,
            "Cannot find reverse on type",
            |mut l, _| {
                l.reverse();
                Ok(mk_list(l))
            },
        ),
        ("uniq", 1, 0, "Cannot find uniq on type", |l, _| {
            let mut out: Vec<Value> = Vec::new();
            for v in l {
                if !out.iter().any(|o| to_json(o) == to_json(&v)) {
                    out.push(v);
                }
            }
            Ok(mk_list(out))
        }),
        ("without", 1, 0, "Cannot find without on type", |l, a| {
            let drop: Vec<serde_json::Value> = a[1..].iter().map(to_json).collect();
            Ok(mk_list(
                l.into_iter()
                    .filter(|v| !drop.contains(&to_json(v)))
                    .collect(),
            ))
        }),
        (
            "slice",
            1,
            0,
            "list should be type of slice or array but",
            |l, a| {
                // Sprig gives nil for an empty list, whatever the indices.
                if l.is_empty() {
                    return Ok(Value::Nil);
                }
                let len = l.len() as i64;
                let start = a.get(1).map_or(0, int);
                let end = a.get(2).map_or(len, int);
                if start < 0 || end > len || start > end {
                    return Err(fail(format!("slice bounds out of range [{start}:{end}]")));
                }
                Ok(mk_list(l[start as usize..end as usize].to_vec()))
            },
        ),
        ("chunk", 2, 1, "Cannot chunk type", |l, a| {
            let size = int(&a[0]).max(1) as usize;
            Ok(mk_list(
                l.chunks(size).map(|c| mk_list(c.to_vec())).collect(),
            ))
        }),
    ];
    for (name, n, at, refusal, f) in table {
        let check = move |a: &[Value]| {
            if matches!(name, "without" | "slice") {
                at_least(name, a, n)
            } else {
                arity(name, a, n)
            }
        };
        let must = format!("must{}{}", name[..1].to_uppercase(), &name[1..]);
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                check(a)?;
                f(list(&a[at]), a)
            }),
        );
        m.insert(
            must,
            Arc::new(move |a: &[Value]| -> R {
                check(a)?;
                f(strict_list(refusal, &a[at])?, a)
            }),
        );
    }
    for (name, must) in [("has", false), ("mustHas", true)] {
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                arity(name, a, 2)?;
                let haystack = match &a[1] {
                    Value::Nil => Vec::new(),
                    other if must => strict_list("Cannot find has on type", other)?,
                    other => list(other),
                };
                let needle = to_json(&a[0]);
                Ok(Value::Bool(haystack.iter().any(|v| to_json(v) == needle)))
            }),
        );
    }
    variadic!(m, "concat", 0, |a| Ok(mk_list(
        a.iter().flat_map(list).collect()
    )));
}

fn regex_funcs(m: &mut FuncMap) {
    for (name, must) in [("regexMatch", false), ("mustRegexMatch", true)] {
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                arity(name, a, 2)?;
                match regex(&s(&a[0])) {
                    Ok(re) => Ok(Value::Bool(re.is_match(&s(&a[1])))),
                    Err(e) if must => Err(e),
                    Err(_) => Ok(Value::Bool(false)),
                }
            }),
        );
    }
    for name in ["regexFind", "mustRegexFind"] {
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                arity(name, a, 2)?;
                let re = regex(&s(&a[0]))?;
                Ok(st(re.find(&s(&a[1])).map_or("", |f| f.as_str())))
            }),
        );
    }
    for name in ["regexFindAll", "mustRegexFindAll"] {
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                arity(name, a, 3)?;
                let re = regex(&s(&a[0]))?;
                let t = s(&a[1]);
                Ok(mk_list(
                    re.find_iter(&t)
                        .take(go_n(int(&a[2])))
                        .map(|f| st(f.as_str()))
                        .collect(),
                ))
            }),
        );
    }
    for (name, literal) in [
        ("regexReplaceAll", false),
        ("mustRegexReplaceAll", false),
        ("regexReplaceAllLiteral", true),
        ("mustRegexReplaceAllLiteral", true),
    ] {
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                arity(name, a, 3)?;
                let re = regex(&s(&a[0]))?;
                let (t, repl) = (s(&a[1]), s(&a[2]));
                Ok(st(if literal {
                    re.replace_all(&t, regex::NoExpand(&repl)).into_owned()
                } else {
                    re.replace_all(&t, repl.as_str()).into_owned()
                }))
            }),
        );
    }
    for name in ["regexSplit", "mustRegexSplit"] {
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                arity(name, a, 3)?;
                let re = regex(&s(&a[0]))?;
                let t = s(&a[1]);
                let n = int(&a[2]);
                if n == 0 {
                    return Ok(mk_list(Vec::new()));
                }
                Ok(mk_list(re.splitn(&t, go_n(n)).map(st).collect()))
            }),
        );
    }
    fixed!(m, "regexQuoteMeta", 1, |a| Ok(st(regex::escape(&s(&a[0])))));
}

/// The functions, built once.
pub fn funcs() -> FuncMap {
    static FUNCS: OnceLock<FuncMap> = OnceLock::new();
    FUNCS
        .get_or_init(|| {
            let mut m = FuncMap::new();
            strings_funcs(&mut m);
            number_funcs(&mut m);
            default_funcs(&mut m);
            path_funcs(&mut m);
            dict_funcs(&mut m);
            list_funcs(&mut m);
            regex_funcs(&mut m);
            dates::register(&mut m);
            semver::register(&mut m);
            crypto::register(&mut m);
            urls::register(&mut m);
            m
        })
        .clone()
}

/// A template rendered with these functions, or `error: ...`.
#[cfg(test)]
fn render(src: &str) -> String {
    gotmpl::Template::new("t")
        .funcs(funcs())
        .parse(src)
        .and_then(|t| t.execute_to_string(&gotmpl::tmap! { "input" => "hello world", "n" => 3 }))
        .unwrap_or_else(|e| format!("error: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> String {
        render(src)
    }

    /// Every name in Sprig v3.3.0's `HermeticTxtFuncMap()` (its `genericMap` less the 17
    /// non-hermetic names), as Go lists them.
    const HERMETIC: &str = "\
        abbrev abbrevboth add add1 add1f addf adler32sum ago all any append atoi b32dec b32enc \
        b64dec b64enc base bcrypt biggest buildCustomCert camelcase cat ceil chunk clean \
        coalesce compact concat contains decryptAES deepCopy deepEqual default derivePassword \
        dict dig dir div divf duration durationRound empty encryptAES ext fail first float64 \
        floor fromJson genCA genCAWithKey genPrivateKey genSelfSignedCert \
        genSelfSignedCertWithKey genSignedCert genSignedCertWithKey get has hasKey hasPrefix \
        hasSuffix hello htpasswd indent initial initials int int64 isAbs join kebabcase keys \
        kindIs kindOf last list lower max maxf merge mergeOverwrite min minf mod mul mulf \
        mustAppend mustChunk mustCompact mustDateModify mustDeepCopy mustFirst mustFromJson \
        mustHas mustInitial mustLast mustMerge mustMergeOverwrite mustPrepend mustPush \
        mustRegexFind mustRegexFindAll mustRegexMatch mustRegexReplaceAll \
        mustRegexReplaceAllLiteral mustRegexSplit mustRest mustReverse mustSlice mustToDate \
        mustToJson mustToPrettyJson mustToRawJson mustUniq mustWithout must_date_modify nindent \
        nospace omit osBase osClean osDir osExt osIsAbs pick pluck plural prepend push quote \
        randInt regexFind regexFindAll regexMatch regexQuoteMeta regexReplaceAll \
        regexReplaceAllLiteral regexSplit repeat replace rest reverse round semver semverCompare \
        seq set sha1sum sha256sum sha512sum shuffle slice snakecase sortAlpha split splitList \
        splitn squote sub subf substr swapcase ternary title toDate toDecimal toJson \
        toPrettyJson toRawJson toString toStrings trim trimAll trimPrefix trimSuffix trimall \
        trunc tuple typeIs typeIsLike typeOf uniq unixEpoch unset until untilStep untitle upper \
        urlJoin urlParse values without wrap wrapWith";

    #[test]
    fn every_hermetic_sprig_function_is_offered() {
        let offered = funcs();
        let names: Vec<&str> = HERMETIC.split_whitespace().collect();
        assert_eq!(names.len(), 194);
        let missing: Vec<&str> = names
            .into_iter()
            .filter(|n| !offered.contains_key(*n))
            .collect();
        assert!(missing.is_empty(), "missing: {missing:?}");
    }

    #[test]
    fn must_list_forms_refuse_what_is_not_a_list() {
        for (src, want) in [
            (
                "{{ mustFirst \"abc\" }}",
                "Cannot find first on type string",
            ),
            ("{{ mustLast 3 }}", "Cannot find last on type int"),
            ("{{ mustRest (dict) }}", "Cannot find rest on type map"),
            ("{{ mustInitial true }}", "Cannot find initial on type bool"),
            (
                "{{ mustReverse \"x\" }}",
                "Cannot find reverse on type string",
            ),
            ("{{ mustUniq \"x\" }}", "Cannot find uniq on type string"),
            (
                "{{ mustWithout \"x\" 1 }}",
                "Cannot find without on type string",
            ),
            ("{{ mustAppend \"x\" 1 }}", "Cannot push on type string"),
            ("{{ mustPush \"x\" 1 }}", "Cannot push on type string"),
            ("{{ mustPrepend \"x\" 1 }}", "Cannot prepend on type string"),
            ("{{ mustChunk 2 \"x\" }}", "Cannot chunk type string"),
            (
                "{{ mustSlice \"x\" 1 }}",
                "list should be type of slice or array but string",
            ),
            ("{{ mustHas 1 \"x\" }}", "Cannot find has on type string"),
            ("{{ mustCompact \"x\" }}", "Cannot compact on type string"),
        ] {
            let got = run(src);
            assert!(
                got.starts_with("error:") && got.contains(want),
                "{src}: {got}"
            );
        }
        // On lists they are the plain forms (outputs as Go prints them).
        for (src, want) in [
            ("{{ mustFirst (list) }}", "<no value>"),
            ("{{ mustRest (list) }}", "[]"),
            ("{{ mustSlice (list) }}", "<no value>"),
            ("{{ mustSlice (list 1 2 3) 1 }}", "[2 3]"),
            ("{{ mustChunk 2 (list 1 2 3) }}", "[[1 2] [3]]"),
            ("{{ mustPrepend (list 2) 1 }}", "[1 2]"),
            ("{{ mustAppend (list 1) 2 }}", "[1 2]"),
            ("{{ mustUniq (list 1 1 2) }}", "[1 2]"),
            ("{{ mustWithout (list 1 2 3) 2 }}", "[1 3]"),
            ("{{ mustInitial (list 1 2 3) }}", "[1 2]"),
            ("{{ mustReverse (list 1 2 3) }}", "[3 2 1]"),
            ("{{ mustLast (list 1 2 3) }}", "3"),
            ("{{ mustHas 1 nil }}", "false"),
            // The plain forms stay lenient: a single value is a one-item list.
            ("{{ first \"abc\" }}", "abc"),
            ("{{ reverse 3 }}", "[3]"),
        ] {
            assert_eq!(run(src), want, "{src}");
        }
    }

    #[test]
    fn url_join_writes_urls_as_go_does() {
        // Expected values from Go 1.26 with Sprig v3.3.0.
        for (src, want) in [
            (
                r#"{{ urlJoin (dict "scheme" "https" "host" "example.com:8443" "path" "/a b/c?d" "query" "x=1&y=2" "fragment" "frag ment!") }}"#,
                "https://example.com:8443/a%20b/c%3Fd?x=1&y=2#frag%20ment!",
            ),
            (
                r#"{{ urlJoin (dict "scheme" "mailto" "opaque" "joe@example.com" "query" "subject=hi") }}"#,
                "mailto:joe@example.com?subject=hi",
            ),
            (r#"{{ urlJoin (dict "path" "a:b/c") }}"#, "./a:b/c"),
            (
                r#"{{ urlJoin (dict "host" "h" "userinfo" "bob") }}"#,
                "//bob@h",
            ),
            (
                r#"{{ urlJoin (dict "scheme" "http" "userinfo" "a%41b:c%3Ad") }}"#,
                "http://aAb:c%3Ad@",
            ),
            (
                r#"{{ urlJoin (dict "scheme" "http" "host" "h" "port" 8) }}"#,
                "http://h",
            ),
            (
                r#"{{ urlJoin (urlParse "https://u:p@example.com:8443/p/q?q=1#f") }}"#,
                "https://u:p@example.com:8443/p/q?q=1#f",
            ),
            (
                r#"{{ urlJoin (dict "scheme" "http" "host" "[::1]:80" "path" "*") }}"#,
                "http://[::1]:80/*",
            ),
            (
                r#"{{ urlJoin (dict "scheme" "file" "path" "/etc/hosts") }}"#,
                "file:///etc/hosts",
            ),
        ] {
            assert_eq!(run(src), want, "{src}");
        }
        for (src, want) in [
            (
                r#"{{ urlJoin (dict "scheme" "https" "host" "h" "userinfo" "us er:p@ss") }}"#,
                r#"unable to parse userinfo in dict: parse "proto://us er:p@ss@host": net/url: invalid userinfo"#,
            ),
            (
                r#"{{ urlJoin (dict "scheme" "http" "host" "h" "userinfo" "a%zz") }}"#,
                r#"unable to parse userinfo in dict: parse "proto://a%zz@host": invalid URL escape "%zz""#,
            ),
            (
                r#"{{ urlJoin (dict "scheme" "http" "host" 8) }}"#,
                "unable to parse host key, must be of type string, but int found",
            ),
        ] {
            let got = run(src);
            assert!(
                got.starts_with("error:") && got.contains(want),
                "{src}: {got}"
            );
        }
    }

    #[test]
    fn sha512_shuffle_and_rand_int() {
        assert_eq!(
            run(r#"{{ "hello" | sha512sum }}"#),
            "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"
        );
        let shuffled = run(r#"{{ "héllo wörld" | shuffle }}"#);
        let (mut got, mut want): (Vec<char>, Vec<char>) =
            (shuffled.chars().collect(), "héllo wörld".chars().collect());
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "{shuffled}");
        for _ in 0..200 {
            let n: i64 = run("{{ randInt 5 10 }}").parse().expect("an integer");
            assert!((5..10).contains(&n), "{n}");
        }
        assert_eq!(run("{{ randInt -3 -2 }}"), "-3");
        let empty = run("{{ randInt 5 5 }}");
        assert!(
            empty.starts_with("error:") && empty.contains("invalid argument to Intn"),
            "{empty}"
        );
    }

    #[test]
    fn kratos_sprig_stub_renders() {
        // What Kratos's Sprig test template does with "hello world".
        let src = "{{ $t1 := title .input }}{{ $t1 := nospace $t1 }}{{ $t2 := upper $t1 }}{{ $t3 := cat $t1 \",\" $t2 }}{{ nospace $t3 }}";
        assert_eq!(run(src), "HelloWorld,HELLOWORLD");
    }

    #[test]
    fn common_string_functions_match_sprig() {
        for (src, want) in [
            (r#"{{ "  hi  " | trim }}"#, "hi"),
            (r#"{{ "hello" | upper }}"#, "HELLO"),
            (r#"{{ "hello world" | title }}"#, "Hello World"),
            (r#"{{ "Hello World" | untitle }}"#, "hello world"),
            (r#"{{ "" | default "there" }}"#, "there"),
            (r#"{{ "ann" | default "there" }}"#, "ann"),
            (r#"{{ "hello" | trunc 3 }}"#, "hel"),
            (r#"{{ "hello" | trunc -2 }}"#, "lo"),
            (r#"{{ "hello" | substr 1 3 }}"#, "el"),
            (r#"{{ "Now is the time" | abbrev 8 }}"#, "Now i..."),
            (r#"{{ "ha" | repeat 3 }}"#, "hahaha"),
            (r#"{{ "$$5.00$$" | trimAll "$" }}"#, "5.00"),
            (r#"{{ "foo.txt" | trimSuffix ".txt" }}"#, "foo"),
            (r#"{{ "hello world" | replace " " "-" }}"#, "hello-world"),
            (r#"{{ "FirstName" | snakecase }}"#, "first_name"),
            (r#"{{ "FirstName" | kebabcase }}"#, "first-name"),
            (r#"{{ "http_server" | camelcase }}"#, "HttpServer"),
            (r#"{{ "hello" | quote }}"#, "\"hello\""),
            (r#"{{ "hello" | squote }}"#, "'hello'"),
            (r#"{{ cat "a" "b" nil "c" }}"#, "a b c"),
            (r#"{{ "a\nb" | indent 2 }}"#, "  a\n  b"),
            (r#"{{ plural "one" "many" .n }}"#, "many"),
            (r#"{{ "hello" | b64enc }}"#, "aGVsbG8="),
            (r#"{{ "aGVsbG8=" | b64dec }}"#, "hello"),
            (r#"{{ "hello" | b32enc }}"#, "NBSWY3DP"),
            (r#"{{ "NBSWY3DP" | b32dec }}"#, "hello"),
            (
                r#"{{ "hello" | sha256sum }}"#,
                "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
            ),
            (
                r#"{{ "hello" | sha1sum }}"#,
                "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d",
            ),
            (r#"{{ "hello" | adler32sum }}"#, "103547413"),
            (r#"{{ "a,b,c" | splitList "," | join "-" }}"#, "a-b-c"),
            (r#"{{ list "c" "a" "b" | sortAlpha | join "" }}"#, "abc"),
            (r#"{{ "I Am Henry VIII" | initials }}"#, "IAHV"),
            (r#"{{ "a b  c" | nospace }}"#, "abc"),
            (r#"{{ "foobar" | contains "oba" }}"#, "true"),
            (r#"{{ "hello" | hasPrefix "he" }}"#, "true"),
        ] {
            assert_eq!(run(src), want, "{src}");
        }
    }

    #[test]
    fn numbers_lists_dicts_and_json() {
        for (src, want) in [
            ("{{ add 1 2 3 }}", "6"),
            ("{{ sub 5 2 }}", "3"),
            ("{{ mul 2 3 4 }}", "24"),
            ("{{ div 7 2 }}", "3"),
            ("{{ mod 7 2 }}", "1"),
            ("{{ add1 .n }}", "4"),
            ("{{ max 1 5 3 }}", "5"),
            ("{{ min 4 2 9 }}", "2"),
            ("{{ round 3.14159 2 }}", "3.14"),
            ("{{ floor 1.5 }}", "1"),
            ("{{ seq 3 }}", "1 2 3"),
            ("{{ until 3 }}", "[0 1 2]"),
            ("{{ atoi \"42\" | add1 }}", "43"),
            ("{{ list 1 2 3 | first }}", "1"),
            ("{{ list 1 2 3 | last }}", "3"),
            ("{{ list 1 2 3 | rest }}", "[2 3]"),
            ("{{ list 1 2 3 | initial }}", "[1 2]"),
            ("{{ list 1 2 3 | reverse }}", "[3 2 1]"),
            ("{{ list 1 1 2 | uniq }}", "[1 2]"),
            ("{{ has 2 (list 1 2) }}", "true"),
            ("{{ without (list 1 2 3) 2 }}", "[1 3]"),
            ("{{ append (list 1) 2 }}", "[1 2]"),
            ("{{ concat (list 1) (list 2 3) }}", "[1 2 3]"),
            ("{{ $d := dict \"a\" 1 \"b\" 2 }}{{ get $d \"b\" }}", "2"),
            ("{{ hasKey (dict \"a\" 1) \"a\" }}", "true"),
            (
                "{{ keys (dict \"b\" 1 \"a\" 2) | sortAlpha | join \",\" }}",
                "a,b",
            ),
            (
                "{{ dig \"a\" \"b\" \"none\" (dict \"a\" (dict \"b\" \"x\")) }}",
                "x",
            ),
            (
                "{{ dig \"a\" \"c\" \"none\" (dict \"a\" (dict \"b\" \"x\")) }}",
                "none",
            ),
            (
                "{{ toJson (dict \"a\" \"<b>\") }}",
                "{\"a\":\"\\u003cb\\u003e\"}",
            ),
            ("{{ toRawJson (dict \"a\" \"<b>\") }}", "{\"a\":\"<b>\"}"),
            ("{{ (fromJson \"{\\\"a\\\": 2}\").a }}", "2"),
            ("{{ ternary \"yes\" \"no\" true }}", "yes"),
            ("{{ coalesce \"\" nil \"x\" }}", "x"),
            ("{{ empty \"\" }}", "true"),
            ("{{ typeOf 1 }}", "int"),
            ("{{ kindIs \"slice\" (list) }}", "true"),
            (
                "{{ base \"/a/b.txt\" }} {{ dir \"/a/b.txt\" }} {{ ext \"/a/b.txt\" }}",
                "b.txt /a .txt",
            ),
            ("{{ clean \"/a/../b/./c\" }}", "/b/c"),
            ("{{ regexMatch \"^[a-z]+$\" \"abc\" }}", "true"),
            (
                "{{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"${1}W\" }}",
                "-W-xxW-",
            ),
            ("{{ regexFindAll \"[0-9]\" \"a1b2c3\" 2 }}", "[1 2]"),
            (
                "{{ (urlParse \"https://u@example.com:8443/p?q=1#f\").host }}",
                "example.com:8443",
            ),
        ] {
            assert_eq!(run(src), want, "{src}");
        }
    }

    #[test]
    fn kratos_s_non_hermetic_functions_are_not_offered() {
        // Sprig's nonhermeticFunctions, all 17.
        for name in [
            "date",
            "date_in_zone",
            "date_modify",
            "now",
            "htmlDate",
            "htmlDateInZone",
            "dateInZone",
            "dateModify",
            "randAlphaNum",
            "randAlpha",
            "randAscii",
            "randNumeric",
            "randBytes",
            "uuidv4",
            "env",
            "expandenv",
            "getHostByName",
        ] {
            assert!(!funcs().contains_key(name), "{name}");
        }
        let failed = run("{{ fail \"stop\" }}");
        assert!(
            failed.starts_with("error:") && failed.contains("stop"),
            "{failed}"
        );
        let arity = run("{{ upper }}");
        assert!(
            arity.starts_with("error:") && arity.contains("wrong number of args for upper"),
            "{arity}"
        );
    }
}
