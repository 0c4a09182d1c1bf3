//! `StreamEvent`: every event of the published `ResponseStreamEvent` union, plus a raw fallback.

use serde::Deserialize;
use serde::Serialize;
use serde_json::value::RawValue;

use super::Extra;
use super::event_payload::*;
use super::lossless::{Lossless, TagAt};

/// An `error` event. Both wire shapes decode into it:
///
/// - flat (the published schema): `{"type":"error","code":..,"message":..,"param":..}`;
/// - nested (seen from some servers and over WebSocket):
///   `{"type":"error","error":{"type":..,"code":..,"message":..,"param":..}}`.
///
/// When both are present, nested members win over flat ones. Encoding writes the flat shape,
/// or the nested one when `error_type` is set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ErrorEvent {
    /// The nested error's `type` (e.g. `invalid_request_error`), when given.
    pub error_type: Option<String>,
    /// Machine-readable code.
    pub code: Option<String>,
    /// Human-readable message (empty when the server sent none).
    pub message: String,
    /// The request parameter at fault.
    pub param: Option<String>,
    /// Position of the event in the stream.
    pub sequence_number: Option<u64>,
    /// Members this type does not model, kept verbatim and written back in place (see
    /// [`Extra`]).
    pub extra: Extra,
}

#[derive(Deserialize)]
struct ErrorWire {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    param: Option<String>,
    // Declared in the order the encoder writes the members (`error` before
    // `sequence_number`): the lossless decoder takes this order as the canonical one.
    #[serde(default)]
    error: Option<NestedErrorWire>,
    #[serde(default)]
    sequence_number: Option<u64>,
}

#[derive(Deserialize, Serialize)]
struct NestedErrorWire {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    param: Option<String>,
}

impl<'de> Deserialize<'de> for ErrorEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::lossless::de::deserialize(deserializer, TagAt::Member)
    }
}

impl Serialize for ErrorEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        super::lossless::ser::serialize(self, None, serializer)
    }
}

/// Error events are rare and have two shapes: serde reads them.
impl super::flat::FlatDecode for ErrorEvent {
    fn decode_flat(_: &str, _: &str) -> Option<Self> {
        None
    }
}

impl Lossless for ErrorEvent {
    const TAG_MEMBER: bool = true;

    fn extra(&self) -> &Extra {
        &self.extra
    }

    fn extra_mut(&mut self) -> &mut Extra {
        &mut self.extra
    }

    fn fields() -> &'static [&'static str] {
        static FIELDS: std::sync::OnceLock<&'static [&'static str]> = std::sync::OnceLock::new();
        FIELDS.get_or_init(super::lossless::de::probe_fields::<Self>)
    }

    fn deserialize_typed<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Self, D::Error> {
        let wire = ErrorWire::deserialize(deserializer)?;
        let (error_type, code, message, param) = match wire.error {
            Some(nested) => (
                nested.kind,
                nested.code.or(wire.code),
                nested.message.or(wire.message),
                nested.param.or(wire.param),
            ),
            None => (None, wire.code, wire.message, wire.param),
        };
        Ok(Self {
            error_type,
            code,
            message: message.unwrap_or_default(),
            param,
            sequence_number: wire.sequence_number,
            extra: Extra::new(),
        })
    }

    fn serialize_typed<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Flat<'a> {
            code: &'a Option<String>,
            message: &'a str,
            param: &'a Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            sequence_number: Option<u64>,
        }
        #[derive(Serialize)]
        struct Nested<'a> {
            error: NestedErrorWire,
            #[serde(skip_serializing_if = "Option::is_none")]
            sequence_number: Option<u64>,
            #[serde(skip)]
            _marker: std::marker::PhantomData<&'a ()>,
        }
        match &self.error_type {
            None => Flat {
                code: &self.code,
                message: &self.message,
                param: &self.param,
                sequence_number: self.sequence_number,
            }
            .serialize(serializer),
            Some(kind) => Nested {
                error: NestedErrorWire {
                    kind: Some(kind.clone()),
                    code: self.code.clone(),
                    message: Some(self.message.clone()),
                    param: self.param.clone(),
                },
                sequence_number: self.sequence_number,
                _marker: std::marker::PhantomData,
            }
            .serialize(serializer),
        }
    }
}

