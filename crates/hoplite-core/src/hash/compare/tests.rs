use super::*;

/// One vector per format and variant, made with implementations independent of this crate:
/// Python's argon2-cffi (argon2), the `bcrypt` package (bcrypt; the `$2y$` one is a `$2b$` hash
/// with its prefix swapped, the same algorithm), hashlib's `pbkdf2_hmac` (with `sha3_224` and
/// `sha3_384` for Kratos's `sha224`/`sha384`; 10 iterations to keep the tests fast) and `scrypt`, `scrypt` plus the `cryptography`
/// package's AES-256-CTR (firescrypt), hashlib digests (md5/sha with a pattern), the stdlib `hmac`
/// module (with passlib's pure-Python MD4 for hmac-md4), and passlib's `ldap_salted_sha1/256/512`,
/// `md5_crypt`, `sha256_crypt` and `sha512_crypt`, the crypt strings re-prefixed as Kratos stores
/// them. The password is non-ASCII and one salt contains `$`.
/// Columns: name, password, stored hash.
const VECTORS: &[(&str, &str, &str)] = &[
    (
        "argon2id",
        "grün été ✓ #1",
        "$argon2id$v=19$m=64,t=1,p=1$ULUvmmYJWVGUfO/QpV7TKg$Del42jVWIdzYFR5oWE7IMRwTixoGp+znoDj5e+KGU9U",
    ),
    (
        "argon2i",
        "grün été ✓ #1",
        "$argon2i$v=19$m=64,t=1,p=1$TVX0pZ2Mw7u6kiamdb7NBQ$WcePFOksE5YFn9wTL34G2qCYbj3FGuKnkricVM5Ki5A",
    ),
    (
        "bcrypt-2a",
        "grün été ✓ #1",
        "$2a$04$Q4bv24qZn59muQQR6/NrWuefu3QJMioL39WmgGU5V31dpk2R3EwSa",
    ),
    (
        "bcrypt-2b",
        "grün été ✓ #1",
        "$2b$04$r5Cdlbowj4K5bpojb2rSg.pI.Py4zslGfzBRgA2GftOX19DDsQbXq",
    ),
    (
        "bcrypt-2y",
        "grün été ✓ #1",
        "$2y$04$/zNSDJcBGmoy1ZEgE2jse.DOm30ET0bDuKrw.IoVEKEuOGkpIijAi",
    ),
    (
        "pbkdf2-sha1",
        "grün été ✓ #1",
        "$pbkdf2-sha1$i=10,l=32$sq15LESQQ5VHMFcaE3gpUA$/fxJaACtPGszPy8FVqpYHOsPSYZrRipL0tfP0ltZx4o",
    ),
    (
        "pbkdf2-sha224",
        "grün été ✓ #1",
        "$pbkdf2-sha224$i=10,l=32$LaY2NIcnQ3Qmibbkqmi0bQ$59maTvjMq10D8mcEFUKL8sMJG/nys7OSiJ+m/dhC8oM",
    ),
    (
        "pbkdf2-sha256",
        "grün été ✓ #1",
        "$pbkdf2-sha256$i=10,l=32$OlYlULRmCC7wqlXujfW8+g$lP25gaK48ixz2C1n+cBatnRERGkNiLmHzSClmqAvG5A",
    ),
    (
        "pbkdf2-sha384",
        "grün été ✓ #1",
        "$pbkdf2-sha384$i=10,l=32$g01LAL2+TfgvwPNlLn4qow$M54ChB5OV+HqY6XOoYmf69DQ8zB2Pt2e8LVoGfWlqrg",
    ),
    (
        "pbkdf2-sha512",
        "grün été ✓ #1",
        "$pbkdf2-sha512$i=10,l=32$/JwRXGc8DBaps0NRWafEwQ$LMcaOSE5dzlcJEBSfKbB03rLHlRk3p0GBqwOfz8Ubs0",
    ),
    (
        "scrypt",
        "grün été ✓ #1",
        "$scrypt$ln=1024,r=8,p=1$XphJqMODc+uNE6CtAHWfRg==$dP7Vs7/bRxDOQlKAKTkKjyAWbT7nv5H5YZ36M4D44J4=",
    ),
    (
        "firescrypt",
        "grün été ✓ #1",
        "$firescrypt$ln=8,r=8,p=1$r+vQH7v4mHFHLZwR$RqbUxEuA2S5Ck21Bp2GdVtuSDBvDs5BQl9gAGEzjJeJug/ezrsMCx230+RoHGknSo/JglADQp57mH72PkIaWKg==$Bw==$tYAvcWBgN2zUNEwGWG9ZIcT99e6NNJQEGO+dMtvInD/1KaL5btmS+PKVg4MYWxN3jPDxfBYGQv8IrrBnO4DwLg==",
    ),
    ("md5", "grün été ✓ #1", "$md5$KlwB4tnXRiyVHoJIHpMyeA=="),
    (
        "md5-salted",
        "grün été ✓ #1",
        "$md5$pf=e1NBTFR9e1BBU1NXT1JEfQ==$cGVwcGVyJCQ=$bVLzYNg30T/TiIBh/mSiAg==",
    ),
    (
        "sha1-salted",
        "grün été ✓ #1",
        "$sha1$pf=e1BBU1NXT1JEfXtTQUxUfQ==$cGVwcGVyJCQ=$u0GYE6iSEdtwIdLjoR9mNj+x0LM=",
    ),
    (
        "sha256-salted",
        "grün été ✓ #1",
        "$sha256$pf=e1NBTFR9e1BBU1NXT1JEfQ==$cGVwcGVyJCQ=$L8Wflk4XPZk65sQjb4V7GnQfoTtD0K7o9QU1XNlnFNc=",
    ),
    (
        "sha512-salted",
        "grün été ✓ #1",
        "$sha512$pf=e1NBTFR9OntQQVNTV09SRH06e1NBTFR9$cGVwcGVyJCQ=$sy84T4+dXE9qzrervqNSqf31tsW/L6kBQ0qlXHVRLBySWlXcWqJpyS7Nha2YsK7E+IBC25tlL98KiZLEXR3LYw==",
    ),
    (
        "sha1-unsalted",
        "grün été ✓ #1",
        "$sha1$pf=e1BBU1NXT1JEfQ==$$YmYL1xoEd/R3Y//EnR2Cj6ktmaE=",
    ),
    (
        "sha256-unsalted",
        "grün été ✓ #1",
        "$sha256$pf=e1BBU1NXT1JEfQ==$$+99gNPxhjllTYBvUDK227UFvtImfJntUEWLgb07aT00=",
    ),
    (
        "sha512-unsalted",
        "grün été ✓ #1",
        "$sha512$pf=e1BBU1NXT1JEfQ==$$jyj9kzonRrw7o6Y8deE01TY3jEN9V+uKGUHVcn0sHPbbGIlKXNGUkuUFDxslzwo24ClJlVd0o/dlde7VGvz6HQ==",
    ),
    (
        "ssha",
        "grün été ✓ #1",
        "{SSHA}dSjK9Wi0sQW85x1TT7P4LkGObJB7DyFk",
    ),
    (
        "ssha256",
        "grün été ✓ #1",
        "{SSHA256}8qMxyLxpiZvP5T4fkLxWuayS6RpYuXQ5odozN6bexiysNebc+z8nxA==",
    ),
    (
        "ssha512",
        "grün été ✓ #1",
        "{SSHA512}PLkhb7sHx6Ju2frMdjdrLzvKPOL70kpF90MtTZCLZatR5zXUkJOVfA4KE+mSYEuj9OchT71McgF0cMRWWaNupzkHAECoFYIQ",
    ),
    (
        "md5-crypt",
        "grün été ✓ #1",
        "$md5-crypt$sVzWLWlB$L9qyiW8WNBY0dBRMLqFbt/",
    ),
    (
        "sha256-crypt",
        "grün été ✓ #1",
        "$sha256-crypt$rounds=1000$pjyT2q073AGEb.H9$pD.RqchrTpf3OlPezUr2Me/oNEJ7giemx.U50S6n8o4",
    ),
    (
        "sha512-crypt",
        "grün été ✓ #1",
        "$sha512-crypt$rounds=1000$wHvfzSqv7B4kELC3$O0BPuyNSYxlYdzyiZxQf70G8GQB2nq.Z6ZYM./01Iyu3RS482P1vQ8n8c4Hk3nWui2l6zExpdr7nC1GYK1xNF0",
    ),
    (
        "hmac-md4",
        "grün été ✓ #1",
        "$hmac-md4$N2EwN2Y0MzQwYTQ2YzgyZTUyYzBjYTA3NDI1NjcyNTE=$Gkuj9F+SGR0HXVyt032+wi8xgiM=",
    ),
    (
        "hmac-md5",
        "grün été ✓ #1",
        "$hmac-md5$YWVhYjI1ZDMzMGU1NmU1YTlkMTA1YWI0YTUzYmM3Zjc=$Gkuj9F+SGR0HXVyt032+wi8xgiM=",
    ),
    (
        "hmac-sha1",
        "grün été ✓ #1",
        "$hmac-sha1$YzIyN2U5OTY2YjVhMDk0NDZmZjEyNWQ0MTdkOTc3NDJiNzM1Y2ZiMw==$Gkuj9F+SGR0HXVyt032+wi8xgiM=",
    ),
    (
        "hmac-sha224",
        "grün été ✓ #1",
        "$hmac-sha224$NTI5NWY2NWIxMjViYjNjMTU1Y2QzNmFjYjZiNGM1YWFhNGEwOTE0MWRiNWQzMDc5ZmZjZTgxMjY=$Gkuj9F+SGR0HXVyt032+wi8xgiM=",
    ),
    (
        "hmac-sha256",
        "grün été ✓ #1",
        "$hmac-sha256$MzljNTk3ZjkxNjdiNjQ3YjM2YTdkMDhkZTU1ZWI5MjBlMzExZDgzNWRlZTE3NmQ1OGFlNjA3NzE2NzQ3MWExNA==$Gkuj9F+SGR0HXVyt032+wi8xgiM=",
    ),
    (
        "hmac-sha384",
        "grün été ✓ #1",
        "$hmac-sha384$ZTE2OWY4NzEwZDE2ODYzZmI1NWE1NDMyMTZlNzY1MzU2NDhhMmMxOWRjNmU0ZmIyNGRmM2Q1OGIzOWI3M2Q3NTE0N2U5ZTQ5MTRkMDczODY2MzE2OWJkYTczOTBkOTQ2$Gkuj9F+SGR0HXVyt032+wi8xgiM=",
    ),
    (
        "hmac-sha512",
        "grün été ✓ #1",
        "$hmac-sha512$ZjNhNzcwNzdhMzI1MTI2ZjM3NmQxODRlZDg5ZGUyMjhhMmY5M2ExYWUwZjY5MTlkZDYyMjNiNDk0MWZhYmNjODllMjQ5Y2E3MGQ0NzY3YWM5Y2ZkMjI3ZGQ1MDUwZmRlMzc5NjQ3ZWQxMTg3YzkxOTczNjU2YzAzOGE0ZGJmOGM=$Gkuj9F+SGR0HXVyt032+wi8xgiM=",
    ),
    (
        "sha256-crypt-implicit",
        "grün été ✓ #1",
        "$sha256-crypt$dwzAgo2xeub6nKgZ$ZMQA6HuITbSxNmNupMeIIJ9bQVVKLK/jOxefLEz0xNC",
    ),
    (
        "sha512-crypt-implicit",
        "grün été ✓ #1",
        "$sha512-crypt$dTIqzCKu3qMlp7RJ$W4q20v0Ov0WulsilN0djZ2Lf4OH7bMNRKarcODSYBeLfXsSbFHjOdndL8oxRK8DY9wTJ9Vnrsu5aOefMlGAdB/",
    ),
    (
        "md5-crypt-nosalt",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "$md5-crypt$$G53W039fA8pYNjBkvdsfQ.",
    ),
    (
        "md5-crypt-empty-password",
        "",
        "$md5-crypt$ab$rn6aQS/o7141mj179E/zA.",
    ),
];

