//! The retry policy: limits, backoff curve and which failures are retryable.

use std::time::Duration;

use http::StatusCode;

use super::failure::{Failure, TransportErrorKind};

/// Which failures a [`RetryPolicy`] treats as transient when the server gives no
/// `x-should-retry` verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryOn {
    /// Retry `408 Request Timeout`.
    pub request_timeout: bool,
    /// Retry `409 Conflict` (the OpenAI SDKs do: it signals a lock timeout on the server).
    pub conflict: bool,
    /// Retry `429 Too Many Requests`.
    pub rate_limited: bool,
    /// Retry every `5xx` status.
    pub server_errors: bool,
    /// Retry transport failures ([`TransportErrorKind::Connect`], [`TransportErrorKind::Dns`],
    /// [`TransportErrorKind::Reset`],
    /// [`TransportErrorKind::Timeout`], [`TransportErrorKind::Other`]) and core deadlines
    /// ([`Failure::Timeout`]).
    pub transport: bool,
    /// Retry [`TransportErrorKind::Tls`] failures (off in both presets).
    pub tls: bool,
}

impl RetryOn {
    /// The OpenAI SDK rule: 408, 409, 429, 5xx and transport failures and timeouts.
    pub const fn openai_sdk() -> Self {
        Self {
            request_timeout: true,
            conflict: true,
            rate_limited: true,
            server_errors: true,
            transport: true,
            tls: false,
        }
    }

    /// The Codex rule: 5xx and transport failures and timeouts; 408, 409 and 429 are not retried.
    pub const fn codex() -> Self {
        Self {
            request_timeout: false,
            conflict: false,
            rate_limited: false,
            server_errors: true,
            transport: true,
            tls: false,
        }
    }

    /// Whether `failure` is retryable under these rules. Statuses outside 408, 409, 429 and
    /// 500–599 (including any 1xx–3xx status passed in by mistake) are never retryable.
    pub fn allows(&self, failure: Failure) -> bool {
        match failure {
            Failure::Status(status) => self.allows_status(status),
            Failure::Transport(TransportErrorKind::Tls) => self.tls,
            Failure::Transport(_) | Failure::Timeout => self.transport,
        }
    }

    fn allows_status(&self, status: StatusCode) -> bool {
        match status {
            StatusCode::REQUEST_TIMEOUT => self.request_timeout,
            StatusCode::CONFLICT => self.conflict,
            StatusCode::TOO_MANY_REQUESTS => self.rate_limited,
            status if status.is_server_error() => self.server_errors,
            _ => false,
        }
    }
}

impl Default for RetryOn {
    /// [`RetryOn::openai_sdk`].
    fn default() -> Self {
        Self::openai_sdk()
    }
}

/// How many times, after which failures, and how long to wait between attempts.
///
/// [`RetryPolicy::default`] matches the official OpenAI SDKs; [`RetryPolicy::codex`] matches the
/// Codex CLI's request retries. Fields are public so a policy can be adjusted after construction:
///
/// ```
/// use std::time::Duration;
/// use codex_api_core::retry::RetryPolicy;
///
/// let mut policy = RetryPolicy::default();
/// policy.max_retries = 5;
/// policy.max_server_delay = Duration::from_secs(30);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `2` means at most 3 attempts).
    pub max_retries: u32,
    /// Backoff before the first retry, before jitter.
    pub initial_backoff: Duration,
    /// Upper bound of the backoff before jitter: retry `n` waits
    /// `min(initial_backoff × 2^n, max_backoff) × factor`.
    pub max_backoff: Duration,
    /// Smallest jitter factor (the factor for a jitter unit of 0).
    pub jitter_min: f64,
    /// Largest jitter factor (the factor for a jitter unit of 1).
    pub jitter_max: f64,
    /// Which failures are retryable when the server does not say.
    pub retry_on: RetryOn,
    /// Let `x-should-retry: true|false` override [`RetryPolicy::retry_on`].
    pub honor_should_retry_header: bool,
    /// Use the server's delay (`retry-after-ms` / `retry-after`) instead of the backoff, and give
    /// up when it exceeds [`RetryPolicy::max_server_delay`].
    pub honor_server_delay: bool,
    /// The longest server delay this policy is willing to wait; a longer one ends retrying with
    /// [`GiveUpReason::ServerDelayTooLong`](super::GiveUpReason::ServerDelayTooLong).
    pub max_server_delay: Duration,
}

