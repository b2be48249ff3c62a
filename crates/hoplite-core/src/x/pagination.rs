//! Kratos's two pagination schemes and their `Link` headers (`ory/x: pagination/`):
//! keyset pagination (`page_size`, `page_token`; `rel="first"` and `rel="next"`), and the offset
//! "migration" pagination of the per-identity session lists (`page`/`per_page` or
//! `page_size`/`page_token`, `X-Total-Count`, first/next/prev/last).
//!
//! Links are relative, as Kratos writes them from the request URL: the request's path and query,
//! with the pagination parameters set and the keys sorted (`url.Values.Encode`).

use super::gourl;
use crate::flow::RequestInfo;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The request's path and query with `set` replacing those keys.
fn link_url(req: &RequestInfo, set: &[(&str, String)]) -> String {
    link_url_without(req, set, &[])
}

/// [`link_url`] with the keys `remove` taken out first.
fn link_url_without(req: &RequestInfo, set: &[(&str, String)], remove: &[&str]) -> String {
    let (path, mut values) = match gourl::parse(&req.url) {
        Ok(u) => (u.escaped_path(), u.query()),
        Err(_) => (String::from("/"), gourl::Values::new()),
    };
    for k in remove {
        values.remove(k.as_bytes());
    }
    for (k, v) in set {
        values.insert(k.as_bytes().to_vec(), vec![v.as_bytes().to_vec()]);
    }
    format!("{path}?{}", gourl::encode_values(&values))
}

fn link(url: String, rel: &str) -> String {
    format!("<{url}>; rel=\"{rel}\"")
}

/// `keysetpagination.Header`: `first` always (with the first page's token), `next` when there is
/// a next page.
pub fn keyset_link(req: &RequestInfo, size: u32, first: &str, next: Option<&str>) -> String {
    keyset_link_without(req, size, first, next, &[])
}

/// [`keyset_link`] without the query keys `remove`.
pub fn keyset_link_without(
    req: &RequestInfo,
    size: u32,
    first: &str,
    next: Option<&str>,
    remove: &[&str],
) -> String {
    let page = |token: &str| {
        link_url_without(
            req,
            &[
                ("page_size", size.to_string()),
                ("page_token", token.into()),
            ],
            remove,
        )
    };
    let mut out = link(page(first), "first");
    if let Some(n) = next {
        out.push(',');
        out.push_str(&link(page(n), "next"));
    }
    out
}

/// Default and largest page size of the offset pagination.
const DEFAULT_PER_PAGE: u64 = 250;
const MAX_PER_PAGE: u64 = 1000;

/// A page of the offset pagination: 0-based page number and its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetPage {
    pub page: i64,
    pub per_page: u64,
}

impl OffsetPage {
    /// The first row of this page (never negative).
    pub fn offset(&self) -> u64 {
        u64::try_from(self.page)
            .unwrap_or(0)
            .saturating_mul(self.per_page)
    }
}

/// The page token of `offset`: base64url of `{"offset":"<n>","v":2}`.
pub fn offset_token(offset: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!(r#"{{"offset":"{offset}","v":2}}"#))
}

fn clamp_size(raw: Option<&str>) -> u64 {
    match raw.map(str::parse::<i64>) {
        Some(Ok(n)) if n > MAX_PER_PAGE as i64 => MAX_PER_PAGE,
        Some(Ok(n)) if n < 1 => 1,
        Some(Ok(n)) => n as u64,
        _ => DEFAULT_PER_PAGE,
    }
}

/// `migrationpagination.ParsePagination`: with `page_token` or `page_size` present (even empty),
/// the token form; otherwise `page` and `per_page`. Nothing here is an error: unreadable values
/// fall back to the defaults, as in Kratos.
pub fn parse_offset_page(req: &RequestInfo) -> OffsetPage {
    if req.has_query_param("page_token") || req.has_query_param("page_size") {
        let per_page = clamp_size(req.query_param("page_size"));
        let offset = req
            .query_param("page_token")
            .and_then(|t| URL_SAFE_NO_PAD.decode(t.trim_end_matches('=')).ok())
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| match &v["offset"] {
                serde_json::Value::String(s) => s.parse::<i64>().ok(),
                serde_json::Value::Number(n) => n.as_i64(),
                _ => None,
            })
            .unwrap_or(0);
        OffsetPage {
            page: offset / per_page as i64,
            per_page,
        }
    } else {
        let page = match req.query_param("page").map(str::parse::<i64>) {
            Some(Ok(n)) if n > 0 => n,
            _ => 0,
        };
        OffsetPage {
            page,
            per_page: clamp_size(req.query_param("per_page")),
        }
    }
}

