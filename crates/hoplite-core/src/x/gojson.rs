//! Go's `encoding/json` output details.

/// Turns serde_json's output into Go's `encoding/json` output: `<`, `>` and `&` escaped as
/// `\u003c`, `\u003e` and `\u0026`, U+2028 and U+2029 as `\u2028` and `\u2029`, and a trailing
/// newline (`json.Encoder`). Those characters can only occur inside strings, where the escapes
/// mean the same; bodies without any (nearly all) are not copied.
pub fn go_escape(mut json: Vec<u8>) -> Vec<u8> {
    let first = match (
        memchr::memchr3(b'<', b'>', b'&', &json),
        memchr::memchr(0xE2, &json),
    ) {
        (None, None) => {
            json.push(b'\n');
            return json;
        }
        (a, b) => a.unwrap_or(usize::MAX).min(b.unwrap_or(usize::MAX)),
    };
    let mut out = Vec::with_capacity(json.len() + 32);
    out.extend_from_slice(&json[..first]);
    let mut i = first;
    while i < json.len() {
        match json[i] {
            b'<' => out.extend_from_slice(b"\\u003c"),
            b'>' => out.extend_from_slice(b"\\u003e"),
            b'&' => out.extend_from_slice(b"\\u0026"),
            0xE2 if json.get(i + 1) == Some(&0x80)
                && matches!(json.get(i + 2), Some(0xA8 | 0xA9)) =>
            {
                out.extend_from_slice(if json[i + 2] == 0xA8 {
                    b"\\u2028"
                } else {
                    b"\\u2029"
                });
                i += 3;
                continue;
            }
            b => out.push(b),
        }
        i += 1;
    }
    out.push(b'\n');
    out
}
