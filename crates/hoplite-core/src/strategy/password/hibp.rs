//! Kratos's "Have I Been Pwned" k-anonymity check (`ory/kratos:
//! selfservice/strategy/password/validator.go`, `fetch` and `validate`; spec §15.1 step 3): the
//! SHA-1 range prefix and suffix, the `GET /range/<prefix>` request, the parsing of its body, the
//! one-hour cache, the 4000034 message and the 502 errors.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use serde_json::json;
use time::OffsetDateTime;

use crate::config::PasswordMethod;
use crate::error::ErrorObject;
use crate::text::{Message, MessageType};
use crate::x::http_client::HttpFetcher;

/// How long a breach count is trusted (Kratos's `hashCacheItemTTL`).
pub const CACHE_TTL: time::Duration = time::Duration::hours(1);
/// At most this many hashes are remembered; the cache never grows past it.
pub const CACHE_CAPACITY: usize = 10_000;
/// Kratos gives the range request one second in all (`ResilientClientWithConnectionTimeout`
/// sets Go's whole-request `http.Client.Timeout`).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);
/// Real range answers are about 40 KB; anything far larger is not one.
const MAX_RANGE_BODY: usize = 1024 * 1024;

/// Why a password did not pass the breach check.
#[derive(Debug, Clone, PartialEq)]
pub enum HibpError {
    /// Listed more than `max_breaches` times: the 4000034 message for the `password` node.
    Breached(Message),
    /// The range API could not be asked, or answered nonsense: a 502 `upstream_error`.
    Upstream(ErrorObject),
}

/// The breach check with its cache. One lives in the [`Registry`](crate::registry::Registry), so
/// the cache outlives requests.
#[derive(Debug, Default)]
pub struct BreachChecker {
    /// Upper-case hex SHA-1 of a password → (breach count, expiry).
    cache: Mutex<HashMap<String, (u64, OffsetDateTime)>>,
}

impl BreachChecker {
    /// A checker with an empty cache.
    pub fn new() -> BreachChecker {
        BreachChecker::default()
    }

    /// Checks `password` against the range API named by `cfg.haveibeenpwned_host` (callers check
    /// `haveibeenpwned_enabled`). `now` comes from the registry's clock and dates the cache.
    ///
    /// Failures to reach the API, non-200 answers and unreadable bodies are ignored when
    /// `ignore_network_errors` is set (with a warning naming neither password nor hash); a body
    /// with a malformed count is never ignored, as in Kratos.
    pub async fn check(
        &self,
        cfg: &PasswordMethod,
        http: &dyn HttpFetcher,
        now: OffsetDateTime,
        password: &str,
    ) -> Result<(), HibpError> {
        let (prefix, suffix) = range_prefix_and_suffix(password);
        let key = format!("{prefix}{suffix}");
        let count = match self.cached(&key, now) {
            Some(count) => count,
            None => match fetch(http, &cfg.haveibeenpwned_host, &prefix, &suffix).await {
                Ok(count) => {
                    self.remember(key, count, now);
                    count
                }
                Err(Fetch::Malformed(reason)) => {
                    return Err(HibpError::Upstream(
                        ErrorObject::upstream_error().with_reason(reason),
                    ));
                }
                Err(Fetch::Status(status)) => {
                    return network_failure(
                        cfg,
                        &format!("unexpected status code {status}"),
                        "Unexpected status code from haveibeenpwned.com",
                    );
                }
                Err(Fetch::Network(error)) => {
                    return network_failure(
                        cfg,
                        &error,
                        "Unable to check if password has been leaked because an unexpected \
                         network error occurred",
                    );
                }
            },
        };
        if count > cfg.max_breaches {
            return Err(HibpError::Breached(breached_message(count)));
        }
        Ok(())
    }

    fn cached(&self, key: &str, now: OffsetDateTime) -> Option<u64> {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache
            .get(key)
            .filter(|(_, expires_at)| *expires_at > now)
            .map(|(count, _)| *count)
    }

    fn remember(&self, key: String, count: u64, now: OffsetDateTime) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= CACHE_CAPACITY && !cache.contains_key(&key) {
            cache.retain(|_, (_, expires_at)| *expires_at > now);
            // Still full of live entries: drop the one closest to expiring.
            if cache.len() >= CACHE_CAPACITY
                && let Some(oldest) = cache
                    .iter()
                    .min_by_key(|(_, (_, expires_at))| *expires_at)
                    .map(|(k, _)| k.clone())
            {
                cache.remove(&oldest);
            }
        }
        cache.insert(key, (count, now + CACHE_TTL));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.cache.lock().unwrap().len()
    }
}