/// Some other password than `password`.
fn wrong(password: &str) -> String {
    if password.is_empty() {
        "x".to_owned()
    } else {
        format!("{password}!")
    }
}

#[test]
fn every_vector_verifies_and_rejects_a_wrong_password() {
    for (name, password, stored) in VECTORS {
        assert!(is_supported(stored), "{name}: {stored}");
        assert_eq!(verify(password.as_bytes(), stored), Ok(true), "{name}");
        assert_eq!(
            verify(wrong(password).as_bytes(), stored),
            Ok(false),
            "{name}"
        );
    }
}

#[derive(serde::Deserialize)]
struct FixtureEntry {
    format: String,
    password: String,
    hash: String,
}

/// The fixture the HTTP login tests import; every entry must verify here.
const FIXTURE: &str = include_str!("../../../../hoplite/tests/fixtures/legacy_hashes.json");

#[test]
fn every_fixture_entry_verifies_and_needs_a_rehash() {
    let entries: Vec<FixtureEntry> = serde_json::from_str(FIXTURE).unwrap();
    let bcrypt12 = Hashers::Bcrypt { cost: 12 };
    for e in &entries {
        assert!(is_supported(&e.hash), "{}: {}", e.format, e.hash);
        assert_eq!(
            verify(e.password.as_bytes(), &e.hash),
            Ok(true),
            "{}",
            e.format
        );
        assert_eq!(
            verify(wrong(&e.password).as_bytes(), &e.hash),
            Ok(false),
            "{}",
            e.format
        );
        assert!(needs_rehash(&e.hash, &bcrypt12), "{}", e.format);
    }
    // One entry per format and variant.
    let mut names: Vec<&str> = entries.iter().map(|e| e.format.as_str()).collect();
    names.sort_unstable();
    let mut expected = vec![
        "argon2id",
        "argon2i",
        "bcrypt-2a",
        "bcrypt-2b",
        "bcrypt-2y",
        "pbkdf2-sha1",
        "pbkdf2-sha224",
        "pbkdf2-sha256",
        "pbkdf2-sha384",
        "pbkdf2-sha512",
        "scrypt",
        "firescrypt",
        "md5",
        "md5-salted",
        "sha1-salted",
        "sha256-salted",
        "sha512-salted",
        "sha1-unsalted",
        "sha256-unsalted",
        "sha512-unsalted",
        "ssha",
        "ssha256",
        "ssha512",
        "md5-crypt",
        "sha256-crypt",
        "sha512-crypt",
        "hmac-md4",
        "hmac-md5",
        "hmac-sha1",
        "hmac-sha224",
        "hmac-sha256",
        "hmac-sha384",
        "hmac-sha512",
    ];
    expected.sort_unstable();
    assert_eq!(names, expected);
}

