//! Go's text renderings of JSON values (`%v`, `%#v`, `%q`, float64 encoding) that leak into
//! Kratos's wire output: node sort tiebreaks and validation message texts.

use serde_json::{Number, Value};

/// Go's `%v` (and `strconv.FormatFloat(f, 'g', -1, 64)`) for a float64: shortest digits, with an
/// exponent when it is below -4 or at least 6 (`1e+06`, `1.5e-05`).
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

/// A float64 as a JSON number the way Go's `encoding/json` writes it: integral values without a
/// fractional part (`5`, not `5.0`).
pub fn go_number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        Value::Number(Number::from(f as i64))
    } else {
        Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// Re-encodes a number as Go would after decoding it into a float64.
pub fn go_json_number(n: &Number) -> Value {
    match n.as_f64() {
        Some(f) if n.is_f64() => go_number(f),
        _ => Value::Number(n.clone()),
    }
}

/// Go's `%v` of a value decoded into `interface{}` (numbers as float64; `nil` → `<nil>`; slices
/// `[a b]`; maps `map[k:v]` with sorted keys).
pub fn go_v(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "<nil>".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => go_float(n.as_f64().unwrap_or(0.0)),
        Some(Value::Array(items)) => {
            let parts: Vec<String> = items.iter().map(|v| go_v(Some(v))).collect();
            format!("[{}]", parts.join(" "))
        }
        Some(Value::Object(map)) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", go_v(map.get(*k))))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// Go's `%#v` of a schema value decoded with `UseNumber` (ory/jsonschema): strings and numbers
/// quoted (`json.Number` is a string type), `nil` → `<nil>`.
pub fn go_sharp_v(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".into(),
        Value::String(s) => go_quote(s),
        Value::Number(n) => go_quote(&n.to_string()),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if !is_go_printable(c) => {
                if (c as u32) <= 0xffff {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint` for the code points people actually type: C1
/// controls, format characters (zero-width, bidi marks, BOM), separators and private use are not.
fn is_go_printable(c: char) -> bool {
    let u = c as u32;
    !((0x80..=0x9f).contains(&u)
        || u == 0xad
        || (0x200b..=0x200f).contains(&u)
        || (0x2028..=0x202e).contains(&u)
        || (0x2060..=0x206f).contains(&u)
        || u == 0xfeff
        || (0xfff9..=0xfffb).contains(&u)
        || (0xe000..=0xf8ff).contains(&u)
        || (0xd800..=0xdfff).contains(&u)
        || u == 0x00a0
        || (0x2000..=0x200a).contains(&u)
        || u == 0x3000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_render_like_go_percent_v() {
        let cases = [
            (5.0, "5"),
            (1.5, "1.5"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (123456.0, "123456"),
            (1e21, "1e+21"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-3.25, "-3.25"),
            (1e-7, "1e-07"),
        ];
        for (f, want) in cases {
            assert_eq!(go_float(f), want, "{f}");
        }
    }

    #[test]
    fn values_render_like_go() {
        assert_eq!(go_v(None), "<nil>");
        assert_eq!(go_v(Some(&json!(["a", 1.0, true]))), "[a 1 true]");
        assert_eq!(go_v(Some(&json!({"b": 1, "a": "x"}))), "map[a:x b:1]");
        assert_eq!(
            go_quote("a\"b\\c\n\t\u{1}é\u{200b}"),
            r#""a\"b\\c\n\t\x01é\u200b""#
        );
        assert_eq!(go_sharp_v(&json!(5)), "\"5\"");
        assert_eq!(go_number(5.0), json!(5));
    }
}
