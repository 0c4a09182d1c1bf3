//! Typed serde models of the Responses API wire format (requests, responses, stream events).
//!
//! Wire names follow the official OpenAPI description (`CreateResponse`, `Response`,
//! `ResponseStreamEvent`, `ResponseUsage`, `CompactResponseMethodPublicBody`, `CompactResource`)
//! and, for Codex-only shapes (compaction item, memories, model list), the Codex client.
//!
//! # Lossless
//!
//! Nothing a server sends is lost on the way back:
//!
//! - Every wire struct has a public `extra: `[`Extra`] holding the members it does not model,
//!   each value's JSON text verbatim. Decoding records where every member stood (typed ones,
//!   extra ones, the `type` tag, and which typed members were `null`); encoding writes them back
//!   in that order. Compact JSON, as the API sends it, therefore re-encodes byte for byte,
//!   whatever its member order, and a member added by a later API version survives a decode and
//!   a re-send. This happens in the one decoding pass: no `#[serde(flatten)]`, no second parse,
//!   and no allocation for an object whose members all have typed fields (the order of up to
//!   ten members is held inline).
//! - Unknown item, content-part, tool and action types are kept as raw JSON
//!   (`Other(Box<RawValue>)`), every member in order; unknown stream event types become
//!   [`StreamEvent::Other`] with the data kept byte-identical.
//! - Open string sets (roles, statuses, efforts, tiers, phases) keep unknown values in
//!   `Other(String)`.
//! - Members typed as `serde_json::Value` (schemas, annotations) keep their member order.
//!
//! Two normalisations remain: whitespace between members is dropped, and a member that a type
//! always writes (a required member such as a `Response`'s `output`) is written even if the
//! object lacked it.
//!
//! # Stability
//!
//! Every public struct and enum that mirrors the API is `#[non_exhaustive]`: new API members
//! become new fields and variants in minor releases. Build values with the constructors
//! (`new`, `text_message`, ...) and the chainable setters, then set public fields; match enums
//! with a wildcard arm. A member the crate does not type yet can be sent through a struct's
//! `extra`.
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
//!
//! // So do known types with members this crate does not model, in the API's member order.
//! let raw = r#"{"id":"m1","type":"message","status":"completed","content":[],"role":"assistant","phase":"final_answer","x_new":{"a":1}}"#;
//! let item: ResponseItem = serde_json::from_str(raw).unwrap();
//! assert_eq!(serde_json::to_string(&item).unwrap(), raw);
//! ```

mod compaction;
mod content;
mod conversation;
mod deletion;
mod event;
mod event_payload;
mod extra;
pub(crate) mod flat;
mod item;
mod item_id;
mod list;
pub(crate) mod lossless;
mod memory;
mod models;
mod open_enum;
mod request;
mod request_options;
mod response;
mod tagged;
mod tool;

pub use compaction::{CompactionInput, CompactionOutput};
pub use content::{
    ContentPart, InputFile, InputImage, InputText, OutputText, ReasoningContentPart,
    ReasoningSummaryPart, ReasoningText, Refusal,
};
pub use conversation::{Conversation, ConversationCreate, ConversationItems, ConversationUpdate};
pub use deletion::{Deletion, InputTokenCount};
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
pub use list::{ItemList, ListOrder};
pub use memory::{
    MemorySummarizeInput, MemorySummarizeOutput, MemorySummary, RawMemory, RawMemoryMetadata,
};
pub use models::{ModelInfo, ModelsResponse, ReasoningLevel};
pub use request::{
    JsonObjectFormat, JsonSchemaFormat, PlainTextFormat, Reasoning, ReasoningContext,
    ReasoningEffort, ReasoningMode, ReasoningSummary, ResponsesApiRequest, ServiceTier,
    TextControls, TextFormat, Verbosity,
};
pub use request_options::{
    ContextManagement, ContextManagementType, ConversationRef, Moderation, ModerationConfig,
    ModerationMode, ModerationPolicy, PromptCacheMode, PromptCacheOptions, PromptCacheRetention,
    PromptCacheTtl, PromptTemplate, StreamOptions, Truncation,
};
pub use response::{
    IncompleteDetails, InputTokensDetails, OutputTokensDetails, Response, ResponseError,
    ResponseStatus, Timestamp, Usage,
};
pub use tool::{
    CustomTool, FileSearchTool, FunctionTool, LocalShellTool, McpTool, Tool, ToolChoice,
    ToolChoiceMode, WebSearchTool,
};
