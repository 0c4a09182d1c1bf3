//! Rate-limit snapshots from response headers and in-stream events.
//!
//! Two header dialects exist:
//!
//! - Codex (ChatGPT-backed) limits: `x-<family>-{primary,secondary}-{used-percent,window-minutes,reset-at}`,
//!   `x-<family>-limit-name` and `x-codex-credits-*`, read by [`snapshots_from_headers`], plus the
//!   in-stream `codex.rate_limits` event read by [`snapshot_from_event`]. Both give
//!   [`RateLimitSnapshot`]s.
//! - OpenAI Platform limits: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, read by
//!   [`openai_rate_limits`]; reset times are Go-style durations ([`parse_go_duration`]).
//!
//! Everything is parsed leniently field by field: a malformed number drops that field (or the
//! window whose required field it is), never the whole response.
//!
//! ```
//! use codex_api_core::rate_limit::snapshots_from_headers;
//!
//! let mut headers = http::HeaderMap::new();
//! headers.insert("x-codex-primary-used-percent", "42.5".parse().unwrap());
//! headers.insert("x-codex-primary-window-minutes", "300".parse().unwrap());
//! let snapshots = snapshots_from_headers(&headers);
//! assert_eq!(snapshots[0].limit_id, "codex");
//! let primary = snapshots[0].primary.as_ref().unwrap();
//! assert_eq!(primary.used_percent, 42.5);
//! assert_eq!(primary.window_minutes, Some(300));
//! ```

mod codex_headers;
mod event;
mod go_duration;
mod openai_headers;

pub use codex_headers::snapshots_from_headers;
pub use event::{RateLimitEventError, snapshot_from_event};
pub use go_duration::parse_go_duration;
pub use openai_headers::{OpenAiRateLimit, OpenAiRateLimits, openai_rate_limits};

/// The default limit family (`x-codex-*` headers, and events without a limit name).
pub const DEFAULT_LIMIT_ID: &str = "codex";

/// The state of one rate-limit family at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitSnapshot {
    /// The family's id: lower case with `_` separators (`codex`, `codex_other`); the header
    /// prefix is this id with `-` separators.
    pub limit_id: String,
    /// A human-readable name of the limit (`x-<family>-limit-name`), if the server sent one.
    pub limit_name: Option<String>,
    /// The short window (e.g. 5 hours).
    pub primary: Option<RateLimitWindow>,
    /// The long window (e.g. a week).
    pub secondary: Option<RateLimitWindow>,
    /// The account's credits, if reported.
    pub credits: Option<CreditsSnapshot>,
    /// The account's plan (`plus`, `pro`, ...), reported only by the in-stream event.
    pub plan_type: Option<String>,
}

impl RateLimitSnapshot {
    /// An empty snapshot for `limit_id`.
    pub fn new(limit_id: impl Into<String>) -> Self {
        Self {
            limit_id: limit_id.into(),
            limit_name: None,
            primary: None,
            secondary: None,
            credits: None,
            plan_type: None,
        }
    }

    /// Whether the snapshot carries any window or credits.
    pub fn has_data(&self) -> bool {
        self.primary.is_some() || self.secondary.is_some() || self.credits.is_some()
    }
}

/// Usage of one rate-limit window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitWindow {
    /// Percentage of the window used (finite; normally 0–100).
    pub used_percent: f64,
    /// The window's length in minutes.
    pub window_minutes: Option<u64>,
    /// When the window resets, in Unix seconds.
    pub resets_at: Option<i64>,
}

impl RateLimitWindow {
    /// A window from its parts, or `None` when it carries no information: `used_percent` not
    /// finite, or `used_percent` = 0 with neither a non-zero length nor a reset time.
    pub fn from_parts(
        used_percent: f64,
        window_minutes: Option<u64>,
        resets_at: Option<i64>,
    ) -> Option<Self> {
        if !used_percent.is_finite() {
            return None;
        }
        let has_data = used_percent != 0.0
            || window_minutes.is_some_and(|minutes| minutes != 0)
            || resets_at.is_some();
        has_data.then_some(Self {
            used_percent,
            window_minutes,
            resets_at,
        })
    }
}

/// The account's credits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditsSnapshot {
    /// Whether the account has credits left.
    pub has_credits: bool,
    /// Whether the account's credits are unlimited.
    pub unlimited: bool,
    /// The balance as the server formatted it (kept as text: it is shown, not computed with).
    pub balance: Option<String>,
}

/// Normalises a family name to a limit id: trimmed, ASCII lower case, `-` → `_`.
fn normalize_limit_id(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace('-', "_")
}
