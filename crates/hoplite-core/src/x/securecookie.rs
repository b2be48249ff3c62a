//! Kratos's session cookie value: gorilla/securecookie over gorilla/sessions' values, so that a
//! browser signed in on Kratos stays signed in on hoplite and the other way round.
//!
//! The value is `base64url(date|base64url(iv‖AES-CTR(gob(values)))|HMAC-SHA256)`, the MAC over
//! `name|date|value`. Kratos derives each codec from one secret of `secrets.cookie` (else
//! `secrets.default`): the secret signs, its SHA-256 encrypts (`cookieStoreKeyPairs`); the first
//! secret encodes, every one decodes. The values are a gob-encoded `map[interface{}]interface{}`
//! whose keys and values are all strings (`session_token`, `expires_at`, `nonce`); only that shape
//! is written and read here.

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use ctr::Ctr128BE;
use ctr::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// One codec: the signing key (the secret itself) and the AES-256 key (its SHA-256).
#[derive(Clone)]
pub struct CodecKeys {
    hash_key: Vec<u8>,
    block_key: [u8; 32],
}

impl std::fmt::Debug for CodecKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodecKeys(..)")
    }
}

impl CodecKeys {
    /// The codec Kratos derives from one secret.
    pub fn from_secret(secret: &str) -> CodecKeys {
        CodecKeys {
            hash_key: secret.as_bytes().to_vec(),
            block_key: Sha256::digest(secret.as_bytes()).into(),
        }
    }
}

/// Why a cookie value was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Not a securecookie value, or its MAC does not verify with any codec.
    Invalid,
    /// Signed too long ago (gorilla's `maxAge`).
    Expired,
}

fn mac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    m.update(data);
    m.finalize().into_bytes().into()
}

fn ctr(key: &[u8; 32], iv: &[u8; 16], data: &mut [u8]) {
    let mut c = Ctr128BE::<Aes256>::new(key.into(), iv.into());
    c.apply_keystream(data);
}

/// `securecookie.Encode(name, values)` at `timestamp` (seconds) with the initialisation vector
/// `iv` (random in production).
pub fn encode(
    keys: &CodecKeys,
    name: &str,
    values: &[(&str, &str)],
    timestamp: i64,
    iv: [u8; 16],
) -> String {
    let mut data = gob::encode_string_map(values);
    ctr(&keys.block_key, &iv, &mut data);
    let mut sealed = iv.to_vec();
    sealed.extend_from_slice(&data);
    let value = URL_SAFE.encode(sealed);
    let signed = format!("{name}|{timestamp}|{value}");
    let tag = mac(&keys.hash_key, signed.as_bytes());
    let mut out = format!("{timestamp}|{value}|").into_bytes();
    out.extend_from_slice(&tag);
    URL_SAFE.encode(out)
}

/// `securecookie.DecodeMulti` over `codecs`: the string values of a cookie signed less than
/// `max_age` seconds before `now` (0 = no limit).
pub fn decode(
    codecs: &[CodecKeys],
    name: &str,
    cookie: &str,
    now: i64,
    max_age: i64,
) -> Result<Vec<(String, String)>, DecodeError> {
    // gorilla refuses values over 4096 bytes before any work.
    if cookie.len() > 4096 {
        return Err(DecodeError::Invalid);
    }
    let raw = URL_SAFE
        .decode(cookie.as_bytes())
        .map_err(|_| DecodeError::Invalid)?;
    // date|value|mac, the MAC being raw bytes (which may hold `|`).
    let mut parts = raw.splitn(3, |b| *b == b'|');
    let (Some(date), Some(value), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(DecodeError::Invalid);
    };
    let mut signed = format!("{name}|").into_bytes();
    signed.extend_from_slice(date);
    signed.push(b'|');
    signed.extend_from_slice(value);
    let codec = codecs
        .iter()
        .find(|k| {
            let mut m =
                <Hmac<Sha256> as KeyInit>::new_from_slice(&k.hash_key).expect("HMAC takes any key");
            m.update(&signed);
            m.verify_slice(tag).is_ok()
        })
        .ok_or(DecodeError::Invalid)?;
    let timestamp: i64 = std::str::from_utf8(date)
        .ok()
        .and_then(|d| d.parse().ok())
        .ok_or(DecodeError::Invalid)?;
    if max_age != 0 && timestamp < now - max_age {
        return Err(DecodeError::Expired);
    }
    let sealed = URL_SAFE.decode(value).map_err(|_| DecodeError::Invalid)?;
    if sealed.len() < 16 {
        return Err(DecodeError::Invalid);
    }
    let (iv, data) = sealed.split_at(16);
    let mut data = data.to_vec();
    let iv: [u8; 16] = iv.try_into().expect("16 bytes");
    ctr(&codec.block_key, &iv, &mut data);
    gob::decode_string_map(&data).ok_or(DecodeError::Invalid)
}

