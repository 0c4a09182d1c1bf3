//! One WebSocket connection's turns: age, reuse, chaining.

use std::time::{Duration, Instant};

use super::chain::Chain;
use super::message::create_message;
use crate::provider::Provider;
use crate::request::BuildError;
use crate::wire::{Response, ResponsesApiRequest};

/// How old a connection may get before a fresh one is opened for the next turn (the server
/// closes connections at 60 minutes).
pub const MAX_CONNECTION_AGE: Duration = Duration::from_secs(55 * 60);

/// The turns of one connection (see the [module docs](super)).
#[derive(Debug, Clone)]
pub struct Connection {
    opened_at: Instant,
    turns: u32,
    in_flight: bool,
    chain: Chain,
}

/// What a turn adds to its message without changing the request it is chained by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TurnOptions {
    /// `generate: false`: a warm-up turn (the server prepares the request, generates nothing,
    /// and the next turn can chain from its response).
    pub warm_up: bool,
    /// Entries added to `client_metadata` of this message only, e.g. the W3C `traceparent`
    /// and `tracestate` (a message has no headers).
    pub client_metadata: Vec<(String, String)>,
}

impl TurnOptions {
    /// No additions.
    pub fn new() -> Self {
        Self::default()
    }

    /// A warm-up turn (`generate: false`).
    #[must_use]
    pub fn warm_up(mut self) -> Self {
        self.warm_up = true;
        self
    }

    /// Adds a `client_metadata` entry to this message.
    #[must_use]
    pub fn client_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.client_metadata.push((key.into(), value.into()));
        self
    }
}

/// One turn's `response.create` message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Turn {
    /// The message (a JSON text frame).
    pub message: String,
    /// Whether only the new input items were sent, with `previous_response_id`.
    pub chained: bool,
    /// Whether the connection had served a turn before.
    pub connection_reused: bool,
}

impl Connection {
    /// A connection opened (upgraded) at `now`.
    pub fn new(now: Instant) -> Self {
        Connection {
            opened_at: now,
            turns: 0,
            in_flight: false,
            chain: Chain::default(),
        }
    }

    /// Whether the connection is too old for another turn ([`MAX_CONNECTION_AGE`]).
    pub fn is_stale(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.opened_at) >= MAX_CONNECTION_AGE
    }

    /// Whether a response is in flight (a turn was prepared and has not ended).
    pub fn is_busy(&self) -> bool {
        self.in_flight
    }

    /// How many turns the connection served.
    pub fn turns(&self) -> u32 {
        self.turns
    }

    /// The message of the next turn: chained when it continues the last one, else the full
    /// request. Item ids follow `store` as over HTTP. Marks a response in flight.
    pub fn prepare(
        &mut self,
        provider: &Provider,
        request: ResponsesApiRequest,
        now: Instant,
    ) -> Result<Turn, BuildError> {
        self.prepare_with(provider, request, &TurnOptions::default(), now)
    }

    /// [`prepare`](Self::prepare) with additions to this message only (a warm-up, trace
    /// context): they do not count when the next turn is compared for chaining.
    pub fn prepare_with(
        &mut self,
        provider: &Provider,
        mut request: ResponsesApiRequest,
        options: &TurnOptions,
        _now: Instant,
    ) -> Result<Turn, BuildError> {
        request.stream = None;
        if options.warm_up {
            // Rare: the generate flag goes on a copy, the request is remembered as given.
            let mut warm = request.clone();
            warm.extra
                .insert_value("generate", serde_json::Value::Bool(false));
            let turn = self.encode(provider, &mut warm, None, &options.client_metadata)?;
            self.remember(request);
            return Ok(turn);
        }
        let continuation = self.chain.continuation(&mut request);
        let turn = self.encode(
            provider,
            &mut request,
            continuation.as_ref(),
            &options.client_metadata,
        )?;
        self.remember(request);
        Ok(turn)
    }

    /// The message for `request`, changed in place for encoding (only the new items and
    /// `previous_response_id` when chained, ids stripped for `store: false`, the extra
    /// metadata) and put back as it was: the whole request is never copied.
    fn encode(
        &self,
        provider: &Provider,
        request: &mut ResponsesApiRequest,
        continuation: Option<&(String, usize)>,
        metadata: &[(String, String)],
    ) -> Result<Turn, BuildError> {
        let store = request.store;
        let previous = request.previous_response_id.clone();
        let full_input = continuation.map(|(id, known)| {
            request.previous_response_id = Some(id.clone());
            let tail = request.input[*known..].to_vec();
            std::mem::replace(&mut request.input, tail)
        });
        // Stripping ids must not touch the remembered items: strip a copy when not chained
        // (chained, the input is already a copy of the new items).
        let strips = !provider.is_azure_responses_endpoint() && store == Some(false);
        let unstripped = (strips && full_input.is_none()).then(|| request.input.clone());
        crate::request::apply_store_rule(provider, request);
        let saved_metadata = (!metadata.is_empty()).then(|| request.client_metadata.clone());
        if !metadata.is_empty() {
            let entries = request.client_metadata.get_or_insert_with(Default::default);
            for (key, value) in metadata {
                entries.insert(key.clone(), value.clone());
            }
        }
        let message = create_message(request);
        if let Some(saved) = saved_metadata {
            request.client_metadata = saved;
        }
        if let Some(input) = unstripped.or(full_input) {
            request.input = input;
        }
        request.previous_response_id = previous;
        request.store = store;
        Ok(Turn {
            message: message?,
            chained: continuation.is_some(),
            connection_reused: self.turns > 0,
        })
    }

    fn remember(&mut self, request: ResponsesApiRequest) {
        self.chain.sent(request);
        self.turns += 1;
        self.in_flight = true;
    }

    /// The turn's response completed: it can be chained from.
    pub fn handle_completed(&mut self, response: &Response) {
        self.in_flight = false;
        self.chain.completed(response);
    }

    /// The turn ended otherwise (an error, the consumer dropped it): the next request is sent
    /// in full.
    pub fn handle_failed(&mut self) {
        self.in_flight = false;
        self.chain.clear();
    }
}
