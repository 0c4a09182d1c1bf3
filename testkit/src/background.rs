//! A background response whose stream is cut and resumed: `POST /v1/responses` streams part of
//! a transcript, `GET /v1/responses/{id}?stream=true&starting_after=K` resumes it, with
//! scripted faults on the resumes.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};

use crate::body::{Body, Cut, Stall};
use crate::request::RecordedRequest;
use crate::script::{Script, ScriptedResponse};
use crate::transcript::{EventFrame, Transcript};

/// Event types that end a response stream.
const TERMINAL_EVENTS: &[&str] = &[
    "response.completed",
    "response.failed",
    "response.incomplete",
    "response.cancelled",
    "error",
];

/// How a stream is cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CutKind {
    /// A clean end of the body (the chunked encoding's last chunk, `0\r\n\r\n`): the HTTP
    /// exchange is complete, only the terminal event is missing.
    Eof,
    /// The connection closes without the last chunk, as [`Body::close`] does: the client sees
    /// the body end prematurely (the default).
    #[default]
    Close,
    /// The chunked encoding breaks as [`Body::cut`] breaks it, then the connection closes;
    /// with [`Cut::TruncatedChunk`] the truncated chunk carries the start of the next frames.
    Encoding(Cut),
}

/// What one resume request (`GET /v1/responses/{id}?stream=true`) gets instead of a faithful
/// stream. Faults apply in order, one per resume; once they run out, resumes are faithful.
///
/// "After `n`" means: after the frame whose `sequence_number` is `n`, or more precisely after
/// the last frame numbered `n` or less (frames without a number travel with the numbered frame
/// that follows them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeFault {
    /// A faithful resume (uses up a place in the list).
    None,
    /// The resume is cut again after sequence number `after`, as the background response's
    /// [`CutKind`] says.
    Cut {
        /// The last sequence number sent.
        after: u64,
    },
    /// After sequence number `after`, nothing is sent for `duration` (to trigger a client's
    /// idle timeout); then the rest of the stream follows.
    StallAfter {
        /// The last sequence number sent before the stall.
        after: u64,
        /// How long nothing is sent.
        duration: Duration,
    },
    /// The resume is refused with this status and a JSON API error
    /// ([`ScriptedResponse::not_found`] for `404`).
    Status(u16),
    /// The resume starts at this sequence number (inclusive), whatever `starting_after` says:
    /// `StartAt(K - 1)` repeats events, `StartAt(K + 3)` skips some.
    StartAt(u64),
    /// The events after `starting_after` up to the transcript's terminal event (excluded), then
    /// `response.cancelled` (status `cancelled`) in its place. Retrieving the response then
    /// gives status `cancelled`.
    Cancelled,
    /// As [`Cancelled`](Self::Cancelled), but the terminal event is `response.failed` with
    /// `response.error = {"code": "server_error", "message": ...}`. Retrieving the response
    /// then gives status `failed`.
    Failed,
}

/// How a served fault ended the response, for later retrievals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Cancelled,
    Failed,
}

#[derive(Debug, Default)]
struct State {
    faults: VecDeque<ResumeFault>,
    resumes: Vec<Option<u64>>,
    ending: Option<Ending>,
}

/// A background response whose create stream is cut, served with its resumes by dynamic routes
/// (see [`install`](Self::install)):
///
/// - `POST /v1/responses` with `"stream": true` in the JSON body: the transcript's frames up to
///   and including the event numbered [`cut_after`](Self::cut_after), then a cut as
///   [`cut_kind`](Self::cut_kind) says (the whole stream when no cut is set). Without
///   `"stream": true`: the response object with status `queued`. Every create gets the same.
/// - `GET /v1/responses/{id}?stream=true&starting_after=K`: the frames after event `K` (from
///   the start without `starting_after`), as a chunked `text/event-stream`, one chunk per
///   frame; the next [`ResumeFault`], if any, applies. A `starting_after` that is not a number
///   is answered `400`.
/// - `GET /v1/responses/{id}` without `stream=true`: the response object, as the transcript's
///   terminal event carries it (else with status `completed`), or `cancelled` / `failed` once
///   such a fault was served.
///
/// Clones share the fault list and the record of [`resumes`](Self::resumes).
///
/// ```
/// use std::io::{Read, Write};
/// use std::net::TcpStream;
/// use codex_api_testkit::{BackgroundResponse, ResumeFault, Script, TestServer, Transcript};
///
/// let transcript = Transcript::new().response_id("resp_bg").created().message(&["a", "b", "c"]).completed();
/// let bg = BackgroundResponse::new(transcript)
///     .cut_after(3)
///     .resume_faults([ResumeFault::Cut { after: 6 }]);
/// let server = TestServer::start(bg.install(Script::new()))?;
///
/// let exchange = |request: &str| -> std::io::Result<String> {
///     let mut socket = TcpStream::connect(server.addr())?;
///     socket.write_all(request.as_bytes())?;
///     let mut reply = String::new();
///     socket.read_to_string(&mut reply)?;
///     Ok(reply)
/// };
/// let body = r#"{"model":"gpt-test","stream":true,"background":true}"#;
/// let created = exchange(&format!(
///     "POST /v1/responses HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{body}",
///     body.len()
/// ))?;
/// assert!(created.contains(r#""sequence_number":3"#));
/// assert!(!created.contains(r#""sequence_number":4"#));
///
/// // The first resume is cut again after event 6; the second runs to the end.
/// let get = |after: u64| {
///     format!("GET /v1/responses/resp_bg?stream=true&starting_after={after} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
/// };
/// let resumed = exchange(&get(3))?;
/// assert!(!resumed.contains(r#""sequence_number":3"#));
/// assert!(resumed.contains(r#""sequence_number":6"#) && !resumed.contains(r#""sequence_number":7"#));
/// let rest = exchange(&get(6))?;
/// assert!(rest.contains("event: response.completed"));
/// assert_eq!(bg.resumes(), [Some(3), Some(6)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct BackgroundResponse {
    transcript: Arc<Transcript>,
    frames: Arc<[EventFrame]>,
    cut_after: Option<u64>,
    cut_kind: CutKind,
    state: Arc<Mutex<State>>,
}

