//! `codex-api request --dry-run`: build a request exactly as it would be sent and print it.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use codex_api_core::request::ResponsesOptions;
use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::value::RawValue;

use crate::request_args::{EndpointName, RequestArgs};

/// Header names whose values are always replaced by `<redacted>`, besides any value the core
/// marked sensitive (the `Authorization` header, for one).
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "api-key",
    "x-api-key",
    "cookie",
];

/// Arguments of `codex-api request`.
#[derive(Debug, Args)]
pub struct RequestCommandArgs {
    /// Print the request instead of sending it: the only mode, so it is the default (the flag
    /// is accepted for clarity); nothing is ever sent.
    #[arg(long)]
    dry_run: bool,
    /// Which endpoint to build the request for.
    #[arg(long, value_enum, default_value = "responses")]
    endpoint: EndpointName,
    #[command(flatten)]
    request: RequestArgs,
}

/// The dry-run document: method, URL, headers (secrets redacted) and the body, embedded
/// byte-for-byte as it would be sent (`null` for a request without a body).
#[derive(Debug, Serialize)]
pub struct DryRun {
    method: String,
    url: String,
    headers: Headers,
    body: Option<Box<RawValue>>,
}

/// Header pairs in the order the request carries them, printed as a JSON object.
#[derive(Debug)]
struct Headers(Vec<(String, String)>);

impl Serialize for Headers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// Builds the dry-run document for `args`.
pub fn document(args: &RequestCommandArgs) -> Result<DryRun, String> {
    let provider = args.request.input.server.provider()?;
    let prepared = args.request.prepare(args.endpoint, &provider)?;
    let request = prepared
        .build(
            &provider,
            &ResponsesOptions::new(),
            &args.request.input.server.dry_run_credentials(),
        )
        .map_err(|err| format!("cannot build the request: {err}"))?;
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            let shown = if value.is_sensitive() || SECRET_HEADERS.contains(&name.as_str()) {
                "<redacted>".to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), shown)
        })
        .collect();
    let body = match prepared.body() {
        Some(bytes) => {
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| "the encoded body is not UTF-8".to_owned())?;
            Some(
                RawValue::from_string(text)
                    .map_err(|err| format!("the encoded body is not JSON: {err}"))?,
            )
        }
        None => None,
    };
    Ok(DryRun {
        method: request.method().as_str().to_owned(),
        url: request.uri().to_string(),
        headers: Headers(headers),
        body,
    })
}

/// Run `codex-api request`.
pub fn run(args: &RequestCommandArgs) -> Result<ExitCode, String> {
    let document = document(args)?;
    let mut text = serde_json::to_string(&document)
        .map_err(|err| format!("cannot encode the request: {err}"))?;
    text.push('\n');
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|err| format!("cannot write output: {err}"))?;
    Ok(ExitCode::SUCCESS)
}
