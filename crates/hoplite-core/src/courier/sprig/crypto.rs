//! Sprig's hermetic crypto helpers: `bcrypt`, `htpasswd`, `encryptAES`, `decryptAES`,
//! `derivePassword`; and the certificate and key generators, which hoplite registers only to
//! refuse (they need RSA/DSA/ECDSA key generation and X.509 encoding).

use super::{R, arity, fail, int, s, st};
use aes::Aes256;
use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gotmpl::{FuncMap, Value};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;

/// Go's `bcrypt.DefaultCost`.
const BCRYPT_COST: u32 = 10;
const BCRYPT_MAX_PASSWORD: usize = 72;
const BLOCK: usize = 16;

/// Sprig's `bcrypt`: a `$2a$10$` hash, or the failure as text (Sprig returns it as the value).
fn bcrypt_text(password: &str) -> String {
    if password.len() > BCRYPT_MAX_PASSWORD {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .into();
    }
    match bcrypt::hash_with_result(password, BCRYPT_COST) {
        // Go writes `$2a$`; the crate would write `$2b$`.
        Ok(parts) => parts.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

/// The AES-256 key Sprig makes of a password: its bytes, zero-padded or cut to 32.
fn aes_key(password: &str) -> Aes256 {
    let mut key = [0u8; 32];
    let bytes = password.as_bytes();
    let n = bytes.len().min(32);
    key[..n].copy_from_slice(&bytes[..n]);
    Aes256::new(&key.into())
}

/// AES-256-CBC with PKCS#7 padding and a random IV before the ciphertext, in standard base64.
fn encrypt_aes(password: &str, plaintext: &str) -> String {
    encrypt_aes_with_iv(password, plaintext, rand::random())
}

fn encrypt_aes_with_iv(password: &str, plaintext: &str, iv: [u8; BLOCK]) -> String {
    if plaintext.is_empty() {
        return String::new();
    }
    let cipher = aes_key(password);
    let mut data = plaintext.as_bytes().to_vec();
    let pad = BLOCK - data.len() % BLOCK;
    data.extend(std::iter::repeat_n(pad as u8, pad));
    let mut out = iv.to_vec();
    let mut prev = iv;
    for chunk in data.chunks(BLOCK) {
        let mut block = [0u8; BLOCK];
        for (i, b) in block.iter_mut().enumerate() {
            *b = chunk[i] ^ prev[i];
        }
        let mut b = block.into();
        cipher.encrypt_block(&mut b);
        prev = b.into();
        out.extend_from_slice(&prev);
    }
    STANDARD.encode(out)
}

/// The inverse of [`encrypt_aes`]. Like Sprig, the padding is stripped by its last byte
/// without being checked; input Go would panic on is an error here.
fn decrypt_aes(password: &str, text: &str) -> Result<String, String> {
    if text.is_empty() {
        return Ok(String::new());
    }
    let data = STANDARD.decode(text).map_err(|e| match e {
        base64::DecodeError::InvalidByte(at, _) | base64::DecodeError::InvalidLastSymbol(at, _) => {
            format!("illegal base64 data at input byte {at}")
        }
        other => format!("illegal base64 data: {other}"),
    })?;
    if data.len() < BLOCK {
        return Err("decryptAES: ciphertext shorter than the IV".into());
    }
    let (iv, body) = data.split_at(BLOCK);
    if body.is_empty() || body.len() % BLOCK != 0 {
        return Err("decryptAES: ciphertext is not a whole number of AES blocks".into());
    }
    let cipher = aes_key(password);
    let mut prev: [u8; BLOCK] = iv.try_into().expect("16 bytes");
    let mut plain = Vec::with_capacity(body.len());
    for chunk in body.chunks(BLOCK) {
        let this: [u8; BLOCK] = chunk.try_into().expect("16 bytes");
        let mut b = this.into();
        cipher.decrypt_block(&mut b);
        let block: [u8; BLOCK] = b.into();
        plain.extend(block.iter().zip(prev).map(|(x, p)| x ^ p));
        prev = this;
    }
    let pad = usize::from(plain[plain.len() - 1]);
    if pad > plain.len() {
        return Err("decryptAES: padding longer than the plaintext".into());
    }
    plain.truncate(plain.len() - pad);
    Ok(String::from_utf8_lossy(&plain).into_owned())
}

const MASTER_PASSWORD_SEED: &str = "com.lyndir.masterpassword";

/// The Master Password templates of each password type.
fn password_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

/// The characters a template letter stands for.
fn template_characters(letter: u8) -> &'static [u8] {
    match letter {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// Sprig's `derivePassword`: the Master Password algorithm (scrypt key of the master password
/// salted with the user name, HMAC-SHA256 seed over the site and counter, a template chosen
/// and filled from that seed).
fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    let Some(templates) = password_templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let scoped = |name: &str| {
        let mut buf = MASTER_PASSWORD_SEED.as_bytes().to_vec();
        buf.extend_from_slice(&(name.len() as u32).to_be_bytes());
        buf.extend_from_slice(name.as_bytes());
        buf
    };
    let mut key = [0u8; 64];
    let derived = scrypt::Params::new(15, 8, 2)
        .map_err(|e| e.to_string())
        .and_then(|params| {
            scrypt::scrypt(password.as_bytes(), &scoped(user), &params, &mut key)
                .map_err(|e| e.to_string())
        });
    if let Err(e) = derived {
        return format!("failed to derive password: {e}");
    }
    let mut message = scoped(site);
    message.extend_from_slice(&counter.to_be_bytes());
    let mut mac =
        <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&key).expect("HMAC takes any key");
    mac.update(&message);
    let seed = mac.finalize().into_bytes();
    let template = templates[usize::from(seed[0]) % templates.len()];
    template
        .bytes()
        .enumerate()
        .map(|(i, letter)| {
            let chars = template_characters(letter);
            char::from(chars[usize::from(seed[i + 1]) % chars.len()])
        })
        .collect()
}

/// Sprig's certificate and key generators, which hoplite does not implement.
const UNSUPPORTED: [&str; 8] = [
    "genPrivateKey",
    "genCA",
    "genCAWithKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "buildCustomCert",
];

pub(super) fn register(m: &mut FuncMap) {
    m.insert(
        "bcrypt".into(),
        Arc::new(|a: &[Value]| -> R {
            arity("bcrypt", a, 1)?;
            Ok(st(bcrypt_text(&s(&a[0]))))
        }),
    );
    m.insert(
        "htpasswd".into(),
        Arc::new(|a: &[Value]| -> R {
            arity("htpasswd", a, 2)?;
            let (user, password) = (s(&a[0]), s(&a[1]));
            if user.contains(':') {
                return Ok(st(format!("invalid username: {user}")));
            }
            Ok(st(format!("{user}:{}", bcrypt_text(&password))))
        }),
    );
    m.insert(
        "encryptAES".into(),
        Arc::new(|a: &[Value]| -> R {
            arity("encryptAES", a, 2)?;
            Ok(st(encrypt_aes(&s(&a[0]), &s(&a[1]))))
        }),
    );
    m.insert(
        "decryptAES".into(),
        Arc::new(|a: &[Value]| -> R {
            arity("decryptAES", a, 2)?;
            decrypt_aes(&s(&a[0]), &s(&a[1])).map(st).map_err(fail)
        }),
    );
    m.insert(
        "derivePassword".into(),
        Arc::new(|a: &[Value]| -> R {
            arity("derivePassword", a, 5)?;
            let n = int(&a[0]);
            let counter = u32::try_from(n).map_err(|_| fail(format!("{n} overflows uint32")))?;
            Ok(st(derive_password(
                counter,
                &s(&a[1]),
                &s(&a[2]),
                &s(&a[3]),
                &s(&a[4]),
            )))
        }),
    );
    for name in UNSUPPORTED {
        m.insert(
            name.into(),
            Arc::new(move |_: &[Value]| -> R {
                Err(fail(format!(
                    "hoplite does not offer Sprig's certificate and key generation ({name})"
                )))
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::render;
    use super::*;

    #[test]
    fn bcrypt_and_htpasswd_hash_as_go_does() {
        let hash = render(r#"{{ "s3cret" | bcrypt }}"#);
        assert!(hash.starts_with("$2a$10$") && hash.len() == 60, "{hash}");
        assert!(bcrypt::verify("s3cret", &hash).unwrap());
        assert!(!bcrypt::verify("other", &hash).unwrap());

        let line = render(r#"{{ htpasswd "ann" "pw" }}"#);
        let (user, hash) = line.split_once(':').expect("user:hash");
        assert_eq!(user, "ann");
        assert!(hash.starts_with("$2a$10$"), "{line}");
        assert!(bcrypt::verify("pw", hash).unwrap());
        assert_eq!(
            render(r#"{{ htpasswd "a:b" "pw" }}"#),
            "invalid username: a:b"
        );
        assert_eq!(
            bcrypt_text(&"x".repeat(73)),
            "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
        );
    }

    #[test]
    fn aes_matches_go_cbc() {
        // Produced in Go with crypto/aes and cipher.NewCBCEncrypter, as Sprig's encryptAES
        // does, with these fixed IVs.
        let iv = *b"0123456789abcdef";
        for (password, plaintext, iv, go) in [
            (
                "secret",
                "hello world",
                iv,
                "MDEyMzQ1Njc4OWFiY2RlZvygry3qW9vvUIfiIpcC9Mk=",
            ),
            (
                "a password longer than thirty-two bytes",
                "sixteen bytes!!!",
                iv,
                "MDEyMzQ1Njc4OWFiY2RlZqrtZarklhrKgwMpBPRm5Um3GxC+SIyeGaSyIGX+S8HY",
            ),
            (
                "",
                "Grüße, 世界",
                [255, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 254],
                "/wABAgMEBQYHCAkKCwwN/tPVhBhOcK2qopF/1nYLED0=",
            ),
        ] {
            assert_eq!(encrypt_aes_with_iv(password, plaintext, iv), go);
            assert_eq!(decrypt_aes(password, go).unwrap(), plaintext);
        }
        // Sprig's encryptAES (random IV) in Go, decrypted here.
        assert_eq!(
            render(
                r#"{{ decryptAES "secretkey" "8DGQH0RWpnJqsJffPskUZwsL5U3uBh6PiyuniWl1osM=" }}"#
            ),
            "hello world"
        );
        assert_eq!(
            render(r#"{{ encryptAES "pw" "round trip" | decryptAES "pw" }}"#),
            "round trip"
        );
        assert_ne!(
            render(r#"{{ encryptAES "pw" "x" }}"#),
            render(r#"{{ encryptAES "pw" "x" }}"#),
            "a fresh IV each time"
        );
        assert_eq!(render(r#"{{ encryptAES "pw" "" }}"#), "");
        assert_eq!(render(r#"{{ decryptAES "pw" "" }}"#), "");
        for bad in [
            "not base64!",
            "AAAA",
            "MDEyMzQ1Njc4OWFiY2RlZg==",
            "MDEyMzQ1Njc4OWFiY2RlZvygry3q",
        ] {
            let got = render(&format!("{{{{ decryptAES \"pw\" {bad:?} }}}}"));
            assert!(got.starts_with("error:"), "{bad}: {got}");
        }
    }

    #[test]
    fn derive_password_matches_go() {
        // Expected values from Go 1.26 with Sprig v3.3.0.
        for (src, want) in [
            (
                r#"{{ derivePassword 1 "long" "password" "user" "example.com" }}"#,
                "ZedaFaxcZaso9*",
            ),
            (
                r#"{{ derivePassword 3 "maximum" "Correct Horse" "Robert Lee Mitchell" "twitter.com" }}"#,
                "RpYDyige6Dkp6Z%tUy2(",
            ),
            (r#"{{ derivePassword 1 "pin" "pw" "ünï" "site" }}"#, "8782"),
            (r#"{{ derivePassword 1 "basic" "pw" "u" "s" }}"#, "oUe71PLN"),
            (
                r#"{{ derivePassword 1 "nope" "pw" "u" "s" }}"#,
                "cannot find password template nope",
            ),
        ] {
            assert_eq!(render(src), want, "{src}");
        }
    }

    #[test]
    fn certificate_functions_are_refused() {
        for (name, args) in [
            ("genPrivateKey", r#""rsa""#),
            ("genCA", r#""ca" 365"#),
            ("genCAWithKey", r#""ca" 365 "key""#),
            ("genSelfSignedCert", r#""x" nil nil 365"#),
            ("genSelfSignedCertWithKey", r#""x" nil nil 365 "key""#),
            ("genSignedCert", r#""x" nil nil 365 .ca"#),
            ("genSignedCertWithKey", r#""x" nil nil 365 .ca "key""#),
            ("buildCustomCert", r#""cert" "key""#),
        ] {
            let got = render(&format!("{{{{ {name} {args} }}}}"));
            assert!(
                got.starts_with("error:")
                    && got.contains(&format!(
                        "hoplite does not offer Sprig's certificate and key generation ({name})"
                    )),
                "{name}: {got}"
            );
        }
    }
}
