//! Request building: one general mechanism turning a provider, an endpoint, an encoded body,
//! transport options and credentials into an `http::Request<Bytes>`.
//!
//! ```
//! use bytes::Bytes;
//! use codex_api_core::credentials::Credentials;
//! use codex_api_core::provider::Provider;
//! use codex_api_core::request::{Endpoint, ResponsesOptions, build_request};
//!
//! let request = build_request(
//!     &Provider::openai(),
//!     &Endpoint::responses(),
//!     Some(Bytes::from_static(br#"{"model":"gpt-5","input":"hi","stream":true}"#)),
//!     &ResponsesOptions::new().with_session_id("s-1"),
//!     &Credentials::api_key("sk-test"),
//! )?;
//! assert_eq!(request.uri(), "https://api.openai.com/v1/responses");
//! assert_eq!(request.headers()["accept"], "text/event-stream");
//! assert_eq!(request.headers()["session-id"], "s-1");
//! # Ok::<(), codex_api_core::request::BuildError>(())
//! ```

mod compression;
mod endpoints;
pub(crate) mod headers;
mod options;
mod resources;
mod turn_state;

use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::credentials::Credentials;
use crate::provider::{Provider, QueryParams};

pub use compression::ZSTD_LEVEL;
pub use endpoints::{OPENAI_BETA_HEADER, PreparedRequest, RESPONSES_WEBSOCKETS_BETA};
pub(crate) use endpoints::{apply_store_rule, encode_string};
pub use options::{
    CLIENT_REQUEST_ID_HEADER, Compression, ResponsesOptions, SESSION_ID_HEADER, SUBAGENT_HEADER,
    THREAD_ID_HEADER, TURN_STATE_HEADER,
};
pub use resources::{ListParams, RetrieveOptions};
pub use turn_state::{TurnState, turn_state_from_headers};

/// Header naming the client product that sent the request.
pub const ORIGINATOR_HEADER: &str = "originator";
/// Header selecting the OpenAI organization.
pub const ORGANIZATION_HEADER: &str = "OpenAI-Organization";
/// Header selecting the OpenAI project.
pub const PROJECT_HEADER: &str = "OpenAI-Project";

/// A request could not be built. Never carries a header value, token or body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A header name is not a valid HTTP token, or its value is not a valid header value
    /// (for example it contains CR or LF). The value is never shown: it may be a secret.
    #[error("invalid header {name:?}: the name or the value is not valid in HTTP")]
    InvalidHeader {
        /// The header's name as given.
        name: String,
    },
    /// The joined URL is not a valid URI (for example an endpoint path with spaces).
    #[error("invalid request URL: {reason}")]
    InvalidUrl {
        /// Why the URL is invalid.
        reason: &'static str,
    },
    /// Body compression is on and a header already sets `Content-Encoding`.
    #[error("a Content-Encoding header is set while request body compression is on")]
    ContentEncodingConflict,
    /// zstd compression was requested but the crate was built without the `zstd` feature.
    #[error("zstd compression requested but codex-api-core was built without the `zstd` feature")]
    CompressionUnavailable,
    /// The typed body could not be encoded as JSON.
    #[error("request body could not be encoded: {message}")]
    Body {
        /// The encoder's message.
        message: String,
    },
    /// A member of the body's `extra` has the name of one of its typed members (set the typed
    /// field instead).
    #[error("extra member `{member}` collides with a typed member of the request body")]
    ExtraCollision {
        /// The member's name.
        member: String,
    },
    /// A path id (response, conversation or item id) is empty, `.` or `..`: it would name
    /// another path. (Any other id is percent-encoded as one path segment.)
    #[error("invalid {what}: empty, `.` or `..`")]
    InvalidId {
        /// Which id.
        what: &'static str,
    },
    /// `background: true` over the WebSocket transport, which does not support it (stream the
    /// background response over HTTP instead). Nothing was sent.
    #[error("background responses cannot be created over the WebSocket transport")]
    BackgroundOverWebSocket,
    /// The compressor failed.
    #[error("request body compression failed: {message}")]
    Compression {
        /// The compressor's message.
        message: String,
    },
}

/// One API endpoint: method, path under the provider's base URL, endpoint query parameters and
/// endpoint headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    method: Method,
    path: String,
    pub(crate) query: QueryParams,
    headers: Vec<(String, String)>,
}

