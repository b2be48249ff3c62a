//! Verification of every stored password-hash format Kratos accepts, including the legacy formats an
//! operator can import with an identity (`ory/kratos: hash/hash_comparator.go`, bounds from
//! `hash/hash_limits.go`), and the decision whether a stored hash should be replaced by one made
//! with the configured hasher.
//!
//! Every stored string is parsed by hand into a [`Stored`] value first, so that [`is_supported`]
//! can validate an import without running the (possibly expensive) hash, and so that cost
//! parameters are checked against fixed bounds before any work is done: an imported hash is
//! attacker-controlled, and an unbounded cost would let one login exhaust memory or CPU.
//!
//! Layouts (all base64 is the standard alphabet; "raw" means without `=` padding):
//!
//! | prefix | rest |
//! | --- | --- |
//! | `$argon2id$`, `$argon2i$` | `v=19$m=<KiB>,t=<passes>,p=<lanes>$<raw salt>$<raw key>` |
//! | `$2$`, `$2a$`, `$2b$`, `$2y$`, `$2z$` | `<cost>$<22 chars salt><31 chars hash>` (bcrypt alphabet) |
//! | `$pbkdf2-<sha1,sha224,sha256,sha384,sha512>$` | `i=<iterations>,l=<len>$<raw salt>$<raw key>` |
//! | `$scrypt$` | `ln=<N itself, not its log>,r=<r>,p=<p>$<salt>$<key>` |
//! | `$firescrypt$` | `ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>$<salt separator>$<signer key>` |
//! | `$md5$` | `<digest>` or `pf=<base64 pattern>$<salt>$<digest>` |
//! | `$sha1$`, `$sha256$`, `$sha512$` | `pf=<base64 pattern>$<salt>$<digest>` |
//! | `{SSHA}`, `{SSHA256}`, `{SSHA512}` | `<base64 of digest followed by salt>` |
//! | `$md5-crypt$` | what follows `$1$` in crypt(3)'s MD5 scheme |
//! | `$sha256-crypt$`, `$sha512-crypt$` | what follows `$5$` / `$6$` in crypt(3)'s SHA schemes |
//! | `$hmac-<md4,md5,sha1,sha224,sha256,sha384,sha512>$` | `<base64 of the lowercase hex MAC>$<base64 key>` |
//!
//! A pattern (`pf`) is the text that was hashed, with `{SALT}` and `{PASSWORD}` standing for the
//! salt and the password.

mod crypt;
mod digest;
mod kdf;
#[cfg(test)]
mod tests;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use subtle::ConstantTimeEq;

use super::HashError;
use crate::config::Hashers;

/// Highest bcrypt cost accepted in a stored hash (Kratos's bound; cost 15 is about 2 s).
pub const MAX_BCRYPT_COST: u32 = 15;
/// Highest argon2 memory in a stored hash, in KiB (1 GiB, Kratos's bound).
pub const MAX_ARGON2_MEMORY_KIB: u32 = 1 << 20;
/// Highest argon2 pass count in a stored hash (Kratos's bound).
pub const MAX_ARGON2_ITERATIONS: u32 = 10;
/// Highest argon2 lane count in a stored hash (Kratos's bound).
pub const MAX_ARGON2_PARALLELISM: u32 = 16;
/// Highest PBKDF2 iteration count in a stored hash (Kratos's bound).
pub const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
/// Highest scrypt N in a `$scrypt$` hash (Kratos's bound; 128 MiB at r = 8).
pub const MAX_SCRYPT_N: u32 = 1 << 17;
/// Highest log2(N) in a `$firescrypt$` hash (Kratos's bound, the same memory as [`MAX_SCRYPT_N`]).
pub const MAX_FIRESCRYPT_LOG_N: u32 = 17;
/// Highest scrypt block size r, for both scrypt formats (Kratos's bound).
pub const MAX_SCRYPT_R: u32 = 8;
/// Highest scrypt parallelism p, for both scrypt formats (Kratos's bound).
pub const MAX_SCRYPT_P: u32 = 10;
/// Highest sha-crypt round count. Kratos has no bound here (crypt(3) allows 999,999,999); this is
/// the same CPU budget as [`MAX_PBKDF2_ITERATIONS`], about 15 times the usual defaults.
pub const MAX_SHA_CRYPT_ROUNDS: u32 = 10_000_000;
/// Longest derived key read from a pbkdf2, scrypt or argon2 hash, in bytes. Kratos has no bound;
/// PBKDF2's work grows with every output block, and real hashes are at most 64 bytes.
pub const MAX_DERIVED_KEY_LEN: usize = 128;
/// Longest password checked against md5-crypt and sha-crypt hashes, in bytes: their work grows
/// with rounds × password length. Longer passwords are reported as not matching.
pub const MAX_CRYPT_PASSWORD_LEN: usize = 4096;

