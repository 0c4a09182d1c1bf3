//! The Responses resource and the Conversations API on the blocking client: the async
//! handles' methods, each run to completion on the calling thread.

use std::future::poll_fn;

use codex_api_core::call::ClientError;
use codex_api_core::request::{ListParams, ResponsesOptions, RetrieveOptions};
use codex_api_core::wire::{
    Conversation, ConversationCreate, Deletion, InputTokenCount, ItemList, Response, ResponseItem,
    ResponsesApiRequest,
};

use super::{Client, EventStream, block_on};
use crate::runtime::Runtime;

/// The Responses resource of a blocking [`Client`] (see [`crate::Responses`]).
#[derive(Debug, Clone)]
pub struct Responses<'a, R: Runtime>(crate::Responses<'a, R>);

impl<'a, R: Runtime> Responses<'a, R> {
    pub(super) fn new(client: &'a Client<R>) -> Self {
        Responses(client.inner.responses())
    }

    /// The same resource with these per-request options on every request.
    #[must_use]
    pub fn with_options(self, options: ResponsesOptions) -> Self {
        Responses(self.0.with_options(options))
    }

    /// `POST responses`, not streamed.
    pub fn create(&self, request: ResponsesApiRequest) -> Result<Response, ClientError> {
        block_on(self.0.create(request))
    }

    /// `GET responses/{id}`.
    pub fn retrieve(&self, id: &str, options: &RetrieveOptions) -> Result<Response, ClientError> {
        block_on(self.0.retrieve(id, options))
    }

    /// `GET responses/{id}?stream=true&starting_after=N`: the events after `starting_after`.
    pub fn stream(
        &self,
        id: &str,
        starting_after: Option<u64>,
        options: &RetrieveOptions,
    ) -> Result<EventStream<R>, ClientError> {
        block_on(self.0.stream(id, starting_after, options)).map(EventStream)
    }

    /// `POST responses/{id}/cancel`.
    pub fn cancel(&self, id: &str) -> Result<Response, ClientError> {
        block_on(self.0.cancel(id))
    }

    /// `DELETE responses/{id}`.
    pub fn delete(&self, id: &str) -> Result<Deletion, ClientError> {
        block_on(self.0.delete(id))
    }

    /// `GET responses/{id}/input_items`: one page.
    pub fn input_items_page(&self, id: &str, params: &ListParams) -> Result<ItemList, ClientError> {
        block_on(self.0.input_items_page(id, params))
    }

    /// Every input item of response `id`, pages fetched lazily.
    pub fn input_items(&self, id: &str, params: ListParams) -> Result<ItemPager<R>, ClientError> {
        self.0.input_items(id, params).map(ItemPager)
    }

    /// `POST responses/input_tokens`.
    pub fn count_input_tokens(
        &self,
        request: ResponsesApiRequest,
    ) -> Result<InputTokenCount, ClientError> {
        block_on(self.0.count_input_tokens(request))
    }
}

/// The Conversations API of a blocking [`Client`] (see [`crate::Conversations`]).
#[derive(Debug, Clone)]
pub struct Conversations<'a, R: Runtime>(crate::Conversations<'a, R>);

impl<'a, R: Runtime> Conversations<'a, R> {
    pub(super) fn new(client: &'a Client<R>) -> Self {
        Conversations(client.inner.conversations())
    }

    /// The same API with these per-request options on every request.
    #[must_use]
    pub fn with_options(self, options: ResponsesOptions) -> Self {
        Conversations(self.0.with_options(options))
    }

    /// `POST conversations`.
    pub fn create(&self, body: ConversationCreate) -> Result<Conversation, ClientError> {
        block_on(self.0.create(body))
    }

    /// `GET conversations/{id}`.
    pub fn retrieve(&self, id: &str) -> Result<Conversation, ClientError> {
        block_on(self.0.retrieve(id))
    }

    /// `POST conversations/{id}`: replaces the metadata.
    pub fn update(
        &self,
        id: &str,
        metadata: serde_json::Value,
    ) -> Result<Conversation, ClientError> {
        block_on(self.0.update(id, metadata))
    }