fn assert_rejected(stored: &str) {
    assert!(
        matches!(verify(b"pw", stored), Err(HashError::Other(_))),
        "verify accepted {stored:?}: {:?}",
        verify(b"pw", stored)
    );
    assert!(!is_supported(stored), "{stored:?}");
}

#[test]
fn unknown_formats_are_errors() {
    for stored in [
        "",
        "plain text",
        "$",
        "$$",
        "$1$abcdefgh$abcdefghijklmnopqrstuv",
        "$5$rounds=5000$salt$abc",
        "$6$salt$abc",
        "$2x$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$pbkdf2-md5$i=1,l=32$c2FsdA$a2V5",
        "$pbkdf2-sha3$i=1,l=32$c2FsdA$a2V5",
        "$hmac$a2V5$a2V5",
        "$hmac-sha3$a2V5$a2V5",
        "$sha384$pf=e1NBTFR9e1BBU1NXT1JEfQ==$a2V5$a2V5",
        "{SSHA384}MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw",
        "{SHA}MTIz",
        "$md4$MTIz",
        "\u{0}\u{1}\u{7f}",
        "\u{fffd}\u{fffd}$\u{10ffff}",
        "$argon2d$v=19$m=64,t=1,p=1$c29tZXNhbHQ$a2V5a2V5",
    ] {
        assert_rejected(stored);
    }
}

