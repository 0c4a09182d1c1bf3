//! Cursor pagination as a Sans-IO state machine: which page to fetch next, and when the
//! listing is over.
//!
//! ```
//! use codex_api_core::pager::Pager;
//! use codex_api_core::request::ListParams;
//! use codex_api_core::wire::ItemList;
//!
//! let mut pager = Pager::input_items("resp_1", ListParams::new().limit(2))?;
//! let first = pager.poll_request().unwrap();
//! assert_eq!(first.endpoint().path(), "responses/resp_1/input_items");
//! let page: ItemList = serde_json::from_str(
//!     r#"{"object":"list","data":[],"first_id":"a","last_id":"b","has_more":true}"#,
//! )?;
//! pager.handle_page(&page)?;
//! let second = pager.poll_request().unwrap();
//! assert_eq!(second.endpoint().query().encode(), "after=b&limit=2");
//! let last: ItemList = serde_json::from_str(r#"{"data":[],"last_id":"c","has_more":false}"#)?;
//! pager.handle_page(&last)?;
//! assert!(pager.poll_request().is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::ApiError;
use crate::request::{BuildError, ListParams, PreparedRequest};
use crate::wire::ItemList;

/// Which listing a [`Pager`] walks.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Listing {
    InputItems(String),
    ConversationItems(String),
}

/// Walks a cursor-paged listing page by page: [`Pager::poll_request`] gives the request of
/// the next page, [`Pager::handle_page`] takes its reply. The first page uses the given
/// [`ListParams`]; each next one is the same with `after` set to the previous page's
/// `last_id`, until a page says `has_more: false`.
///
/// A page that says `has_more` without a `last_id`, or whose `last_id` does not move the
/// cursor, is a `protocol` error (it would otherwise end the listing early or loop forever).
#[derive(Debug, Clone)]
pub struct Pager {
    listing: Listing,
    params: ListParams,
    /// A page's request is out and its reply not yet handled.
    awaiting: bool,
    done: bool,
    pages: u64,
}

impl Pager {
    /// The input items of response `response_id` (`GET responses/{id}/input_items`).
    pub fn input_items(response_id: &str, params: ListParams) -> Result<Pager, BuildError> {
        PreparedRequest::list_input_items(response_id, &params)?;
        Ok(Pager::new(Listing::InputItems(response_id.into()), params))
    }

    /// The items of conversation `conversation_id` (`GET conversations/{id}/items`).
    pub fn conversation_items(
        conversation_id: &str,
        params: ListParams,
    ) -> Result<Pager, BuildError> {
        PreparedRequest::list_conversation_items(conversation_id, &params)?;
        Ok(Pager::new(
            Listing::ConversationItems(conversation_id.into()),
            params,
        ))
    }

    fn new(listing: Listing, params: ListParams) -> Pager {
        Pager {
            listing,
            params,
            awaiting: false,
            done: false,
            pages: 0,
        }
    }

    /// Output: the request of the next page; `None` once the listing is over, and while a
    /// page's reply is owed ([`Pager::handle_page`]).
    pub fn poll_request(&mut self) -> Option<PreparedRequest> {
        if self.done || self.awaiting {
            return None;
        }
        let request = match &self.listing {
            Listing::InputItems(id) => PreparedRequest::list_input_items(id, &self.params),
            Listing::ConversationItems(id) => {
                PreparedRequest::list_conversation_items(id, &self.params)
            }
        };
        // The id was checked when the pager was made; the parameters cannot fail.
        let request = request.ok()?;
        self.awaiting = true;
        Some(request)
    }

    /// Input: the reply to the last request. Moves the cursor to its `last_id`, or ends the
    /// listing. On a malformed page the listing ends with the error.
    #[allow(clippy::result_large_err)] // `ApiError` is the crate's one server-fault type
    pub fn handle_page(&mut self, page: &ItemList) -> Result<(), ApiError> {
        self.awaiting = false;
        self.pages += 1;
        if !page.has_more {
            self.done = true;
            return Ok(());
        }
        let Some(last) = page.last_id.as_deref().filter(|id| !id.is_empty()) else {
            self.done = true;
            return Err(ApiError::protocol(
                "a list page says has_more but has no last_id to continue after",
            ));
        };
        if self.params.after.as_deref() == Some(last) {
            self.done = true;
            return Err(ApiError::protocol(&format!(
                "a list page's last_id `{last}` does not move the cursor"
            )));
        }
        self.params.after = Some(last.to_owned());
        Ok(())
    }

    /// Input: fetching a page failed; the listing is over.
    pub fn handle_failure(&mut self) {
        self.awaiting = false;
        self.done = true;
    }

    /// Whether the listing is over.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// How many pages were handled.
    pub fn pages(&self) -> u64 {
        self.pages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(json: &str) -> ItemList {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn walks_pages_until_has_more_is_false() {
        let mut pager = Pager::conversation_items("conv 1/x", ListParams::new()).unwrap();
        let first = pager.poll_request().unwrap();
        assert_eq!(first.endpoint().path(), "conversations/conv%201%2Fx/items");
        assert!(pager.poll_request().is_none(), "a reply is owed");
        pager
            .handle_page(&page(r#"{"data":[],"last_id":"i2","has_more":true}"#))
            .unwrap();
        let second = pager.poll_request().unwrap();
        assert_eq!(second.endpoint().query().encode(), "after=i2");
        pager
            .handle_page(&page(r#"{"data":[],"has_more":false}"#))
            .unwrap();
        assert!(pager.is_done());
        assert!(pager.poll_request().is_none());
        assert_eq!(pager.pages(), 2);
    }

    #[test]
    fn a_page_with_more_but_no_cursor_is_a_protocol_error() {
        let mut pager = Pager::input_items("r", ListParams::new()).unwrap();
        pager.poll_request().unwrap();
        let error = pager
            .handle_page(&page(r#"{"data":[],"has_more":true}"#))
            .unwrap_err();
        assert_eq!(error.kind(), "protocol");
        assert!(pager.is_done());
    }

    #[test]
    fn a_cursor_that_does_not_move_is_a_protocol_error() {
        let mut pager = Pager::input_items("r", ListParams::new().after("x")).unwrap();
        pager.poll_request().unwrap();
        let error = pager
            .handle_page(&page(r#"{"data":[],"last_id":"x","has_more":true}"#))
            .unwrap_err();
        assert!(error.message().unwrap().contains("does not move"));
    }

    #[test]
    fn an_invalid_id_fails_up_front() {
        assert!(Pager::input_items("..", ListParams::new()).is_err());
        assert!(Pager::conversation_items("", ListParams::new()).is_err());
    }
}
