//! Server-sent events: a WHATWG-exact, zero-allocation decoder.