#[test]
fn malformed_hashes_are_errors() {
    for stored in [
        // bcrypt: short, bad characters, bad cost field.
        "$2a$04$short",
        "$2a$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
        "$2a$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW=",
        "$2a$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe!",
        "$2a$4$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2a$x4$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2a$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2aa$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        // argon2: fields missing or extra, version, padding, short salt, parameter syntax.
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ",
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$a2V5a2V5$",
        "$argon2id$v=16$m=64,t=1,p=1$c29tZXNhbHQ$a2V5a2V5",
        "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ=$a2V5a2V5",
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$a2V5a2V5",
        "$argon2id$v=19$t=1,m=64,p=1$c29tZXNhbHQ$a2V5a2V5",
        "$argon2id$v=19$m=64,t=1$c29tZXNhbHQ$a2V5a2V5",
        "$argon2id$v=19$m=-64,t=1,p=1$c29tZXNhbHQ$a2V5a2V5",
        "$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$",
        // pbkdf2: missing parameters, wrong names, padded or invalid base64, empty key.
        "$pbkdf2-sha256$c2FsdHNhbHQ$a2V5a2V5",
        "$pbkdf2-sha256$aaaa$c2FsdHNhbHQ$a2V5a2V5",
        "$pbkdf2-sha256$I=1000,l=32$c2FsdHNhbHQ$a2V5a2V5",
        "$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$a2V5a2V5",
        "$pbkdf2-sha256$i=1000,l=32$c2FsdA==$a2V5a2V5",
        "$pbkdf2-sha256$i=1000,l=32$c2F(dA$a2V5a2V5",
        "$pbkdf2-sha256$i=1000,l=32$c2FsdA$",
        "$pbkdf2-sha256$i=1000,l=32$c2FsdA$a2V5a",
        // scrypt: N not a power of two, unpadded base64, missing fields.
        "$scrypt$ln=1000,r=8,p=1$c2FsdA==$a2V5a2V5",
        "$scrypt$ln=1,r=8,p=1$c2FsdA==$a2V5a2V5",
        "$scrypt$ln=1024,r=8,p=1$c2FsdA$a2V5a2V5",
        "$scrypt$ln=1024,r=8$c2FsdA==$a2V5a2V5",
        "$scrypt$c2FsdA==$a2V5a2V5",
        "$scrypt$ln=abc,r=8,p=1$c2FsdA==$a2V5a2V5",
        // firescrypt: fields missing, hash and signer key of different lengths, N = 1.
        "$firescrypt$ln=8,r=8,p=1$c2FsdA==$a2V5a2V5$Bw==",
        "$firescrypt$ln=8,r=8,p=1$c2FsdA==$a2V5$Bw==$a2V5a2V5",
        "$firescrypt$ln=0,r=8,p=1$c2FsdA==$a2V5$Bw==$a2V5",
        "$firescrypt$ln=8,r=8,p=1$c2FsdA==$a2V5$B w==$a2V5",
        // md5: empty, digest of the wrong length, empty or bad pattern.
        "$md5$",
        "$md5$$",
        "$md5$$$",
        "$md5$pf=$$",
        "$md5$pf=e1BBU1NXT1JEfQ==$c2FsdA==$Q",
        "$md5$pf=e1BBU1NXT1JEfQ==$c2Fsd$KlwB4tnXRiyVHoJIHpMyeA==",
        "$md5$c2hvcnQ=",
        "$md5$pf=e1NBTFR9e1BBU1NXT1JEfQ==$c2FsdA==$c2hvcnQ=",
        "$md5$e1NBTFR9e1BBU1NXT1JEfQ==$c2FsdA==$KlwB4tnXRiyVHoJIHpMyeA==",
        // salted sha: pattern missing or empty, salt not base64, wrong digest length.
        "$sha1$pf=$c2FsdA==$MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=",
        "$sha1$$c2FsdA==$MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=",
        "$sha1$c2FsdA==$MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=",
        "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$M(Iz$MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=",
        "$sha256$pf=e1NBTFR9e1BBU1NXT1JEfQ==$c2FsdA==$MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=",
        // ssha: too short to hold a salt, not base64.
        "{SSHA}",
        "{SSHA}c2hvcnQ=",
        "{SSHA}MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=",
        "{SSHA256}!!!!",
        // md5-crypt: salt section missing, salt too long, checksum length or alphabet.
        "$md5-crypt$",
        "$md5-crypt$$",
        "$md5-crypt$$$",
        "$md5-crypt$abcdefghijklmnopqrstuv",
        "$md5-crypt$123456789$abcdefghijklmnopqrstuv",
        "$md5-crypt$salt$abcdefghijklmnopqrstu",
        "$md5-crypt$salt$abcdefghijklmnopqrstu_",
        // sha-crypt: empty, rounds syntax or too few, salt too long, checksum length.
        "$sha256-crypt$$",
        "$sha256-crypt$$$",
        "$sha512-crypt$$",
        "$sha256-crypt$rounds=abc$salt$ZfBrqhXTEM605u4dFcq.0/dqqcAp4pEuf8R5Jqlka35",
        "$sha256-crypt$rounds=999$salt$ZfBrqhXTEM605u4dFcq.0/dqqcAp4pEuf8R5Jqlka35",
        "$sha256-crypt$rounds=5000$saltsaltsaltsalts$ZfBrqhXTEM605u4dFcq.0/dqqcAp4pEuf8R5Jqlka35",
        "$sha256-crypt$salt$ZfBrqhXTEM605u4dFcq.0/dqqcAp4pEuf8R5Jqlka3",
        "$sha512-crypt$salt$ZfBrqhXTEM605u4dFcq.0/dqqcAp4pEuf8R5Jqlka35",
        "$sha256-crypt$a$b$c$d",
        // hmac: key or hash missing, not hex, wrong length.
        "$hmac-md5$MTIz",
        "$hmac-md5$",
        "$hmac-md5$$a2V5a2V5",
        "$hmac-md5$MTIz$a2V5a2V5",
        "$hmac-md5$WldaaFlXVmpaVEE0TURFNE9EaGtNVGN5TmpGa1pqazFORGt6WW1ZPQ==$a2V5a2V5",
        "$hmac-md5$MDAxMTIyMzM0NDU1NjY3Nzg4OTlBQUJCQ0NEREVFRkY=$a2V5a2V5",
        "$hmac-md5$MDAxMTIyMzM0NDU1NjY3Nzg4OTlhYWJiY2NkZGVlZmY=$a2V5a2V",
    ] {
        assert_rejected(stored);
    }
}

