//! Payload structs of the stream events, one per distinct wire shape.
//!
//! Several event types share one shape (for example all `*.in_progress` / `*.completed` hosted
//! tool events carry only `item_id` and `output_index`). Identifiers and indices that a minimal
//! server may leave out (`item_id`, `output_index`, `content_index`, `summary_index`) read as
//! empty / 0 when absent; the payload itself (`delta`, `text`, `item`, `response`, ...) is
//! required. `sequence_number` is optional everywhere. Members a payload does not model are kept
//! in its `extra` and written back in place; the delta events model `obfuscation` (held inline,
//! so a delta still allocates only its text).

use serde_json::Value;

use super::content::ContentPart;
use super::content::ReasoningSummaryPart;
use super::item::ResponseItem;
use super::item_id::{ItemId, Obfuscation};
use super::lossless::wire_struct;
use super::response::Response;

macro_rules! payload {
    (
        $(#[doc = $doc:literal])*
        $name:ident {
            $( $(#[doc = $fdoc:literal])* $(#[serde($($fserde:tt)*)])* $field:ident: $ty:ty, )*
        }
    ) => {
        wire_struct! {
            @event
            $(#[doc = $doc])*
            #[derive(Debug, Clone, PartialEq)]
            pub struct $name {
                // First, as the API sends it (right after `type`): a payload in the API's own
                // member order is then canonical, and records nothing but a bit per member.
                /// Position of the event in the stream.
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub sequence_number: Option<u64>,
                $( $(#[doc = $fdoc])* $(#[serde($($fserde)*)])* pub $field: $ty, )*
            }
        }
    };
}

payload! {
    /// A lifecycle event carrying the whole `Response` (`response.created`, `.in_progress`,
    /// `.completed`, `.failed`, `.incomplete`, `.queued`).
    ResponseEvent {
        /// The response snapshot.
        response: Box<Response>,
    }
}

payload! {
    /// `response.output_item.added` / `.done`.
    OutputItemEvent {
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// The item.
        item: ResponseItem,
    }
}

payload! {
    /// `response.content_part.added` / `.done`.
    ContentPartEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// Index of the part in the item's `content`.
        #[serde(default)]
        content_index: u32,
        /// The part.
        part: ContentPart,
    }
}

payload! {
    /// A text delta of a content part: `response.output_text.delta`, `response.refusal.delta`,
    /// `response.reasoning_text.delta`.
    ContentDeltaEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// Index of the part in the item's `content`.
        #[serde(default)]
        content_index: u32,
        /// The appended text.
        delta: String,
        /// Token log probabilities (`output_text` only), kept as JSON.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        logprobs: Option<Vec<Value>>,
        /// Random padding that hides the text's length (kept inline: no allocation).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        obfuscation: Option<Obfuscation>,
    }
}

payload! {
    /// The final text of a content part: `response.output_text.done`,
    /// `response.reasoning_text.done`.
    ContentTextDoneEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// Index of the part in the item's `content`.
        #[serde(default)]
        content_index: u32,
        /// The whole text.
        text: String,
        /// Token log probabilities (`output_text` only), kept as JSON.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        logprobs: Option<Vec<Value>>,
    }
}

payload! {
    /// `response.refusal.done`.
    RefusalDoneEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// Index of the part in the item's `content`.
        #[serde(default)]
        content_index: u32,
        /// The whole refusal text.
        refusal: String,
    }
}

payload! {
    /// `response.output_text.annotation.added`.
    AnnotationAddedEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// Index of the part in the item's `content`.
        #[serde(default)]
        content_index: u32,
        /// Index of the annotation in the part.
        #[serde(default)]
        annotation_index: u32,
        /// The annotation, kept as JSON.
        annotation: Value,
    }
}

payload! {
    /// `response.reasoning_summary_part.added` / `.done`.
    ReasoningSummaryPartEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// Index of the part in the reasoning item's `summary`.
        #[serde(default)]
        summary_index: u32,
        /// The part (absent in some Codex-compatible servers).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        part: Option<ReasoningSummaryPart>,
    }
}

