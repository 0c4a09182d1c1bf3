//! Typed entry points, one per endpoint: each turns a typed body into a [`PreparedRequest`]
//! (endpoint + body encoded once), which then builds an `http::Request<Bytes>` per attempt.

use bytes::Bytes;
use serde::Serialize;

use super::{BuildError, Endpoint, ResponsesOptions, build_request};
use crate::credentials::Credentials;
use crate::provider::Provider;
use crate::wire::lossless::Lossless;
use crate::wire::lossless::ser::collision;
use crate::wire::{CompactionInput, MemorySummarizeInput, ResponsesApiRequest};

/// The `OpenAI-Beta` header.
pub const OPENAI_BETA_HEADER: &str = "OpenAI-Beta";
/// The `OpenAI-Beta` value of the Responses WebSocket transport (v2).
pub const RESPONSES_WEBSOCKETS_BETA: &str = "responses_websockets=2026-02-06";

/// An endpoint with its JSON body encoded exactly once. Every attempt of a call builds its
/// request from this, so retries send the same body bytes; only headers (fresh credentials,
/// for instance) may change between attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    endpoint: Endpoint,
    body: Option<Bytes>,
    streaming: bool,
    upgrade: bool,
    background: bool,
    /// The background response a retrieve stream reads (its id is known before any event).
    pub(super) response_id: Option<String>,
}

impl PreparedRequest {
    /// A prepared request from an endpoint and an already-encoded body, answered with one
    /// JSON body (not a stream).
    pub fn new(endpoint: Endpoint, body: Option<Bytes>) -> Self {
        PreparedRequest {
            endpoint,
            body,
            streaming: false,
            upgrade: false,
            background: false,
            response_id: None,
        }
    }

    /// A prepared request answered with server-sent events.
    pub fn new_streaming(endpoint: Endpoint, body: Option<Bytes>) -> Self {
        PreparedRequest {
            endpoint,
            body,
            streaming: true,
            upgrade: false,
            background: false,
            response_id: None,
        }
    }

    /// `POST responses`, streamed. `stream` is forced to `true`.
    ///
    /// Item ids in `input` follow `store`:
    /// - `store: Some(false)`: every input item's `id` is removed, since the server rejects ids
    ///   of items it did not store;
    /// - `store: Some(true)` or unset (the API stores by default): ids are kept, so items of
    ///   stored responses can be referred to.
    ///
    /// Azure Responses endpoints keep their own rule: `store` is set to `true` when unset, and
    /// ids always stay in `input` (an explicit `store: false` is sent as is, ids included).
    pub fn responses(
        provider: &Provider,
        mut request: ResponsesApiRequest,
    ) -> Result<Self, BuildError> {
        request.stream = Some(true);
        apply_store_rule(provider, &mut request);
        let background = request.background == Some(true);
        let mut prepared = Self::new_streaming(Endpoint::responses(), Some(encode(&request)?));
        prepared.background = background;
        Ok(prepared)
    }

    /// `POST responses/compact`. The body is sent as given, item ids included, for every
    /// provider.
    ///
    /// The compaction body (OpenAPI `CompactResponseMethodPublicBody`) has no `store`, so there
    /// is nothing for the ids to follow but the API default, which is to store responses; the
    /// API's own example compacts a history whose items carry the ids of the responses that
    /// produced them. A history produced with `store: false` (whose ids the server does not
    /// know) is the caller's to clean: call [`CompactionInput::strip_item_ids`] first, as
    /// [`PreparedRequest::responses`] does for `store: Some(false)`.
    ///
    /// `provider` does not change the body today; it is taken so that a provider rule can be
    /// added without changing the signature.
    pub fn compact(_provider: &Provider, input: CompactionInput) -> Result<Self, BuildError> {
        Ok(Self::new(
            Endpoint::responses_compact(),
            Some(encode(&input)?),
        ))
    }

    /// `POST memories/trace_summarize`.
    pub fn summarize_memories(input: &MemorySummarizeInput) -> Result<Self, BuildError> {
        Ok(Self::new(
            Endpoint::memories_trace_summarize(),
            Some(encode(input)?),
        ))
    }