#[test]
fn absurd_cost_parameters_are_refused_before_hashing() {
    for stored in [
        "$2a$16$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2y$99$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$argon2id$v=19$m=2097152,t=1,p=1$c29tZXNhbHQ$a2V5a2V5",
        "$argon2id$v=19$m=64,t=11,p=1$c29tZXNhbHQ$a2V5a2V5",
        "$argon2id$v=19$m=64,t=1,p=17$c29tZXNhbHQ$a2V5a2V5",
        "$argon2id$v=19$m=0,t=1,p=1$c29tZXNhbHQ$a2V5a2V5",
        "$argon2id$v=19$m=99999999999999999999,t=1,p=1$c29tZXNhbHQ$a2V5a2V5",
        "$pbkdf2-sha256$i=10000001,l=32$c2FsdHNhbHQ$a2V5a2V5",
        "$pbkdf2-sha256$i=4294967295,l=32$c2FsdHNhbHQ$a2V5a2V5",
        "$pbkdf2-sha256$i=4294967296,l=32$c2FsdHNhbHQ$a2V5a2V5",
        "$pbkdf2-sha256$i=0,l=32$c2FsdHNhbHQ$a2V5a2V5",
        "$scrypt$ln=262144,r=8,p=1$c2FsdA==$a2V5a2V5",
        "$scrypt$ln=2147483648,r=8,p=1$c2FsdA==$a2V5a2V5",
        "$scrypt$ln=1024,r=9,p=1$c2FsdA==$a2V5a2V5",
        "$scrypt$ln=1024,r=8,p=11$c2FsdA==$a2V5a2V5",
        "$scrypt$ln=1024,r=0,p=1$c2FsdA==$a2V5a2V5",
        "$scrypt$ln=1024,r=8,p=0$c2FsdA==$a2V5a2V5",
        "$firescrypt$ln=18,r=8,p=1$c2FsdA==$a2V5$Bw==$a2V5",
        "$firescrypt$ln=255,r=8,p=1$c2FsdA==$a2V5$Bw==$a2V5",
        "$firescrypt$ln=14,r=4294967295,p=1$c2FsdA==$a2V5$Bw==$a2V5",
        "$firescrypt$ln=14,r=8,p=4294967295$c2FsdA==$a2V5$Bw==$a2V5",
        "$sha256-crypt$rounds=10000001$salt$ZfBrqhXTEM605u4dFcq.0/dqqcAp4pEuf8R5Jqlka35",
        "$sha512-crypt$rounds=999999999$salt$ZfBrqhXTEM605u4dFcq.0/dqqcAp4pEuf8R5Jqlka35ZfBrqhXTEM605u4dFcq.0/dqqcAp4pEuf8R5Jqlka3",
    ] {
        assert_rejected(stored);
    }
    // A derived key far longer than any real hash would multiply PBKDF2's work.
    let long_key = STANDARD_NO_PAD.encode([7u8; 4096]);
    assert_rejected(&format!(
        "$pbkdf2-sha1$i=1000,l=4096$c2FsdHNhbHQ${long_key}"
    ));
    let long_key = STANDARD.encode([7u8; 4096]);
    assert_rejected(&format!("$scrypt$ln=1024,r=8,p=1$c2FsdA==${long_key}"));
}

