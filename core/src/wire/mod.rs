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
//!   (`Other(Box<RawValue>)`): every member in order with its value's text verbatim, so compact
//!   JSON (as the API sends it) re-serialises byte for byte; unknown stream event types become
//!   [`StreamEvent::Other`] with the data kept byte-identical.
//! - Open string sets (roles, statuses, efforts, tiers) keep unknown values in `Other(String)`.
//!
//! # Omission rule
//!
//! Optional members are omitted when unset. Exceptions are listed on each type
//! ([`ResponsesApiRequest`] always sends `model` and `input`, for example).
//!
//! # Decoding needs `serde_json`
//!
//! Open tagged types (`ResponseItem`, `ContentPart`, `Tool`, ...) are read in one pass: members
//! before `type` (usually an `id`) are captured as [`serde_json::value::RawValue`]s, and once
//! `type` is known the concrete struct is deserialised from them and the rest of the object (no
//! serde internally-tagged buffering, no `Value` tree, no second parse of a large item). Unknown
//! types keep their members as raw JSON. `RawValue` only works with `serde_json`'s own
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
//! // Unknown item types in compact JSON survive a round trip byte for byte.
//! let raw = r#"{"id":"f1","type":"future_item","x":[1, 2]}"#;
//! let item: ResponseItem = serde_json::from_str(raw).unwrap();
//! assert_eq!(serde_json::to_string(&item).unwrap(), raw);
//! ```

mod compaction;
mod content;
mod event;
mod event_payload;
mod extra;
mod item;
mod item_id;
pub(crate) mod lossless;
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
pub use extra::Extra;
pub use item::{
    CompactionItem, CustomToolCallItem, FunctionCallItem, FunctionCallOutputItem, ItemStatus,
    LocalShellAction, LocalShellCallItem, LocalShellExec, MessageItem, MessagePhase, ReasoningItem,
    ResponseItem, Role, ToolOutput, WebSearchAction, WebSearchCallItem, WebSearchPage,
    WebSearchQuery,
};
pub use item_id::{ItemId, Obfuscation};
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
    ResponseStatus, Timestamp, Usage,
};
pub use tool::{
    CustomTool, FileSearchTool, FunctionTool, LocalShellTool, McpTool, Tool, ToolChoice,
    ToolChoiceMode, WebSearchTool,
};
