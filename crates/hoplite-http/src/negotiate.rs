//! Content negotiation as Kratos does it (golang/gddo `NegotiateContentType`, spec §1).

/// Picks the best of `offers` for an `Accept` header, or `default` when nothing matches.
pub fn negotiate<'a>(accept: Option<&str>, offers: &[&'a str], default: &'a str) -> &'a str {
    let Some(accept) = accept else { return default };
    let specs: Vec<(String, f64)> = accept
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let value = pieces.next()?.trim().to_ascii_lowercase();
            if value.is_empty() {
                return None;
            }
            let mut q = 1.0;
            for p in pieces {
                if let Some(v) = p.trim().strip_prefix("q=") {
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
            Some((value, q))
        })
        .collect();
    let mut best: Option<&str> = None;
    let mut best_q = -1.0;
    let mut best_wild = 3;
    for offer in offers {
        for (value, q) in &specs {
            if *q == 0.0 || *q < best_q {
                continue;
            }
            let wild = if value == "*/*" {
                2
            } else if let Some(prefix) = value.strip_suffix("/*") {
                if offer.split('/').next() == Some(prefix) {
                    1
                } else {
                    continue;
                }
            } else if value == offer {
                0
            } else {
                continue;
            };
            if *q > best_q || wild < best_wild {
                best = Some(offer);
                best_q = *q;
                best_wild = wild;
            }
        }
    }
    best.unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::negotiate;
    const OFFERS: &[&str] = &["text/html", "text/*", "*/*", "application/json"];

    #[test]
    fn matches_kratos_examples() {
        assert_eq!(negotiate(None, OFFERS, "text/html"), "text/html");
        assert_eq!(negotiate(Some("*/*"), OFFERS, "text/html"), "text/html");
        assert_eq!(
            negotiate(Some("application/json"), OFFERS, "text/html"),
            "application/json"
        );
        assert_eq!(
            negotiate(
                Some("application/json, text/plain, */*"),
                OFFERS,
                "text/html"
            ),
            "application/json"
        );
        assert_eq!(
            negotiate(Some("text/html,application/xhtml+xml"), OFFERS, "text/html"),
            "text/html"
        );
    }
}
