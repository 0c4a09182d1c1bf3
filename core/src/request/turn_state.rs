//! Turn state: an opaque value the server sends in `x-codex-turn-state`, echoed on later
//! requests of the same turn.

use http::HeaderMap;

use super::options::{ResponsesOptions, TURN_STATE_HEADER};

/// The first non-empty, printable `x-codex-turn-state` value in `headers`, if any.
pub fn turn_state_from_headers(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(TURN_STATE_HEADER)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| !value.is_empty())
        .map(str::to_owned)
}

/// Holds the turn state of one turn: the first value captured wins; later responses do not
/// replace it. Start a new `TurnState` for a new turn.
///
/// ```
/// use codex_api_core::request::{ResponsesOptions, TurnState};
/// use http::HeaderMap;
///
/// let mut turn = TurnState::new();
/// let mut headers = HeaderMap::new();
/// headers.insert("x-codex-turn-state", "ts-1".parse().unwrap());
/// assert!(turn.handle_response_headers(&headers));
/// headers.insert("x-codex-turn-state", "ts-2".parse().unwrap());
/// assert!(!turn.handle_response_headers(&headers));
/// let options = turn.apply_to(ResponsesOptions::new());
/// assert_eq!(options.turn_state.as_deref(), Some("ts-1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TurnState {
    value: Option<String>,
}

impl TurnState {
    /// A turn with no state captured yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Captures the turn state from a response head unless one was captured already.
    /// Returns `true` when this call captured it.
    pub fn handle_response_headers(&mut self, headers: &HeaderMap) -> bool {
        if self.value.is_some() {
            return false;
        }
        self.value = turn_state_from_headers(headers);
        self.value.is_some()
    }

    /// The captured value, if any.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// Sets `options.turn_state` to the captured value (leaves it alone when none).
    pub fn apply_to(&self, mut options: ResponsesOptions) -> ResponsesOptions {
        if let Some(value) = &self.value {
            options.turn_state = Some(value.clone());
        }
        options
    }
}
