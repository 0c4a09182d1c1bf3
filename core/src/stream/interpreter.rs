//! Interpreting decoded SSE frames: parse once, track sequence numbers, detect the end.

use std::collections::VecDeque;
use std::time::Instant;

use http::HeaderMap;

use super::codex::is_codex_extension;
use super::config::{IdleReset, StreamConfig};
use super::item::StreamItem;
use super::resume::ResumeState;
use super::stats::{SequenceTracker, StreamStats};
use super::terminal;
use crate::error::ApiError;
use crate::wire::{ResponseStatus, StreamEvent, StreamEventError};

/// The data of the `[DONE]` sentinel frame.
pub const DONE_SENTINEL: &str = "[DONE]";

/// One entry of the output queue.
#[derive(Debug)]
pub(crate) enum Queued {
    Item(StreamItem),
    Error(ApiError),
}

/// Where the stream is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    AwaitingHead,
    Streaming,
    /// Cut before its terminal event, awaiting a resume (see `resume.rs`).
    Interrupted,
    Finished,
}

/// Everything of a stream except the SSE decoder (kept apart so that frames, which borrow the
/// decoder, can be interpreted while the rest is mutated).
#[derive(Debug)]
pub(crate) struct Interpreter {
    pub(crate) config: StreamConfig,
    pub(crate) phase: Phase,
    pub(crate) queue: VecDeque<Queued>,
    /// The head's headers that in-stream errors are enriched from (see `head::error_context`).
    pub(crate) headers: HeaderMap,
    pub(crate) deadline: Option<Instant>,
    pub(crate) sequence: SequenceTracker,
    pub(crate) stats: StreamStats,
    pub(crate) done_sentinel_seen: bool,
    pub(crate) end_turn: Option<bool>,
    /// Resume bookkeeping, for streams of background responses.
    pub(crate) resume: Option<ResumeState>,
}

impl Interpreter {
    pub(crate) fn new(config: StreamConfig) -> Self {
        Interpreter {
            config,
            phase: Phase::AwaitingHead,
            queue: VecDeque::new(),
            headers: HeaderMap::new(),
            deadline: None,
            sequence: SequenceTracker::default(),
            stats: StreamStats::default(),
            done_sentinel_seen: false,
            end_turn: None,
            resume: None,
        }
    }

    /// Pushes the idle deadline back to `now + idle_timeout` (`now` is `None` only for
    /// clock-free replays, which run with the idle timeout disabled).
    pub(crate) fn touch(&mut self, now: Option<Instant>) {
        self.deadline = match (now, self.config.idle_timeout) {
            (Some(now), Some(idle)) => now.checked_add(idle),
            _ => None,
        };
    }

    /// Ends the stream with `error` (after everything already queued).
    pub(crate) fn fail(&mut self, error: ApiError) {
        self.queue.push_back(Queued::Error(error));
        self.finish();
    }

    /// The stream was cut before its terminal event (`error`: `stream_truncated` or
    /// `idle_timeout`): it waits for a resume when one is possible, else ends with `error`.
    pub(crate) fn cut(&mut self, error: ApiError) {
        match &mut self.resume {
            Some(resume) if resume.can_resume() => {
                resume.interrupted = Some(error);
                resume.requested = false;
                self.phase = Phase::Interrupted;
                self.deadline = None;
            }
            _ => self.fail(error),
        }
    }

    /// Marks the terminal outcome as decided: no more input is interpreted.
    pub(crate) fn finish(&mut self) {
        self.phase = Phase::Finished;
        self.deadline = None;
    }

    /// Interprets one dispatched frame.
    pub(crate) fn handle_frame(&mut self, now: Option<Instant>, name: Option<&str>, data: &str) {
        self.stats.events += 1;
        if self.config.idle_reset == IdleReset::EventsOnly {
            self.touch(now);
        }
        if data == DONE_SENTINEL {
            self.done_sentinel_seen = true;
            self.queue.push_back(Queued::Item(StreamItem::Done));
            self.finish();
            return;
        }
        match StreamEvent::parse(name, data) {
            Ok(event) => self.handle_event(event, data),
            Err(error) => self.handle_unparsable(name, &error),
        }
    }

