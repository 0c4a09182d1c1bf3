//! Typed serde models of the Responses API wire format (requests, responses, stream events).
