//! Sprig's `semver` and `semverCompare`, with the version and constraint grammar of
//! Masterminds/semver v3 (the library Sprig calls), not Cargo's.
//!
//! Versions are read loosely: a `v` prefix, missing minor or patch (`v1.2` is 1.2.0) and leading
//! zeros in the numbers are accepted. Constraints are `||`-separated alternatives of
//! comma- or space-separated comparisons (`=`, `!=`, `>`, `<`, `>=`/`=>`, `<=`/`=<`, `~`/`~>`,
//! `^`, or none for `=`), versions in them may use `x`, `X` or `*` wildcards, and `1.2 - 1.4.5`
//! is the range `>= 1.2, <= 1.4.5`. A prerelease version satisfies an alternative only if one
//! of that alternative's comparisons names a prerelease itself.

use super::{R, arity, fail, s, st};
use gotmpl::{FuncMap, Value};
use regex::Regex;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// Go's `\s`.
const WS: &str = r"[\t\n\f\r ]";
/// The comparison operators in the library's order, which leftmost-first matching depends on;
/// the second alternative is empty (no operator, meaning `=`).
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";
/// A dotted run of prerelease or metadata identifiers.
const IDENTS: &str = r"[0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*";
/// A number or wildcard in a constraint's version (the library's class also admits `|`).
const XNUM: &str = r"[0-9|xX*]+";

/// A constraint's version; `tag` names its groups (`{tag}ver`, `{tag}major`, `{tag}minor` with
/// its dot, `{tag}patch` with its dot, `{tag}pre` with its dash) when it is not empty.
fn constraint_version(tag: &str) -> String {
    let g = |name: &str| {
        if tag.is_empty() {
            String::from("(?:")
        } else {
            format!("(?P<{tag}{name}>")
        }
    };
    format!(
        r"{whole}v?{major}{XNUM}){minor}\.{XNUM})?{patch}\.{XNUM})?{pre}-{IDENTS})?(?:\+{IDENTS})?)",
        whole = g("ver"),
        major = g("major"),
        minor = g("minor"),
        patch = g("patch"),
        pre = g("pre"),
    )
}

struct Patterns {
    version: Regex,
    /// One comparison, anchored: `op` and the version's groups tagged `c`.
    comparison: Regex,
    /// A hyphen range, `lo - hi`.
    range: Regex,
    /// The comparisons of one alternative.
    find: Regex,
    /// What a whole alternative must look like.
    valid: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let any = constraint_version("");
        let compile = |p: &str| Regex::new(p).expect("semver pattern");
        Patterns {
            version: compile(&format!(
                r"^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-({IDENTS}))?(?:\+({IDENTS}))?$"
            )),
            comparison: compile(&format!(
                r"^{WS}*(?P<op>{OPS}){WS}*{}{WS}*$",
                constraint_version("c")
            )),
            range: compile(&format!(
                r"{WS}*{}{WS}+-{WS}+{}{WS}*",
                constraint_version("lo"),
                constraint_version("hi")
            )),
            find: compile(&format!(r"(?:{OPS}){WS}*{any}")),
            valid: compile(&format!(
                r"^(?:{WS}*(?:{OPS}){WS}*{any}{WS}*)(?:(?:{WS}+|,{WS}*)(?:{OPS}){WS}*{any}{WS}*)*$"
            )),
        }
    })
}

/// A parsed version.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    meta: String,
    original: String,
}

