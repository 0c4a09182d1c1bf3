//! The Responses resource (`responses/{id}`, its cancel, input items and token counts) and
//! the Conversations API, as [`PreparedRequest`]s: ids percent-encoded as one path segment,
//! list parameters as the API names them.

use http::Method;

use super::endpoints::encode;
use super::{BuildError, Endpoint, PreparedRequest};
use crate::provider::Provider;
use crate::wire::{
    ConversationCreate, ConversationItems, ConversationUpdate, ListOrder, ResponsesApiRequest,
};

/// Query options of `GET responses/{id}` (retrieve and stream).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetrieveOptions {
    /// `include[]`: extra output to include, e.g. `reasoning.encrypted_content`.
    pub include: Vec<String>,
    /// `include_obfuscation` (streams only): `false` asks the server to leave out the
    /// `obfuscation` padding of delta events.
    pub include_obfuscation: Option<bool>,
}

impl RetrieveOptions {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an `include[]` value.
    #[must_use]
    pub fn include(mut self, value: impl Into<String>) -> Self {
        self.include.push(value.into());
        self
    }

    /// Sets `include_obfuscation`.
    #[must_use]
    pub fn include_obfuscation(mut self, include: bool) -> Self {
        self.include_obfuscation = Some(include);
        self
    }
}

/// Cursor parameters of a listing (`GET responses/{id}/input_items`,
/// `GET conversations/{id}/items`). Unset parameters are not sent (the API's defaults:
/// 20 items, `desc`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListParams {
    /// `after`: list the items after this item id (the previous page's `last_id`).
    pub after: Option<String>,
    /// `before`: list the items before this item id.
    pub before: Option<String>,
    /// `limit`: items per page, 1 to 100.
    pub limit: Option<u32>,
    /// `order`: `asc` or `desc`.
    pub order: Option<ListOrder>,
    /// `include[]`: extra output to include.
    pub include: Vec<String>,
}

impl ListParams {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `after`.
    #[must_use]
    pub fn after(mut self, item_id: impl Into<String>) -> Self {
        self.after = Some(item_id.into());
        self
    }

    /// Sets `before`.
    #[must_use]
    pub fn before(mut self, item_id: impl Into<String>) -> Self {
        self.before = Some(item_id.into());
        self
    }

    /// Sets `limit`.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets `order`.
    #[must_use]
    pub fn order(mut self, order: ListOrder) -> Self {
        self.order = Some(order);
        self
    }

    /// Adds an `include[]` value.
    #[must_use]
    pub fn include(mut self, value: impl Into<String>) -> Self {
        self.include.push(value.into());
        self
    }

    fn apply(&self, mut endpoint: Endpoint) -> Endpoint {
        if let Some(after) = &self.after {
            endpoint = endpoint.with_query("after", after.as_str());
        }
        if let Some(before) = &self.before {
            endpoint = endpoint.with_query("before", before.as_str());
        }
        if let Some(limit) = self.limit {
            endpoint = endpoint.with_query("limit", limit.to_string());
        }
        if let Some(order) = &self.order {
            endpoint = endpoint.with_query("order", order.as_str());
        }
        with_include(endpoint, &self.include)
    }
}

fn with_include(mut endpoint: Endpoint, include: &[String]) -> Endpoint {
    for value in include {
        endpoint.query.append("include[]", value.as_str());
    }
    endpoint
}

/// `id` as one path segment: everything but RFC 3986 unreserved characters is
/// percent-encoded, so `/`, `?`, `#` and spaces can never change the path. An empty id, `.`
/// and `..` (which URL normalisation would turn into another path) are rejected.
pub(crate) fn segment(what: &'static str, id: &str) -> Result<String, BuildError> {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    if id.is_empty() || id == "." || id == ".." {
        return Err(BuildError::InvalidId { what });
    }
    Ok(percent_encoding::utf8_percent_encode(id, SEGMENT).to_string())
}