impl BackgroundResponse {
    /// Serves `transcript` (its [`id`](Transcript::id) is the response id), uncut and without
    /// faults until configured.
    pub fn new(transcript: Transcript) -> BackgroundResponse {
        BackgroundResponse {
            frames: transcript.event_frames().into(),
            transcript: Arc::new(transcript),
            cut_after: None,
            cut_kind: CutKind::default(),
            state: Arc::default(),
        }
    }

    /// Cuts the create stream after the event numbered `sequence_number`.
    pub fn cut_after(mut self, sequence_number: u64) -> BackgroundResponse {
        self.cut_after = Some(sequence_number);
        self
    }

    /// How the create stream and [`ResumeFault::Cut`] resumes are cut (default
    /// [`CutKind::Close`]).
    pub fn cut_kind(mut self, kind: CutKind) -> BackgroundResponse {
        self.cut_kind = kind;
        self
    }

    /// Appends faults for the next resumes, one per resume request, in order.
    pub fn resume_faults(
        self,
        faults: impl IntoIterator<Item = ResumeFault>,
    ) -> BackgroundResponse {
        self.lock().faults.extend(faults);
        self
    }

    /// The response id.
    pub fn response_id(&self) -> &str {
        self.transcript.id()
    }

    /// Adds the dynamic routes `POST /v1/responses` and `GET /v1/responses/{id}` (exact paths,
    /// see [`Script::on_fn_exact`]) to `script`.
    pub fn install(&self, script: Script) -> Script {
        let create = self.clone();
        let get = self.clone();
        script
            .on_fn_exact("POST", "/v1/responses", move |request| {
                create.create(request)
            })
            .on_fn_exact(
                "GET",
                format!("/v1/responses/{}", self.response_id()),
                move |request| get.get(request),
            )
    }

    /// The `starting_after` of every streamed resume so far, in arrival order (`None` when the
    /// request had none).
    pub fn resumes(&self) -> Vec<Option<u64>> {
        self.lock().resumes.clone()
    }

