//! The Conversations API: conversations and their items.

use codex_api_core::call::ClientError;
use codex_api_core::pager::Pager;
use codex_api_core::request::{ListParams, PreparedRequest, ResponsesOptions};
use codex_api_core::wire::{
    Conversation, ConversationCreate, ConversationItems, ConversationUpdate, Deletion, ItemList,
    ResponseItem,
};

use crate::client::Client;
use crate::pager::ItemPager;
use crate::runtime::Runtime;
use crate::telemetry::CallLabels;

/// The Conversations API of a [`Client`] ([`Client::conversations`]). A response runs in a
/// conversation through [`ResponsesApiRequest::conversation`](codex_api_core::wire::ResponsesApiRequest::conversation).
#[derive(Debug, Clone)]
pub struct Conversations<'a, R: Runtime> {
    client: &'a Client<R>,
    options: ResponsesOptions,
}

impl<'a, R: Runtime> Conversations<'a, R> {
    pub(crate) fn new(client: &'a Client<R>) -> Self {
        Conversations {
            client,
            options: ResponsesOptions::new(),
        }
    }

    /// The same API with these per-request options on every request.
    #[must_use]
    pub fn with_options(mut self, options: ResponsesOptions) -> Self {
        self.options = options;
        self
    }

    /// `POST conversations`.
    pub async fn create(&self, body: ConversationCreate) -> Result<Conversation, ClientError> {
        let prepared = PreparedRequest::create_conversation(&body)?;
        self.json(prepared, "conversations.create").await
    }

    /// `GET conversations/{id}`.
    pub async fn retrieve(&self, id: &str) -> Result<Conversation, ClientError> {
        let prepared = PreparedRequest::retrieve_conversation(id)?;
        self.json(prepared, "conversations.retrieve").await
    }

    /// `POST conversations/{id}`: replaces the metadata.
    pub async fn update(
        &self,
        id: &str,
        metadata: serde_json::Value,
    ) -> Result<Conversation, ClientError> {
        let prepared =
            PreparedRequest::update_conversation(id, &ConversationUpdate::new(metadata))?;
        self.json(prepared, "conversations.update").await
    }

    /// `DELETE conversations/{id}`.
    pub async fn delete(&self, id: &str) -> Result<Deletion, ClientError> {
        let prepared = PreparedRequest::delete_conversation(id)?;
        self.json(prepared, "conversations.delete").await
    }

    /// `GET conversations/{id}/items`: one page.
    pub async fn items_page(&self, id: &str, params: &ListParams) -> Result<ItemList, ClientError> {
        let prepared = PreparedRequest::list_conversation_items(id, params)?;
        self.json(prepared, "conversations.items.list").await
    }

    /// Every item of conversation `id`, as a `Stream` that fetches the pages lazily.
    pub fn items(&self, id: &str, params: ListParams) -> Result<ItemPager<R>, ClientError> {
        let pager = Pager::conversation_items(id, params)?;
        Ok(ItemPager::new(
            self.client.clone(),
            self.options.clone(),
            pager,
        ))
    }

    /// `POST conversations/{id}/items`: appends `items` (up to 20); the reply lists them as
    /// stored.
    pub async fn add_items(
        &self,
        id: &str,
        items: Vec<ResponseItem>,
        include: &[String],
    ) -> Result<ItemList, ClientError> {
        let body = ConversationItems::new(items);
        let prepared = PreparedRequest::create_conversation_items(id, &body, include)?;
        self.json(prepared, "conversations.items.create").await
    }

    /// `GET conversations/{id}/items/{item_id}`.
    pub async fn item(
        &self,
        id: &str,
        item_id: &str,
        include: &[String],
    ) -> Result<ResponseItem, ClientError> {
        let prepared = PreparedRequest::retrieve_conversation_item(id, item_id, include)?;
        self.json(prepared, "conversations.items.retrieve").await
    }

    /// `DELETE conversations/{id}/items/{item_id}`: the conversation without the item.
    pub async fn delete_item(&self, id: &str, item_id: &str) -> Result<Conversation, ClientError> {
        let prepared = PreparedRequest::delete_conversation_item(id, item_id)?;
        self.json(prepared, "conversations.items.delete").await
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        prepared: PreparedRequest,
        operation: &'static str,
    ) -> Result<T, ClientError> {
        let labels = CallLabels::new(operation, None);
        self.client
            .json(prepared, self.options.clone(), labels)
            .await
    }
}