#[test]
fn truncations_and_corruptions_of_real_hashes_never_panic_nor_match() {
    for (name, password, stored) in VECTORS {
        for end in 0..stored.len() {
            let Some(prefix) = stored.get(..end) else {
                continue;
            };
            if verify(password.as_bytes(), prefix) == Ok(true) {
                // PBKDF2's output (and so scrypt's) of n bytes is the first n bytes of any longer
                // output: a key cut short still matches, as in Kratos, which also takes the key
                // length from the stored key. Nothing else may match.
                let pbkdf2_based = name.starts_with("pbkdf2") || *name == "scrypt";
                let cut_in_key = prefix.rfind('$') == stored.rfind('$');
                assert!(pbkdf2_based && cut_in_key, "{name} cut at {end} matched");
            }
        }
        // Every single-character change past the prefix either breaks the format or the match.
        // Two edits are left out because the formats themselves ignore them: the two padding bits
        // of a bcrypt salt, and a `=` turned into data that appends a zero byte to an HMAC key
        // (HMAC pads its key with zeros anyway).
        if !name.starts_with("bcrypt") {
            // Every third position, and the last one (all of them would make this test slow).
            let end = stored.len() - 1;
            let positions = stored
                .char_indices()
                .skip(6)
                .filter(|&(i, c)| c != '=' && (i % 3 == 0 || i == end));
            for (i, c) in positions {
                let replacement = if c == 'A' { 'B' } else { 'A' };
                let mut changed = stored.to_string();
                changed.replace_range(i..i + c.len_utf8(), &replacement.to_string());
                assert_ne!(
                    verify(password.as_bytes(), &changed),
                    Ok(true),
                    "{name} changed at {i}: {changed}"
                );
            }
        }
    }
}

