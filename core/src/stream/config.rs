//! Configuration of one streaming response: idle timeout and event-size limit.

use std::time::Duration;

/// The idle timeout Codex uses by default: 300 seconds without progress ends the stream.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// The default cap on one SSE event's size (128 MiB): legitimate Responses events exceed
/// 28 MiB, so the cap is only a guard against unbounded memory use.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 128 * 1024 * 1024;

/// What counts as progress for the idle timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdleReset {
    /// Any received bytes push the deadline back, SSE comments (keep-alives) included.
    #[default]
    AnyBytes,
    /// Only a decoded (dispatched) SSE event pushes the deadline back; comments and partial
    /// events do not.
    EventsOnly,
}

/// Settings of a [`ResponseStream`](super::ResponseStream).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamConfig {
    /// How long the stream may go without progress before it fails with an idle-timeout
    /// error; `None` disables the timeout. Default: [`DEFAULT_IDLE_TIMEOUT`].
    pub idle_timeout: Option<Duration>,
    /// What counts as progress. Default: [`IdleReset::AnyBytes`].
    pub idle_reset: IdleReset,
    /// The largest SSE event accepted, in bytes. Default: [`DEFAULT_MAX_EVENT_SIZE`].
    pub max_event_size: usize,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            idle_reset: IdleReset::AnyBytes,
            max_event_size: DEFAULT_MAX_EVENT_SIZE,
        }
    }
}

impl StreamConfig {
    /// Returns the configuration with the idle timeout set (`None` disables it).
    pub fn with_idle_timeout(mut self, idle_timeout: Option<Duration>) -> Self {
        self.idle_timeout = idle_timeout;
        self
    }

    /// Returns the configuration with the given idle-reset rule.
    pub fn with_idle_reset(mut self, idle_reset: IdleReset) -> Self {
        self.idle_reset = idle_reset;
        self
    }

    /// Returns the configuration with the given event-size cap.
    pub fn with_max_event_size(mut self, max_event_size: usize) -> Self {
        self.max_event_size = max_event_size;
        self
    }
}