    /// `GET models`, with `client_version=<version>` when given.
    pub fn list_models(client_version: Option<&str>) -> Self {
        Self::new(Endpoint::models(client_version), None)
    }

    /// The WebSocket upgrade of `responses` (`GET responses` with `OpenAI-Beta:
    /// responses_websockets=2026-02-06`): the same provider headers, options and auth as the
    /// HTTP request, in the same precedence. The `Upgrade`, `Connection` and
    /// `Sec-WebSocket-*` headers are the handshake's
    /// ([`ClientHandshake`](crate::websocket::ClientHandshake)); a `101` ends the call with
    /// [`Action::Upgraded`](crate::call::Action::Upgraded).
    pub fn responses_websocket() -> Self {
        let endpoint = Endpoint::new(http::Method::GET, "responses")
            .with_header(OPENAI_BETA_HEADER, RESPONSES_WEBSOCKETS_BETA);
        PreparedRequest {
            upgrade: true,
            ..Self::new(endpoint, None)
        }
    }

    /// Whether this is a WebSocket upgrade ([`PreparedRequest::responses_websocket`]).
    pub fn is_upgrade(&self) -> bool {
        self.upgrade
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Whether the response is a server-sent-events stream (`POST responses`).
    pub fn is_streaming(&self) -> bool {
        self.streaming
    }

    /// Whether this is a streamed `POST responses` of a background response
    /// (`background: true`): a stream of it that is cut resumes by itself (see
    /// [`ResumeSettings`](crate::stream::ResumeSettings)).
    pub fn is_background(&self) -> bool {
        self.background
    }

    /// The id of the stored response a retrieve stream reads
    /// ([`PreparedRequest::retrieve_response_stream`]).
    pub fn response_id(&self) -> Option<&str> {
        self.response_id.as_deref()
    }

    /// Marks a streaming request as one of a background response, so that a cut stream
    /// resumes (for a hand-prepared `POST responses` with `background: true`).
    #[must_use]
    pub fn with_background(mut self, background: bool) -> Self {
        self.background = background && self.streaming;
        self
    }

    /// Splits into the endpoint and the encoded body.
    pub fn into_parts(self) -> (Endpoint, Option<Bytes>) {
        (self.endpoint, self.body)
    }

    /// The encoded body, if the endpoint takes one.
    pub fn body(&self) -> Option<&Bytes> {
        self.body.as_ref()
    }

    /// Builds the request for one attempt (the body bytes are shared, not copied).
    pub fn build(
        &self,
        provider: &Provider,
        options: &ResponsesOptions,
        credentials: &Credentials,
    ) -> Result<http::Request<Bytes>, BuildError> {
        build_request(
            provider,
            &self.endpoint,
            self.body.clone(),
            options,
            credentials,
        )
    }
}

/// Item ids follow `store` (see [`PreparedRequest::responses`]).
pub(crate) fn apply_store_rule(provider: &Provider, request: &mut ResponsesApiRequest) {
    if provider.is_azure_responses_endpoint() {
        request.store.get_or_insert(true);
    } else if request.store == Some(false) {
        request.strip_item_ids();
    }
}

pub(crate) fn encode<T: Lossless + Serialize>(body: &T) -> Result<Bytes, BuildError> {
    encode_with(body, serde_json::to_vec).map(Bytes::from)
}

/// [`encode`] into a `String` (serde_json writes UTF-8, so nothing is validated or copied to
/// make one), for the WebSocket's text messages.
pub(crate) fn encode_string<T: Lossless + Serialize>(body: &T) -> Result<String, BuildError> {
    encode_with(body, serde_json::to_string)
}

fn encode_with<T: Lossless + Serialize, O>(
    body: &T,
    to_json: impl FnOnce(&T) -> serde_json::Result<O>,
) -> Result<O, BuildError> {
    if let Some(member) = collision(body) {
        return Err(BuildError::ExtraCollision {
            member: member.to_owned(),
        });
    }
    to_json(body).map_err(|err| {
        // A collision inside the body (an item's `extra`) is reported by the encoder.
        match crate::wire::lossless::ser::collision_in(&err) {
            Some(member) => BuildError::ExtraCollision { member },
            None => BuildError::Body {
                message: err.to_string(),
            },
        }
    })
}