/// The part of Go's `encoding/gob` that a `map[interface{}]interface{}` of strings needs.
mod gob {
    /// gob's unsigned integer: one byte below 128, else the negated byte count and big-endian
    /// bytes.
    fn put_uint(out: &mut Vec<u8>, v: u64) {
        if v < 128 {
            out.push(v as u8);
            return;
        }
        let bytes = v.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push((-((8 - skip) as i8)) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }

    /// gob's signed integer: the sign in the lowest bit.
    fn put_int(out: &mut Vec<u8>, v: i64) {
        let u = if v < 0 {
            ((!v as u64) << 1) | 1
        } else {
            (v as u64) << 1
        };
        put_uint(out, u);
    }

    fn put_string(out: &mut Vec<u8>, s: &str) {
        put_uint(out, s.len() as u64);
        out.extend_from_slice(s.as_bytes());
    }

    /// The id gob gives the first type a stream defines.
    const MAP_TYPE_ID: i64 = 64;
    /// gob's predefined id of `string`.
    const STRING_TYPE_ID: i64 = 6;

    /// An `interface{}` holding a string: its type name, type id, then the value's own length.
    fn put_interface_string(out: &mut Vec<u8>, s: &str) {
        put_string(out, "string");
        put_int(out, STRING_TYPE_ID);
        let mut value = vec![0u8]; // a singleton's field delta
        put_string(&mut value, s);
        put_uint(out, value.len() as u64);
        out.extend_from_slice(&value);
    }

    fn put_message(out: &mut Vec<u8>, body: &[u8]) {
        put_uint(out, body.len() as u64);
        out.extend_from_slice(body);
    }

    /// `gob.NewEncoder(w).Encode(map[interface{}]interface{}{...})` for string pairs (in the
    /// given order; Go's own order is random).
    pub(super) fn encode_string_map(pairs: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        // The type definition: wireType{MapT: &mapType{CommonType{Id: 64}, Key: 8, Elem: 8}}.
        let mut def = Vec::new();
        put_int(&mut def, -MAP_TYPE_ID);
        def.extend_from_slice(&[0x04, 0x01, 0x02]);
        put_int(&mut def, MAP_TYPE_ID);
        def.extend_from_slice(&[0x00, 0x01, 0x10, 0x01, 0x10, 0x00, 0x00]);
        put_message(&mut out, &def);
        let mut value = Vec::new();
        put_int(&mut value, MAP_TYPE_ID);
        value.push(0x00);
        put_uint(&mut value, pairs.len() as u64);
        for (k, v) in pairs {
            put_interface_string(&mut value, k);
            put_interface_string(&mut value, v);
        }
        put_message(&mut out, &value);
        out
    }

    struct Reader<'a> {
        data: &'a [u8],
        at: usize,
    }