/// Why the range request gave no count.
enum Fetch {
    /// Kratos's `ErrNetworkFailure` (no answer, or an unreadable body): subject to
    /// `ignore_network_errors`. The text is for the log.
    Network(String),
    /// Kratos's `ErrUnexpectedStatusCode`: subject to `ignore_network_errors`.
    Status(u16),
    /// A count that is not an integer: always a 502, with this reason.
    Malformed(String),
}

/// The range API base: `https://<host>`. Hoplite extension: a host that already starts with
/// `http://` or `https://` is the base itself, so tests and internal mirrors can be named.
pub fn range_base_url(host: &str) -> String {
    if host.starts_with("http://") || host.starts_with("https://") {
        host.trim_end_matches('/').to_owned()
    } else {
        format!("https://{host}")
    }
}

async fn fetch(
    http: &dyn HttpFetcher,
    host: &str,
    prefix: &str,
    suffix: &str,
) -> Result<u64, Fetch> {
    let url = format!("{}/range/{prefix}", range_base_url(host));
    let response = http
        .get(&url, REQUEST_TIMEOUT, MAX_RANGE_BODY)
        .await
        .map_err(Fetch::Network)?;
    if response.status != 200 {
        return Err(Fetch::Status(response.status));
    }
    // Go's scanner reads bytes; a stray invalid byte only spoils its own line.
    count_in_range_body(&String::from_utf8_lossy(&response.body), suffix).map_err(Fetch::Malformed)
}

