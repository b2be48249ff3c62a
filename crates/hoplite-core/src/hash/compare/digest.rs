//! The plain-digest formats: MD5 and SHA with a salting pattern, LDAP's salted SHA, and HMAC.
//! None of them has a cost parameter, so none needs bounds.

use base64::Engine as _;
use base64::alphabet::STANDARD as STANDARD_ALPHABET;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use sha2::Digest;

use super::{HashError, b64, ct_eq, fields, fill_pattern, malformed};

/// The SHA digests the `$sha…$` and `{SSHA…}` formats name.
#[derive(Debug, Clone, Copy)]
enum Sha {
    Sha1,
    Sha256,
    Sha512,
}

impl Sha {
    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Sha::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Sha::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Sha::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    fn len(self) -> usize {
        match self {
            Sha::Sha1 => 20,
            Sha::Sha256 => 32,
            Sha::Sha512 => 64,
        }
    }
}

/// Reads `pf=<base64 pattern>`; the pattern must not be empty.
fn pattern(field: &str) -> Option<Vec<u8>> {
    let encoded = field.strip_prefix("pf=").filter(|p| !p.is_empty())?;
    b64(encoded)
}

/// `<digest>` (of the password alone) or `pf=<pattern>$<salt>$<digest>` after `$md5$`.
#[derive(Debug)]
pub(super) struct Md5 {
    /// The pattern and salt, for the salted form.
    salting: Option<(Vec<u8>, Vec<u8>)>,
    digest: Vec<u8>,
}

impl Md5 {
    pub(super) fn parse(rest: &str) -> Result<Md5, HashError> {
        let bad = || malformed("md5");
        let (salting, digest) = if let Some([pf, salt, digest]) = fields(rest) {
            let pf = pattern(pf).ok_or_else(bad)?;
            let salt = b64(salt).ok_or_else(bad)?;
            (Some((pf, salt)), digest)
        } else if !rest.contains('$') {
            (None, rest)
        } else {
            return Err(bad());
        };
        let digest = b64(digest).filter(|d| d.len() == 16).ok_or_else(bad)?;
        Ok(Md5 { salting, digest })
    }

    pub(super) fn check(&self, password: &[u8]) -> bool {
        let actual = match &self.salting {
            Some((pf, salt)) => md5::Md5::digest(fill_pattern(pf, salt, password)),
            None => md5::Md5::digest(password),
        };
        ct_eq(&actual, &self.digest)
    }
}

/// `$sha1$`, `$sha256$` or `$sha512$` then `pf=<pattern>$<salt>$<digest>`.
#[derive(Debug)]
pub(super) struct SaltedSha {
    sha: Sha,
    pattern: Vec<u8>,
    salt: Vec<u8>,
    digest: Vec<u8>,
}

impl SaltedSha {
    /// `None` when `stored` is not in this format at all.
    pub(super) fn parse(stored: &str) -> Option<Result<SaltedSha, HashError>> {
        let (sha, rest) = [
            ("$sha1$", Sha::Sha1),
            ("$sha256$", Sha::Sha256),
            ("$sha512$", Sha::Sha512),
        ]
        .into_iter()
        .find_map(|(prefix, sha)| Some((sha, stored.strip_prefix(prefix)?)))?;
        let parsed = (|| {
            let [pf, salt, digest] = fields(rest)?;
            Some(SaltedSha {
                sha,
                pattern: pattern(pf)?,
                salt: b64(salt)?,
                digest: b64(digest).filter(|d| d.len() == sha.len())?,
            })
        })();
        Some(parsed.ok_or_else(|| malformed("salted sha")))
    }

    pub(super) fn check(&self, password: &[u8]) -> bool {
        let actual = self
            .sha
            .digest(&fill_pattern(&self.pattern, &self.salt, password));
        ct_eq(&actual, &self.digest)
    }
}

/// LDAP's `{SSHA}`, `{SSHA256}` and `{SSHA512}`: base64 of the digest of password + salt, followed
/// by the salt.
#[derive(Debug)]
pub(super) struct Ssha {
    sha: Sha,
    salt: Vec<u8>,
    digest: Vec<u8>,
}