    /// How many scripted faults are still to be served.
    pub fn faults_left(&self) -> usize {
        self.lock().faults.len()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The answer to `POST /v1/responses`.
    fn create(&self, request: &RecordedRequest) -> ScriptedResponse {
        let streaming = request
            .body_json()
            .is_ok_and(|body| body.get("stream") == Some(&Value::Bool(true)));
        if !streaming {
            return ScriptedResponse::response_object(&self.transcript.response_object("queued"));
        }
        let end = match self.cut_after {
            Some(after) => self.end_after(0, after),
            None => self.frames.len(),
        };
        self.stream(0, end, self.cut_after.map(|_| self.cut_kind))
    }

    /// The answer to `GET /v1/responses/{id}`, streamed or not.
    fn get(&self, request: &RecordedRequest) -> ScriptedResponse {
        if request.query_param("stream").as_deref() != Some("true") {
            return self.retrieve();
        }
        let starting_after = match request.query_param("starting_after") {
            None => None,
            Some(text) => match text.parse::<u64>() {
                Ok(after) => Some(after),
                Err(_) => {
                    return ScriptedResponse::api_error(
                        400,
                        &format!("Invalid value for 'starting_after': '{text}'."),
                        "invalid_request_error",
                        Some("starting_after"),
                        None,
                    );
                }
            },
        };
        let fault = {
            let mut state = self.lock();
            state.resumes.push(starting_after);
            let fault = state.faults.pop_front().unwrap_or(ResumeFault::None);
            match fault {
                ResumeFault::Cancelled => state.ending = Some(Ending::Cancelled),
                ResumeFault::Failed => state.ending = Some(Ending::Failed),
                _ => {}
            }
            fault
        };
        let first = starting_after.map_or(0, |after| after.saturating_add(1));
        let start = self.start_at(first);
        match fault {
            ResumeFault::None => self.stream(start, self.frames.len(), None),
            ResumeFault::Cut { after } => {
                self.stream(start, self.end_after(start, after), Some(self.cut_kind))
            }
            ResumeFault::StallAfter { after, duration } => {
                let stall_at = self.end_after(start, after);
                let body = self
                    .body(start, stall_at)
                    .stall(Stall::for_duration(duration));
                let body = self.append(body, stall_at, self.frames.len());
                ScriptedResponse::sse(body)
            }
            ResumeFault::Status(404) => ScriptedResponse::not_found(&format!(
                "No response found with id '{}'.",
                self.response_id()
            )),
            ResumeFault::Status(status) => ScriptedResponse::api_error(
                status,
                "codex-api-testkit: scripted resume failure",
                if status < 500 {
                    "invalid_request_error"
                } else {
                    "server_error"
                },
                None,
                None,
            ),
            ResumeFault::StartAt(sequence_number) => {
                self.stream(self.start_at(sequence_number), self.frames.len(), None)
            }
            ResumeFault::Cancelled => self.ended(start, Ending::Cancelled),
            ResumeFault::Failed => self.ended(start, Ending::Failed),
        }
    }

    /// The answer to a retrieval without `stream=true`.
    fn retrieve(&self) -> ScriptedResponse {
        let object = match self.lock().ending {
            Some(ending) => self.ended_object(ending),
            None => self
                .frames
                .iter()
                .find(|frame| is_terminal(frame))
                .and_then(|frame| frame.data.as_ref()?.get("response").cloned())
                .unwrap_or_else(|| self.transcript.response_object("completed")),
        };
        ScriptedResponse::response_object(&object)
    }

    /// The response object that a cancelled or failed ending carries.
    fn ended_object(&self, ending: Ending) -> Value {
        match ending {
            Ending::Cancelled => self.transcript.response_object("cancelled"),
            Ending::Failed => {
                let mut object = self.transcript.response_object("failed");
                object["error"] = json!({
                    "code": "server_error",
                    "message": "The background response failed (codex-api-testkit).",
                });
                object
            }
        }
    }

    /// The frames from `start` up to the transcript's terminal event, then a terminal event for
    /// `ending` numbered as the transcript's terminal event (or the next free number).
    fn ended(&self, start: usize, ending: Ending) -> ScriptedResponse {
        let terminal = self.frames.iter().position(is_terminal);
        let sequence_number = terminal
            .and_then(|index| self.frames.get(index)?.sequence_number())
            .unwrap_or_else(|| self.transcript.next_sequence_number());
        let end = terminal.unwrap_or(self.frames.len()).max(start);
        let event_type = match ending {
            Ending::Cancelled => "response.cancelled",
            Ending::Failed => "response.failed",
        };
        let event = json!({
            "type": event_type,
            "sequence_number": sequence_number,
            "response": self.ended_object(ending),
        });
        let body = self
            .body(start, end)
            .bytes(self.transcript.render_event(event_type, &event));
        ScriptedResponse::sse(body)
    }

    /// The index of the first frame to send when resuming at sequence number `first`: right
    /// after the last frame numbered below `first`.
    fn start_at(&self, first: u64) -> usize {
        self.frames
            .iter()
            .rposition(|frame| frame.sequence_number().is_some_and(|n| n < first))
            .map_or(0, |index| index + 1)
    }

    /// The index right after the last frame numbered `after` or less, from `start` on (`start`
    /// itself when there is none).
    fn end_after(&self, start: usize, after: u64) -> usize {
        self.frames
            .get(start..)
            .unwrap_or_default()
            .iter()
            .rposition(|frame| frame.sequence_number().is_some_and(|n| n <= after))
            .map_or(start, |index| start + index + 1)
    }

    /// A streamed answer of the frames `start..end`, then a cut if `cut` says so (else the
    /// body ends cleanly).
    fn stream(&self, start: usize, end: usize, cut: Option<CutKind>) -> ScriptedResponse {
        let body = self.body(start, end);
        let body = match cut {
            None | Some(CutKind::Eof) => body,
            // What follows a close or cut is never sent, but a truncated chunk carries its start.
            Some(CutKind::Close) => self.append(body.close(), end, self.frames.len()),
            Some(CutKind::Encoding(cut)) => self.append(body.cut(cut), end, self.frames.len()),
        };
        ScriptedResponse::sse(body)
    }

    /// A chunked body of the frames `start..end`, one chunk per frame.
    fn body(&self, start: usize, end: usize) -> Body {
        self.append(Body::chunked(), start, end)
    }

    fn append(&self, body: Body, start: usize, end: usize) -> Body {
        self.frames
            .get(start..end.max(start))
            .unwrap_or_default()
            .iter()
            .fold(body, |body, frame| body.bytes(frame.bytes.clone()))
    }
}

fn is_terminal(frame: &EventFrame) -> bool {
    frame
        .event_type()
        .is_some_and(|event_type| TERMINAL_EVENTS.contains(&event_type))
}
