//! Every item of a cursor-paged listing as a `Stream`, pages fetched lazily by the core's
//! [`Pager`].

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use codex_api_core::call::ClientError;
use codex_api_core::pager::Pager;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::wire::{ItemList, ResponseItem};
use futures_core::Stream;

use crate::client::Client;
use crate::runtime::Runtime;
use crate::telemetry::CallLabels;

type PageFuture = Pin<Box<dyn Future<Output = Result<ItemList, ClientError>> + Send>>;

/// Every item of a listing (`input_items`, conversation `items`), in the listing's order:
/// a page is fetched when the one in hand runs out, never earlier. A failed page ends the
/// stream with its error; a malformed page (more items announced without a cursor) is a
/// `protocol` error.
pub struct ItemPager<R: Runtime> {
    client: Client<R>,
    options: ResponsesOptions,
    pager: Pager,
    items: VecDeque<ResponseItem>,
    pending: Option<PageFuture>,
}

impl<R: Runtime> fmt::Debug for ItemPager<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemPager")
            .field("pages", &self.pager.pages())
            .field("buffered", &self.items.len())
            .field("done", &self.pager.is_done())
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> ItemPager<R> {
    pub(crate) fn new(client: Client<R>, options: ResponsesOptions, pager: Pager) -> Self {
        ItemPager {
            client,
            options,
            pager,
            items: VecDeque::new(),
            pending: None,
        }
    }

    /// How many pages were fetched so far.
    pub fn pages(&self) -> u64 {
        self.pager.pages()
    }

    /// [`Stream::poll_next`] without pinning (the pager is `Unpin`).
    pub fn poll_item(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<ResponseItem, ClientError>>> {
        loop {
            if let Some(item) = self.items.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            if self.pending.is_none() {
                let Some(request) = self.pager.poll_request() else {
                    return Poll::Ready(None);
                };
                let client = self.client.clone();
                let options = self.options.clone();
                self.pending = Some(Box::pin(async move {
                    let labels = CallLabels::new("list", None);
                    client.json(request, options, labels).await
                }));
            }
            let Some(pending) = self.pending.as_mut() else {
                continue;
            };
            let page = ready!(pending.as_mut().poll(cx));
            self.pending = None;
            match page {
                Ok(page) => {
                    if let Err(error) = self.pager.handle_page(&page) {
                        return Poll::Ready(Some(Err(error.into())));
                    }
                    self.items.extend(page.data);
                }
                Err(error) => {
                    self.pager.handle_failure();
                    return Poll::Ready(Some(Err(error)));
                }
            }
        }
    }
}

impl<R: Runtime> Stream for ItemPager<R> {
    type Item = Result<ResponseItem, ClientError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }
}
