//! Rate-limit figures, shared by the header presets and the `codex.rate_limits` event.

use serde_json::{Value, json};

/// One Codex rate-limit window (`primary` or `secondary`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitWindow {
    /// Percentage of the window used, 0 to 100.
    pub used_percent: f64,
    /// Length of the window in minutes.
    pub window_minutes: i64,
    /// When the window resets, in Unix seconds.
    pub reset_at: i64,
}

impl RateLimitWindow {
    /// A window of `window_minutes` minutes, `used_percent` used, resetting at `reset_at`.
    pub fn new(used_percent: f64, window_minutes: i64, reset_at: i64) -> RateLimitWindow {
        RateLimitWindow {
            used_percent,
            window_minutes,
            reset_at,
        }
    }

    /// The window as it appears in a `codex.rate_limits` event.
    pub(crate) fn to_event_json(self) -> Value {
        json!({
            "used_percent": self.used_percent,
            "window_minutes": self.window_minutes,
            "reset_at": self.reset_at,
        })
    }

    /// The window as `x-codex-{which}-*` headers (`which` is `primary` or `secondary`).
    pub(crate) fn to_headers(self, which: &str) -> Vec<(String, String)> {
        vec![
            (
                format!("x-codex-{which}-used-percent"),
                self.used_percent.to_string(),
            ),
            (
                format!("x-codex-{which}-window-minutes"),
                self.window_minutes.to_string(),
            ),
            (
                format!("x-codex-{which}-reset-at"),
                self.reset_at.to_string(),
            ),
        ]
    }
}

/// The OpenAI platform's `x-ratelimit-*` response headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitHeaders {
    /// `x-ratelimit-limit-requests`.
    pub limit_requests: u64,
    /// `x-ratelimit-remaining-requests`.
    pub remaining_requests: u64,
    /// `x-ratelimit-reset-requests`, e.g. `1s`.
    pub reset_requests: String,
    /// `x-ratelimit-limit-tokens`.
    pub limit_tokens: u64,
    /// `x-ratelimit-remaining-tokens`.
    pub remaining_tokens: u64,
    /// `x-ratelimit-reset-tokens`, e.g. `6m0s`.
    pub reset_tokens: String,
}

impl RateLimitHeaders {
    pub(crate) fn to_headers(&self) -> Vec<(String, String)> {
        vec![
            (
                "x-ratelimit-limit-requests".into(),
                self.limit_requests.to_string(),
            ),
            (
                "x-ratelimit-remaining-requests".into(),
                self.remaining_requests.to_string(),
            ),
            (
                "x-ratelimit-reset-requests".into(),
                self.reset_requests.clone(),
            ),
            (
                "x-ratelimit-limit-tokens".into(),
                self.limit_tokens.to_string(),
            ),
            (
                "x-ratelimit-remaining-tokens".into(),
                self.remaining_tokens.to_string(),
            ),
            ("x-ratelimit-reset-tokens".into(), self.reset_tokens.clone()),
        ]
    }
}