impl Default for RetryPolicy {
    /// The OpenAI SDK policy: 2 retries; backoff `min(0.5 s × 2^n, 8 s)` × a factor in
    /// `[0.75, 1.0]`; retry 408, 409, 429, 5xx, transport failures and timeouts; honour
    /// `x-should-retry` and server delays up to 60 s.
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            jitter_min: 0.75,
            jitter_max: 1.0,
            retry_on: RetryOn::openai_sdk(),
            honor_should_retry_header: true,
            honor_server_delay: true,
            max_server_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The Codex CLI's request retry policy (`request_max_retries` = 4, 200 ms initial backoff
    /// doubling without a cap, ±10 % jitter, i.e. a factor in `[0.9, 1.1]`; 5xx and transport
    /// failures retried, 429/408/409 not). Codex reads neither `x-should-retry` nor
    /// `retry-after` for these retries, so both are ignored here too.
    pub fn codex() -> Self {
        Self {
            max_retries: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::MAX,
            jitter_min: 0.9,
            jitter_max: 1.1,
            retry_on: RetryOn::codex(),
            honor_should_retry_header: false,
            honor_server_delay: false,
            max_server_delay: Duration::from_secs(60),
        }
    }

    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The backoff before retry number `retry_index` (0 for the first retry), for a jitter draw
    /// `unit` in `[0, 1)`.
    ///
    /// `min(initial_backoff × 2^retry_index, max_backoff) × factor` with
    /// `factor = jitter_min + (jitter_max − jitter_min) × unit`. `unit` is clamped to `[0, 1]`
    /// (NaN counts as 0); a negative or NaN factor gives zero; every overflow saturates at
    /// [`Duration::MAX`]. The result is monotone in `unit` and always lies within
    /// [`RetryPolicy::backoff_bounds`].
    pub fn backoff(&self, retry_index: u32, unit: f64) -> Duration {
        let unit = if unit.is_nan() {
            0.0
        } else {
            unit.clamp(0.0, 1.0)
        };
        let factor = self.jitter_min + (self.jitter_max - self.jitter_min) * unit;
        scale_duration(self.unjittered_backoff(retry_index), factor)
    }

    /// The smallest and largest backoff [`RetryPolicy::backoff`] can return for `retry_index`
    /// (its values for `unit` 0 and 1).
    pub fn backoff_bounds(&self, retry_index: u32) -> (Duration, Duration) {
        let low = self.backoff(retry_index, 0.0);
        let high = self.backoff(retry_index, 1.0);
        (low.min(high), low.max(high))
    }

    /// `min(initial_backoff × 2^retry_index, max_backoff)`, exactly, in nanoseconds.
    fn unjittered_backoff(&self, retry_index: u32) -> u128 {
        let initial = self.initial_backoff.as_nanos();
        let doubled = if initial == 0 {
            0
        } else if retry_index >= initial.leading_zeros() {
            u128::MAX
        } else {
            initial << retry_index
        };
        doubled.min(self.max_backoff.as_nanos())
    }
}

/// `nanos × factor` as a [`Duration`], rounded down, saturating at [`Duration::MAX`].
fn scale_duration(nanos: u128, factor: f64) -> Duration {
    if factor.is_nan() || factor <= 0.0 || nanos == 0 {
        return Duration::ZERO;
    }
    let scaled = nanos as f64 * factor;
    let max = Duration::MAX.as_nanos();
    // `as` saturates, and anything at or beyond `max` is clamped to it.
    let scaled = if scaled >= max as f64 {
        max
    } else {
        (scaled as u128).min(max)
    };
    let secs = u64::try_from(scaled / 1_000_000_000).unwrap_or(u64::MAX);
    let subsec = u32::try_from(scaled % 1_000_000_000).unwrap_or(0);
    Duration::new(secs, subsec)
}
