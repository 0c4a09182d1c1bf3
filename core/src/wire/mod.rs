//! Typed serde models of the Responses API wire format (requests, responses, stream events).
//!
//! Wire names follow the official OpenAPI description (`CreateResponse`, `Response`,
//! `ResponseStreamEvent`, `ResponseUsage`, `CompactResponseMethodPublicBody`, `CompactResource`)
//! and, for Codex-only shapes (compaction item, memories, model list), the Codex client.
//!
//! # Forward compatibility
//!
//! - Unknown object members are ignored on decode.
//! - Unknown item, content-part, tool and action types are kept as raw JSON
//!   (`Other(Box<RawValue>)`) and re-serialise byte-identically; unknown stream event types
//!   become [`StreamEvent::Other`].
//! - Open string sets (roles, statuses, efforts, tiers) keep unknown values in `Other(String)`.
//!
//! # Omission rule
//!
//! Optional members are omitted when unset. Exceptions are listed on each type
//! ([`ResponsesApiRequest`] always sends `model` and `input`, for example).
//!
//! # Decoding needs `serde_json`
//!
//! Open tagged types dispatch by capturing the value as a [`serde_json::value::RawValue`],
//! peeking its `type`, and deserialising the concrete struct from the raw text (no serde
//! internally-tagged buffering, no `Value` tree). `RawValue` only works with `serde_json`'s own
//! deserializers (`from_str`, `from_slice`, `from_reader`, `from_value` all work), so these types
//! cannot be decoded through other formats, `#[serde(flatten)]` or untagged enums.
//!
//! ```
//! use codex_api_core::wire::{ResponseItem, StreamEvent};
//!
//! let data = r#"{"type":"response.output_item.done","output_index":0,"item":{"type":"function_call","name":"shell","arguments":"{}","call_id":"c1"}}"#;
//! let StreamEvent::OutputItemDone(done) = StreamEvent::parse(None, data).unwrap() else {
//!     panic!("expected output_item.done");
//! };
//! assert!(matches!(done.item, ResponseItem::FunctionCall(ref call) if call.name == "shell"));
//!
//! // Unknown item types survive a round trip byte for byte.
//! let raw = r#"{"type":"future_item","x":[1, 2]}"#;
//! let item: ResponseItem = serde_json::from_str(raw).unwrap();
//! assert_eq!(serde_json::to_string(&item).unwrap(), raw);
//! ```

mod compaction;
mod content;
mod event;
mod event_payload;
mod item;
mod memory;
mod models;
mod open_enum;
mod request;
mod response;
mod tagged;
mod tool;

pub use compaction::{CompactionInput, CompactionOutput};
pub use content::{
    ContentPart, InputFile, InputImage, InputText, OutputText, ReasoningContentPart,
    ReasoningSummaryPart, ReasoningText, Refusal,
};
pub use event::{ErrorEvent, KNOWN_EVENT_TYPES, StreamEvent, StreamEventError};
pub use event_payload::{
    AnnotationAddedEvent, ArgumentsDoneEvent, AudioDeltaEvent, AudioDoneEvent, CodeDoneEvent,
    ContentDeltaEvent, ContentPartEvent, ContentTextDoneEvent, CustomToolInputDoneEvent,
    ItemDeltaEvent, ItemProgressEvent, OutputItemEvent, PartialImageEvent,
    ReasoningSummaryDeltaEvent, ReasoningSummaryDoneEvent, ReasoningSummaryPartEvent,
    RefusalDoneEvent, ResponseEvent, ShellCommandDeltaEvent, ShellCommandEvent,
    ShellOutputDeltaEvent, ShellOutputDoneEvent,
};
pub use item::{
    CompactionItem, CustomToolCallItem, FunctionCallItem, FunctionCallOutputItem, ItemStatus,
    LocalShellAction, LocalShellCallItem, LocalShellExec, MessageItem, ReasoningItem, ResponseItem,
    Role, ToolOutput, WebSearchAction, WebSearchCallItem, WebSearchPage, WebSearchQuery,
};
pub use memory::{
    MemorySummarizeInput, MemorySummarizeOutput, MemorySummary, RawMemory, RawMemoryMetadata,
};
pub use models::{ModelInfo, ModelsResponse, ReasoningLevel};
pub use request::{
    Reasoning, ReasoningEffort, ReasoningSummary, ResponsesApiRequest, ServiceTier, TextControls,
    TextFormat, Verbosity,
};
pub use response::{
    IncompleteDetails, InputTokensDetails, OutputTokensDetails, Response, ResponseError,
    ResponseStatus, Usage,
};
pub use tool::{
    CustomTool, FileSearchTool, FunctionTool, LocalShellTool, McpTool, Tool, ToolChoice,
    ToolChoiceMode, WebSearchTool,
};
