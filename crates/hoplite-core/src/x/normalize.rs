//! Identifier normalisation (`ory/kratos: x/normalize.go`, the graceful variant): identifiers and
//! address values are compared case-insensitively and without surrounding space, while traits keep
//! the user's spelling.

use unicode_normalization::UnicodeNormalization;

/// Trims, drops control/format characters (zero-width, bidi marks), applies NFKC and lower-cases.
pub fn identifier(value: &str) -> String {
    value
        .trim()
        .chars()
        .filter(|c| !is_stripped(*c))
        .nfkc()
        .collect::<String>()
        .to_lowercase()
}

fn is_stripped(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}')
}

#[cfg(test)]
mod tests {
    #[test]
    fn lowercases_trims_and_strips_invisible_characters() {
        assert_eq!(super::identifier("  Foo@Example.COM "), "foo@example.com");
        assert_eq!(
            super::identifier("fo\u{200B}o@example.com"),
            "foo@example.com"
        );
        assert_eq!(super::identifier("ｆｏｏ@example.com"), "foo@example.com");
    }
}