/// `pagination.HeaderWithFormatter`'s choice of links for `page` of `total` rows: (offset,
/// size, rel) each.
fn links_for(page: OffsetPage, total: u64) -> Vec<(i64, i64, &'static str)> {
    let ipp = page.per_page.max(1) as i64;
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    let offset = page.page.saturating_mul(ipp);
    let last_offset = if total % ipp == 0 {
        total - ipp
    } else {
        (total / ipp) * ipp
    };
    if offset >= last_offset && total == 0 {
        vec![
            (0, ipp, "first"),
            (page.page.saturating_add(1).saturating_mul(ipp), ipp, "next"),
            (page.page.saturating_sub(1).saturating_mul(ipp), ipp, "prev"),
        ]
    } else if offset >= last_offset && total <= ipp {
        vec![(0, total, "first")]
    } else if offset >= last_offset {
        vec![(0, ipp, "first"), (last_offset - ipp, ipp, "prev")]
    } else if offset < ipp {
        vec![(ipp, ipp, "next"), (last_offset, ipp, "last")]
    } else {
        vec![
            (0, ipp, "first"),
            (page.page.saturating_add(1).saturating_mul(ipp), ipp, "next"),
            (page.page.saturating_sub(1).saturating_mul(ipp), ipp, "prev"),
            (last_offset, ipp, "last"),
        ]
    }
}

