//! `hoplite identities import|list|get|delete|patch` (and Kratos's spellings `hoplite import
//! identities`, `list identities`, `get identity`, `delete identity`): an admin-API client, as
//! Kratos's `cmd/identities`. The admin URL comes from `--endpoint`/`-e` or `KRATOS_ADMIN_URL`.
//!
//! Import reads JSON files (or standard input), each holding one identity or an array of them in
//! the shape of `POST /admin/identities`, and sends them in batches through
//! `PATCH /admin/identities`. A batch the server refuses as a whole is retried one identity at a
//! time, so one bad item never stops the others; every failure is reported with its source.

use clap::{Args, ValueEnum};
use serde_json::{Value, json};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

/// Kratos's environment variable for the admin URL.
pub const ENV_ENDPOINT: &str = "KRATOS_ADMIN_URL";

/// Identities per batch request (the server accepts up to 1000).
const BATCH_SIZE: usize = 500;
/// Identities with a clear-text password per batch (the server's limit is 200).
const BATCH_CLEAR_PASSWORDS: usize = 200;
/// Request body size per batch, kept well under the server's 1 MiB limit.
const BATCH_BYTES: usize = 512 * 1024;

#[derive(Args, Debug, Clone)]
pub struct Client {
    /// The URL of the admin API (e.g. http://127.0.0.1:4434). Alternatively set KRATOS_ADMIN_URL.
    #[arg(short = 'e', long = "endpoint", global = true)]
    pub endpoint: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table, global = true)]
    pub format: Format,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq)]
pub enum Format {
    Table,
    Json,
    JsonPretty,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Files with one identity or an array of identities; standard input when none is given.
    pub files: Vec<PathBuf>,
    /// Hide the progress bar.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Identities per page (1–1000).
    #[arg(long = "page-size", default_value_t = 250)]
    pub page_size: u32,
    /// The token of the page to show (from the previous page's output).
    #[arg(long = "page-token")]
    pub page_token: Option<String>,
}

#[derive(Args, Debug)]
pub struct GetArgs {
    /// Identity ids.
    #[arg(required = true)]
    pub ids: Vec<String>,
    /// Include the configuration of these credential types (e.g. password, oidc).
    #[arg(short = 'i', long = "include-credentials")]
    pub include_credentials: Vec<String>,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// Identity ids.
    #[arg(required = true)]
    pub ids: Vec<String>,
}

#[derive(Args, Debug)]
pub struct PatchArgs {
    /// The identity id.
    pub id: String,
    /// A file with a JSON Patch (RFC 6902) array; standard input when absent.
    pub file: Option<PathBuf>,
}

/// A command failed; the message is printed and the process exits with 1.
pub type CliResult = Result<(), String>;

/// The admin API client.
struct Admin {
    base: String,
    http: reqwest::Client,
    format: Format,
}

/// One HTTP answer: status and parsed JSON body (`Null` when empty or not JSON).
struct Answer {
    status: u16,
    body: Value,
    link: Option<String>,
}