/// Kratos's `ErrNetworkFailure` / `ErrUnexpectedStatusCode`: accepted with a warning when
/// `ignore_network_errors` is set, else a 502 with `reason`. `error` is logged, never sent.
fn network_failure(cfg: &PasswordMethod, error: &str, reason: &str) -> Result<(), HibpError> {
    let host = &cfg.haveibeenpwned_host;
    if cfg.ignore_network_errors {
        tracing::warn!(%host, %error, "the breached-password check failed; the password is accepted because ignore_network_errors is set");
        return Ok(());
    }
    tracing::warn!(%host, %error, "the breached-password check failed");
    Err(HibpError::Upstream(
        ErrorObject::upstream_error()
            .with_message("Leaked password server unavailable")
            .with_reason(reason),
    ))
}

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
    use crate::text::tsv::assert_matches_tsv;
    use crate::x::http_client::HttpResponse;

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

    /// A stand-in for the network (the port's other side, not hoplite code): answers every request
    /// from a closure and records the URLs asked for.
    type Answer = Box<dyn Fn(&str) -> Result<HttpResponse, String> + Send + Sync>;

    struct FakeHttp {
        answer: Answer,
        asked: Mutex<Vec<String>>,
    }

    impl FakeHttp {
        fn new(
            answer: impl Fn(&str) -> Result<HttpResponse, String> + Send + Sync + 'static,
        ) -> FakeHttp {
            FakeHttp {
                answer: Box::new(answer),
                asked: Mutex::new(Vec::new()),
            }
        }
        fn asked(&self) -> Vec<String> {
            self.asked.lock().unwrap().clone()
        }
    }

    #[async_trait::async_trait]
    impl HttpFetcher for FakeHttp {
        async fn get(
            &self,
            url: &str,
            timeout: std::time::Duration,
            _max_body: usize,
        ) -> Result<HttpResponse, String> {
            assert_eq!(timeout, REQUEST_TIMEOUT);
            self.asked.lock().unwrap().push(url.to_owned());
            (self.answer)(url)
        }
    }

    fn ok(body: &str) -> Result<HttpResponse, String> {
        Ok(HttpResponse {
            status: 200,
            body: body.as_bytes().to_vec(),
        })
    }

    fn cfg(host: &str, max_breaches: u64, ignore_network_errors: bool) -> PasswordMethod {
        PasswordMethod {
            enabled: true,
            min_password_length: 8,
            identifier_similarity_check_enabled: true,
            haveibeenpwned_enabled: true,
            haveibeenpwned_host: host.into(),
            max_breaches,
            ignore_network_errors,
            profile_registration_node_group: "default".into(),
        }
    }

    const PASSWORD_SUFFIX: &str = "1E4C9B93F3F0682250B6CF8331B7EE68FD8";

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2024-01-01 00:00 UTC)
    }

    #[test]
    fn base_url_is_https_unless_a_scheme_is_given() {
        assert_eq!(
            range_base_url("api.pwnedpasswords.com"),
            "https://api.pwnedpasswords.com"
        );
        assert_eq!(range_base_url("http://127.0.0.1:9/"), "http://127.0.0.1:9");
        assert_eq!(
            range_base_url("https://mirror.internal/hibp"),
            "https://mirror.internal/hibp"
        );
    }

    #[tokio::test]
    async fn breached_password_is_rejected_and_cached_for_an_hour() {
        let http = FakeHttp::new(|_| ok(&format!("{PASSWORD_SUFFIX}:3\nABC:1\n")));
        let checker = BreachChecker::new();
        let c = cfg("api.pwnedpasswords.com", 0, true);
        let breached = Err(HibpError::Breached(breached_message(3)));
        assert_eq!(checker.check(&c, &http, now(), "password").await, breached);
        assert_eq!(
            http.asked(),
            vec!["https://api.pwnedpasswords.com/range/5BAA6"]
        );
        // Cached: no second request, until the hour is over.
        let later = now() + time::Duration::minutes(59);
        assert_eq!(checker.check(&c, &http, later, "password").await, breached);
        assert_eq!(http.asked().len(), 1);
        let expired = now() + CACHE_TTL;
        assert_eq!(
            checker.check(&c, &http, expired, "password").await,
            breached
        );
        assert_eq!(http.asked().len(), 2);
        // The count is cached, not the verdict: a higher limit lets the same password through.
        let lenient = cfg("api.pwnedpasswords.com", 3, true);
        assert_eq!(
            checker.check(&lenient, &http, expired, "password").await,
            Ok(())
        );
        assert_eq!(http.asked().len(), 2);
    }

    #[tokio::test]
    async fn unlisted_password_passes() {
        let http = FakeHttp::new(|_| ok("ABC:100\n"));
        let c = cfg("http://127.0.0.1:1", 0, false);
        assert_eq!(
            BreachChecker::new()
                .check(&c, &http, now(), "password")
                .await,
            Ok(())
        );
        assert_eq!(http.asked(), vec!["http://127.0.0.1:1/range/5BAA6"]);
    }

    #[tokio::test]
    async fn network_failures_are_ignored_or_502() {
        let refused = FakeHttp::new(|_| Err("connection refused".into()));
        let status = FakeHttp::new(|_| {
            Ok(HttpResponse {
                status: 503,
                body: Vec::new(),
            })
        });
        let checker = BreachChecker::new();
        let lenient = cfg("h", 0, true);
        assert_eq!(
            checker.check(&lenient, &refused, now(), "password").await,
            Ok(())
        );
        assert_eq!(
            checker.check(&lenient, &status, now(), "password").await,
            Ok(())
        );
        // Failures are not cached.
        assert_eq!(checker.len(), 0);

        let strict = cfg("h", 0, false);
        let Err(HibpError::Upstream(e)) = checker.check(&strict, &refused, now(), "password").await
        else {
            panic!("expected a 502")
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({
                "id": "upstream_error",
                "code": 502,
                "status": "Bad Gateway",
                "reason": "Unable to check if password has been leaked because an unexpected network error occurred",
                "message": "Leaked password server unavailable"
            })
        );
        let Err(HibpError::Upstream(e)) = checker.check(&strict, &status, now(), "password").await
        else {
            panic!("expected a 502")
        };
        assert_eq!(e.reason, "Unexpected status code from haveibeenpwned.com");
        assert_eq!(e.message, "Leaked password server unavailable");
    }

    #[tokio::test]
    async fn a_malformed_count_is_a_502_even_when_network_errors_are_ignored() {
        let http = FakeHttp::new(|_| ok("ABC:lots\n"));
        let Err(HibpError::Upstream(e)) = BreachChecker::new()
            .check(&cfg("h", 0, true), &http, now(), "password")
            .await
        else {
            panic!("expected a 502")
        };
        assert_eq!(
            (e.code, e.id.as_str(), e.message.as_str(), e.reason.as_str()),
            (
                502,
                "upstream_error",
                "Upstream error",
                "Expected password hash to contain a count formatted as int but got: lots"
            )
        );
    }

    #[test]
    fn the_cache_is_bounded() {
        let checker = BreachChecker::new();
        for i in 0..CACHE_CAPACITY {
            checker.remember(
                format!("{i:040X}"),
                1,
                now() + time::Duration::seconds(i as i64),
            );
        }
        assert_eq!(checker.len(), CACHE_CAPACITY);
        // Full of live entries: the one closest to expiring makes room.
        checker.remember("NEW".into(), 1, now());
        assert_eq!(checker.len(), CACHE_CAPACITY);
        assert_eq!(checker.cached(&format!("{:040X}", 0), now()), None);
        assert_eq!(checker.cached(&format!("{:040X}", 1), now()), Some(1));
        assert_eq!(checker.cached("NEW", now()), Some(1));
        // Once entries have expired, they are dropped first.
        let much_later = now() + time::Duration::hours(5);
        checker.remember("LATER".into(), 1, much_later);
        assert_eq!(checker.len(), 1);
        assert_eq!(checker.cached("LATER", much_later), Some(1));
    }
}
