//! The key-derivation formats: bcrypt, argon2, PBKDF2, scrypt and Firebase's scrypt variant.

use aes::Aes256;
use argon2::Algorithm;
use ctr::Ctr128BE;
use ctr::cipher::{KeyIvInit, StreamCipher};

use super::{
    HashError, MAX_ARGON2_ITERATIONS, MAX_ARGON2_MEMORY_KIB, MAX_ARGON2_PARALLELISM,
    MAX_BCRYPT_COST, MAX_DERIVED_KEY_LEN, MAX_FIRESCRYPT_LOG_N, MAX_PBKDF2_ITERATIONS,
    MAX_SCRYPT_N, MAX_SCRYPT_P, MAX_SCRYPT_R, b64, b64_raw, ct_eq, fields, malformed,
    named_numbers, number, out_of_bounds,
};
use crate::config::Hashers;
use crate::hash::hasher::{argon2_key, check_bcrypt_length};

/// Characters of bcrypt's own base64 alphabet.
fn is_bcrypt_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'/'
}

/// `$2<minor>$<cost>$<salt and hash>`, with the minor version `a`, `b`, `y`, `z` or none.
#[derive(Debug)]
pub(super) struct Bcrypt {
    pub(super) cost: u32,
    /// The same hash under the `$2b$` prefix, which the bcrypt crate reads; the variants only
    /// differ in how buggy historical implementations hashed, not in how a hash is checked.
    normalized: String,
}

impl Bcrypt {
    pub(super) fn parse(stored: &str) -> Result<Bcrypt, HashError> {
        let bad = || malformed("bcrypt");
        let rest = stored.strip_prefix("$2").ok_or_else(bad)?;
        let rest = match rest.as_bytes() {
            [b'$', ..] => &rest[1..],
            [b'a' | b'b' | b'y' | b'z', b'$', ..] => &rest[2..],
            _ => return Err(bad()),
        };
        let (cost, body) = rest.split_once('$').ok_or_else(bad)?;
        if cost.len() != 2 || body.len() != 53 || !body.bytes().all(is_bcrypt_char) {
            return Err(bad());
        }
        let cost = number(cost).ok_or_else(bad)?;
        // Below bcrypt's minimum the hash is malformed; above Kratos's bound it is refused.
        if cost < 4 {
            return Err(bad());
        }
        if cost > MAX_BCRYPT_COST {
            return Err(out_of_bounds(format!(
                "bcrypt cost={cost} not in [4, {MAX_BCRYPT_COST}]"
            )));
        }
        Ok(Bcrypt {
            cost,
            normalized: format!("$2b${cost:02}${body}"),
        })
    }

    pub(super) fn check(&self, password: &[u8]) -> Result<bool, HashError> {
        // Kratos refuses an over-long password rather than comparing its first 72 bytes.
        check_bcrypt_length(password)?;
        bcrypt::verify(password, &self.normalized).map_err(|e| HashError::Other(e.to_string()))
    }
}

/// `v=19$m=..,t=..,p=..$<salt>$<key>` after `$argon2id$` or `$argon2i$`.
#[derive(Debug)]
pub(super) struct Argon2 {
    algorithm: Algorithm,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: Vec<u8>,
    key: Vec<u8>,
}

impl Argon2 {
    pub(super) fn parse(algorithm: Algorithm, rest: &str) -> Result<Argon2, HashError> {
        let bad = || malformed("argon2");
        let [version, params, salt, key] = fields(rest).ok_or_else(bad)?;
        let version = version
            .strip_prefix("v=")
            .and_then(number)
            .ok_or_else(bad)?;
        if version != 19 {
            return Err(HashError::Other(format!(
                "incompatible argon2 version {version}"
            )));
        }
        let [memory_kib, iterations, parallelism] =
            named_numbers(params, ["m", "t", "p"]).ok_or_else(bad)?;
        if !(1..=MAX_ARGON2_MEMORY_KIB).contains(&memory_kib)
            || !(1..=MAX_ARGON2_ITERATIONS).contains(&iterations)
            || !(1..=MAX_ARGON2_PARALLELISM).contains(&parallelism)
        {
            return Err(out_of_bounds(format!(
                "argon2 m={memory_kib},t={iterations},p={parallelism} not within \
                 m<={MAX_ARGON2_MEMORY_KIB},t<={MAX_ARGON2_ITERATIONS},p<={MAX_ARGON2_PARALLELISM}"
            )));
        }
        let salt = b64_raw(salt).ok_or_else(bad)?;
        let key = b64_raw(key).ok_or_else(bad)?;
        check_key_length("argon2", key.len())?;
        // The argon2 crate (following RFC 9106) also needs a salt of 8 bytes or more, a key of 4
        // bytes or more, and at least 8 KiB per lane; Go's implementation is laxer. Checking here
        // keeps `is_supported` honest about what `verify` can do.
        argon2::Params::new(memory_kib, iterations, parallelism, Some(key.len()))
            .map_err(|e| HashError::Other(format!("unsupported argon2 parameters: {e}")))?;
        if salt.len() < argon2::MIN_SALT_LEN {
            return Err(HashError::Other(format!(
                "argon2 salt shorter than {} bytes is not supported",
                argon2::MIN_SALT_LEN
            )));
        }
        Ok(Argon2 {
            algorithm,
            memory_kib,
            iterations,
            parallelism,
            salt,
            key,
        })
    }

