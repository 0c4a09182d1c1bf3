//! The in-stream `codex.rate_limits` event.

use serde::Deserialize;
use serde_json::Number;

use super::{
    CreditsSnapshot, DEFAULT_LIMIT_ID, RateLimitSnapshot, RateLimitWindow, normalize_limit_id,
};

/// The event type this module reads.
const EVENT_TYPE: &str = "codex.rate_limits";

/// Why an event's data could not be read as a `codex.rate_limits` event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RateLimitEventError {
    /// The data is not JSON of the expected shape (the message is serde_json's, which names the
    /// position and the expected type).
    #[error("malformed codex.rate_limits event: {0}")]
    Malformed(String),
    /// The data is a JSON event of another type.
    #[error("expected a codex.rate_limits event, got type {0:?}")]
    WrongType(String),
}

#[derive(Deserialize)]
struct RawEvent {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    plan_type: Option<String>,
    #[serde(default)]
    rate_limits: Option<RawDetails>,
    #[serde(default)]
    credits: Option<RawCredits>,
    #[serde(default)]
    metered_limit_name: Option<String>,
    #[serde(default)]
    limit_name: Option<String>,
}

#[derive(Deserialize)]
struct RawDetails {
    #[serde(default)]
    primary: Option<RawWindow>,
    #[serde(default)]
    secondary: Option<RawWindow>,
}

#[derive(Deserialize)]
struct RawWindow {
    #[serde(default)]
    used_percent: Option<f64>,
    #[serde(default)]
    window_minutes: Option<Number>,
    #[serde(default)]
    reset_at: Option<Number>,
}

#[derive(Deserialize)]
struct RawCredits {
    #[serde(default)]
    has_credits: Option<bool>,
    #[serde(default)]
    unlimited: Option<bool>,
    #[serde(default)]
    balance: Option<RawBalance>,
}

/// Codex sends the balance as a string; some servers send a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawBalance {
    Text(String),
    Number(Number),
}

/// Reads the data of an in-stream `codex.rate_limits` event:
///
/// ```json
/// {"type": "codex.rate_limits", "plan_type": "pro", "metered_limit_name": "codex",
///  "rate_limits": {"primary": {"used_percent": 12.5, "window_minutes": 300, "reset_at": 1770000000},
///                  "secondary": {"used_percent": 40, "window_minutes": 10080, "reset_at": 1770500000}},
///  "credits": {"has_credits": true, "unlimited": false, "balance": "9"}}
/// ```
///
/// The limit id is `metered_limit_name`, else `limit_name`, normalised (lower case, `-` → `_`),
/// else `codex`; [`RateLimitSnapshot::limit_name`] stays `None`, as in Codex. Every field but
/// `type` may be missing or `null`; unknown fields are ignored. A window needs a `used_percent`
/// and some information ([`RateLimitWindow::from_parts`]); a negative or fractional
/// `window_minutes` or a fractional `reset_at` drops just that field. Credits need both
/// `has_credits` and `unlimited`; the balance may be a string or a number.
///
/// ```
/// use codex_api_core::rate_limit::snapshot_from_event;
///
/// let data = r#"{"type":"codex.rate_limits","rate_limits":{"primary":{"used_percent":7.5}}}"#;
/// let snapshot = snapshot_from_event(data).unwrap();
/// assert_eq!(snapshot.limit_id, "codex");
/// assert_eq!(snapshot.primary.unwrap().used_percent, 7.5);
/// ```
pub fn snapshot_from_event(data: &str) -> Result<RateLimitSnapshot, RateLimitEventError> {
    let event: RawEvent = serde_json::from_str(data)
        .map_err(|error| RateLimitEventError::Malformed(error.to_string()))?;
    if event.kind != EVENT_TYPE {
        return Err(RateLimitEventError::WrongType(event.kind));
    }
    let limit_id = event
        .metered_limit_name
        .as_deref()
        .or(event.limit_name.as_deref())
        .map(normalize_limit_id)
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| DEFAULT_LIMIT_ID.to_owned());
    let mut snapshot = RateLimitSnapshot::new(limit_id);
    if let Some(details) = event.rate_limits {
        snapshot.primary = details.primary.and_then(window);
        snapshot.secondary = details.secondary.and_then(window);
    }
    snapshot.credits = event.credits.and_then(credits);
    snapshot.plan_type = event
        .plan_type
        .map(|plan| plan.trim().to_owned())
        .filter(|plan| !plan.is_empty());
    Ok(snapshot)
}

fn window(raw: RawWindow) -> Option<RateLimitWindow> {
    RateLimitWindow::from_parts(
        raw.used_percent?,
        raw.window_minutes.as_ref().and_then(Number::as_u64),
        raw.reset_at.as_ref().and_then(Number::as_i64),
    )
}

fn credits(raw: RawCredits) -> Option<CreditsSnapshot> {
    Some(CreditsSnapshot {
        has_credits: raw.has_credits?,
        unlimited: raw.unlimited?,
        balance: raw.balance.and_then(|balance| match balance {
            RawBalance::Text(text) => {
                let text = text.trim();
                (!text.is_empty()).then(|| text.to_owned())
            }
            RawBalance::Number(number) => Some(number.to_string()),
        }),
    })
}
