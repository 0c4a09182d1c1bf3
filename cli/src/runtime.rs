//! Choosing the runtime adapter a command runs on, and the transport of its streams.

use clap::ValueEnum;
use codex_api_core::client_config::Transport;

use codex_api_async_std::AsyncStdRuntime;
use codex_api_blocking::UreqRuntime;
use codex_api_tokio::TokioRuntime;

use crate::runtime_session::{AsyncIoExecutor, RuntimeSession, ThreadExecutor, TokioExecutor};
use crate::session::{Session, SessionConfig};

/// The runtime adapters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuntimeName {
    /// `codex-api-tokio` (hyper 1).
    Tokio,
    /// `codex-api-async-std` (futures-io/async-io; runs on async-std and smol).
    AsyncStd,
    /// `codex-api-blocking` (ureq 3).
    Blocking,
}

impl RuntimeName {
    /// The name as given on the command line.
    pub fn name(self) -> &'static str {
        match self {
            RuntimeName::Tokio => "tokio",
            RuntimeName::AsyncStd => "async-std",
            RuntimeName::Blocking => "blocking",
        }
    }
}

/// How `stream` reaches `POST responses`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TransportName {
    /// HTTP with server-sent events.
    Http,
    /// A WebSocket connection kept between turns (`wss://…/responses`, permessage-deflate
    /// offered).
    #[value(name = "websocket")]
    WebSocket,
}

impl TransportName {
    /// The client's transport.
    pub fn transport(self) -> Transport {
        match self {
            TransportName::Http => Transport::Http,
            TransportName::WebSocket => Transport::WebSocket,
        }
    }
}

/// A session on `runtime`.
pub fn open_session(
    runtime: RuntimeName,
    config: SessionConfig,
) -> Result<Box<dyn Session>, String> {
    match runtime {
        RuntimeName::Tokio => Ok(Box::new(RuntimeSession::<TokioRuntime, _>::new(
            config,
            TokioExecutor::new()?,
        )?)),
        RuntimeName::AsyncStd => Ok(Box::new(RuntimeSession::<AsyncStdRuntime, _>::new(
            config,
            AsyncIoExecutor,
        )?)),
        RuntimeName::Blocking => Ok(Box::new(RuntimeSession::<UreqRuntime, _>::new(
            config,
            ThreadExecutor,
        )?)),
    }
}
