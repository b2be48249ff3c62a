//! Go's string case mapping, where Kratos's result depends on it (password similarity, allowed
//! return_to hosts).

/// Go's `strings.ToLower`: a per-character *simple* lower-case mapping. Rust's `str::to_lowercase`
/// differs in two places that change the result: `İ` (U+0130) becomes `i` + U+0307 instead of `i`,
/// and a word-final `Σ` becomes `ς` instead of `σ`.
pub fn go_to_lower(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                // Only U+0130 has a multi-character full mapping; its simple mapping is `i`.
                _ => 'i',
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_casing_follows_go() {
        assert_eq!(go_to_lower("İSTANBUL"), "istanbul");
        assert_eq!(go_to_lower("ΟΔΟΣ"), "οδοσ");
        assert_eq!(go_to_lower("Foo@Bar.COM"), "foo@bar.com");
        assert_eq!(go_to_lower("\u{23A}"), "\u{2C65}");
    }
}
