//! The Responses resource (create, retrieve, stream from a sequence number, cancel, delete,
//! input items, input-token counts) and Conversations, as the CLI drives them on any runtime:
//! the [`Resources`] half of a [`Session`](crate::session::Session).

use codex_api_client::{ItemPager, Runtime};
use codex_api_core::request::{ListParams, RetrieveOptions};
use codex_api_core::wire::{
    Conversation, ConversationCreate, Deletion, InputTokenCount, Response, ResponseItem,
    ResponsesApiRequest,
};
use futures_util::StreamExt;

use crate::runtime_session::{Executor, RuntimeSession, failure};
use crate::session::{Failure, Output, StreamEnd, View};

/// Which listing to page through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// `GET responses/{id}/input_items`.
    InputItems,
    /// `GET conversations/{id}/items`.
    ConversationItems,
}

/// The resource calls of a session. Every call is one client call with its retries, auth
/// recovery and telemetry; a failure is reduced to a [`Failure`].
pub trait Resources {
    /// `POST responses`, not streamed.
    fn create(&mut self, request: ResponsesApiRequest) -> Result<Response, Failure>;

    /// `GET responses/{id}`.
    fn retrieve(&mut self, id: &str, options: &RetrieveOptions) -> Result<Response, Failure>;

    /// `GET responses/{id}?stream=true&starting_after=N`: hands every event to `sink`.
    fn stream_stored(
        &mut self,
        id: &str,
        starting_after: Option<u64>,
        options: &RetrieveOptions,
        view: View,
        sink: &mut dyn FnMut(Output),
    ) -> Result<StreamEnd, Failure>;

    /// `POST responses/{id}/cancel`.
    fn cancel(&mut self, id: &str) -> Result<Response, Failure>;

    /// `DELETE responses/{id}`.
    fn delete(&mut self, id: &str) -> Result<Deletion, Failure>;

    /// `POST responses/input_tokens`.
    fn count_input_tokens(
        &mut self,
        request: ResponsesApiRequest,
    ) -> Result<InputTokenCount, Failure>;

    /// Every item of a listing, through the client's lazy pager: each item goes to `sink` as
    /// its page arrives. Returns how many pages were fetched.
    fn list_items(
        &mut self,
        listing: Listing,
        id: &str,
        params: ListParams,
        sink: &mut dyn FnMut(ResponseItem),
    ) -> Result<u64, Failure>;

    /// `POST conversations`.
    fn create_conversation(&mut self, body: ConversationCreate) -> Result<Conversation, Failure>;

    /// `GET conversations/{id}`.
    fn retrieve_conversation(&mut self, id: &str) -> Result<Conversation, Failure>;

    /// `DELETE conversations/{id}`.
    fn delete_conversation(&mut self, id: &str) -> Result<Deletion, Failure>;
}

impl<R: Runtime, E: Executor> Resources for RuntimeSession<R, E> {
    fn create(&mut self, request: ResponsesApiRequest) -> Result<Response, Failure> {
        let responses = self.client().responses();
        self.block_on(responses.create(request))
            .map_err(|err| failure(&err))
    }

    fn retrieve(&mut self, id: &str, options: &RetrieveOptions) -> Result<Response, Failure> {
        let responses = self.client().responses();
        self.block_on(responses.retrieve(id, options))
            .map_err(|err| failure(&err))
    }

    fn stream_stored(
        &mut self,
        id: &str,
        starting_after: Option<u64>,
        options: &RetrieveOptions,
        view: View,
        sink: &mut dyn FnMut(Output),
    ) -> Result<StreamEnd, Failure> {
        self.block_on(async {
            let events = self
                .client()
                .responses()
                .stream(id, starting_after, options)
                .await
                .map_err(|err| failure(&err))?;
            self.drive(events, view, sink).await
        })
    }

    fn cancel(&mut self, id: &str) -> Result<Response, Failure> {
        let responses = self.client().responses();
        self.block_on(responses.cancel(id))
            .map_err(|err| failure(&err))
    }

    fn delete(&mut self, id: &str) -> Result<Deletion, Failure> {
        let responses = self.client().responses();
        self.block_on(responses.delete(id))
            .map_err(|err| failure(&err))
    }

    fn count_input_tokens(
        &mut self,
        request: ResponsesApiRequest,
    ) -> Result<InputTokenCount, Failure> {
        let responses = self.client().responses();
        self.block_on(responses.count_input_tokens(request))
            .map_err(|err| failure(&err))
    }

    fn list_items(
        &mut self,
        listing: Listing,
        id: &str,
        params: ListParams,
        sink: &mut dyn FnMut(ResponseItem),
    ) -> Result<u64, Failure> {
        let pager: ItemPager<R> = match listing {
            Listing::InputItems => self.client().responses().input_items(id, params),
            Listing::ConversationItems => self.client().conversations().items(id, params),
        }
        .map_err(|err| failure(&err))?;
        self.block_on(async move {
            let mut pager = pager;
            while let Some(item) = pager.next().await {
                sink(item.map_err(|err| failure(&err))?);
            }
            Ok(pager.pages())
        })
    }

    fn create_conversation(&mut self, body: ConversationCreate) -> Result<Conversation, Failure> {
        let conversations = self.client().conversations();
        self.block_on(conversations.create(body))
            .map_err(|err| failure(&err))
    }

    fn retrieve_conversation(&mut self, id: &str) -> Result<Conversation, Failure> {
        let conversations = self.client().conversations();
        self.block_on(conversations.retrieve(id))
            .map_err(|err| failure(&err))
    }

    fn delete_conversation(&mut self, id: &str) -> Result<Deletion, Failure> {
        let conversations = self.client().conversations();
        self.block_on(conversations.delete(id))
            .map_err(|err| failure(&err))
    }
}