/// A stored hash, parsed and with its cost parameters checked.
#[derive(Debug)]
enum Stored {
    Bcrypt(kdf::Bcrypt),
    Argon2(kdf::Argon2),
    Pbkdf2(kdf::Pbkdf2),
    Scrypt(kdf::Scrypt),
    Firescrypt(kdf::Firescrypt),
    Md5(digest::Md5),
    SaltedSha(digest::SaltedSha),
    Ssha(digest::Ssha),
    Hmac(digest::Hmac),
    Md5Crypt(crypt::Md5Crypt),
    ShaCrypt(crypt::ShaCrypt),
}

impl Stored {
    /// Recognises the format by its prefix and parses the rest.
    fn parse(stored: &str) -> Result<Stored, HashError> {
        // The longer prefixes that share a start with shorter ones come first.
        if let Some(rest) = stored.strip_prefix("$md5-crypt$") {
            return crypt::Md5Crypt::parse(rest).map(Stored::Md5Crypt);
        }
        if let Some(rest) = stored.strip_prefix("$sha256-crypt$") {
            return crypt::ShaCrypt::parse(crypt::ShaVariant::Sha256, rest).map(Stored::ShaCrypt);
        }
        if let Some(rest) = stored.strip_prefix("$sha512-crypt$") {
            return crypt::ShaCrypt::parse(crypt::ShaVariant::Sha512, rest).map(Stored::ShaCrypt);
        }
        if let Some(rest) = stored.strip_prefix("$argon2id$") {
            return kdf::Argon2::parse(argon2::Algorithm::Argon2id, rest).map(Stored::Argon2);
        }
        if let Some(rest) = stored.strip_prefix("$argon2i$") {
            return kdf::Argon2::parse(argon2::Algorithm::Argon2i, rest).map(Stored::Argon2);
        }
        if stored.starts_with("$2") {
            return kdf::Bcrypt::parse(stored).map(Stored::Bcrypt);
        }
        if let Some(rest) = stored.strip_prefix("$pbkdf2-") {
            return kdf::Pbkdf2::parse(rest).map(Stored::Pbkdf2);
        }
        if let Some(rest) = stored.strip_prefix("$scrypt$") {
            return kdf::Scrypt::parse(rest).map(Stored::Scrypt);
        }
        if let Some(rest) = stored.strip_prefix("$firescrypt$") {
            return kdf::Firescrypt::parse(rest).map(Stored::Firescrypt);
        }
        if let Some(rest) = stored.strip_prefix("$md5$") {
            return digest::Md5::parse(rest).map(Stored::Md5);
        }
        if let Some(rest) = stored.strip_prefix("$hmac-") {
            return digest::Hmac::parse(rest).map(Stored::Hmac);
        }
        if let Some(ssha) = digest::Ssha::parse(stored) {
            return ssha.map(Stored::Ssha);
        }
        if let Some(salted) = digest::SaltedSha::parse(stored) {
            return salted.map(Stored::SaltedSha);
        }
        Err(HashError::Other(UNKNOWN_FORMAT.to_owned()))
    }

    fn check(&self, password: &[u8]) -> Result<bool, HashError> {
        match self {
            Stored::Bcrypt(h) => h.check(password),
            Stored::Argon2(h) => h.check(password),
            Stored::Pbkdf2(h) => h.check(password),
            Stored::Scrypt(h) => h.check(password),
            Stored::Firescrypt(h) => h.check(password),
            Stored::Md5(h) => Ok(h.check(password)),
            Stored::SaltedSha(h) => Ok(h.check(password)),
            Stored::Ssha(h) => Ok(h.check(password)),
            Stored::Hmac(h) => Ok(h.check(password)),
            Stored::Md5Crypt(h) => Ok(h.check(password)),
            Stored::ShaCrypt(h) => h.check(password),
        }
    }
}

/// Checks `password` against a stored hash in any supported format.
///
/// `Ok(true)` when it matches, `Ok(false)` for a well-formed hash that does not match;
/// [`HashError::TooLong`] for a bcrypt hash and a password over 72 bytes (as Kratos);
/// [`HashError::Other`] for an unknown or malformed hash, or one whose cost parameters exceed the
/// bounds above. Runs the hash: call it off the async executor (see
/// [`super::PasswordHasher::verify`]).
pub fn verify(password: &[u8], stored: &str) -> Result<bool, HashError> {
    Stored::parse(stored)?.check(password)
}

