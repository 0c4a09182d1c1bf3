//! Builders for Responses API event streams (SSE): `event: <type>\ndata: <json>\n\n` frames
//! with increasing `sequence_number`s, shaped like the OpenAI Responses API.

mod output_items;

pub use output_items::FunctionCall;

use serde_json::{Map, Value, json};

use crate::body::Body;
use crate::rate_limit::RateLimitWindow;

/// Line terminator used when rendering frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineEnding {
    /// `\n` (the default).
    #[default]
    Lf,
    /// `\r\n`.
    CrLf,
    /// A lone `\r`.
    Cr,
}

impl LineEnding {
    fn as_bytes(self) -> &'static [u8] {
        match self {
            LineEnding::Lf => b"\n",
            LineEnding::CrLf => b"\r\n",
            LineEnding::Cr => b"\r",
        }
    }
}

/// Token usage reported in `response.completed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Input tokens.
    pub input_tokens: u64,
    /// Of the input tokens, how many came from the prompt cache.
    pub cached_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Of the output tokens, how many were reasoning.
    pub reasoning_tokens: u64,
}

impl Usage {
    /// `input_tokens` in, `output_tokens` out, nothing cached, no reasoning.
    pub fn new(input_tokens: u64, output_tokens: u64) -> Usage {
        Usage {
            input_tokens,
            output_tokens,
            ..Usage::default()
        }
    }

    /// The `ResponseUsage` JSON object (`total_tokens` = input + output).
    pub fn to_json(self) -> Value {
        json!({
            "input_tokens": self.input_tokens,
            "input_tokens_details": {
                "cached_tokens": self.cached_tokens,
                "cache_write_tokens": 0,
            },
            "output_tokens": self.output_tokens,
            "output_tokens_details": { "reasoning_tokens": self.reasoning_tokens },
            "total_tokens": self.input_tokens + self.output_tokens,
        })
    }
}

/// One rendered piece of a transcript.
#[derive(Debug, Clone)]
enum Frame {
    /// Lines of an SSE frame, joined with the transcript's line ending when rendered.
    Lines(Vec<String>),
    /// Bytes sent verbatim.
    Raw(Vec<u8>),
}

/// A Responses event stream under construction: `event: <type>\ndata: <json>\n\n` frames
/// with increasing `sequence_number`s (from 0), shaped like the OpenAI Responses API.
///
/// ```
/// use codex_api_testkit::{Transcript, Usage};
///
/// let text = Transcript::new()
///     .created()
///     .message(&["Hel", "lo"])
///     .completed_with_usage(Usage::new(12, 3))
///     .to_text();
/// assert!(text.starts_with("event: response.created\ndata: {"));
/// assert!(text.contains(r#""delta":"Hel""#));
/// assert!(text.ends_with("\n\n"));
/// ```
///
/// Output items get ids `msg_N`, `rs_N`, `fc_N`, `ctc_N` from their output index `N`; the
/// terminal events (`completed`, `failed`, `incomplete`) carry every finished item in
/// `response.output`.
#[derive(Debug, Clone)]
pub struct Transcript {
    frames: Vec<Frame>,
    next_sequence: u64,
    response_id: String,
    model: String,
    created_at: i64,
    output: Vec<Value>,
    line_ending: LineEnding,
    bom: bool,
}

impl Default for Transcript {
    fn default() -> Transcript {
        Transcript::new()
    }
}

impl Transcript {
    /// An empty transcript for response `resp_test` of model `gpt-test`.
    pub fn new() -> Transcript {
        Transcript {
            frames: Vec::new(),
            next_sequence: 0,
            response_id: "resp_test".into(),
            model: "gpt-test".into(),
            created_at: 1_700_000_000,
            output: Vec::new(),
            line_ending: LineEnding::Lf,
            bom: false,
        }
    }

    /// Sets the response id used in response objects.
    pub fn response_id(mut self, id: impl Into<String>) -> Transcript {
        self.response_id = id.into();
        self
    }

    /// Sets the model used in response objects.
    pub fn model(mut self, model: impl Into<String>) -> Transcript {
        self.model = model.into();
        self
    }

    /// Sets `created_at` (Unix seconds) used in response objects.
    pub fn created_at(mut self, unix_seconds: i64) -> Transcript {
        self.created_at = unix_seconds;
        self
    }

    /// Renders lines with `ending` instead of `\n` (raw frames stay verbatim).
    pub fn line_ending(mut self, ending: LineEnding) -> Transcript {
        self.line_ending = ending;
        self
    }

    /// Starts the stream with a UTF-8 byte order mark.
    pub fn with_bom(mut self) -> Transcript {
        self.bom = true;
        self
    }