    pub(super) fn check(&self, password: &[u8]) -> Result<bool, HashError> {
        let actual = argon2_key(
            self.algorithm,
            password,
            &self.salt,
            self.memory_kib,
            self.iterations,
            self.parallelism,
            self.key.len() as u32,
        )?;
        Ok(ct_eq(&actual, &self.key))
    }

    /// Whether this hash is argon2i, or argon2id with any parameter below `configured`'s.
    pub(super) fn weaker_than(&self, configured: &Hashers) -> bool {
        let Hashers::Argon2 {
            memory_kib,
            iterations,
            parallelism,
            salt_length,
            key_length,
        } = *configured
        else {
            return true;
        };
        self.algorithm != Algorithm::Argon2id
            || self.memory_kib < memory_kib
            || self.iterations < iterations
            || self.parallelism < parallelism
            || (self.salt.len() as u64) < u64::from(salt_length)
            || (self.key.len() as u64) < u64::from(key_length)
    }
}

fn check_key_length(what: &str, len: usize) -> Result<(), HashError> {
    if len == 0 {
        return Err(malformed(what));
    }
    if len > MAX_DERIVED_KEY_LEN {
        return Err(out_of_bounds(format!(
            "{what} key of {len} bytes exceeds {MAX_DERIVED_KEY_LEN}"
        )));
    }
    Ok(())
}

/// The PRF behind each `$pbkdf2-<name>$`. Kratos maps `sha224` and `sha384` to SHA3-224 and
/// SHA3-384 (not SHA-2), and existing imports depend on that, so this does too.
#[derive(Debug, Clone, Copy)]
enum Prf {
    Sha1,
    Sha3_224,
    Sha256,
    Sha3_384,
    Sha512,
}

/// `<digest>$i=<iterations>,l=<length>$<salt>$<key>` after `$pbkdf2-`.
#[derive(Debug)]
pub(super) struct Pbkdf2 {
    prf: Prf,
    iterations: u32,
    salt: Vec<u8>,
    key: Vec<u8>,
}

impl Pbkdf2 {
    pub(super) fn parse(rest: &str) -> Result<Pbkdf2, HashError> {
        let bad = || malformed("pbkdf2");
        let [name, params, salt, key] = fields(rest).ok_or_else(bad)?;
        let prf = match name {
            "sha1" => Prf::Sha1,
            "sha224" => Prf::Sha3_224,
            "sha256" => Prf::Sha256,
            "sha384" => Prf::Sha3_384,
            "sha512" => Prf::Sha512,
            _ => {
                return Err(HashError::Other(format!(
                    "unsupported pbkdf2 digest {name:?}"
                )));
            }
        };
        // `l` is required but, as in Kratos, the key length is that of the stored key.
        let [iterations, _length] = named_numbers(params, ["i", "l"]).ok_or_else(bad)?;
        if !(1..=MAX_PBKDF2_ITERATIONS).contains(&iterations) {
            return Err(out_of_bounds(format!(
                "pbkdf2 i={iterations} not in [1, {MAX_PBKDF2_ITERATIONS}]"
            )));
        }
        let salt = b64_raw(salt).ok_or_else(bad)?;
        let key = b64_raw(key).ok_or_else(bad)?;
        check_key_length("pbkdf2", key.len())?;
        Ok(Pbkdf2 {
            prf,
            iterations,
            salt,
            key,
        })
    }

    pub(super) fn check(&self, password: &[u8]) -> Result<bool, HashError> {
        use pbkdf2::pbkdf2_hmac;
        let mut actual = vec![0u8; self.key.len()];
        let (salt, n) = (&self.salt[..], self.iterations);
        match self.prf {
            Prf::Sha1 => pbkdf2_hmac::<sha1::Sha1>(password, salt, n, &mut actual),
            Prf::Sha3_224 => pbkdf2_hmac::<sha3::Sha3_224>(password, salt, n, &mut actual),
            Prf::Sha256 => pbkdf2_hmac::<sha2::Sha256>(password, salt, n, &mut actual),
            Prf::Sha3_384 => pbkdf2_hmac::<sha3::Sha3_384>(password, salt, n, &mut actual),
            Prf::Sha512 => pbkdf2_hmac::<sha2::Sha512>(password, salt, n, &mut actual),
        }
        Ok(ct_eq(&actual, &self.key))
    }
}

