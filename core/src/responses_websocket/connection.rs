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
        mut request: ResponsesApiRequest,
        _now: Instant,
    ) -> Result<Turn, BuildError> {
        request.stream = None;
        let continuation = self.chain.continuation(&request);
        let mut sent = request.clone();
        if let Some((id, known)) = &continuation {
            sent.input.drain(..*known);
            sent.previous_response_id = Some(id.clone());
        }
        crate::request::apply_store_rule(provider, &mut sent);
        let message = create_message(&sent)?;
        let turn = Turn {
            message,
            chained: continuation.is_some(),
            connection_reused: self.turns > 0,
        };
        self.chain.sent(request);
        self.turns += 1;
        self.in_flight = true;
        Ok(turn)
    }

    /// The full message of the turn in flight, for a resend after
    /// `previous_response_not_found` (no `previous_response_id`, the whole input).
    pub fn full_message(
        &self,
        provider: &Provider,
        request: &ResponsesApiRequest,
    ) -> Result<String, BuildError> {
        let mut full = request.clone();
        full.stream = None;
        crate::request::apply_store_rule(provider, &mut full);
        create_message(&full)
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