/// Go's `strconv.ParseUint(text, 10, 64)`: digits only.
fn parse_u64(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn segment(text: &str) -> Result<u64, String> {
    parse_u64(text).ok_or_else(|| {
        format!(
            "error parsing version segment: strconv.ParseUint: parsing {text:?}: value out of range"
        )
    })
}

const IDENT_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789";

fn check_prerelease(pre: &str) -> Result<(), String> {
    for part in pre.split('.') {
        if part.is_empty() {
            return Err("invalid prerelease string".into());
        }
        if part.bytes().all(|b| b.is_ascii_digit()) {
            if part.len() > 1 && part.starts_with('0') {
                return Err("version segment starts with 0".into());
            }
        } else if !part.bytes().all(|b| IDENT_CHARS.contains(&b)) {
            return Err("invalid prerelease string".into());
        }
    }
    Ok(())
}

fn check_metadata(meta: &str) -> Result<(), String> {
    if meta
        .split('.')
        .any(|p| p.is_empty() || !p.bytes().all(|b| IDENT_CHARS.contains(&b)))
    {
        return Err("invalid metadata string".into());
    }
    Ok(())
}

impl Version {
    /// The library's `NewVersion` (which coerces loose versions).
    fn parse(text: &str) -> Result<Version, String> {
        let caps = patterns()
            .version
            .captures(text)
            .ok_or("invalid semantic version")?;
        let group = |i: usize| caps.get(i).map_or("", |m| m.as_str());
        let number = |i: usize| match group(i) {
            "" => Ok(0),
            t => segment(t),
        };
        let v = Version {
            major: segment(group(1))?,
            minor: number(2)?,
            patch: number(3)?,
            pre: group(4).to_string(),
            meta: group(5).to_string(),
            original: text.to_string(),
        };
        if !v.pre.is_empty() {
            check_prerelease(&v.pre)?;
        }
        if !v.meta.is_empty() {
            check_metadata(&v.meta)?;
        }
        Ok(v)
    }

    fn text(&self) -> String {
        let mut out = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            out.push('-');
            out.push_str(&self.pre);
        }
        if !self.meta.is_empty() {
            out.push('+');
            out.push_str(&self.meta);
        }
        out
    }

    /// Precedence: numbers, then a prerelease below its release; metadata is ignored.
    fn compare(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &o.pre),
            })
    }
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let (xs, ys): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    (0..xs.len().max(ys.len()))
        .map(|i| {
            compare_identifier(
                xs.get(i).copied().unwrap_or(""),
                ys.get(i).copied().unwrap_or(""),
            )
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Identifiers: a missing one is lower, numbers compare as numbers and below words, words
/// compare bytewise. (Two different spellings of one number, `01` and `1`, come out as less.)
fn compare_identifier(x: &str, y: &str) -> Ordering {
    if x == y {
        return Ordering::Equal;
    }
    if x.is_empty() {
        return Ordering::Less;
    }
    if y.is_empty() {
        return Ordering::Greater;
    }
    match (parse_u64(x), parse_u64(y)) {
        (None, None) => x.cmp(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (Some(a), Some(b)) => {
            if a > b {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// `=` or no operator: equal, or like `~` when the version has a wildcard.
    Equal,
    NotEqual,
    Greater,
    Less,
    GreaterOrEqual,
    LessOrEqual,
    Tilde,
    Caret,
}

#[derive(Debug)]
struct Comparison {
    op: Op,
    version: Version,
    /// The version has a wildcard (or stops) at its major, minor or patch number; `minor_x`
    /// and `patch_x` say which for the latter two.
    wild: bool,
    minor_x: bool,
    patch_x: bool,
}

fn is_x(t: &str) -> bool {
    matches!(t, "x" | "X" | "*")
}

impl Comparison {
    fn parse(text: &str) -> Result<Comparison, String> {
        let caps = patterns()
            .comparison
            .captures(text)
            .ok_or_else(|| format!("improper constraint: {text}"))?;
        let g = |name: &str| caps.name(name).map_or("", |m| m.as_str());
        let (major, minor, patch, pre) = (g("cmajor"), g("cminor"), g("cpatch"), g("cpre"));
        let (spelled, wild, minor_x, patch_x) = if is_x(major) || major.is_empty() {
            (format!("0.0.0{pre}"), true, false, false)
        } else if minor.is_empty() || is_x(&minor[1..]) {
            (format!("{major}.0.0{pre}"), true, true, false)
        } else if patch.is_empty() || is_x(&patch[1..]) {
            (format!("{major}{minor}.0{pre}"), true, false, true)
        } else {
            (g("cver").to_string(), false, false, false)
        };
        let version =
            Version::parse(&spelled).map_err(|_| "constraint parser error".to_string())?;
        let op = match g("op") {
            "" | "=" => Op::Equal,
            "!=" => Op::NotEqual,
            ">" => Op::Greater,
            "<" => Op::Less,
            ">=" | "=>" => Op::GreaterOrEqual,
            "<=" | "=<" => Op::LessOrEqual,
            "~" | "~>" => Op::Tilde,
            _ => Op::Caret,
        };
        Ok(Comparison {
            op,
            version,
            wild,
            minor_x,
            patch_x,
        })
    }

    fn allows(&self, v: &Version, prereleases: bool) -> bool {
        if !v.pre.is_empty() && !prereleases {
            return false;
        }
        let c = &self.version;
        match self.op {
            Op::Equal if self.wild => self.tilde(v),
            Op::Equal => v.compare(c).is_eq(),
            Op::NotEqual => {
                if self.wild {
                    if c.major != v.major {
                        return true;
                    }
                    if c.minor != v.minor && !self.minor_x {
                        return true;
                    }
                    if self.minor_x {
                        return false;
                    }
                    if c.patch != v.patch && !self.patch_x {
                        return true;
                    }
                    if self.patch_x {
                        return (!v.pre.is_empty() || !c.pre.is_empty())
                            && compare_prerelease(&v.pre, &c.pre).is_ne();
                    }
                }
                !v.compare(c).is_eq()
            }
            Op::Greater => {
                if !self.wild {
                    return v.compare(c).is_gt();
                }
                match v.major.cmp(&c.major) {
                    Ordering::Greater => true,
                    Ordering::Less => false,
                    Ordering::Equal if self.minor_x => false,
                    Ordering::Equal if self.patch_x => v.minor > c.minor,
                    Ordering::Equal => v.compare(c).is_gt(),
                }
            }
            Op::Less => v.compare(c).is_lt(),
            Op::GreaterOrEqual => v.compare(c).is_ge(),
            Op::LessOrEqual => {
                if !self.wild {
                    return v.compare(c).is_le();
                }
                !(v.major > c.major || (v.major == c.major && v.minor > c.minor && !self.minor_x))
            }
            Op::Tilde => self.tilde(v),
            Op::Caret => {
                if v.compare(c).is_lt() {
                    return false;
                }
                if c.major > 0 || self.minor_x {
                    return v.major == c.major;
                }
                if v.major > 0 {
                    return false;
                }
                if c.minor > 0 || self.patch_x {
                    return v.minor == c.minor;
                }
                if v.minor > 0 {
                    return false;
                }
                c.patch == v.patch
            }
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.version;
        if v.compare(c).is_lt() {
            return false;
        }
        // `~0`, `~*`: anything.
        if (c.major, c.minor, c.patch) == (0, 0, 0) && !self.minor_x && !self.patch_x {
            return true;
        }
        v.major == c.major && (v.minor == c.minor || self.minor_x)
    }
}

/// `||` alternatives, each a list of comparisons that must all hold and whether one of them
/// names a prerelease.
struct Constraint(Vec<(Vec<Comparison>, bool)>);

impl Constraint {
    fn parse(text: &str) -> Result<Constraint, String> {
        let p = patterns();
        // Hyphen ranges become a pair of comparisons first.
        let mut rewritten = text.to_string();
        for caps in p.range.captures_iter(text) {
            let (whole, lo, hi) = (&caps[0], &caps["lover"], &caps["hiver"]);
            rewritten = rewritten.replacen(whole, &format!(">= {lo}, <= {hi} "), 1);
        }
        let mut alternatives = Vec::new();
        for alt in rewritten.split("||") {
            if !p.valid.is_match(alt) {
                return Err(format!("improper constraint: {alt}"));
            }
            let mut found: Vec<&str> = p.find.find_iter(alt).map(|m| m.as_str()).collect();
            if found.is_empty() {
                found.push(alt);
            }
            let comparisons = found
                .into_iter()
                .map(Comparison::parse)
                .collect::<Result<Vec<_>, _>>()?;
            let prereleases = comparisons.iter().any(|c| !c.version.pre.is_empty());
            alternatives.push((comparisons, prereleases));
        }
        Ok(Constraint(alternatives))
    }

    fn check(&self, v: &Version) -> bool {
        self.0
            .iter()
            .any(|(all, pre)| all.iter().all(|c| c.allows(v, *pre)))
    }
}

fn number(n: u64) -> Value {
    i64::try_from(n).map_or(Value::Uint(n), Value::Int)
}

pub(super) fn register(m: &mut FuncMap) {
    m.insert(
        "semver".into(),
        Arc::new(|a: &[Value]| -> R {
            arity("semver", a, 1)?;
            let v = Version::parse(&s(&a[0])).map_err(fail)?;
            let mut d = BTreeMap::new();
            for (k, val) in [
                ("Major", number(v.major)),
                ("Minor", number(v.minor)),
                ("Patch", number(v.patch)),
                ("Prerelease", st(v.pre.as_str())),
                ("Metadata", st(v.meta.as_str())),
                ("Original", st(v.original.as_str())),
                ("String", st(v.text())),
            ] {
                d.insert(Arc::from(k), val);
            }
            Ok(Value::Map(Arc::new(d)))
        }),
    );
    m.insert(
        "semverCompare".into(),
        Arc::new(|a: &[Value]| -> R {
            arity("semverCompare", a, 2)?;
            let constraint = Constraint::parse(&s(&a[0])).map_err(fail)?;
            let version = Version::parse(&s(&a[1])).map_err(fail)?;
            Ok(Value::Bool(constraint.check(&version)))
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::super::render;

    #[test]
    fn semver_compare_matches_masterminds() {
        // Expected values from Go 1.26 with Sprig v3.3.0 and Masterminds/semver v3.4.0.
        for (constraint, version, want) in [
            ("^1.2", "1.4.0", true),
            ("^1.2", "2.0.0", false),
            ("^1.2.3", "1.2.2", false),
            ("^0.2.3", "0.2.9", true),
            ("^0.2.3", "0.3.0", false),
            ("^0.0.3", "0.0.4", false),
            ("^0", "0.9.9", true),
            ("^*", "1.2.3", false),
            ("^1.2.3-alpha", "1.2.3", true),
            ("~1.2.3", "1.2.9", true),
            ("~1.2.3", "1.3.0", false),
            ("~1", "1.9.0", true),
            ("~>2.0", "2.0.5", true),
            ("~*", "5.0.0", true),
            ("~0.0.0", "0.0.0", true),
            ("~1.2.3-beta", "1.2.3-beta.2", true),
            ("~1.2.3-beta", "1.2.4", true),
            ("1.2.x", "1.2.7", true),
            ("1.x", "1.9.9", true),
            ("1.x", "2.0.0", false),
            ("*", "3.1.4", true),
            ("=1.2.3", "1.2.3", true),
            ("1.2.3", "v1.2.3", true),
            ("1.2.3+build", "1.2.3", true),
            ("!=1.2.3", "1.2.4", true),
            ("!=1.2.x", "1.2.4", false),
            ("!=1.x", "2.0.0", true),
            ("!=1.2.3-beta", "1.2.3-beta", false),
            (">1.2", "1.2.9", false),
            (">1.2", "1.3.0", true),
            (">11", "11.1.0", false),
            (">*", "1.0.0", true),
            (">1.2.3", "1.2.3+meta", false),
            (">=v1.2", "1.2.0", true),
            (">=01.2.3", "1.2.3", true),
            (">=1.x", "1.0.0", true),
            ("<=1.4", "1.4.9", true),
            ("<=1.4", "1.5.0", false),
            ("<=1.2.x", "1.2.99", true),
            ("<1.x", "0.9.0", true),
            (">= 1.2, < 2", "1.9.9", true),
            (">=1.2 <2", "2.0.0", false),
            (">= 1.2 , < 2", "1.5.0", true),
            (">=1.2,<2", "1.5.0", true),
            ("=>1.2 =<1.4", "1.4.0", true),
            ("1.2 - 1.4.5", "1.4.5", true),
            ("1.2 - 1.4.5", "1.4.6", false),
            ("1.2 - 1.4.5", "1.1.9", false),
            ("1.2 - 1.4.5 || 2.x", "2.3.0", true),
            ("<1 || >=3", "3.0.0", true),
            ("<1 || >=3", "2.0.0", false),
            ("<1||>=3", "0.5.0", true),
            (">1.0 <2.0 || 3.x", "3.4.5", true),
            // A prerelease only satisfies an alternative that names one itself.
            (">=1.0.0", "1.1.0-beta", false),
            (">=1.0.0-0", "1.1.0-beta", true),
            (">=1.1.0-alpha", "1.1.0-beta", true),
            (">=1.1.0-beta.2", "1.1.0-beta.11", true),
            ("<1.1.0-beta.2", "1.1.0-beta.11", false),
            (">=1.2.3-beta", "1.2.3-alpha", false),
            (">=1.1.0-beta, <2 || <1", "1.1.0-rc.1", true),
            (">=1.1.0-beta, <2 || <1", "0.9.0-rc.1", false),
        ] {
            let src = format!("{{{{ semverCompare {constraint:?} {version:?} }}}}");
            assert_eq!(render(&src), want.to_string(), "{src}");
        }
    }

    #[test]
    fn semver_errors_are_exec_errors() {
        for (constraint, version, want) in [
            ("bad", "1.2.3", "improper constraint: bad"),
            ("", "1.2.3", "improper constraint: "),
            ("1.2.3 ||", "1.2.3", "improper constraint: "),
            ("1.2|3", "1.2.3", "constraint parser error"),
            ("1.2.3-01", "1.2.3", "constraint parser error"),
            (">18446744073709551616", "1.0.0", "constraint parser error"),
            (">1.2", "x", "invalid semantic version"),
            (">1.2", "1.2.3.4", "invalid semantic version"),
            (
                "1.2.3-alpha.1",
                "1.2.3-alpha.01",
                "version segment starts with 0",
            ),
            (
                ">1.2",
                "18446744073709551616.0.0",
                r#"error parsing version segment: strconv.ParseUint: parsing "18446744073709551616": value out of range"#,
            ),
        ] {
            let src = format!("{{{{ semverCompare {constraint:?} {version:?} }}}}");
            let got = render(&src);
            assert!(
                got.starts_with("error:") && got.ends_with(want),
                "{src}: {got}"
            );
        }
        for (version, want) in [
            ("1.2.3.4", "invalid semantic version"),
            ("", "invalid semantic version"),
            ("1.2.3-", "invalid semantic version"),
            ("1.2.3+a..b", "invalid semantic version"),
            ("1.2.3-beta_1", "invalid semantic version"),
            ("1.2.3-01", "version segment starts with 0"),
        ] {
            let src = format!("{{{{ semver {version:?} }}}}");
            let got = render(&src);
            assert!(
                got.starts_with("error:") && got.ends_with(want),
                "{src}: {got}"
            );
        }
    }

    #[test]
    fn semver_fields() {
        assert_eq!(
            render(
                r#"{{ $v := semver "v1.2.3-beta.1+build.5" }}{{ $v.Major }} {{ $v.Minor }} {{ $v.Patch }} {{ $v.Prerelease }} {{ $v.Metadata }} {{ $v.Original }} {{ $v.String }}"#
            ),
            "1 2 3 beta.1 build.5 v1.2.3-beta.1+build.5 1.2.3-beta.1+build.5"
        );
        assert_eq!(
            render(
                r#"{{ $v := semver "1.2" }}{{ $v.Major }} {{ $v.Minor }} {{ $v.Patch }} [{{ $v.Prerelease }}] {{ $v.Original }} {{ $v.String }}"#
            ),
            "1 2 0 [] 1.2 1.2.0"
        );
        assert_eq!(render(r#"{{ (semver "01.02.03").Minor }}"#), "2");
        assert_eq!(
            render(r#"{{ if gt (semver "2.1.0").Major 1 }}new{{ end }}"#),
            "new"
        );
    }
}