impl Admin {
    fn new(c: &Client) -> Result<Admin, String> {
        let endpoint = c
            .endpoint
            .clone()
            .filter(|e| !e.is_empty())
            .or_else(|| std::env::var(ENV_ENDPOINT).ok().filter(|e| !e.is_empty()))
            .ok_or_else(|| {
                format!("you have to set the remote endpoint (--endpoint or {ENV_ENDPOINT})")
            })?;
        let parsed = url::Url::parse(&endpoint)
            .map_err(|e| format!("could not parse the endpoint URL \"{endpoint}\": {e}"))?;
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("hoplite-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))?;
        Ok(Admin {
            base: parsed.as_str().trim_end_matches('/').to_string(),
            http,
            format: c.format,
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, String> {
        let url = format!("{}{path}", self.base);
        let mut req = self.http.request(method, &url);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(serde_json::to_vec(b).expect("json serialises"));
        }
        let resp = req
            .send()
            .await
            .map_err(|e| format!("request to {url} failed: {e}"))?;
        let status = resp.status().as_u16();
        let link = resp
            .headers()
            .get("link")
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| format!("reading the answer from {url}: {e}"))?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Answer { status, body, link })
    }

    fn print(&self, rows: &[Value], next_page_token: Option<&str>) {
        let mut out = std::io::stdout().lock();
        match self.format {
            Format::Json => {
                let v = if rows.len() == 1 && next_page_token.is_none() {
                    rows[0].clone()
                } else {
                    json!(rows)
                };
                let _ = writeln!(out, "{v}");
            }
            Format::JsonPretty => {
                let v = if rows.len() == 1 && next_page_token.is_none() {
                    rows[0].clone()
                } else {
                    json!(rows)
                };
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&v).unwrap_or_default()
                );
            }
            Format::Table => {
                let _ = writeln!(
                    out,
                    "ID\tVERIFIED ADDRESS 1\tRECOVERY ADDRESS 1\tSCHEMA ID\tSCHEMA URL"
                );
                for i in rows {
                    let first =
                        |key: &str| i[key][0]["value"].as_str().unwrap_or("<none>").to_string();
                    let _ = writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{}",
                        i["id"].as_str().unwrap_or(""),
                        first("verifiable_addresses"),
                        first("recovery_addresses"),
                        i["schema_id"].as_str().unwrap_or(""),
                        i["schema_url"].as_str().unwrap_or("")
                    );
                }
                if let Some(t) = next_page_token {
                    let _ = writeln!(out, "NEXT PAGE TOKEN\t{t}");
                }
            }
        }
    }
}

/// The reason a failed answer gives (`error.reason`, else `error.message`, else the status).
fn reason_of(a: &Answer) -> String {
    let e = &a.body["error"];
    e["reason"]
        .as_str()
        .filter(|r| !r.is_empty())
        .or_else(|| e["message"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {}", a.status))
}

/// Reads a file (or standard input for `None`) as JSON.
fn read_json(path: Option<&PathBuf>) -> Result<Value, String> {
    let (name, text) = match path {
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
        ),
        None => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("STD_IN: {e}"))?;
            ("STD_IN".to_string(), s)
        }
    };
    serde_json::from_str(&text).map_err(|e| format!("{name}: not valid JSON: {e}"))
}

/// One identity to import and where it came from (`file.json#3`).
struct Item {
    source: String,
    body: Value,
    clear_password: bool,
    size: usize,
}

/// The identities of one source (a file, or standard input for `None`), and the entries that
/// could not be read.
fn collect_items(src: Option<&PathBuf>) -> (Vec<Item>, Vec<(String, String)>) {
    let mut items = Vec::new();
    let mut failed = Vec::new();
    let name = src.map_or("STD_IN".to_string(), |p| p.display().to_string());
    let doc = match read_json(src) {
        Ok(d) => d,
        Err(e) => {
            failed.push((name, e));
            return (items, failed);
        }
    };
    let list: Vec<(String, Value)> = match doc {
        Value::Array(list) => list
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("{name}#{i}"), v))
            .collect(),
        other => vec![(name.clone(), other)],
    };
    for (source, body) in list {
        if !body.is_object() {
            failed.push((source, "an identity must be a JSON object".to_string()));
            continue;
        }
        let clear_password = body
            .pointer("/credentials/password/config/password")
            .and_then(Value::as_str)
            .is_some_and(|p| !p.is_empty());
        let size = body.to_string().len();
        items.push(Item {
            source,
            body,
            clear_password,
            size,
        });
    }
    (items, failed)
}

/// Splits the items into batches the server accepts.
fn batches(items: &[Item]) -> Vec<&[Item]> {
    let mut out = Vec::new();
    let mut start = 0;
    let (mut count, mut clear, mut bytes) = (0, 0, 0);
    for (i, item) in items.iter().enumerate() {
        let over = count + 1 > BATCH_SIZE
            || clear + usize::from(item.clear_password) > BATCH_CLEAR_PASSWORDS
            || (count > 0 && bytes + item.size > BATCH_BYTES);
        if over {
            out.push(&items[start..i]);
            start = i;
            (count, clear, bytes) = (0, 0, 0);
        }
        count += 1;
        clear += usize::from(item.clear_password);
        bytes += item.size;
    }
    if start < items.len() {
        out.push(&items[start..]);
    }
    out
}

