//! Responses over WebSocket on every runtime: the upgrade as a core call over the runtime's
//! byte streams, the core's codec over the connection, and [`WebSocketSession`].

mod connection;
mod handshake;
mod io;
mod session;

pub(crate) use connection::{Input, Slot, TurnSource};
pub use session::WebSocketSession;