    impl<'a> Reader<'a> {
        fn byte(&mut self) -> Option<u8> {
            let b = *self.data.get(self.at)?;
            self.at += 1;
            Some(b)
        }
        fn uint(&mut self) -> Option<u64> {
            let b = self.byte()?;
            if b < 128 {
                return Some(u64::from(b));
            }
            let n = usize::from((b as i8).unsigned_abs());
            if n > 8 {
                return None;
            }
            let mut v = 0u64;
            for _ in 0..n {
                v = (v << 8) | u64::from(self.byte()?);
            }
            Some(v)
        }
        fn int(&mut self) -> Option<i64> {
            let u = self.uint()?;
            Some(if u & 1 == 1 {
                !((u >> 1) as i64)
            } else {
                (u >> 1) as i64
            })
        }
        fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
            let end = self.at.checked_add(n)?;
            let b = self.data.get(self.at..end)?;
            self.at = end;
            Some(b)
        }
        fn string(&mut self) -> Option<String> {
            let n = usize::try_from(self.uint()?).ok()?;
            String::from_utf8(self.bytes(n)?.to_vec()).ok()
        }
        /// An `interface{}` holding a string.
        fn interface_string(&mut self) -> Option<String> {
            if self.string()? != "string" {
                return None;
            }
            let _type_id = self.int()?;
            let n = usize::try_from(self.uint()?).ok()?;
            let mut inner = Reader {
                data: self.bytes(n)?,
                at: 0,
            };
            if inner.byte()? != 0 {
                return None;
            }
            inner.string()
        }
    }

    /// Reads the string pairs of a gob stream holding one `map[interface{}]interface{}`; `None`
    /// for anything else.
    pub(super) fn decode_string_map(data: &[u8]) -> Option<Vec<(String, String)>> {
        let mut r = Reader { data, at: 0 };
        while r.at < data.len() {
            let len = usize::try_from(r.uint()?).ok()?;
            let msg = r.bytes(len)?;
            let mut m = Reader { data: msg, at: 0 };
            if m.int()? < 0 {
                continue; // a type definition
            }
            if m.byte()? != 0 {
                return None;
            }
            let count = usize::try_from(m.uint()?).ok()?;
            let mut pairs = Vec::with_capacity(count.min(64));
            for _ in 0..count {
                let k = m.interface_string()?;
                let v = m.interface_string()?;
                pairs.push((k, v));
            }
            return Some(pairs);
        }
        None
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn hex(s: &str) -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        }

        /// Bytes Go 1.26's `gob.NewEncoder(&b).Encode(map[interface{}]interface{}{...})` wrote.
        const GO_ONE: &str = "0d7f040102ff800001100110000031ff80000106737472696e670c0f000d73657373696f6e5f746f6b656e06737472696e670c0c000a6f72795f73745f616263";
        const GO_TWO: &str = "0d7f040102ff800001100110000036ff80000206737472696e670c0300016106737472696e670c0300016206737472696e670c040002636406737472696e670c0400026566";

        #[test]
        fn encodes_as_go_does() {
            assert_eq!(
                encode_string_map(&[("session_token", "ory_st_abc")]),
                hex(GO_ONE)
            );
            assert_eq!(encode_string_map(&[("a", "b"), ("cd", "ef")]), hex(GO_TWO));
        }

        #[test]
        fn decodes_what_go_wrote_and_long_values() {
            assert_eq!(
                decode_string_map(&hex(GO_ONE)).unwrap(),
                [("session_token".to_string(), "ory_st_abc".to_string())]
            );
            let long = "x".repeat(300);
            let enc = encode_string_map(&[("k", &long)]);
            assert_eq!(decode_string_map(&enc).unwrap()[0].1, long);
            assert!(decode_string_map(b"\x03abc").is_none());
            assert!(decode_string_map(&hex(GO_ONE)[..40]).is_none());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "PLEASE-CHANGE-ME-I-AM-VERY-INSECURE";
    /// A cookie gorilla/sessions wrote (Go 1.26, Kratos's key derivation, `MaxAge(86400)`) at
    /// Unix time 1796502933, holding `session_token`, `expires_at` and `nonce`.
    const GO_COOKIE: &str = "MTc5NjUwMjkzM3w3TWUyOXhjdFkxRUJiLUs5ajNUVFNCWUtYanpGODl0RENYakpqYW5xX0NTMGdwWVlTU0ZoM0Vwd1BPbTQ2eXdYLV9scGdfbllNMlprNkszSWlmZk5EUEItZjRJb3BSaXZMcWRsY2xyWi1QZjJrSExnX2VmZnlRVkdfRmVsbTU5VkJaZ2ZOakl1LWd5Mzg2VTQyX0M4enZfWDdmSWdkcHhPT2I5X08xcE9wTnJPeHdpbURHZTNFWEFOQ1ZTQVBWYXZMWk8zdTVDSlFxV1FfeVdkRTVoaDdEWEFyb2xRSG1OdjF5dTMwc2NhMXRjeTlJNkRFUF9abXRIaUZpM3VaZTNFaXVTbXdKM0ktQ2RER0RIcjU0a1AyV2Z5Z1prPXzuIO_KKRUQ9yhlOZJQzcUHpC-LmE8HUvsIdY1FG7jAKw==";
    const SIGNED_AT: i64 = 1796502933;

    fn value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn reads_a_cookie_kratos_wrote() {
        let keys = [CodecKeys::from_secret(SECRET)];
        let pairs = decode(
            &keys,
            "ory_kratos_session",
            GO_COOKIE,
            SIGNED_AT + 10,
            86400,
        )
        .unwrap();
        assert_eq!(
            value(&pairs, "session_token"),
            Some("ory_st_abcdefghijklmnopqrstuvwxyz0123456789ABCD")
        );
        assert_eq!(
            value(&pairs, "expires_at"),
            Some("2026-12-06T20:00:00.123456Z")
        );
        assert_eq!(value(&pairs, "nonce"), Some("aBcDeFgH"));
        // Rotation: an older secret listed second still reads it.
        let rotated = [CodecKeys::from_secret("new-secret"), keys[0].clone()];
        assert!(decode(&rotated, "ory_kratos_session", GO_COOKIE, SIGNED_AT, 86400).is_ok());
    }

    #[test]
    fn refuses_other_secrets_names_tampering_and_age() {
        let keys = [CodecKeys::from_secret(SECRET)];
        let other = [CodecKeys::from_secret("another secret")];
        let n = "ory_kratos_session";
        assert_eq!(
            decode(&other, n, GO_COOKIE, SIGNED_AT, 86400),
            Err(DecodeError::Invalid)
        );
        assert_eq!(
            decode(&keys, "other_name", GO_COOKIE, SIGNED_AT, 86400),
            Err(DecodeError::Invalid)
        );
        assert_eq!(
            decode(&keys, n, GO_COOKIE, SIGNED_AT + 86401, 86400),
            Err(DecodeError::Expired)
        );
        let mut tampered = GO_COOKIE.to_string().into_bytes();
        tampered[30] = if tampered[30] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            decode(
                &keys,
                n,
                std::str::from_utf8(&tampered).unwrap(),
                SIGNED_AT,
                86400
            ),
            Err(DecodeError::Invalid)
        );
        for junk in ["", "ory_st_abc", "!!!", "YWJj"] {
            assert_eq!(
                decode(&keys, n, junk, SIGNED_AT, 86400),
                Err(DecodeError::Invalid)
            );
        }
    }

    #[test]
    fn what_it_writes_it_reads() {
        let keys = CodecKeys::from_secret(SECRET);
        let c = encode(
            &keys,
            "ory_kratos_session",
            &[("session_token", "ory_st_x"), ("nonce", "abcdefgh")],
            SIGNED_AT,
            [7; 16],
        );
        let pairs = decode(&[keys], "ory_kratos_session", &c, SIGNED_AT, 0).unwrap();
        assert_eq!(value(&pairs, "session_token"), Some("ory_st_x"));
        assert_eq!(value(&pairs, "nonce"), Some("abcdefgh"));
    }
}