/// The progress line on standard error (only on a terminal).
struct Progress {
    total: usize,
    show: bool,
}

impl Progress {
    fn update(&self, done: usize, failed: usize) {
        if !self.show {
            return;
        }
        let width = 30;
        let filled = ((done + failed) * width)
            .checked_div(self.total)
            .unwrap_or(width)
            .min(width);
        eprint!(
            "\r[{}{}] {done}/{} imported, {failed} failed",
            "=".repeat(filled),
            " ".repeat(width - filled),
            self.total
        );
        let _ = std::io::stderr().flush();
    }
    fn finish(&self) {
        if self.show {
            eprintln!();
        }
    }
}

/// Sends `items` in batches; a batch refused as a whole is retried one identity at a time.
async fn import_items(
    admin: &Admin,
    items: &[Item],
    created: &mut Vec<Value>,
    failed: &mut Vec<(String, String)>,
    progress: &Progress,
) -> CliResult {
    for batch in batches(items) {
        let body = json!({
            "identities": batch.iter().map(|i| json!({"create": i.body})).collect::<Vec<_>>()
        });
        let answer = admin
            .call(reqwest::Method::PATCH, "/admin/identities", Some(&body))
            .await?;
        let results = answer.body["identities"].as_array().cloned();
        match results {
            Some(results) if answer.status == 200 && results.len() == batch.len() => {
                for (item, result) in batch.iter().zip(results) {
                    match result["identity"].as_str() {
                        Some(id) => created.push(json!({"id": id, "source": item.source})),
                        None => {
                            let reason = result["error"]["reason"]
                                .as_str()
                                .filter(|r| !r.is_empty())
                                .or_else(|| result["error"]["message"].as_str())
                                .unwrap_or("not created")
                                .to_string();
                            failed.push((item.source.clone(), reason));
                        }
                    }
                }
            }
            // Refused as a whole (one item could not even be read): one at a time instead.
            _ => {
                for item in batch {
                    let a = admin
                        .call(reqwest::Method::POST, "/admin/identities", Some(&item.body))
                        .await?;
                    match a.body["id"].as_str() {
                        Some(id) if a.status == 201 => {
                            created.push(json!({"id": id, "source": item.source}))
                        }
                        _ => failed.push((item.source.clone(), reason_of(&a))),
                    }
                }
            }
        }
        progress.update(created.len(), failed.len());
    }
    Ok(())
}

pub async fn import(c: &Client, args: &ImportArgs) -> CliResult {
    let admin = Admin::new(c)?;
    let sources: Vec<Option<&PathBuf>> = if args.files.is_empty() {
        vec![None]
    } else {
        args.files.iter().map(Some).collect()
    };
    let mut failed: Vec<(String, String)> = Vec::new();
    let mut created: Vec<Value> = Vec::new();
    let show = !args.quiet && std::io::stderr().is_terminal();
    // One source at a time, so memory holds one file, not all of them.
    for src in sources {
        let (items, mut unreadable) = collect_items(src);
        failed.append(&mut unreadable);
        let progress = Progress {
            total: created.len() + failed.len() + items.len(),
            show,
        };
        import_items(&admin, &items, &mut created, &mut failed, &progress).await?;
    }
    let progress = Progress { total: 0, show };
    progress.finish();
    match admin.format {
        Format::Table => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "ID\tSOURCE");
            for c in &created {
                let _ = writeln!(
                    out,
                    "{}\t{}",
                    c["id"].as_str().unwrap_or(""),
                    c["source"].as_str().unwrap_or("")
                );
            }
        }
        Format::Json => println!("{}", json!(created)),
        Format::JsonPretty => println!(
            "{}",
            serde_json::to_string_pretty(&created).unwrap_or_default()
        ),
    }
    eprintln!(
        "imported {} identities, {} failed",
        created.len(),
        failed.len()
    );
    for (source, reason) in &failed {
        eprintln!("  {source}: {reason}");
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("{} identities could not be imported", failed.len()))
    }
}