/// Checks scrypt's r and p against the bounds.
fn check_scrypt_rp(what: &str, r: u32, p: u32) -> Result<(), HashError> {
    if !(1..=MAX_SCRYPT_R).contains(&r) || !(1..=MAX_SCRYPT_P).contains(&p) {
        return Err(out_of_bounds(format!(
            "{what} r={r},p={p} not within r in [1, {MAX_SCRYPT_R}], p in [1, {MAX_SCRYPT_P}]"
        )));
    }
    Ok(())
}

fn scrypt_into(
    password: &[u8],
    salt: &[u8],
    log_n: u8,
    r: u32,
    p: u32,
    out: &mut [u8],
) -> Result<(), HashError> {
    let params = scrypt::Params::new(log_n, r, p)
        .map_err(|e| HashError::Other(format!("invalid scrypt parameters: {e}")))?;
    scrypt::scrypt(password, salt, &params, out)
        .map_err(|e| HashError::Other(format!("scrypt failed: {e}")))
}

/// `ln=<N>,r=<r>,p=<p>$<salt>$<key>` after `$scrypt$`. Despite its name, `ln` holds N itself
/// (e.g. 16384), which must be a power of two of at least 2.
#[derive(Debug)]
pub(super) struct Scrypt {
    log_n: u8,
    r: u32,
    p: u32,
    salt: Vec<u8>,
    key: Vec<u8>,
}

impl Scrypt {
    pub(super) fn parse(rest: &str) -> Result<Scrypt, HashError> {
        let bad = || malformed("scrypt");
        let [params, salt, key] = fields(rest).ok_or_else(bad)?;
        let [n, r, p] = named_numbers(params, ["ln", "r", "p"]).ok_or_else(bad)?;
        if n > MAX_SCRYPT_N {
            return Err(out_of_bounds(format!(
                "scrypt N={n} exceeds {MAX_SCRYPT_N}"
            )));
        }
        if n < 2 || !n.is_power_of_two() {
            return Err(HashError::Other(format!(
                "scrypt N={n} is not a power of two above 1"
            )));
        }
        check_scrypt_rp("scrypt", r, p)?;
        let salt = b64(salt).ok_or_else(bad)?;
        let key = b64(key).ok_or_else(bad)?;
        check_key_length("scrypt", key.len())?;
        Ok(Scrypt {
            log_n: n.trailing_zeros() as u8,
            r,
            p,
            salt,
            key,
        })
    }

    pub(super) fn check(&self, password: &[u8]) -> Result<bool, HashError> {
        let mut actual = vec![0u8; self.key.len()];
        scrypt_into(
            password,
            &self.salt,
            self.log_n,
            self.r,
            self.p,
            &mut actual,
        )?;
        Ok(ct_eq(&actual, &self.key))
    }
}

/// `ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>$<salt separator>$<signer key>` after `$firescrypt$`:
/// Firebase's scheme, where scrypt of the password and salt + separator gives an AES-256 key, and
/// the hash is the project's signer key encrypted with it in CTR mode from an all-zero counter.
#[derive(Debug)]
pub(super) struct Firescrypt {
    log_n: u8,
    r: u32,
    p: u32,
    /// The salt followed by the salt separator: what scrypt is salted with.
    salt: Vec<u8>,
    hash: Vec<u8>,
    signer_key: Vec<u8>,
}

impl Firescrypt {
    pub(super) fn parse(rest: &str) -> Result<Firescrypt, HashError> {
        let bad = || malformed("firescrypt");
        let [params, salt, hash, separator, signer_key] = fields(rest).ok_or_else(bad)?;
        let [log_n, r, p] = named_numbers(params, ["ln", "r", "p"]).ok_or_else(bad)?;
        if log_n > MAX_FIRESCRYPT_LOG_N {
            return Err(out_of_bounds(format!(
                "firescrypt ln={log_n} exceeds {MAX_FIRESCRYPT_LOG_N}"
            )));
        }
        if log_n == 0 {
            return Err(HashError::Other("firescrypt ln=0 gives N=1".to_owned()));
        }
        check_scrypt_rp("firescrypt", r, p)?;
        let mut salt = b64(salt).ok_or_else(bad)?;
        let hash = b64(hash).ok_or_else(bad)?;
        salt.extend(b64(separator).ok_or_else(bad)?);
        let signer_key = b64(signer_key).ok_or_else(bad)?;
        // The hash is the encrypted signer key, so anything but the same length can never match.
        if hash.len() != signer_key.len() {
            return Err(bad());
        }
        check_key_length("firescrypt", hash.len())?;
        Ok(Firescrypt {
            log_n: log_n as u8,
            r,
            p,
            salt,
            hash,
            signer_key,
        })
    }

    pub(super) fn check(&self, password: &[u8]) -> Result<bool, HashError> {
        let mut key = [0u8; 32];
        scrypt_into(password, &self.salt, self.log_n, self.r, self.p, &mut key)?;
        let mut cipher = Ctr128BE::<Aes256>::new(&key.into(), &[0u8; 16].into());
        let mut actual = self.signer_key.clone();
        cipher.apply_keystream(&mut actual);
        Ok(ct_eq(&actual, &self.hash))
    }
}