impl Endpoint {
    /// Any endpoint: `method` and `path` (relative to the base URL; leading slashes are fine).
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Endpoint {
            method,
            path: path.into(),
            query: QueryParams::new(),
            headers: Vec::new(),
        }
    }

    /// `POST responses`, streamed (`Accept: text/event-stream`).
    pub fn responses() -> Self {
        Self::new(Method::POST, "responses").with_header("Accept", "text/event-stream")
    }

    /// `POST responses/compact` (JSON reply).
    pub fn responses_compact() -> Self {
        Self::new(Method::POST, "responses/compact").with_header("Accept", "application/json")
    }

    /// `POST memories/trace_summarize` (JSON reply).
    pub fn memories_trace_summarize() -> Self {
        Self::new(Method::POST, "memories/trace_summarize")
            .with_header("Accept", "application/json")
    }

    /// `GET models`, with `client_version=<version>` when given.
    pub fn models(client_version: Option<&str>) -> Self {
        let endpoint = Self::new(Method::GET, "models").with_header("Accept", "application/json");
        match client_version {
            Some(version) => endpoint.with_query("client_version", version),
            None => endpoint,
        }
    }

    /// Adds an endpoint query parameter (appended after the provider's).
    pub fn with_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.set(name, value);
        self
    }

    /// Adds an endpoint header (overrides provider defaults and options; auth overrides it).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path relative to the base URL.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Endpoint query parameters.
    pub fn query(&self) -> &QueryParams {
        &self.query
    }
}

/// Builds a request. `body` is the already-encoded JSON body; with a body,
/// `Content-Type: application/json` is set, and with [`Compression::Zstd`] the body is
/// compressed and `Content-Encoding: zstd` set.
///
/// Header layers, each replacing earlier headers of the same name: provider defaults
/// (`User-Agent`, `originator`, `OpenAI-Organization`, `OpenAI-Project`, then the provider's
/// own default headers) < `options.extra_headers` < named options (`session-id`, `thread-id`,
/// `x-client-request-id`, `x-openai-subagent`, `x-codex-turn-state`) < endpoint headers
/// (`Accept`, `Content-Type`, `Content-Encoding`) < auth headers from `credentials`.
pub fn build_request(
    provider: &Provider,
    endpoint: &Endpoint,
    body: Option<Bytes>,
    options: &ResponsesOptions,
    credentials: &Credentials,
) -> Result<http::Request<Bytes>, BuildError> {
    let mut header_map = HeaderMap::new();

    // Layer 1: provider defaults.
    headers::set_header(&mut header_map, "User-Agent", provider.user_agent(), false)?;
    headers::set_header(
        &mut header_map,
        ORIGINATOR_HEADER,
        provider.originator(),
        false,
    )?;
    if let Some(organization) = provider.organization() {
        headers::set_header(&mut header_map, ORGANIZATION_HEADER, organization, false)?;
    }
    if let Some(project) = provider.project() {
        headers::set_header(&mut header_map, PROJECT_HEADER, project, false)?;
    }
    headers::set_headers(
        &mut header_map,
        provider
            .default_headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    )?;

    // Layer 2: caller options.
    headers::set_headers(
        &mut header_map,
        options
            .extra_headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    )?;
    headers::set_headers(&mut header_map, options.named_headers())?;

    // Layer 3: endpoint headers and the body.
    headers::set_headers(
        &mut header_map,
        endpoint
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    )?;
    let body = match body {
        Some(body) => {
            headers::set_header(&mut header_map, "Content-Type", "application/json", false)?;
            if options.compression != Compression::None
                && header_map.contains_key(http::header::CONTENT_ENCODING)
            {
                return Err(BuildError::ContentEncodingConflict);
            }
            let (body, encoding) = compression::compress(body, options.compression)?;
            if let Some(encoding) = encoding {
                headers::set_header(&mut header_map, "Content-Encoding", encoding, false)?;
            }
            body
        }
        None => Bytes::new(),
    };

    // Layer 4: auth always wins.
    credentials.apply_to(&mut header_map)?;

    let url = provider.url_for(&endpoint.path, &endpoint.query);
    let uri: http::Uri = url.parse().map_err(|_| BuildError::InvalidUrl {
        reason: "the joined URL is not a valid URI",
    })?;
    let mut request = http::Request::new(body);
    *request.method_mut() = endpoint.method.clone();
    *request.uri_mut() = uri;
    *request.headers_mut() = header_map;
    Ok(request)
}