    /// Appends an event: `value` (a JSON object) gets `type` (unless present) and the next
    /// `sequence_number`, and goes out as `event: <type>` plus one `data:` line.
    pub fn event(self, event_type: &str, value: Value) -> Transcript {
        self.push(event_type, value, true)
    }

    /// Appends an event without a `sequence_number` (Codex's own events have none).
    pub fn unsequenced_event(self, event_type: &str, value: Value) -> Transcript {
        self.push(event_type, value, false)
    }

    fn push(mut self, event_type: &str, value: Value, sequenced: bool) -> Transcript {
        let mut object = match value {
            Value::Object(object) => object,
            other => {
                let mut object = Map::new();
                object.insert("value".into(), other);
                object
            }
        };
        object
            .entry("type")
            .or_insert_with(|| Value::String(event_type.into()));
        if sequenced {
            object.insert("sequence_number".into(), json!(self.next_sequence));
            self.next_sequence += 1;
        }
        self.frames.push(Frame::Lines(vec![
            format!("event: {event_type}"),
            format!("data: {}", Value::Object(object)),
            String::new(),
        ]));
        self
    }

    /// Appends an SSE comment line (`: <text>`).
    pub fn comment(mut self, text: &str) -> Transcript {
        self.frames.push(Frame::Lines(vec![format!(": {text}")]));
        self
    }

    /// Appends bytes verbatim: anything, including invalid UTF-8 or odd line endings.
    pub fn raw(mut self, bytes: impl Into<Vec<u8>>) -> Transcript {
        self.frames.push(Frame::Raw(bytes.into()));
        self
    }

    /// The response object with `status` and the finished output so far.
    pub fn response_object(&self, status: &str) -> Value {
        json!({
            "id": self.response_id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "completed_at": Value::Null,
            "error": Value::Null,
            "incomplete_details": Value::Null,
            "instructions": Value::Null,
            "max_output_tokens": Value::Null,
            "model": self.model,
            "output": self.output,
            "parallel_tool_calls": true,
            "previous_response_id": Value::Null,
            "reasoning": { "effort": Value::Null, "summary": Value::Null },
            "store": false,
            "temperature": 1.0,
            "text": { "format": { "type": "text" } },
            "tool_choice": "auto",
            "tools": [],
            "top_p": 1.0,
            "truncation": "disabled",
            "usage": Value::Null,
            "user": Value::Null,
            "metadata": {},
        })
    }

    fn with_response(self, event_type: &str, response: Value) -> Transcript {
        self.event(event_type, json!({ "response": response }))
    }

    /// `response.created` (status `in_progress`).
    pub fn created(self) -> Transcript {
        let response = self.response_object("in_progress");
        self.with_response("response.created", response)
    }

    /// `response.in_progress`.
    pub fn in_progress(self) -> Transcript {
        let response = self.response_object("in_progress");
        self.with_response("response.in_progress", response)
    }

    /// `response.completed` with `usage: null`.
    pub fn completed(self) -> Transcript {
        let mut response = self.response_object("completed");
        response["completed_at"] = json!(self.created_at + 1);
        self.with_response("response.completed", response)
    }

    /// `response.completed` with `usage`.
    pub fn completed_with_usage(self, usage: Usage) -> Transcript {
        let mut response = self.response_object("completed");
        response["completed_at"] = json!(self.created_at + 1);
        response["usage"] = usage.to_json();
        self.with_response("response.completed", response)
    }

    /// `response.failed` with `response.error = {code, message}`.
    pub fn failed(self, code: &str, message: &str) -> Transcript {
        let mut response = self.response_object("failed");
        response["error"] = json!({ "code": code, "message": message });
        self.with_response("response.failed", response)
    }

    /// `response.incomplete` with `response.incomplete_details.reason`.
    pub fn incomplete(self, reason: &str) -> Transcript {
        let mut response = self.response_object("incomplete");
        response["incomplete_details"] = json!({ "reason": reason });
        self.with_response("response.incomplete", response)
    }

    /// The flat `error` event: `{type, code, message, param, sequence_number}`.
    pub fn error(self, code: Option<&str>, message: &str, param: Option<&str>) -> Transcript {
        self.event(
            "error",
            json!({ "code": code, "message": message, "param": param }),
        )
    }

    /// The nested `error` event: `{type, error: {type, code, message, param}, sequence_number}`.
    pub fn error_nested(self, error_type: &str, code: Option<&str>, message: &str) -> Transcript {
        self.event(
            "error",
            json!({ "error": {
                "type": error_type,
                "code": code,
                "message": message,
                "param": Value::Null,
            } }),
        )
    }

