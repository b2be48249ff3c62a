//! The outbound HTTP client behind core's [`HttpFetcher`] port (Kratos's `httpx.ClientProvider`):
//! reqwest over rustls with the `ring` provider and the system's trust store, redirects never
//! followed, bodies read only up to the limit the caller gives.

use hoplite_core::x::http_client::{HttpFetcher, HttpResponse};
use std::time::Duration;

/// Kratos's resilient client retries; hoplite does not (a registration waits at most the
/// caller's timeout), so a slow upstream costs one timeout, not several.
pub struct ReqwestFetcher {
    client: reqwest::Client,
}

impl ReqwestFetcher {
    /// Builds the client, installing the `ring` TLS provider for the process if none is yet.
    pub fn new() -> Result<ReqwestFetcher, String> {
        // Fails only when a provider is installed already (another server in the same test
        // process), which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("hoplite/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("building the outbound HTTP client: {}", chain(&e)))?;
        Ok(ReqwestFetcher { client })
    }
}

#[async_trait::async_trait]
impl HttpFetcher for ReqwestFetcher {
    async fn get(
        &self,
        url: &str,
        timeout: Duration,
        max_body: usize,
    ) -> Result<HttpResponse, String> {
        // `without_url`: the port promises error texts without the URL (a range URL carries the
        // start of a password hash).
        let fail = |e: reqwest::Error| chain(&e.without_url());
        let mut response = self
            .client
            .get(url)
            .timeout(timeout)
            .send()
            .await
            .map_err(fail)?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(fail)? {
            if body.len() + chunk.len() > max_body {
                return Err(format!("the response body is larger than {max_body} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse { status, body })
    }

    async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
        timeout: Duration,
        max_body: usize,
    ) -> Result<HttpResponse, String> {
        let fail = |e: reqwest::Error| chain(&e.without_url());
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| format!("HTTP method: {e}"))?;
        let mut request = self.client.request(method, url).timeout(timeout);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let mut response = request.send().await.map_err(fail)?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(fail)? {
            if body.len() + chunk.len() > max_body {
                body.extend_from_slice(&chunk[..max_body.saturating_sub(body.len())]);
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse { status, body })
    }
}

/// An error and its causes, `: `-separated (reqwest's own text is only the outermost layer).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