pub async fn list(c: &Client, args: &ListArgs) -> CliResult {
    let admin = Admin::new(c)?;
    let mut path = format!("/admin/identities?page_size={}", args.page_size);
    if let Some(t) = &args.page_token {
        path.push_str(&format!("&page_token={}", urlencode(t)));
    }
    let a = admin.call(reqwest::Method::GET, &path, None).await?;
    if a.status != 200 {
        return Err(reason_of(&a));
    }
    let rows = a.body.as_array().cloned().unwrap_or_default();
    let next = a.link.as_deref().and_then(next_page_token);
    admin.print(&rows, next.as_deref());
    Ok(())
}

/// The `page_token` of the `rel="next"` entry of a `Link` header, if there is one.
fn next_page_token(link: &str) -> Option<String> {
    link.split(',')
        .find(|entry| entry.contains("rel=\"next\""))
        .and_then(|entry| entry.split("page_token=").nth(1))
        .map(|rest| rest.split(['>', '&']).next().unwrap_or("").to_string())
}

pub async fn get(c: &Client, args: &GetArgs) -> CliResult {
    let admin = Admin::new(c)?;
    let query: String = args
        .include_credentials
        .iter()
        .map(|t| format!("include_credential={}", urlencode(t)))
        .collect::<Vec<_>>()
        .join("&");
    let mut rows = Vec::new();
    let mut failed = 0;
    for id in &args.ids {
        let path = format!("/admin/identities/{}?{query}", urlencode(id));
        let a = admin.call(reqwest::Method::GET, &path, None).await?;
        if a.status == 200 {
            rows.push(a.body);
        } else {
            failed += 1;
            eprintln!("{id}: {}", reason_of(&a));
        }
    }
    if !rows.is_empty() {
        admin.print(&rows, None);
    }
    if failed > 0 {
        return Err(format!("{failed} identities could not be fetched"));
    }
    Ok(())
}

pub async fn delete(c: &Client, args: &DeleteArgs) -> CliResult {
    let admin = Admin::new(c)?;
    let mut failed = 0;
    for id in &args.ids {
        let path = format!("/admin/identities/{}", urlencode(id));
        let a = admin.call(reqwest::Method::DELETE, &path, None).await?;
        if a.status == 204 {
            println!("{id}");
        } else {
            failed += 1;
            eprintln!("{id}: {}", reason_of(&a));
        }
    }
    if failed > 0 {
        return Err(format!("{failed} identities could not be deleted"));
    }
    Ok(())
}

pub async fn patch(c: &Client, args: &PatchArgs) -> CliResult {
    let admin = Admin::new(c)?;
    let ops = read_json(args.file.as_ref())?;
    if !ops.is_array() {
        return Err("a JSON Patch must be an array of operations".into());
    }
    let path = format!("/admin/identities/{}", urlencode(&args.id));
    let a = admin
        .call(reqwest::Method::PATCH, &path, Some(&ops))
        .await?;
    if a.status != 200 {
        return Err(reason_of(&a));
    }
    admin.print(&[a.body], None);
    Ok(())
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(clear: bool, size: usize) -> Item {
        Item {
            source: String::new(),
            body: Value::Null,
            clear_password: clear,
            size,
        }
    }

    #[test]
    fn batches_respect_every_server_limit() {
        let items: Vec<Item> = (0..1201).map(|_| item(false, 100)).collect();
        let sizes: Vec<usize> = batches(&items).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [500, 500, 201]);
        let items: Vec<Item> = (0..450).map(|_| item(true, 100)).collect();
        let sizes: Vec<usize> = batches(&items).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [200, 200, 50]);
        let items: Vec<Item> = (0..5).map(|_| item(false, 300 * 1024)).collect();
        let sizes: Vec<usize> = batches(&items).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [1, 1, 1, 1, 1]);
        assert!(batches(&[]).is_empty());
    }
}