/// `HeaderWithFormatter`: the chosen links, each the request URL with `params(offset, size)`
/// set, joined by `,`.
fn format_links(
    req: &RequestInfo,
    page: OffsetPage,
    total: u64,
    params: impl Fn(i64, i64) -> Vec<(&'static str, String)>,
) -> String {
    links_for(page, total)
        .into_iter()
        .map(|(offset, size, rel)| link(link_url(req, &params(offset, size)), rel))
        .collect::<Vec<_>>()
        .join(",")
}

/// The `Link` header of the offset pagination with the migration formatter (the session lists):
/// every link carries both parameter styles.
pub fn offset_link(req: &RequestInfo, page: OffsetPage, total: u64) -> String {
    format_links(req, page, total, |offset, size| {
        vec![
            ("page_size", size.to_string()),
            ("page_token", offset_token(offset)),
            ("per_page", size.to_string()),
            ("page", (offset / size).to_string()),
        ]
    })
}

/// The `Link` header of the legacy page pagination (`pagepagination.PaginationHeader`, the
/// identity list's `page`/`per_page` mode): `per_page` and `page` only.
pub fn page_link(req: &RequestInfo, page: OffsetPage, total: u64) -> String {
    format_links(req, page, total, |offset, size| {
        vec![
            ("per_page", size.to_string()),
            ("page", (offset / size).to_string()),
        ]
    })
}

/// Largest and default `per_page` of the identity list's legacy mode, and how far it may reach.
const LEGACY_MAX_PER_PAGE: i64 = 500;
const LEGACY_DEFAULT_PER_PAGE: i64 = 250;
/// `PagePaginationLimit`.
pub const LEGACY_LIMIT: u64 = 1000;

/// `PagePaginator{MaxItems: 500, DefaultItems: 250}.ParsePagination`: unreadable values fall
/// back to the defaults.
pub fn parse_legacy_page(req: &RequestInfo) -> OffsetPage {
    let page = req
        .query_param("page")
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(0)
        .max(0);
    let per_page = req
        .query_param("per_page")
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<i64>().unwrap_or(LEGACY_DEFAULT_PER_PAGE))
        .unwrap_or(LEGACY_DEFAULT_PER_PAGE)
        .clamp(1, LEGACY_MAX_PER_PAGE);
    OffsetPage {
        page,
        per_page: per_page as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(url: &str) -> RequestInfo {
        let query = url
            .split_once('?')
            .map(|(_, q)| {
                form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        RequestInfo {
            url: format!("http://h{url}"),
            query,
            ..Default::default()
        }
    }

    #[test]
    fn tokens_are_kratos_bytes() {
        assert_eq!(offset_token(0), "eyJvZmZzZXQiOiIwIiwidiI6Mn0");
        assert_eq!(offset_token(2), "eyJvZmZzZXQiOiIyIiwidiI6Mn0");
        assert_eq!(offset_token(250), "eyJvZmZzZXQiOiIyNTAiLCJ2IjoyfQ");
    }

    #[test]
    fn both_parameter_styles_parse() {
        let p = parse_offset_page(&req(
            "/sessions?page_size=2&page_token=eyJvZmZzZXQiOiIyIiwidiI6Mn0",
        ));
        assert_eq!(
            p,
            OffsetPage {
                page: 1,
                per_page: 2
            }
        );
        let p = parse_offset_page(&req("/sessions?page=3&per_page=5000"));
        assert_eq!(
            p,
            OffsetPage {
                page: 3,
                per_page: 1000
            }
        );
        let p = parse_offset_page(&req("/sessions?page_size=x&page_token=garbage"));
        assert_eq!(
            p,
            OffsetPage {
                page: 0,
                per_page: 250
            }
        );
    }

    #[test]
    fn the_link_cases_of_the_migration_formatter() {
        let r = req("/sessions?active=true&page_size=2");
        let first = OffsetPage {
            page: 0,
            per_page: 2,
        };
        assert_eq!(
            offset_link(&r, first, 5),
            "</sessions?active=true&page=1&page_size=2&page_token=eyJvZmZzZXQiOiIyIiwidiI6Mn0&per_page=2>; rel=\"next\",\
             </sessions?active=true&page=2&page_size=2&page_token=eyJvZmZzZXQiOiI0IiwidiI6Mn0&per_page=2>; rel=\"last\""
        );
        // Everything on one page: a single `first` sized to the total.
        let l = offset_link(
            &r,
            OffsetPage {
                page: 0,
                per_page: 250,
            },
            3,
        );
        assert!(
            l.starts_with("</sessions?active=true&page=0&page_size=3&"),
            "{l}"
        );
        assert!(l.ends_with("rel=\"first\""));
        // The last page: first and prev.
        let l = offset_link(
            &r,
            OffsetPage {
                page: 2,
                per_page: 2,
            },
            5,
        );
        assert_eq!(l.matches("rel=").count(), 2, "{l}");
        assert!(l.contains("rel=\"first\"") && l.contains("rel=\"prev\""));
        // A middle page: all four.
        let l = offset_link(
            &r,
            OffsetPage {
                page: 1,
                per_page: 2,
            },
            7,
        );
        assert_eq!(l.matches("rel=").count(), 4, "{l}");
    }

    #[test]
    fn legacy_page_links_carry_per_page_and_page() {
        let r = req("/admin/identities?page=1&per_page=2");
        let p = parse_legacy_page(&r);
        assert_eq!(
            p,
            OffsetPage {
                page: 1,
                per_page: 2
            }
        );
        assert_eq!(
            page_link(&r, p, 7),
            "</admin/identities?page=0&per_page=2>; rel=\"first\",</admin/identities?page=2&per_page=2>; rel=\"next\",\
             </admin/identities?page=0&per_page=2>; rel=\"prev\",</admin/identities?page=3&per_page=2>; rel=\"last\""
        );
        let p = parse_legacy_page(&req("/admin/identities?page=-3&per_page=9000"));
        assert_eq!(
            p,
            OffsetPage {
                page: 0,
                per_page: 500
            }
        );
        // Huge pages saturate instead of wrapping (which would read as page 0).
        let p = parse_legacy_page(&req(
            "/admin/identities?page=4611686018427387904&per_page=4",
        ));
        assert_eq!(p.offset(), u64::MAX);
        let huge = OffsetPage {
            page: i64::MAX,
            per_page: 1000,
        };
        assert!(offset_link(&req("/sessions"), huge, 5).contains("rel=\"first\""));
    }

    #[test]
    fn keyset_links_are_relative_and_sorted() {
        let r = req("/admin/identities?credentials_identifier=a@b.c");
        assert_eq!(
            keyset_link(&r, 250, "0", Some("9")),
            "</admin/identities?credentials_identifier=a%40b.c&page_size=250&page_token=0>; rel=\"first\",\
             </admin/identities?credentials_identifier=a%40b.c&page_size=250&page_token=9>; rel=\"next\""
        );
        assert_eq!(
            keyset_link(&req("/admin/identities"), 2, "0", None),
            "</admin/identities?page_size=2&page_token=0>; rel=\"first\""
        );
    }
}