    /// `DELETE conversations/{id}`.
    pub fn delete(&self, id: &str) -> Result<Deletion, ClientError> {
        block_on(self.0.delete(id))
    }

    /// `GET conversations/{id}/items`: one page.
    pub fn items_page(&self, id: &str, params: &ListParams) -> Result<ItemList, ClientError> {
        block_on(self.0.items_page(id, params))
    }

    /// Every item of conversation `id`, pages fetched lazily.
    pub fn items(&self, id: &str, params: ListParams) -> Result<ItemPager<R>, ClientError> {
        self.0.items(id, params).map(ItemPager)
    }

    /// `POST conversations/{id}/items`.
    pub fn add_items(
        &self,
        id: &str,
        items: Vec<ResponseItem>,
        include: &[String],
    ) -> Result<ItemList, ClientError> {
        block_on(self.0.add_items(id, items, include))
    }

    /// `GET conversations/{id}/items/{item_id}`.
    pub fn item(
        &self,
        id: &str,
        item_id: &str,
        include: &[String],
    ) -> Result<ResponseItem, ClientError> {
        block_on(self.0.item(id, item_id, include))
    }

    /// `DELETE conversations/{id}/items/{item_id}`.
    pub fn delete_item(&self, id: &str, item_id: &str) -> Result<Conversation, ClientError> {
        block_on(self.0.delete_item(id, item_id))
    }
}

/// Every item of a listing, as an `Iterator` fetching pages lazily (see
/// [`crate::ItemPager`]).
#[derive(Debug)]
pub struct ItemPager<R: Runtime>(crate::ItemPager<R>);

impl<R: Runtime> ItemPager<R> {
    /// How many pages were fetched so far.
    pub fn pages(&self) -> u64 {
        self.0.pages()
    }
}

impl<R: Runtime> Iterator for ItemPager<R> {
    type Item = Result<ResponseItem, ClientError>;

    fn next(&mut self) -> Option<Self::Item> {
        block_on(poll_fn(|cx| self.0.poll_item(cx)))
    }
}

/// Responses over one WebSocket connection, on the calling thread (see
/// [`crate::WebSocketSession`]).
#[derive(Debug)]
pub struct WebSocketSession<R: Runtime>(pub(super) crate::WebSocketSession<R>);

impl<R: Runtime> WebSocketSession<R> {
    /// The per-request options of the upgrade.
    #[must_use]
    pub fn with_options(self, options: ResponsesOptions) -> Self {
        WebSocketSession(self.0.with_options(options))
    }

    /// Offers `permessage-deflate` (on by default).
    #[must_use]
    pub fn with_deflate(self, deflate: bool) -> Self {
        WebSocketSession(self.0.with_deflate(deflate))
    }

    /// Compresses the requests too (see
    /// [`crate::WebSocketSession::with_compressed_requests`]).
    #[must_use]
    pub fn with_compressed_requests(self, compress: bool) -> Self {
        WebSocketSession(self.0.with_compressed_requests(compress))
    }

    /// Whether an idle connection is open.
    pub fn is_connected(&self) -> bool {
        self.0.is_connected()
    }

    /// Whether the open connection negotiated `permessage-deflate`.
    pub fn is_deflate(&self) -> bool {
        self.0.is_deflate()
    }

    /// Opens the connection now.
    pub fn connect(&self) -> Result<(), ClientError> {
        block_on(self.0.connect())
    }

    /// A warm-up turn (`generate: false`; see [`crate::WebSocketSession::warm_up`]).
    pub fn warm_up(&self, request: ResponsesApiRequest) -> Result<(), ClientError> {
        block_on(self.0.warm_up(request))
    }

    /// One response over the connection, as an `Iterator` of events.
    pub fn stream(&self, request: ResponsesApiRequest) -> Result<EventStream<R>, ClientError> {
        block_on(self.0.stream(request)).map(EventStream)
    }
}