/// Why [`StreamEvent::parse`] failed. Messages are truncated and never contain the whole body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamEventError {
    /// The data is not a JSON object (or its `type` is not a string).
    #[error("malformed stream event JSON: {message}")]
    MalformedJson {
        /// The JSON parser's message.
        message: String,
    },
    /// The data has no `type` member and no SSE event name was given.
    #[error("stream event has no type")]
    MissingType,
    /// The event type is known but its members do not match the schema.
    #[error("invalid `{kind}` event: {message}")]
    InvalidEvent {
        /// The event type.
        kind: String,
        /// The JSON parser's message.
        message: String,
    },
}

const MAX_ERROR_MESSAGE: usize = 200;

fn short_message(error: &serde_json::Error) -> String {
    let mut message = error.to_string();
    if message.len() > MAX_ERROR_MESSAGE {
        let mut end = MAX_ERROR_MESSAGE;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    message
}

macro_rules! stream_events {
    ($( $(#[$doc:meta])* $variant:ident($ty:ty) = $wire:literal, )*) => {
        /// One Responses API stream event.
        ///
        /// Every member of the published `ResponseStreamEvent` union has a variant; any other
        /// type (including Codex's `codex.rate_limits`) is kept as [`StreamEvent::Other`] with
        /// its raw JSON.
        ///
        /// Payloads are owned and lean; the rare large ones (`Response`, output items, content
        /// parts, partial images) are boxed so the enum stays small for the hot delta events.
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum StreamEvent {
            $( $(#[$doc])* $variant($ty), )*
            /// An event type this crate does not know, kept verbatim.
            Other {
                /// The event type (`type` member, else the SSE event name).
                kind: String,
                /// The whole event JSON, byte-identical.
                raw: Box<RawValue>,
            },
        }

        /// Every event type with a typed [`StreamEvent`] variant.
        pub const KNOWN_EVENT_TYPES: &[&str] = &[ $( $wire, )* ];

        /// The event of type `kind` read by the flat reader, when it can (see
        /// [`flat`](super::flat)).
        fn decode_flat_known(kind: &str, data: &str) -> Option<StreamEvent> {
            match kind {
                $( $wire => <$ty as super::flat::FlatDecode>::decode_flat(data, $wire).map(StreamEvent::$variant), )*
                _ => None,
            }
        }

        fn decode_known(kind: &str, data: &str) -> Option<Result<StreamEvent, serde_json::Error>> {
            Some(match kind {
                $( $wire => match <$ty as super::flat::FlatDecode>::decode_flat(data, $wire) {
                    Some(event) => Ok(StreamEvent::$variant(event)),
                    None => serde_json::from_str::<$ty>(data).map(StreamEvent::$variant),
                }, )*
                _ => return None,
            })
        }

        impl StreamEvent {
            /// The event type, e.g. `response.output_text.delta`.
            pub fn kind(&self) -> &str {
                match self {
                    $( Self::$variant(_) => $wire, )*
                    Self::Other { kind, .. } => kind,
                }
            }

            /// The event's `sequence_number`, when present (for `Other`, read from its raw JSON).
            pub fn sequence_number(&self) -> Option<u64> {
                match self {
                    $( Self::$variant(event) => event.sequence_number, )*
                    Self::Other { raw, .. } => other_sequence_number(raw),
                }
            }
        }

        impl PartialEq for StreamEvent {
            fn eq(&self, other: &Self) -> bool {
                match (self, other) {
                    $( (Self::$variant(a), Self::$variant(b)) => a == b, )*
                    (Self::Other { kind: ka, raw: ra }, Self::Other { kind: kb, raw: rb }) => {
                        ka == kb && ra.get() == rb.get()
                    }
                    _ => false,
                }
            }
        }

        impl Serialize for StreamEvent {
            /// Writes the event's members in the order they were received (`type` first for an
            /// event built by hand); `Other` byte-identically.
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( Self::$variant(payload) => {
                        super::lossless::ser::serialize(payload, Some($wire), serializer)
                    } )*
                    Self::Other { raw, .. } => raw.serialize(serializer),
                }
            }
        }
    };
}

stream_events! {
    /// `response.audio.delta`.
    AudioDelta(AudioDeltaEvent) = "response.audio.delta",
    /// `response.audio.done`.
    AudioDone(AudioDoneEvent) = "response.audio.done",
    /// `response.audio.transcript.delta`.
    AudioTranscriptDelta(AudioDeltaEvent) = "response.audio.transcript.delta",
    /// `response.audio.transcript.done`.
    AudioTranscriptDone(AudioDoneEvent) = "response.audio.transcript.done",
    /// `response.code_interpreter_call_code.delta`.
    CodeInterpreterCallCodeDelta(ItemDeltaEvent) = "response.code_interpreter_call_code.delta",
    /// `response.code_interpreter_call_code.done`.
    CodeInterpreterCallCodeDone(CodeDoneEvent) = "response.code_interpreter_call_code.done",
    /// `response.code_interpreter_call.completed`.
    CodeInterpreterCallCompleted(ItemProgressEvent) = "response.code_interpreter_call.completed",
    /// `response.code_interpreter_call.in_progress`.
    CodeInterpreterCallInProgress(ItemProgressEvent) = "response.code_interpreter_call.in_progress",
    /// `response.code_interpreter_call.interpreting`.
    CodeInterpreterCallInterpreting(ItemProgressEvent) = "response.code_interpreter_call.interpreting",
    /// `response.completed`: the terminal success event.
    Completed(ResponseEvent) = "response.completed",
    /// `response.content_part.added`.
    ContentPartAdded(Box<ContentPartEvent>) = "response.content_part.added",
    /// `response.content_part.done`.
    ContentPartDone(Box<ContentPartEvent>) = "response.content_part.done",
    /// `response.created`.
    Created(ResponseEvent) = "response.created",
    /// `error` (flat or nested shape).
    Error(ErrorEvent) = "error",
    /// `response.file_search_call.completed`.
    FileSearchCallCompleted(ItemProgressEvent) = "response.file_search_call.completed",
    /// `response.file_search_call.in_progress`.
    FileSearchCallInProgress(ItemProgressEvent) = "response.file_search_call.in_progress",
    /// `response.file_search_call.searching`.
    FileSearchCallSearching(ItemProgressEvent) = "response.file_search_call.searching",
    /// `response.function_call_arguments.delta`.
    FunctionCallArgumentsDelta(ItemDeltaEvent) = "response.function_call_arguments.delta",
    /// `response.function_call_arguments.done`.
    FunctionCallArgumentsDone(ArgumentsDoneEvent) = "response.function_call_arguments.done",
    /// `response.shell_call_command.added`.
    ShellCallCommandAdded(ShellCommandEvent) = "response.shell_call_command.added",
    /// `response.shell_call_command.delta`.
    ShellCallCommandDelta(ShellCommandDeltaEvent) = "response.shell_call_command.delta",
    /// `response.shell_call_command.done`.
    ShellCallCommandDone(ShellCommandEvent) = "response.shell_call_command.done",
    /// `response.shell_call_output_content.delta`.
    ShellCallOutputContentDelta(ShellOutputDeltaEvent) = "response.shell_call_output_content.delta",
    /// `response.shell_call_output_content.done`.
    ShellCallOutputContentDone(ShellOutputDoneEvent) = "response.shell_call_output_content.done",
    /// `response.in_progress`.
    InProgress(ResponseEvent) = "response.in_progress",
    /// `response.failed`: terminal; `response.error` says why.
    Failed(ResponseEvent) = "response.failed",
    /// `response.incomplete`: terminal; `response.incomplete_details` says why.
    Incomplete(ResponseEvent) = "response.incomplete",
    /// `response.output_item.added`.
    OutputItemAdded(Box<OutputItemEvent>) = "response.output_item.added",
    /// `response.output_item.done`.
    OutputItemDone(Box<OutputItemEvent>) = "response.output_item.done",
    /// `response.reasoning_summary_part.added`.
    ReasoningSummaryPartAdded(ReasoningSummaryPartEvent) = "response.reasoning_summary_part.added",
    /// `response.reasoning_summary_part.done`.
    ReasoningSummaryPartDone(ReasoningSummaryPartEvent) = "response.reasoning_summary_part.done",
    /// `response.reasoning_summary_text.delta`.
    ReasoningSummaryTextDelta(ReasoningSummaryDeltaEvent) = "response.reasoning_summary_text.delta",
    /// `response.reasoning_summary_text.done`.
    ReasoningSummaryTextDone(ReasoningSummaryDoneEvent) = "response.reasoning_summary_text.done",
    /// `response.reasoning_text.delta`.
    ReasoningTextDelta(ContentDeltaEvent) = "response.reasoning_text.delta",
    /// `response.reasoning_text.done`.
    ReasoningTextDone(ContentTextDoneEvent) = "response.reasoning_text.done",
    /// `response.refusal.delta`.
    RefusalDelta(ContentDeltaEvent) = "response.refusal.delta",
    /// `response.refusal.done`.
    RefusalDone(RefusalDoneEvent) = "response.refusal.done",
    /// `response.output_text.delta`.
    OutputTextDelta(ContentDeltaEvent) = "response.output_text.delta",
    /// `response.output_text.done`.
    OutputTextDone(ContentTextDoneEvent) = "response.output_text.done",
    /// `response.web_search_call.completed`.
    WebSearchCallCompleted(ItemProgressEvent) = "response.web_search_call.completed",
    /// `response.web_search_call.in_progress`.
    WebSearchCallInProgress(ItemProgressEvent) = "response.web_search_call.in_progress",
    /// `response.web_search_call.searching`.
    WebSearchCallSearching(ItemProgressEvent) = "response.web_search_call.searching",
    /// `response.image_generation_call.completed`.
    ImageGenerationCallCompleted(ItemProgressEvent) = "response.image_generation_call.completed",
    /// `response.image_generation_call.generating`.
    ImageGenerationCallGenerating(ItemProgressEvent) = "response.image_generation_call.generating",
    /// `response.image_generation_call.in_progress`.
    ImageGenerationCallInProgress(ItemProgressEvent) = "response.image_generation_call.in_progress",
    /// `response.image_generation_call.partial_image`.
    ImageGenerationCallPartialImage(Box<PartialImageEvent>) = "response.image_generation_call.partial_image",
    /// `response.mcp_call_arguments.delta`.
    McpCallArgumentsDelta(ItemDeltaEvent) = "response.mcp_call_arguments.delta",
    /// `response.mcp_call_arguments.done`.
    McpCallArgumentsDone(ArgumentsDoneEvent) = "response.mcp_call_arguments.done",
    /// `response.mcp_call.completed`.
    McpCallCompleted(ItemProgressEvent) = "response.mcp_call.completed",
    /// `response.mcp_call.failed`.
    McpCallFailed(ItemProgressEvent) = "response.mcp_call.failed",
    /// `response.mcp_call.in_progress`.
    McpCallInProgress(ItemProgressEvent) = "response.mcp_call.in_progress",
    /// `response.mcp_list_tools.completed`.
    McpListToolsCompleted(ItemProgressEvent) = "response.mcp_list_tools.completed",
    /// `response.mcp_list_tools.failed`.
    McpListToolsFailed(ItemProgressEvent) = "response.mcp_list_tools.failed",
    /// `response.mcp_list_tools.in_progress`.
    McpListToolsInProgress(ItemProgressEvent) = "response.mcp_list_tools.in_progress",
    /// `response.output_text.annotation.added`.
    OutputTextAnnotationAdded(AnnotationAddedEvent) = "response.output_text.annotation.added",
    /// `response.queued`.
    Queued(ResponseEvent) = "response.queued",
    /// `response.custom_tool_call_input.delta`.
    CustomToolCallInputDelta(ItemDeltaEvent) = "response.custom_tool_call_input.delta",
    /// `response.custom_tool_call_input.done`.
    CustomToolCallInputDone(CustomToolInputDoneEvent) = "response.custom_tool_call_input.done",
}

impl StreamEvent {
    /// Decodes one event from an SSE frame's event name and data.
    ///
    /// Dispatch is on the JSON `type` member, peeked without building a tree (compact JSON that
    /// starts with `{"type":"` is read with a prefix check); the data is then deserialised
    /// straight into the variant's struct, skipping unknown members. `event_name` is only used
    /// when the data has no `type` (the data wins when both are present and differ, since the
    /// Responses API always repeats the type in the data). Unknown types give
    /// [`StreamEvent::Other`] with the data kept byte-identical.
    ///
    /// ```
    /// use codex_api_core::wire::StreamEvent;
    ///
    /// let data = r#"{"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"Hi","sequence_number":4}"#;
    /// let event = StreamEvent::parse(Some("response.output_text.delta"), data).unwrap();
    /// assert_eq!(event.kind(), "response.output_text.delta");
    /// assert_eq!(event.sequence_number(), Some(4));
    /// match event {
    ///     StreamEvent::OutputTextDelta(delta) => assert_eq!(delta.delta, "Hi"),
    ///     other => panic!("unexpected {other:?}"),
    /// }
    /// ```
    pub fn parse(event_name: Option<&str>, data: &str) -> Result<StreamEvent, StreamEventError> {
        // The usual case, read directly: compact JSON with `type` first, or any member order
        // under an SSE event name (the API names every event), which the data's `type` must
        // then repeat.
        let named = event_name.filter(|name| !name.is_empty());
        if let Some(kind) = super::tagged::type_prefix(data).or(named)
            && let Some(event) = decode_flat_known(kind, data)
        {
            return Ok(event);
        }
        let peeked =
            super::tagged::peek_type(data).map_err(|error| StreamEventError::MalformedJson {
                message: short_message(&error),
            })?;
        let kind = match (peeked.as_deref(), event_name) {
            (Some(kind), _) => kind,
            (None, Some(name)) if !name.is_empty() => name,
            (None, _) => return Err(StreamEventError::MissingType),
        };
        match decode_known(kind, data) {
            Some(Ok(event)) => Ok(event),
            Some(Err(error)) => Err(StreamEventError::InvalidEvent {
                kind: kind.to_owned(),
                message: short_message(&error),
            }),
            None => {
                let kind = kind.to_owned();
                let raw = RawValue::from_string(data.to_owned()).map_err(|error| {
                    StreamEventError::MalformedJson {
                        message: short_message(&error),
                    }
                })?;
                Ok(StreamEvent::Other { kind, raw })
            }
        }
    }
}

/// The `sequence_number` of an event of unknown type (read from its raw JSON on demand; unknown
/// events are rare, and a new sequenced type must not look like a gap in the sequence).
fn other_sequence_number(raw: &RawValue) -> Option<u64> {
    #[derive(Deserialize)]
    struct Sequenced {
        #[serde(default)]
        sequence_number: Option<u64>,
    }
    serde_json::from_str::<Sequenced>(raw.get())
        .ok()
        .and_then(|sequenced| sequenced.sequence_number)
}