#[test]
fn is_supported_does_not_run_the_hash() {
    // A bcrypt hash at the highest accepted cost takes seconds to check; parsing it must not.
    let costly = "$2a$15$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    let started = std::time::Instant::now();
    for _ in 0..100 {
        assert!(is_supported(costly));
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn bcrypt_refuses_passwords_over_72_bytes() {
    let (_, _, stored) = VECTORS.iter().find(|v| v.0 == "bcrypt-2b").unwrap();
    assert_eq!(verify(&[b'a'; 73], stored), Err(HashError::TooLong(73)));
}

#[test]
fn bcrypt_accepts_every_minor_version_kratos_does() {
    // The Openwall/OpenBSD test vector for "U*U", under each prefix.
    let body = "05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    for prefix in ["$2$", "$2a$", "$2b$", "$2y$", "$2z$"] {
        let stored = format!("{prefix}{body}");
        assert_eq!(verify(b"U*U", &stored), Ok(true), "{stored}");
        assert_eq!(verify(b"U*V", &stored), Ok(false), "{stored}");
    }
}

#[test]
fn crypt_formats_treat_huge_passwords_as_not_matching() {
    let huge = vec![b'x'; MAX_CRYPT_PASSWORD_LEN + 1];
    for (name, _, stored) in VECTORS {
        if name.contains("-crypt") {
            assert_eq!(verify(&huge, stored), Ok(false), "{name}");
        }
    }
}

#[test]
fn pattern_placeholders_are_replaced_once_and_literally() {
    assert_eq!(
        fill_pattern(b"{SALT}-{PASSWORD}-{SALT}", b"s", b"p"),
        b"s-p-s".to_vec()
    );
    // A password that spells a placeholder is not expanded again.
    assert_eq!(
        fill_pattern(b"{PASSWORD}{SALT}", b"salt", b"{SALT}"),
        b"{SALT}salt".to_vec()
    );
    assert_eq!(
        fill_pattern(b"{SAL{SALT}T}", b"x", b"p"),
        b"{SALxT}".to_vec()
    );
    assert_eq!(fill_pattern(b"", b"s", b"p"), Vec::<u8>::new());
}

fn argon2(memory_kib: u32, iterations: u32, parallelism: u32) -> Hashers {
    Hashers::Argon2 {
        memory_kib,
        iterations,
        parallelism,
        salt_length: 16,
        key_length: 32,
    }
}

#[test]
fn needs_rehash_compares_algorithm_and_parameters() {
    let bcrypt = |cost| Hashers::Bcrypt { cost };
    let b4 = "$2a$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    let b12 = "$2b$12$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    // bcrypt against bcrypt: only a lower cost counts.
    assert!(needs_rehash(b4, &bcrypt(12)));
    assert!(!needs_rehash(b12, &bcrypt(12)));
    assert!(!needs_rehash(b12, &bcrypt(10)));
    assert!(!needs_rehash(b4, &bcrypt(4)));
    // Different algorithms, either way round.
    assert!(needs_rehash(b12, &argon2(64, 1, 1)));
    // 16-byte salt, 32-byte key, m=64, t=1, p=1.
    let (_, _, id) = VECTORS.iter().find(|v| v.0 == "argon2id").unwrap();
    let (_, _, i) = VECTORS.iter().find(|v| v.0 == "argon2i").unwrap();
    assert!(needs_rehash(id, &bcrypt(4)));
    // argon2id against argon2: equal or weaker configuration keeps it, any stronger parameter not.
    assert!(!needs_rehash(id, &argon2(64, 1, 1)));
    assert!(!needs_rehash(id, &argon2(32, 1, 1)));
    assert!(needs_rehash(id, &argon2(128, 1, 1)));
    assert!(needs_rehash(id, &argon2(64, 2, 1)));
    assert!(needs_rehash(id, &argon2(64, 1, 2)));
    let longer_key = Hashers::Argon2 {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
        salt_length: 16,
        key_length: 64,
    };
    assert!(needs_rehash(id, &longer_key));
    let longer_salt = Hashers::Argon2 {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
        salt_length: 32,
        key_length: 32,
    };
    assert!(needs_rehash(id, &longer_salt));
    // argon2i is always replaced by argon2id.
    assert!(needs_rehash(i, &argon2(64, 1, 1)));
    assert!(needs_rehash(i, &argon2(8, 1, 1)));
    // Every legacy format is replaced, whatever the configuration.
    for (name, _, stored) in VECTORS {
        if !name.starts_with("argon2") && !name.starts_with("bcrypt") {
            assert!(needs_rehash(stored, &bcrypt(4)), "{name}");
            assert!(needs_rehash(stored, &argon2(8, 1, 1)), "{name}");
        }
    }
    // Something unreadable is better replaced too.
    assert!(needs_rehash("garbage", &bcrypt(12)));
}

#[tokio::test]
async fn the_hasher_pool_verifies_legacy_formats() {
    let hasher = crate::hash::PasswordHasher::new(Hashers::Bcrypt { cost: 4 }, 2);
    for (name, password, stored) in VECTORS {
        assert!(
            hasher
                .verify((*password).to_owned(), (*stored).to_owned())
                .await
                .unwrap(),
            "{name}"
        );
    }
}
