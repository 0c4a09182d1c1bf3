//! Responses over WebSocket: what goes over one connection, decided without IO.
//!
//! The connection is opened by a [`Call`](crate::call::Call) for
//! [`PreparedRequest::responses_websocket`](crate::request::PreparedRequest::responses_websocket)
//! (the handshake is an HTTP request: a refusal is classified, retried and recovered like any
//! error response; a `101` is [`Action::Upgraded`](crate::call::Action::Upgraded)), then run by
//! the [`websocket`](crate::websocket) codec. Each turn sends one `response.create` message
//! ([`Connection::prepare`]) and feeds the server's text messages to a
//! [`ResponseStream`](crate::stream::ResponseStream)
//! ([`handle_websocket_head`](crate::stream::ResponseStream::handle_websocket_head),
//! [`handle_message`](crate::stream::ResponseStream::handle_message)): the events are the
//! same as over HTTP.
//!
//! Rules kept here:
//!
//! - `response.create` is the `CreateResponse` body with `"type"` first, without `stream`;
//!   `background` is refused before sending ([`BuildError::BackgroundOverWebSocket`](crate::request::BuildError::BackgroundOverWebSocket)).
//! - One response in flight per connection; a connection older than
//!   [`MAX_CONNECTION_AGE`] (55 minutes, under the server's 60) is replaced before a turn.
//! - Chaining: on the same connection, when every member but `input` equals the previous
//!   request's and the new `input` extends the previous input plus the previous response's
//!   output, only the new items are sent, with `previous_response_id`; otherwise the full
//!   request. A new connection starts with a full request.
//! - A failed turn before any event was delivered is retried under the retry policy
//!   ([`decide_turn_failure`]): `websocket_connection_limit_reached` and a cut connection on a
//!   new connection with the full request, `previous_response_not_found` once with the full
//!   input and no `previous_response_id`.
//!
//! ```
//! use std::time::Instant;
//! use codex_api_core::provider::Provider;
//! use codex_api_core::responses_websocket::Connection;
//! use codex_api_core::wire::{Response, ResponseItem, ResponsesApiRequest, Role};
//!
//! let provider = Provider::openai();
//! let mut connection = Connection::new(Instant::now());
//! let first = ResponsesApiRequest::new("gpt-5")
//!     .input(vec![ResponseItem::text_message(Role::User, "hi")]);
//! let turn = connection.prepare(&provider, first.clone(), Instant::now())?;
//! assert!(turn.message.starts_with(r#"{"type":"response.create","model":"gpt-5""#));
//! assert!(!turn.chained && !turn.connection_reused);
//!
//! // The response answered with one message; the next request extends the conversation.
//! let answer = ResponseItem::text_message(Role::Assistant, "hello");
//! let mut response = Response::default();
//! response.id = "resp_1".into();
//! response.output = vec![answer.clone()];
//! connection.handle_completed(&response);
//! let mut next = first.clone();
//! next.input.push(answer);
//! next.input.push(ResponseItem::text_message(Role::User, "more"));
//! let turn = connection.prepare(&provider, next, Instant::now())?;
//! assert!(turn.chained && turn.connection_reused);
//! assert!(turn.message.contains(r#""previous_response_id":"resp_1""#));
//! assert!(!turn.message.contains(r#""hi""#)); // only the new item is sent
//! # Ok::<(), codex_api_core::request::BuildError>(())
//! ```

mod chain;
mod connection;
mod message;
mod recovery;

pub use connection::{Connection, MAX_CONNECTION_AGE, Turn, TurnOptions};
pub use message::create_message;
pub use recovery::{TurnRecovery, decide_turn_failure, falls_back_to_http};
