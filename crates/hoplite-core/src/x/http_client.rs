//! The outbound HTTP port (Kratos's `httpx.ClientProvider`): core asks for a document, the binary
//! supplies the client (`hoplite::outbound`), so core needs neither an HTTP library nor TLS.

use std::time::Duration;

/// A response as core needs it: the status and the whole body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The body, at most the `max_body` bytes asked for.
    pub body: Vec<u8>,
}

/// Performs outbound `GET` requests. Redirects are never followed (a 3xx is returned as is).
#[async_trait::async_trait]
pub trait HttpFetcher: Send + Sync {
    /// Fetches `url`. `timeout` bounds the whole exchange, connecting and reading the body included
    /// (as Go's `http.Client.Timeout` does for Kratos). A body longer than `max_body` bytes is an
    /// error, as are connection and read failures; the text never contains the URL, so it can be
    /// logged when the URL itself is sensitive.
    async fn get(
        &self,
        url: &str,
        timeout: Duration,
        max_body: usize,
    ) -> Result<HttpResponse, String>;

    /// Sends `method` to `url` with `headers` and `body` (none for `None`); the answer's body is
    /// read up to `max_body` bytes. Errors as for [`HttpFetcher::get`].
    async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
        timeout: Duration,
        max_body: usize,
    ) -> Result<HttpResponse, String> {
        let _ = (method, url, headers, body, timeout, max_body);
        Err("this HTTP client only fetches documents".into())
    }
}
