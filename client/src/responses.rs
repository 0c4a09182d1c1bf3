//! The Responses resource beyond streaming create: non-streamed create, retrieve (whole or
//! streamed from a sequence number), cancel, delete, input items and input-token counts.

use codex_api_core::call::ClientError;
use codex_api_core::pager::Pager;
use codex_api_core::request::{ListParams, PreparedRequest, ResponsesOptions, RetrieveOptions};
use codex_api_core::wire::{Deletion, InputTokenCount, ItemList, Response, ResponsesApiRequest};

use crate::client::Client;
use crate::events::EventStream;
use crate::pager::ItemPager;
use crate::runtime::Runtime;
use crate::telemetry::CallLabels;

/// The Responses resource of a [`Client`] ([`Client::responses`]). Every method is one core
/// call: the client's retries, auth recovery, timeouts and telemetry apply.
#[derive(Debug, Clone)]
pub struct Responses<'a, R: Runtime> {
    client: &'a Client<R>,
    options: ResponsesOptions,
}

impl<'a, R: Runtime> Responses<'a, R> {
    pub(crate) fn new(client: &'a Client<R>) -> Self {
        Responses {
            client,
            options: ResponsesOptions::new(),
        }
    }

    /// The same resource with these per-request options (extra headers, session ids, ...) on
    /// every request.
    #[must_use]
    pub fn with_options(mut self, options: ResponsesOptions) -> Self {
        self.options = options;
        self
    }

    /// `POST responses`, not streamed: the whole `Response`. With `background: true` it is
    /// `queued`: [`retrieve`](Self::retrieve) it, [`stream`](Self::stream) it or
    /// [`cancel`](Self::cancel) it.
    pub async fn create(&self, request: ResponsesApiRequest) -> Result<Response, ClientError> {
        let labels = CallLabels::new("responses.create", Some(&request.model));
        let prepared = PreparedRequest::create_response(self.client.provider(), request)?;
        self.json(prepared, labels).await
    }

    /// `GET responses/{id}`: the response as it is now (poll a background response until
    /// [`Response::is_final`]).
    pub async fn retrieve(
        &self,
        id: &str,
        options: &RetrieveOptions,
    ) -> Result<Response, ClientError> {
        let prepared = PreparedRequest::retrieve_response(id, options)?;
        self.json(prepared, CallLabels::new("responses.retrieve", None))
            .await
    }

    /// `GET responses/{id}?stream=true&starting_after=N`: the events of a background
    /// response after sequence number `starting_after` (all of them for `None`), as the same
    /// [`EventStream`] as [`Client::stream`]. A cut resumes by itself, like a background
    /// create's stream.
    pub async fn stream(
        &self,
        id: &str,
        starting_after: Option<u64>,
        options: &RetrieveOptions,
    ) -> Result<EventStream<R>, ClientError> {
        let prepared = PreparedRequest::retrieve_response_stream(id, starting_after, options)?;
        let labels = CallLabels::new("responses.retrieve", None);
        self.client
            .open_stream(prepared, self.options.clone(), labels)
            .await
    }

    /// `POST responses/{id}/cancel`: the response, `cancelled` (or as it was, when it had
    /// already finished). Only background responses can be cancelled.
    pub async fn cancel(&self, id: &str) -> Result<Response, ClientError> {
        let prepared = PreparedRequest::cancel_response(id)?;
        self.json(prepared, CallLabels::new("responses.cancel", None))
            .await
    }

    /// `DELETE responses/{id}`.
    pub async fn delete(&self, id: &str) -> Result<Deletion, ClientError> {
        let prepared = PreparedRequest::delete_response(id)?;
        self.json(prepared, CallLabels::new("responses.delete", None))
            .await
    }

    /// `GET responses/{id}/input_items`: one page.
    pub async fn input_items_page(
        &self,
        id: &str,
        params: &ListParams,
    ) -> Result<ItemList, ClientError> {
        let prepared = PreparedRequest::list_input_items(id, params)?;
        self.json(prepared, CallLabels::new("responses.input_items", None))
            .await
    }

    /// Every input item of response `id`, as a `Stream` that fetches the pages lazily (the
    /// first one when first polled, the next one when the page in hand runs out).
    pub fn input_items(&self, id: &str, params: ListParams) -> Result<ItemPager<R>, ClientError> {
        let pager = Pager::input_items(id, params)?;
        Ok(ItemPager::new(
            self.client.clone(),
            self.options.clone(),
            pager,
        ))
    }

    /// `POST responses/input_tokens`: how many input tokens `request` would use (only the
    /// members the endpoint takes are sent).
    pub async fn count_input_tokens(
        &self,
        request: ResponsesApiRequest,
    ) -> Result<InputTokenCount, ClientError> {
        let labels = CallLabels::new("responses.input_tokens", Some(&request.model));
        let prepared = PreparedRequest::count_input_tokens(self.client.provider(), request)?;
        self.json(prepared, labels).await
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        prepared: PreparedRequest,
        labels: CallLabels,
    ) -> Result<T, ClientError> {
        self.client
            .json(prepared, self.options.clone(), labels)
            .await
    }
}
