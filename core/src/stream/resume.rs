//! Resuming a cut stream of a background response: when, from where, after how long, and
//! how the resumed events join the ones already delivered.
//!
//! A background response (`background: true`) keeps running on the server when its stream is
//! cut, and `GET responses/{id}?stream=true&starting_after=N` replays its events after
//! sequence number `N`. With [`ResumeSettings`] on a [`ResponseStream`](super::ResponseStream),
//! a cut (EOF, transport error or idle timeout) after the response id is known does not end
//! the stream: it is *interrupted*, and [`ResponseStream::poll_resume`](super::ResponseStream::poll_resume)
//! says which request continues it and after which backoff. The adapter sends it as a
//! [`Call`](crate::call::Call) of its own (with the same retries, auth recovery and
//! telemetry as any call; [`Call::resuming`](crate::call::Call::resuming)) whose 2xx head
//! ([`Action::Resume`](crate::call::Action::Resume)) is fed to the *same* stream.
//!
//! The resumed events join without a duplicate or a gap: events at or below the last
//! sequence number delivered are dropped (and counted in
//! [`StreamStats::resume_duplicates`](super::StreamStats::resume_duplicates)); a first new
//! event above the next expected number is a `sequence_gap` error. Each stream resumes at
//! most [`ResumeSettings::max_resumes`] times; then the cut is the error, as without resume.

use std::time::Duration;

use crate::error::ApiError;
use crate::request::{BuildError, PreparedRequest, RetrieveOptions};
use crate::retry::{JitterSource, RetryPolicy, SplitMix64};

/// How a stream of a background response resumes after a cut.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ResumeSettings {
    /// Resumes allowed per stream (after that, a cut ends the stream with its error).
    pub max_resumes: u32,
    /// The backoff before resume `n` is [`RetryPolicy::backoff`]`(n - 1, ..)`.
    pub policy: RetryPolicy,
    /// Query options of the resume requests (`include[]`, `include_obfuscation`).
    pub retrieve: RetrieveOptions,
    /// Seed of the backoff jitter (the caller's entropy: the core has none of its own).
    pub jitter_seed: u64,
    /// The response's id when known before any event (a retrieve stream); otherwise it is
    /// read from `response.created` / `queued` / `in_progress`.
    pub response_id: Option<String>,
}

impl ResumeSettings {
    /// Resumes under `policy`: as many resumes as it has retries, its backoff between them.
    pub fn new(policy: RetryPolicy, jitter_seed: u64) -> Self {
        ResumeSettings {
            max_resumes: policy.max_retries,
            policy,
            retrieve: RetrieveOptions::default(),
            jitter_seed,
            response_id: None,
        }
    }

    /// Sets [`ResumeSettings::max_resumes`].
    #[must_use]
    pub fn max_resumes(mut self, max: u32) -> Self {
        self.max_resumes = max;
        self
    }

    /// Sets the query options of the resume requests.
    #[must_use]
    pub fn retrieve(mut self, options: RetrieveOptions) -> Self {
        self.retrieve = options;
        self
    }
}

/// What continues an interrupted stream: send [`ResumeRequest::prepare`] after
/// [`ResumeRequest::delay`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ResumeRequest {
    /// The background response's id.
    pub response_id: String,
    /// The last sequence number delivered (`None`: no numbered event yet; resume from the
    /// start, every event seen is dropped as a duplicate).
    pub starting_after: Option<u64>,
    /// Which resume this is: 1 for the first.
    pub resume: u32,
    /// How long to wait before sending it.
    pub delay: Duration,
    /// The cut that interrupted the stream (`stream_truncated` or `idle_timeout`).
    pub cause: ApiError,
    retrieve: RetrieveOptions,
}

impl ResumeRequest {
    /// The request: `GET responses/{id}?stream=true&starting_after=N`, streamed.
    pub fn prepare(&self) -> Result<PreparedRequest, BuildError> {
        PreparedRequest::retrieve_response_stream(
            &self.response_id,
            self.starting_after,
            &self.retrieve,
        )
    }
}

/// The resume bookkeeping of one stream.
#[derive(Debug)]
pub(crate) struct ResumeState {
    settings: ResumeSettings,
    jitter: SplitMix64,
    /// Resumes asked for so far.
    pub(crate) resumes: u32,
    /// The id from `response.created` / `queued` / `in_progress` (or any response object).
    pub(crate) response_id: Option<String>,
    /// The cut that interrupted the stream, while a resume is pending.
    pub(crate) interrupted: Option<ApiError>,
    /// Whether the resume request was handed out (and its outcome is owed).
    pub(crate) requested: bool,
    /// While the first new event of a resumed stream is awaited: the last sequence number
    /// delivered before the cut (events at or below it are duplicates).
    pub(crate) floor: Option<Option<u64>>,
}

impl ResumeState {
    pub(crate) fn new(settings: ResumeSettings) -> Self {
        ResumeState {
            jitter: SplitMix64::new(settings.jitter_seed),
            response_id: settings.response_id.clone(),
            settings,
            resumes: 0,
            interrupted: None,
            requested: false,
            floor: None,
        }
    }

    /// Whether a cut now can be resumed.
    pub(crate) fn can_resume(&self) -> bool {
        self.response_id.is_some() && self.resumes < self.settings.max_resumes
    }

    /// The request that continues the stream, once per interruption.
    pub(crate) fn request(&mut self, last: Option<u64>) -> Option<ResumeRequest> {
        if self.requested {
            return None;
        }
        let cause = self.interrupted.clone()?;
        let response_id = self.response_id.clone()?;
        let delay = self
            .settings
            .policy
            .backoff(self.resumes, self.jitter.next_unit());
        self.resumes += 1;
        self.requested = true;
        self.floor = Some(last);
        Some(ResumeRequest {
            response_id,
            starting_after: last,
            resume: self.resumes,
            delay,
            cause,
            retrieve: self.settings.retrieve.clone(),
        })
    }
}
