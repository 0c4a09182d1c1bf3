//! What a program that calls the API needs, in one import: the request and item types, the
//! events, the errors, the provider and the credentials. Each runtime crate's `prelude` adds its
//! `Client` and stream types, so a program needs one crate and one `use`:
//!
//! ```
//! use codex_api_client::prelude::*;
//!
//! let request = ResponsesApiRequest::new("gpt-5")
//!     .input(vec![ResponseItem::text_message(Role::User, "Hi")]);
//! let options = ResponsesOptions::new();
//! # let _ = (request, options);
//! ```

pub use codex_api_core::client_config::Transport;
pub use codex_api_core::credentials::Credentials;
pub use codex_api_core::error::{ApiError, ApiErrorKind};
pub use codex_api_core::provider::Provider;
pub use codex_api_core::request::{
    Endpoint, ListParams, PreparedRequest, ResponsesOptions, RetrieveOptions,
};
pub use codex_api_core::stream::{ResponseEvent, StreamItem};
pub use codex_api_core::wire::{
    CompactionInput, CompactionOutput, ContentPart, Conversation, ConversationCreate, Deletion,
    Extra, FunctionCallItem, FunctionCallOutputItem, InputTokenCount, ItemList, ListOrder,
    MemorySummarizeInput, MessageItem, ModelsResponse, RawMemory, Reasoning, ReasoningEffort,
    ReasoningSummary, Response, ResponseItem, ResponseStatus, ResponsesApiRequest, Role,
    StreamEvent, TextControls, TextFormat, Tool, ToolChoice, ToolChoiceMode, ToolOutput, Usage,
};

pub use crate::{AuthProvider, Error, StaticAuth};
