//! Typed entry points, one per endpoint: each turns a typed body into a [`PreparedRequest`]
//! (endpoint + body encoded once), which then builds an `http::Request<Bytes>` per attempt.

use bytes::Bytes;
use serde::Serialize;

use super::{BuildError, Endpoint, ResponsesOptions, build_request};
use crate::credentials::Credentials;
use crate::provider::Provider;
use crate::wire::{CompactionInput, MemorySummarizeInput, ResponsesApiRequest};

/// An endpoint with its JSON body encoded exactly once. Every attempt of a call builds its
/// request from this, so retries send the same body bytes; only headers (fresh credentials,
/// for instance) may change between attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    endpoint: Endpoint,
    body: Option<Bytes>,
}

impl PreparedRequest {
    /// A prepared request from an endpoint and an already-encoded body.
    pub fn new(endpoint: Endpoint, body: Option<Bytes>) -> Self {
        PreparedRequest { endpoint, body }
    }

    /// `POST responses`, streamed. `stream` is forced to `true`. On Azure Responses endpoints
    /// `store` defaults to `true` (when unset) and item ids stay in `input`; every other provider
    /// gets `input` with item ids stripped, since items are not stored there.
    pub fn responses(
        provider: &Provider,
        mut request: ResponsesApiRequest,
    ) -> Result<Self, BuildError> {
        request.stream = Some(true);
        if provider.is_azure_responses_endpoint() {
            request.store.get_or_insert(true);
        } else {
            request.strip_item_ids();
        }
        Ok(Self::new(Endpoint::responses(), Some(encode(&request)?)))
    }

    /// `POST responses/compact`. Item ids are stripped except on Azure Responses endpoints,
    /// as for [`PreparedRequest::responses`].
    pub fn compact(provider: &Provider, mut input: CompactionInput) -> Result<Self, BuildError> {
        if !provider.is_azure_responses_endpoint() {
            input.strip_item_ids();
        }
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

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
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

fn encode(body: &impl Serialize) -> Result<Bytes, BuildError> {
    serde_json::to_vec(body)
        .map(Bytes::from)
        .map_err(|err| BuildError::Body {
            message: err.to_string(),
        })
}