/// Standard base64 with padding that, like Go's non-strict decoder, ignores stray trailing bits.
const LAX_STANDARD: GeneralPurpose = GeneralPurpose::new(
    &STANDARD_ALPHABET,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

impl Ssha {
    /// `None` when `stored` is not in this format at all.
    pub(super) fn parse(stored: &str) -> Option<Result<Ssha, HashError>> {
        let (sha, rest) = [
            ("{SSHA}", Sha::Sha1),
            ("{SSHA256}", Sha::Sha256),
            ("{SSHA512}", Sha::Sha512),
        ]
        .into_iter()
        .find_map(|(prefix, sha)| Some((sha, stored.strip_prefix(prefix)?)))?;
        let parsed = LAX_STANDARD
            .decode(rest)
            .ok()
            // At least one byte of salt after the digest.
            .filter(|d| d.len() > sha.len())
            .map(|mut decoded| {
                let salt = decoded.split_off(sha.len());
                Ssha {
                    sha,
                    salt,
                    digest: decoded,
                }
            });
        Some(parsed.ok_or_else(|| malformed("ssha")))
    }

    pub(super) fn check(&self, password: &[u8]) -> bool {
        let mut data = Vec::with_capacity(password.len() + self.salt.len());
        data.extend_from_slice(password);
        data.extend_from_slice(&self.salt);
        ct_eq(&self.sha.digest(&data), &self.digest)
    }
}

/// The digests `$hmac-<name>$` can name.
#[derive(Debug, Clone, Copy)]
enum HmacDigest {
    Md4,
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl HmacDigest {
    fn output_len(self) -> usize {
        match self {
            HmacDigest::Md4 | HmacDigest::Md5 => 16,
            HmacDigest::Sha1 => 20,
            HmacDigest::Sha224 => 28,
            HmacDigest::Sha256 => 32,
            HmacDigest::Sha384 => 48,
            HmacDigest::Sha512 => 64,
        }
    }

    fn mac(self, key: &[u8], message: &[u8]) -> Vec<u8> {
        match self {
            HmacDigest::Md4 => mac::<md4::Md4>(key, message),
            HmacDigest::Md5 => mac::<md5::Md5>(key, message),
            HmacDigest::Sha1 => mac::<sha1::Sha1>(key, message),
            HmacDigest::Sha224 => mac::<sha2::Sha224>(key, message),
            HmacDigest::Sha256 => mac::<sha2::Sha256>(key, message),
            HmacDigest::Sha384 => mac::<sha2::Sha384>(key, message),
            HmacDigest::Sha512 => mac::<sha2::Sha512>(key, message),
        }
    }
}

fn mac<D>(key: &[u8], message: &[u8]) -> Vec<u8>
where
    D: hmac::EagerHash,
    hmac::Hmac<D>: hmac::KeyInit + hmac::Mac,
{
    use hmac::{KeyInit as _, Mac as _};
    let mut mac = hmac::Hmac::<D>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn lower_hex(bytes: &[u8]) -> Vec<u8> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0xf)]])
        .collect()
}

/// `<name>$<base64 of the MAC in lowercase hex>$<base64 key>` after `$hmac-`; the password is the
/// message.
#[derive(Debug)]
pub(super) struct Hmac {
    digest: HmacDigest,
    /// The MAC as lowercase hex text, as stored.
    hex_mac: Vec<u8>,
    key: Vec<u8>,
}

impl Hmac {
    pub(super) fn parse(rest: &str) -> Result<Hmac, HashError> {
        let bad = || malformed("hmac");
        let [name, hex_mac, key] = fields(rest).ok_or_else(bad)?;
        let digest = match name {
            "md4" => HmacDigest::Md4,
            "md5" => HmacDigest::Md5,
            "sha1" => HmacDigest::Sha1,
            "sha224" => HmacDigest::Sha224,
            "sha256" => HmacDigest::Sha256,
            "sha384" => HmacDigest::Sha384,
            "sha512" => HmacDigest::Sha512,
            _ => {
                return Err(HashError::Other(format!(
                    "unsupported hmac digest {name:?}"
                )));
            }
        };
        // Only lowercase hex of the right length can ever equal the computed MAC.
        let hex_mac = b64(hex_mac)
            .filter(|h| {
                h.len() == 2 * digest.output_len()
                    && h.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
            })
            .ok_or_else(bad)?;
        let key = b64(key).ok_or_else(bad)?;
        Ok(Hmac {
            digest,
            hex_mac,
            key,
        })
    }

    pub(super) fn check(&self, password: &[u8]) -> bool {
        ct_eq(
            &lower_hex(&self.digest.mac(&self.key, password)),
            &self.hex_mac,
        )
    }
}