    fn handle_event(&mut self, event: StreamEvent, data: &str) {
        let sequence_number = event.sequence_number();
        if self.resume.is_some() && !self.join_resumed(&event, sequence_number) {
            return;
        }
        if let Some(sequence_number) = sequence_number
            && self.sequence.observe(sequence_number)
        {
            self.stats.sequence_gaps += 1;
        }
        let error = match &event {
            StreamEvent::Completed(_) => {
                self.end_turn = terminal::end_turn(data);
                self.queue.push_back(Queued::Item(StreamItem::Event(event)));
                self.finish();
                return;
            }
            StreamEvent::Failed(ended) | StreamEvent::Incomplete(ended)
                if ended.response.status == Some(ResponseStatus::Cancelled) =>
            {
                ApiError::response_cancelled().with_response_head(&self.headers)
            }
            StreamEvent::Failed(failed) => {
                terminal::failed_error(&failed.response, data, &self.headers)
            }
            StreamEvent::Incomplete(incomplete) => {
                terminal::incomplete_error(&incomplete.response, &self.headers)
            }
            StreamEvent::Other { kind, .. } if kind == terminal::CANCELLED => {
                ApiError::response_cancelled().with_response_head(&self.headers)
            }
            StreamEvent::Error(error) => terminal::error_event_error(error, data, &self.headers),
            StreamEvent::Other { kind, .. } => {
                if !is_codex_extension(kind) {
                    self.stats.unknown_events += 1;
                }
                self.queue.push_back(Queued::Item(StreamItem::Event(event)));
                return;
            }
            _ => {
                self.queue.push_back(Queued::Item(StreamItem::Event(event)));
                return;
            }
        };
        self.queue.push_back(Queued::Item(StreamItem::Event(event)));
        self.fail(error);
    }

    /// Resume bookkeeping for one event: remembers the response id, and right after a
    /// resume drops duplicates and detects a gap. `false`: the event is not delivered.
    fn join_resumed(&mut self, event: &StreamEvent, sequence_number: Option<u64>) -> bool {
        let Some(resume) = self.resume.as_mut() else {
            return true;
        };
        if resume.response_id.is_none()
            && let StreamEvent::Created(created)
            | StreamEvent::Queued(created)
            | StreamEvent::InProgress(created) = event
            && !created.response.id.is_empty()
        {
            resume.response_id = Some(created.response.id.clone());
        }
        let (Some(floor), Some(sequence_number)) = (resume.floor, sequence_number) else {
            return true;
        };
        if floor.is_some_and(|last| sequence_number <= last) {
            self.stats.resume_duplicates += 1; // still before the first new event
            return false;
        }
        resume.floor = None;
        let Some(last) = floor else {
            return true;
        };
        let expected = last.saturating_add(1);
        if sequence_number != expected {
            let error =
                ApiError::sequence_gap(expected, sequence_number).with_response_head(&self.headers);
            self.fail(error);
            return false;
        }
        true
    }

    fn handle_unparsable(&mut self, name: Option<&str>, error: &StreamEventError) {
        let kind = match error {
            StreamEventError::InvalidEvent { kind, .. } => Some(kind.as_str()),
            _ => name.filter(|name| !name.is_empty()),
        };
        match kind {
            Some(kind) if terminal::is_terminal_type(kind) => {
                let error = ApiError::protocol(&format!("unparsable `{kind}` event: {error}"))
                    .with_response_head(&self.headers);
                self.fail(error);
            }
            _ => {
                // A non-terminal event is skipped. (A terminal type hidden in data that is not
                // JSON at all, without an SSE event name, is unknowable.)
                self.stats.malformed_events += 1;
            }
        }
    }
}
