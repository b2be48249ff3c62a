//! What the courier, verification and recovery tests share: a port for the test's SMTP server,
//! starting it where the server under test sends, and reading codes out of the mail it received.

use crate::app::TestApp;
use crate::smtp_sink::SmtpSink;
use hoplite_core::courier::worker::dispatch_batch;
use serde_json::Value;

/// Sockets bound by [`free_port`] and not listening yet, until the test's server on that port
/// takes them over ([`listen_on`]).
static RESERVED: std::sync::Mutex<Vec<tokio::net::TcpSocket>> = std::sync::Mutex::new(Vec::new());

/// A port nothing listens on yet, for a server the test starts later (an SMTP sink, an HTTP
/// endpoint). The port stays bound until that server takes the socket, so nothing else (another
/// test's listener) can take it meanwhile, and connections to it are refused as to a server that
/// is down.
pub fn free_port() -> u16 {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = socket.local_addr().unwrap().port();
    RESERVED.lock().unwrap().push(socket);
    port
}

/// A listener on `port`: the socket [`free_port`] kept for it, else a new bind (a server that
/// was stopped and starts again).
pub async fn listen_on(port: u16) -> tokio::net::TcpListener {
    let kept = {
        let mut kept = RESERVED.lock().unwrap();
        kept.iter()
            .position(|s| s.local_addr().map(|a| a.port()).ok() == Some(port))
            .map(|at| kept.swap_remove(at))
    };
    match kept {
        Some(socket) => socket.listen(1024).unwrap(),
        None => tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap(),
    }
}

/// The SMTP port the server was configured with.
pub fn smtp_port(app: &TestApp) -> u16 {
    let uri = &app.registry.config.courier.smtp_connection_uri;
    url::Url::parse(uri).unwrap().port().unwrap()
}

/// Starts the SMTP server the app sends to.
pub async fn sink(app: &TestApp) -> SmtpSink {
    SmtpSink::start_at(smtp_port(app)).await
}

/// Delivers the queue and returns the code in the newest mail to `to` whose subject has `word`.
pub async fn code_sent_to(app: &TestApp, sink: &SmtpSink, to: &str, word: &str) -> String {
    while dispatch_batch(&app.registry).await.unwrap() > 0 {}
    let subject = sink
        .received()
        .into_iter()
        .rev()
        .filter(|m| m.to.iter().any(|t| t.contains(to)))
        .filter_map(|m| {
            m.data
                .lines()
                .find(|l| l.starts_with("Subject: ") && l.contains(word))
                .map(str::to_string)
        })
        .next()
        .unwrap_or_else(|| panic!("no mail to {to} about {word}"));
    let code: String = subject
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(6)
        .collect();
    assert_eq!(code.len(), 6, "{subject}");
    code
}

/// Delivers the queue and returns the link to `path` in the newest mail to `to` that has one
/// (quoted-printable undone).
pub async fn link_sent_to(app: &TestApp, sink: &SmtpSink, to: &str, path: &str) -> String {
    while dispatch_batch(&app.registry).await.unwrap() > 0 {}
    sink.received()
        .into_iter()
        .rev()
        .filter(|m| m.to.iter().any(|t| t.contains(to)))
        .find_map(|m| {
            let body = m
                .data
                .replace("=\r\n", "")
                .replace("=\n", "")
                .replace("=3D", "=")
                .replace("&amp;", "&");
            let at = body.find(&format!("{path}?"))?;
            let from = body[..at].rfind("http")?;
            let end = body[from..]
                .find(|c: char| c.is_whitespace() || c == '"' || c == '<')
                .map_or(body.len(), |e| from + e);
            Some(body[from..end].to_string())
        })
        .unwrap_or_else(|| panic!("no mail to {to} with a link to {path}"))
}

/// Delivers the queue; the subjects of the mails to `to` received so far, oldest first.
pub async fn subjects_to(app: &TestApp, sink: &SmtpSink, to: &str) -> Vec<String> {
    while dispatch_batch(&app.registry).await.unwrap() > 0 {}
    sink.received()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t.contains(to)))
        .filter_map(|m| {
            m.data
                .lines()
                .find_map(|l| l.strip_prefix("Subject: ").map(str::to_string))
        })
        .collect()
}

/// The ids of a flow's form messages.
pub fn message_ids(flow: &Value) -> Vec<i64> {
    flow["ui"]["messages"]
        .as_array()
        .map(|m| m.iter().filter_map(|x| x["id"].as_i64()).collect())
        .unwrap_or_default()
}