/// Whether `stored` is a well-formed hash in a supported format with parameters within bounds,
/// i.e. whether [`verify`] can answer `Ok(_)` for it. Cheap: parses, never hashes.
pub fn is_supported(stored: &str) -> bool {
    Stored::parse(stored).is_ok()
}

/// Why an imported hash is refused (`ImportPasswordCredentials`' three answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportRefusal {
    /// No known prefix.
    UnknownFormat,
    /// A known prefix, but the rest cannot be read.
    Unparseable,
    /// Cost parameters beyond the bounds above (`ErrHashParametersOutOfBounds`).
    OutOfBounds,
}

/// Checks a hash an operator imports, without running it.
pub fn check_import(stored: &str) -> Result<(), ImportRefusal> {
    match Stored::parse(stored) {
        Ok(_) => Ok(()),
        Err(HashError::Other(m)) if m == UNKNOWN_FORMAT => Err(ImportRefusal::UnknownFormat),
        Err(HashError::Other(m)) if m.starts_with(OUT_OF_BOUNDS) => Err(ImportRefusal::OutOfBounds),
        Err(_) => Err(ImportRefusal::Unparseable),
    }
}

const UNKNOWN_FORMAT: &str = "unknown password hash format";
const OUT_OF_BOUNDS: &str = "hash parameters exceed allowed bounds";

/// Whether a hash that has just verified should be replaced by a fresh one made with `configured`:
/// it uses another algorithm (including any legacy format, argon2i, or an unparseable hash), or the
/// configured algorithm with weaker parameters (a lower bcrypt cost; less argon2 memory, fewer
/// passes or lanes, or a shorter salt or key).
pub fn needs_rehash(stored: &str, configured: &Hashers) -> bool {
    let Ok(parsed) = Stored::parse(stored) else {
        return true;
    };
    match (parsed, configured) {
        (Stored::Bcrypt(h), Hashers::Bcrypt { cost }) => h.cost < *cost,
        (Stored::Argon2(h), Hashers::Argon2 { .. }) => h.weaker_than(configured),
        _ => true,
    }
}

// ---- helpers shared by the format modules ----

fn malformed(what: &str) -> HashError {
    HashError::Other(format!("malformed {what} hash"))
}

fn out_of_bounds(detail: String) -> HashError {
    HashError::Other(format!("{OUT_OF_BOUNDS}: {detail}"))
}

/// A decimal number of ASCII digits only (no sign, no spaces) that fits in a `u32`.
fn number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `a=1,b=2,...` with exactly the given names, in that order.
fn named_numbers<const N: usize>(s: &str, names: [&str; N]) -> Option<[u32; N]> {
    let mut values = [0u32; N];
    let mut fields = s.split(',');
    for (value, name) in values.iter_mut().zip(names) {
        let (key, v) = fields.next()?.split_once('=')?;
        if key != name {
            return None;
        }
        *value = number(v)?;
    }
    if fields.next().is_some() {
        return None;
    }
    Some(values)
}

/// Standard base64 with canonical `=` padding and no stray trailing bits.
fn b64(s: &str) -> Option<Vec<u8>> {
    STANDARD.decode(s).ok()
}

/// Standard base64 without padding and no stray trailing bits.
fn b64_raw(s: &str) -> Option<Vec<u8>> {
    STANDARD_NO_PAD.decode(s).ok()
}

/// Splits `s` on `$` into exactly `N` fields.
fn fields<const N: usize>(s: &str) -> Option<[&str; N]> {
    let parts: Vec<&str> = s.split('$').collect();
    parts.try_into().ok()
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Replaces `{SALT}` and `{PASSWORD}` in `pattern` in one left-to-right pass, so that a salt or
/// password that itself contains one of the placeholders is taken literally.
fn fill_pattern(pattern: &[u8], salt: &[u8], password: &[u8]) -> Vec<u8> {
    const SALT: &[u8] = b"{SALT}";
    const PASSWORD: &[u8] = b"{PASSWORD}";
    let mut out = Vec::with_capacity(pattern.len() + salt.len() + password.len());
    let mut rest = pattern;
    while let Some(&first) = rest.first() {
        if rest.starts_with(SALT) {
            out.extend_from_slice(salt);
            rest = &rest[SALT.len()..];
        } else if rest.starts_with(PASSWORD) {
            out.extend_from_slice(password);
            rest = &rest[PASSWORD.len()..];
        } else {
            out.push(first);
            rest = &rest[1..];
        }
    }
    out
}