fn json_endpoint(method: Method, path: String) -> Endpoint {
    Endpoint::new(method, path).with_header("Accept", "application/json")
}

fn response_path(id: &str, tail: &str) -> Result<String, BuildError> {
    Ok(format!("responses/{}{tail}", segment("response id", id)?))
}

fn conversation_path(id: &str, tail: &str) -> Result<String, BuildError> {
    Ok(format!(
        "conversations/{}{tail}",
        segment("conversation id", id)?
    ))
}

fn item_path(conversation_id: &str, item_id: &str) -> Result<String, BuildError> {
    let item = segment("item id", item_id)?;
    conversation_path(conversation_id, &format!("/items/{item}"))
}

impl PreparedRequest {
    /// `POST responses`, not streamed: the reply is the `Response` object (for
    /// `background: true`, a `queued` one to retrieve, stream or cancel later). `stream` is
    /// removed from the body; item ids follow `store` as in [`PreparedRequest::responses`].
    pub fn create_response(
        provider: &Provider,
        mut request: ResponsesApiRequest,
    ) -> Result<Self, BuildError> {
        request.stream = None;
        super::endpoints::apply_store_rule(provider, &mut request);
        Ok(Self::new(
            json_endpoint(Method::POST, "responses".into()),
            Some(encode(&request)?),
        ))
    }

    /// `GET responses/{id}`: the `Response` object.
    pub fn retrieve_response(id: &str, options: &RetrieveOptions) -> Result<Self, BuildError> {
        let endpoint = json_endpoint(Method::GET, response_path(id, "")?);
        Ok(Self::new(with_include(endpoint, &options.include), None))
    }

    /// `GET responses/{id}?stream=true[&starting_after=N]`: the events of a stored
    /// (background) response, from the one after sequence number `starting_after` (from the
    /// start when `None`). Streamed like [`PreparedRequest::responses`], and resumable like a
    /// background create: a cut stream resumes after the last event delivered.
    pub fn retrieve_response_stream(
        id: &str,
        starting_after: Option<u64>,
        options: &RetrieveOptions,
    ) -> Result<Self, BuildError> {
        let mut endpoint = Endpoint::new(Method::GET, response_path(id, "")?)
            .with_header("Accept", "text/event-stream")
            .with_query("stream", "true");
        if let Some(after) = starting_after {
            endpoint = endpoint.with_query("starting_after", after.to_string());
        }
        endpoint = with_include(endpoint, &options.include);
        if let Some(include) = options.include_obfuscation {
            endpoint = endpoint.with_query("include_obfuscation", include.to_string());
        }
        let mut prepared = Self::new_streaming(endpoint, None).with_background(true);
        prepared.response_id = Some(id.to_owned());
        Ok(prepared)
    }

    /// `POST responses/{id}/cancel` (background responses): the `Response`, now `cancelled`
    /// (or as it was, when it had already finished).
    pub fn cancel_response(id: &str) -> Result<Self, BuildError> {
        let path = response_path(id, "/cancel")?;
        Ok(Self::new(json_endpoint(Method::POST, path), None))
    }

    /// `DELETE responses/{id}`: a [`Deletion`](crate::wire::Deletion).
    pub fn delete_response(id: &str) -> Result<Self, BuildError> {
        let path = response_path(id, "")?;
        Ok(Self::new(json_endpoint(Method::DELETE, path), None))
    }

    /// `GET responses/{id}/input_items`: one page, an [`ItemList`](crate::wire::ItemList).
    pub fn list_input_items(id: &str, params: &ListParams) -> Result<Self, BuildError> {
        let endpoint = json_endpoint(Method::GET, response_path(id, "/input_items")?);
        Ok(Self::new(params.apply(endpoint), None))
    }

