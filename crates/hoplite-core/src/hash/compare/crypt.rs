//! crypt(3)'s MD5 and SHA schemes, stored under Kratos's own prefixes: `$md5-crypt$` for `$1$`,
//! `$sha256-crypt$` for `$5$` and `$sha512-crypt$` for `$6$`.

use md5::{Digest, Md5};
use sha_crypt::PasswordVerifier as _;

use super::{
    HashError, MAX_CRYPT_PASSWORD_LEN, MAX_SHA_CRYPT_ROUNDS, ct_eq, malformed, number,
    out_of_bounds,
};

/// crypt(3)'s base64 alphabet.
const CRYPT_ALPHABET: &[u8; 64] =
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn is_crypt_text(s: &str) -> bool {
    s.bytes().all(|b| CRYPT_ALPHABET.contains(&b))
}

/// `<salt>$<checksum>` after `$md5-crypt$`: a salt of up to 8 characters (possibly empty) and a
/// 22-character checksum.
#[derive(Debug)]
pub(super) struct Md5Crypt {
    salt: Vec<u8>,
    checksum: Vec<u8>,
}

impl Md5Crypt {
    pub(super) fn parse(rest: &str) -> Result<Md5Crypt, HashError> {
        let bad = || malformed("md5-crypt");
        let (salt, checksum) = rest.split_once('$').ok_or_else(bad)?;
        if salt.len() > 8 || checksum.len() != 22 || !is_crypt_text(checksum) {
            return Err(bad());
        }
        Ok(Md5Crypt {
            salt: salt.as_bytes().to_vec(),
            checksum: checksum.as_bytes().to_vec(),
        })
    }

    pub(super) fn check(&self, password: &[u8]) -> bool {
        if password.len() > MAX_CRYPT_PASSWORD_LEN {
            return false;
        }
        ct_eq(&md5_crypt(password, &self.salt), &self.checksum)
    }
}

/// The 22-character checksum of Poul-Henning Kamp's MD5-based crypt.
fn md5_crypt(password: &[u8], salt: &[u8]) -> Vec<u8> {
    // A digest of password, salt, password, spread over the main digest's input.
    let alternate = Md5::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    let mut main = Md5::new()
        .chain_update(password)
        .chain_update(b"$1$")
        .chain_update(salt);
    for chunk in password.chunks(16) {
        main.update(&alternate[..chunk.len()]);
    }
    // One byte per bit of the password length, low bit first: a zero byte for a set bit,
    // the password's first byte for a clear one.
    let mut length = password.len();
    while length > 0 {
        if length & 1 == 1 {
            main.update([0u8]);
        } else {
            main.update(&password[..1]);
        }
        length >>= 1;
    }
    let mut digest = main.finalize();

    // A thousand rounds that mix the password, salt and previous digest in varying order.
    for round in 0..1000 {
        let mut h = Md5::new();
        if round % 2 == 1 {
            h.update(password);
        } else {
            h.update(digest);
        }
        if round % 3 != 0 {
            h.update(salt);
        }
        if round % 7 != 0 {
            h.update(password);
        }
        if round % 2 == 1 {
            h.update(digest);
        } else {
            h.update(password);
        }
        digest = h.finalize();
    }

    // Bytes are encoded in groups of three, in this order, each group as a little-endian 24-bit
    // number written six bits at a time, least significant first; the last byte stands alone.
    let mut out = Vec::with_capacity(22);
    let mut put = |mut value: u32, chars: usize| {
        for _ in 0..chars {
            out.push(CRYPT_ALPHABET[(value & 0x3f) as usize]);
            value >>= 6;
        }
    };
    for [a, b, c] in [[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5]] {
        put(
            u32::from(digest[a]) << 16 | u32::from(digest[b]) << 8 | u32::from(digest[c]),
            4,
        );
    }
    put(u32::from(digest[11]), 2);
    out
}

/// Which SHA-2 scheme a sha-crypt hash uses.
#[derive(Debug, Clone, Copy)]
pub(super) enum ShaVariant {
    Sha256,
    Sha512,
}

/// `[rounds=<n>$]<salt>$<checksum>` after `$sha256-crypt$` or `$sha512-crypt$`: without a
/// `rounds=` field the scheme's default of 5000 applies.
#[derive(Debug)]
pub(super) struct ShaCrypt {
    /// The same hash with crypt(3)'s `$5$` or `$6$` prefix, which the sha-crypt crate reads.
    mcf: String,
}

impl ShaCrypt {
    pub(super) fn parse(variant: ShaVariant, rest: &str) -> Result<ShaCrypt, HashError> {
        let bad = || malformed("sha-crypt");
        let parts: Vec<&str> = rest.split('$').collect();
        let (rounds, salt, checksum) = match parts[..] {
            [rounds, salt, checksum] => {
                let rounds = rounds
                    .strip_prefix("rounds=")
                    .and_then(number)
                    .ok_or_else(bad)?;
                (Some(rounds), salt, checksum)
            }
            [salt, checksum] => (None, salt, checksum),
            _ => return Err(bad()),
        };
        if let Some(rounds) = rounds {
            if rounds < sha_crypt::Params::ROUNDS_MIN {
                return Err(bad());
            }
            if rounds > MAX_SHA_CRYPT_ROUNDS {
                return Err(out_of_bounds(format!(
                    "sha-crypt rounds={rounds} exceeds {MAX_SHA_CRYPT_ROUNDS}"
                )));
            }
        }
        let (id, checksum_len) = match variant {
            ShaVariant::Sha256 => ("5", 43),
            ShaVariant::Sha512 => ("6", 86),
        };
        // crypt(3) uses at most 16 salt characters; a field named like the rounds would be
        // ambiguous.
        if salt.is_empty()
            || salt.len() > 16
            || salt.starts_with("rounds=")
            || checksum.len() != checksum_len
            || !is_crypt_text(checksum)
        {
            return Err(bad());
        }
        let mcf = match rounds {
            Some(rounds) => format!("${id}$rounds={rounds}${salt}${checksum}"),
            None => format!("${id}${salt}${checksum}"),
        };
        Ok(ShaCrypt { mcf })
    }

    pub(super) fn check(&self, password: &[u8]) -> Result<bool, HashError> {
        if password.len() > MAX_CRYPT_PASSWORD_LEN {
            return Ok(false);
        }
        match sha_crypt::ShaCrypt::default().verify_password(password, self.mcf.as_str()) {
            Ok(()) => Ok(true),
            Err(sha_crypt::password_hash::Error::PasswordInvalid) => Ok(false),
            Err(e) => Err(HashError::Other(format!("sha-crypt failed: {e}"))),
        }
    }
}
