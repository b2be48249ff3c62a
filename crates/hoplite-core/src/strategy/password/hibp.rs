//! The pure parts of Kratos's "Have I Been Pwned" k-anonymity check
//! (`ory/kratos: selfservice/strategy/password/validator.go`, `fetch`): the SHA-1 range prefix and
//! suffix, the parsing of a `GET /range/<prefix>` body, and the 4000034 message. The HTTP request,
//! caching and the 502 errors live with the HTTP client.

use serde_json::json;

use crate::text::{Message, MessageType};

/// Splits the upper-case hex SHA-1 of `password` into the 5-character prefix sent to the range API
/// and the 35-character suffix looked up in its answer.
pub fn range_prefix_and_suffix(password: &str) -> (String, String) {
    let hex: String = sha1(password.as_bytes())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let (prefix, suffix) = hex.split_at(5);
    (prefix.to_owned(), suffix.to_owned())
}

/// The breach count of `suffix` in a range response body, 0 if it is not listed.
///
/// Lines are `SUFFIX:COUNT`, with any commas in the count ignored. A line without exactly one `:`
/// counts as 1 (the API has sent such lines; see ory/kratos#2145). As in Kratos, a count that is not
/// an integer fails the whole body, whichever line it is on; the error is Kratos's reason text.
pub fn count_in_range_body(body: &str, suffix: &str) -> Result<u64, String> {
    let mut found = 0;
    // `lines` splits like Go's bufio.ScanLines: on `\n`, dropping a trailing `\r`.
    for line in body.lines() {
        let fields: Vec<&str> = line.trim().split(':').collect();
        let count = match fields[..] {
            [_, raw] => raw.replace(',', "").parse::<i64>().map_err(|_| {
                format!("Expected password hash to contain a count formatted as int but got: {raw}")
            })?,
            _ => 1,
        };
        // Later lines win, as in Kratos. Go's ParseInt accepts a sign; a negative count can never
        // exceed `max_breaches` (at least 0), so it is the same decision as 0.
        if fields[0] == suffix {
            found = u64::try_from(count).unwrap_or(0);
        }
    }
    Ok(found)
}

/// 4000034 `The password has been found in data breaches and must no longer be used.` with context
/// `{"breaches": count}`.
pub fn breached_message(count: u64) -> Message {
    Message::with_context(
        4000034,
        MessageType::Error,
        "The password has been found in data breaches and must no longer be used.",
        json!({ "breaches": count }),
    )
}

/// SHA-1 (FIPS 180-4). Used only because the range API is keyed by it: a password's hash prefix is
/// sent, never the password. Small enough to carry here rather than add a dependency.
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];

    // Padding: 0x80, zeros up to 56 mod 64, then the message length in bits, big-endian.
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64).wrapping_mul(8)).to_be_bytes());

    for block in message.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }

        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, &wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (hi, v) in h.iter_mut().zip([a, b, c, d, e]) {
            *hi = hi.wrapping_add(v);
        }
    }

    let mut out = [0u8; 20];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::password::tsv_check::assert_matches_tsv;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha1_matches_standard_test_vectors() {
        // FIPS 180 / RFC 3174 vectors, plus lengths around the padding boundaries.
        let vectors: [(&[u8], &str); 4] = [
            (b"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            (b"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
            ),
            (
                b"The quick brown fox jumps over the lazy dog",
                "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
            ),
        ];
        for (input, expected) in vectors {
            assert_eq!(
                hex(&sha1(input)),
                expected,
                "{}",
                String::from_utf8_lossy(input)
            );
        }
        // One million 'a's (FIPS 180-2 appendix A.3): many blocks.
        assert_eq!(
            hex(&sha1(&vec![b'a'; 1_000_000])),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        );
        // 55, 56 and 64 bytes: the length field fits, just does not fit, and a whole extra block.
        assert_eq!(
            hex(&sha1(&[b'a'; 55])),
            "c1c8bbdc22796e28c0e15163d20899b65621d65a"
        );
        assert_eq!(
            hex(&sha1(&[b'a'; 56])),
            "c2db330f6083854c99d4b5bfb6e8f29f201be699"
        );
        assert_eq!(
            hex(&sha1(&[b'a'; 64])),
            "0098ba824b5c16427bd7a1122a5a442a25ec644d"
        );
    }

    #[test]
    fn prefix_and_suffix_are_upper_hex() {
        // SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8, the API's own example.
        let (prefix, suffix) = range_prefix_and_suffix("password");
        assert_eq!(prefix, "5BAA6");
        assert_eq!(suffix, "1E4C9B93F3F0682250B6CF8331B7EE68FD8");
        assert_eq!(suffix.len(), 35);
    }

    #[test]
    fn counts_the_matching_suffix() {
        let body = "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n\
                    1E4C9B93F3F0682250B6CF8331B7EE68FD8:9,659,365\r\n\
                    011053FD0102E94D6AE2F8B83D76FAF94F6:13\r\n";
        assert_eq!(
            count_in_range_body(body, "1E4C9B93F3F0682250B6CF8331B7EE68FD8"),
            Ok(9_659_365)
        );
        assert_eq!(
            count_in_range_body(body, "011053FD0102E94D6AE2F8B83D76FAF94F6"),
            Ok(13)
        );
        assert_eq!(
            count_in_range_body(body, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"),
            Ok(0)
        );
        assert_eq!(
            count_in_range_body("", "1E4C9B93F3F0682250B6CF8331B7EE68FD8"),
            Ok(0)
        );
    }

    #[test]
    fn a_line_without_a_count_counts_once() {
        let body = "AAAA\n1E4C9B93F3F0682250B6CF8331B7EE68FD8\n";
        assert_eq!(
            count_in_range_body(body, "1E4C9B93F3F0682250B6CF8331B7EE68FD8"),
            Ok(1)
        );
        // Surrounding spaces are trimmed before splitting.
        assert_eq!(count_in_range_body("  ABC:7  \n", "ABC"), Ok(7));
    }

    #[test]
    fn a_malformed_count_anywhere_fails_with_kratos_reason() {
        let body = "1E4C9B93F3F0682250B6CF8331B7EE68FD8:3\nABC:lots\n";
        assert_eq!(
            count_in_range_body(body, "1E4C9B93F3F0682250B6CF8331B7EE68FD8"),
            Err(
                "Expected password hash to contain a count formatted as int but got: lots"
                    .to_owned()
            )
        );
        // The reason quotes the count as sent, commas included.
        assert_eq!(
            count_in_range_body("ABC:1,x\n", "ABC"),
            Err(
                "Expected password hash to contain a count formatted as int but got: 1,x"
                    .to_owned()
            )
        );
        assert!(count_in_range_body("ABC:\n", "ABC").is_err());
    }

    #[test]
    fn breached_message_matches_messages_tsv() {
        let m = breached_message(42);
        assert_matches_tsv(&m);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"id":4000034,"text":"The password has been found in data breaches and must no longer be used.","type":"error","context":{"breaches":42}}"#
        );
    }
}