    /// `POST responses/input_tokens`: the input tokens `request` would use, an
    /// [`InputTokenCount`](crate::wire::InputTokenCount). Only the members the endpoint takes
    /// are sent (`model`, `input`, `instructions`, `previous_response_id`, `conversation`,
    /// `tools`, `tool_choice`, `parallel_tool_calls`, `reasoning`, `text`, `truncation`, and
    /// the request's `extra` members); item ids follow `store` as for `responses`.
    pub fn count_input_tokens(
        provider: &Provider,
        mut request: ResponsesApiRequest,
    ) -> Result<Self, BuildError> {
        super::endpoints::apply_store_rule(provider, &mut request);
        let mut body = ResponsesApiRequest::new(std::mem::take(&mut request.model));
        body.input = request.input;
        body.instructions = request.instructions;
        body.previous_response_id = request.previous_response_id;
        body.conversation = request.conversation;
        body.tools = request.tools;
        body.tool_choice = request.tool_choice;
        body.parallel_tool_calls = request.parallel_tool_calls;
        body.reasoning = request.reasoning;
        body.text = request.text;
        body.truncation = request.truncation;
        body.extra = request.extra;
        let endpoint = json_endpoint(Method::POST, "responses/input_tokens".into());
        Ok(Self::new(endpoint, Some(encode(&body)?)))
    }

    /// `POST conversations`: a [`Conversation`](crate::wire::Conversation).
    pub fn create_conversation(body: &ConversationCreate) -> Result<Self, BuildError> {
        let endpoint = json_endpoint(Method::POST, "conversations".into());
        Ok(Self::new(endpoint, Some(encode(body)?)))
    }

    /// `GET conversations/{id}`.
    pub fn retrieve_conversation(id: &str) -> Result<Self, BuildError> {
        let path = conversation_path(id, "")?;
        Ok(Self::new(json_endpoint(Method::GET, path), None))
    }

    /// `POST conversations/{id}`: replaces the metadata.
    pub fn update_conversation(id: &str, body: &ConversationUpdate) -> Result<Self, BuildError> {
        let path = conversation_path(id, "")?;
        Ok(Self::new(
            json_endpoint(Method::POST, path),
            Some(encode(body)?),
        ))
    }

    /// `DELETE conversations/{id}`: a [`Deletion`](crate::wire::Deletion).
    pub fn delete_conversation(id: &str) -> Result<Self, BuildError> {
        let path = conversation_path(id, "")?;
        Ok(Self::new(json_endpoint(Method::DELETE, path), None))
    }

    /// `GET conversations/{id}/items`: one page, an [`ItemList`](crate::wire::ItemList).
    pub fn list_conversation_items(id: &str, params: &ListParams) -> Result<Self, BuildError> {
        let endpoint = json_endpoint(Method::GET, conversation_path(id, "/items")?);
        Ok(Self::new(params.apply(endpoint), None))
    }

    /// `POST conversations/{id}/items`: appends items; the reply is an
    /// [`ItemList`](crate::wire::ItemList) of the added items.
    pub fn create_conversation_items(
        id: &str,
        body: &ConversationItems,
        include: &[String],
    ) -> Result<Self, BuildError> {
        let endpoint = json_endpoint(Method::POST, conversation_path(id, "/items")?);
        Ok(Self::new(
            with_include(endpoint, include),
            Some(encode(body)?),
        ))
    }

    /// `GET conversations/{id}/items/{item_id}`: one item, a
    /// [`ResponseItem`](crate::wire::ResponseItem).
    pub fn retrieve_conversation_item(
        conversation_id: &str,
        item_id: &str,
        include: &[String],
    ) -> Result<Self, BuildError> {
        let endpoint = json_endpoint(Method::GET, item_path(conversation_id, item_id)?);
        Ok(Self::new(with_include(endpoint, include), None))
    }

    /// `DELETE conversations/{id}/items/{item_id}`: the
    /// [`Conversation`](crate::wire::Conversation) without the item.
    pub fn delete_conversation_item(
        conversation_id: &str,
        item_id: &str,
    ) -> Result<Self, BuildError> {
        let path = item_path(conversation_id, item_id)?;
        Ok(Self::new(json_endpoint(Method::DELETE, path), None))
    }
}