    /// Codex's `codex.rate_limits` event (plan `plus`, allowed, limit not reached).
    pub fn rate_limits(
        self,
        primary: Option<RateLimitWindow>,
        secondary: Option<RateLimitWindow>,
    ) -> Transcript {
        self.unsequenced_event(
            "codex.rate_limits",
            json!({
                "plan_type": "plus",
                "rate_limits": {
                    "allowed": true,
                    "limit_reached": false,
                    "primary": primary.map(RateLimitWindow::to_event_json),
                    "secondary": secondary.map(RateLimitWindow::to_event_json),
                },
                "code_review_rate_limits": Value::Null,
            }),
        )
    }

    /// The frames rendered one by one (the BOM, if any, opens the first).
    pub fn frames(&self) -> Vec<Vec<u8>> {
        let ending = self.line_ending.as_bytes();
        let mut out: Vec<Vec<u8>> = self
            .frames
            .iter()
            .map(|frame| match frame {
                Frame::Raw(bytes) => bytes.clone(),
                Frame::Lines(lines) => {
                    let mut bytes = Vec::new();
                    for line in lines {
                        bytes.extend_from_slice(line.as_bytes());
                        bytes.extend_from_slice(ending);
                    }
                    bytes
                }
            })
            .collect();
        if self.bom {
            match out.first_mut() {
                Some(first) => {
                    first.splice(0..0, "\u{feff}".bytes());
                }
                None => out.push("\u{feff}".into()),
            }
        }
        out
    }

    /// The whole stream as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.frames().concat()
    }

    /// The whole stream as text (invalid UTF-8 from raw frames replaced by U+FFFD).
    pub fn to_text(&self) -> String {
        String::from_utf8_lossy(&self.to_bytes()).into_owned()
    }

    /// A chunked body sending one chunk per frame.
    pub fn to_body(&self) -> Body {
        self.frames()
            .into_iter()
            .fold(Body::chunked(), |body, frame| body.bytes(frame))
    }

    /// The next `sequence_number` to be used.
    pub fn next_sequence_number(&self) -> u64 {
        self.next_sequence
    }

    /// The response id used in response objects.
    pub fn id(&self) -> &str {
        &self.response_id
    }

    /// One `event: <type>` / `data: <json>` frame rendered with this transcript's line ending,
    /// outside the transcript (no sequence number is added).
    pub(crate) fn render_event(&self, event_type: &str, data: &Value) -> Vec<u8> {
        let ending = self.line_ending.as_bytes();
        let mut bytes = Vec::new();
        for line in [
            format!("event: {event_type}"),
            format!("data: {data}"),
            String::new(),
        ] {
            bytes.extend_from_slice(line.as_bytes());
            bytes.extend_from_slice(ending);
        }
        bytes
    }

    /// The text of every `data:` line, in order: what each event carries, without the SSE
    /// framing (raw frames and comments have none and are skipped).
    pub(crate) fn data_payloads(&self) -> Vec<String> {
        self.frames
            .iter()
            .filter_map(|frame| match frame {
                Frame::Raw(_) => None,
                Frame::Lines(lines) => lines
                    .iter()
                    .find_map(|line| line.strip_prefix("data: "))
                    .map(str::to_owned),
            })
            .collect()
    }

    /// The frames rendered one by one, each with the JSON of its `data:` line (raw frames and
    /// comments have none).
    pub(crate) fn event_frames(&self) -> Vec<EventFrame> {
        self.frames
            .iter()
            .zip(self.frames())
            .map(|(frame, bytes)| {
                let data = match frame {
                    Frame::Raw(_) => None,
                    Frame::Lines(lines) => lines
                        .iter()
                        .find_map(|line| line.strip_prefix("data: "))
                        .and_then(|data| serde_json::from_str(data).ok()),
                };
                EventFrame { bytes, data }
            })
            .collect()
    }
}

/// One rendered frame of a transcript and the JSON it carries.
#[derive(Debug, Clone)]
pub(crate) struct EventFrame {
    /// The frame as it goes out.
    pub(crate) bytes: Vec<u8>,
    /// The JSON of its `data:` line, if any.
    pub(crate) data: Option<Value>,
}

impl EventFrame {
    /// The event's `sequence_number`, if it has one.
    pub(crate) fn sequence_number(&self) -> Option<u64> {
        self.data.as_ref()?.get("sequence_number")?.as_u64()
    }

    /// The event's `type`, if it has one.
    pub(crate) fn event_type(&self) -> Option<&str> {
        self.data.as_ref()?.get("type")?.as_str()
    }
}

impl From<Transcript> for Body {
    fn from(transcript: Transcript) -> Body {
        transcript.to_body()
    }
}

impl From<&Transcript> for Body {
    fn from(transcript: &Transcript) -> Body {
        transcript.to_body()
    }
}
