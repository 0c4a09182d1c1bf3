//! Chaining on one connection: send only the new input items with `previous_response_id`.

use crate::wire::{Response, ResponseItem, ResponsesApiRequest};

/// What the connection remembers of its last turn.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chain {
    /// The last request, in full (as the caller gave it).
    request: Option<ResponsesApiRequest>,
    /// The last completed response's id and output.
    response: Option<(String, Vec<ResponseItem>)>,
}

impl Chain {
    /// Remembers a request sent (the previous response is kept until it completes anew).
    pub(crate) fn sent(&mut self, request: ResponsesApiRequest) {
        self.request = Some(request);
        self.response = None;
    }

    /// Remembers the response to the last request.
    pub(crate) fn completed(&mut self, response: &Response) {
        if self.request.is_some() && !response.id.is_empty() {
            self.response = Some((response.id.clone(), response.output.clone()));
        }
    }

    /// Forgets everything (a failed turn, a new connection).
    pub(crate) fn clear(&mut self) {
        *self = Chain::default();
    }

    /// The previous response's id and how many leading items of `request.input` it already
    /// knows, when `request` continues the last turn; `None` for a full request.
    pub(crate) fn continuation(
        &mut self,
        request: &mut ResponsesApiRequest,
    ) -> Option<(String, usize)> {
        let previous = self.request.as_mut()?;
        let (id, output) = self.response.as_ref()?;
        if request.previous_response_id.is_some() {
            return None; // the caller chains by hand
        }
        let known = previous.input.len() + output.len();
        if request.input.len() < known
            || request.input[..previous.input.len()] != previous.input[..]
            || request.input[previous.input.len()..known] != output[..]
            || !same_but_input(previous, request)
        {
            return None;
        }
        Some((id.clone(), known))
    }
}

/// Whether every member but `input` is equal (compared in place: the inputs are set aside
/// and put back, nothing is copied).
fn same_but_input(a: &mut ResponsesApiRequest, b: &mut ResponsesApiRequest) -> bool {
    let (a_input, b_input) = (std::mem::take(&mut a.input), std::mem::take(&mut b.input));
    let same = *a == *b;
    a.input = a_input;
    b.input = b_input;
    same
}