payload! {
    /// `response.reasoning_summary_text.delta`.
    ReasoningSummaryDeltaEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// Index of the part in the reasoning item's `summary`.
        #[serde(default)]
        summary_index: u32,
        /// The appended text.
        delta: String,
        /// Random padding that hides the text's length (kept inline: no allocation).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        obfuscation: Option<Obfuscation>,
    }
}

payload! {
    /// `response.reasoning_summary_text.done`.
    ReasoningSummaryDoneEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// Index of the part in the reasoning item's `summary`.
        #[serde(default)]
        summary_index: u32,
        /// The whole summary text.
        text: String,
    }
}

payload! {
    /// A string delta of an output item: `response.function_call_arguments.delta`,
    /// `response.custom_tool_call_input.delta`, `response.mcp_call_arguments.delta`,
    /// `response.code_interpreter_call_code.delta`.
    ItemDeltaEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// The appended text.
        delta: String,
        /// Random padding that hides the text's length (kept inline: no allocation).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        obfuscation: Option<Obfuscation>,
    }
}

payload! {
    /// `response.function_call_arguments.done` and `response.mcp_call_arguments.done`.
    ArgumentsDoneEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// Function name (function calls only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// The whole arguments string (JSON text).
        arguments: String,
    }
}

payload! {
    /// `response.custom_tool_call_input.done`.
    CustomToolInputDoneEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// The whole input.
        input: String,
    }
}

payload! {
    /// `response.code_interpreter_call_code.done`.
    CodeDoneEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// The whole code.
        code: String,
    }
}

payload! {
    /// Progress of a hosted tool call (code interpreter, file search, web search, image
    /// generation, MCP call, MCP list tools): only ids.
    ItemProgressEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
    }
}

payload! {
    /// `response.image_generation_call.partial_image`.
    PartialImageEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// 0-based index of the partial image.
        #[serde(default)]
        partial_image_index: u32,
        /// Base64 image data.
        partial_image_b64: String,
        /// Image size.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size: Option<String>,
        /// Image quality.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quality: Option<String>,
        /// Background setting.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        background: Option<String>,
        /// Output format.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output_format: Option<String>,
    }
}

payload! {
    /// `response.audio.delta` and `response.audio.transcript.delta`.
    AudioDeltaEvent {
        /// Base64 audio bytes or transcript text.
        delta: String,
    }
}

payload! {
    /// `response.audio.done` and `response.audio.transcript.done`.
    AudioDoneEvent {}
}

payload! {
    /// `response.shell_call_command.added` and `.done`.
    ShellCommandEvent {
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// Index of the command in the shell call.
        #[serde(default)]
        command_index: u32,
        /// The command text.
        command: String,
    }
}

payload! {
    /// `response.shell_call_command.delta`.
    ShellCommandDeltaEvent {
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// Index of the command in the shell call.
        #[serde(default)]
        command_index: u32,
        /// The appended command text.
        delta: String,
        /// Random padding that hides the text's length (kept inline: no allocation).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        obfuscation: Option<Obfuscation>,
    }
}

payload! {
    /// `response.shell_call_output_content.delta`.
    ShellOutputDeltaEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// Index of the command in the shell call.
        #[serde(default)]
        command_index: u32,
        /// The output delta (`{stdout, stderr}`), kept as JSON.
        delta: Value,
    }
}

payload! {
    /// `response.shell_call_output_content.done`.
    ShellOutputDoneEvent {
        /// Item id.
        #[serde(default)]
        item_id: ItemId,
        /// Index of the item in `output`.
        #[serde(default)]
        output_index: u32,
        /// Index of the command in the shell call.
        #[serde(default)]
        command_index: u32,
        /// The final output chunks, kept as JSON.
        output: Vec<Value>,
    }
}
