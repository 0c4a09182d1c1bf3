//! How events, rate limits and failures are shown: JSON lines for machines, short lines for
//! people.

use codex_api_core::rate_limit::{RateLimitSnapshot, RateLimitWindow};
use codex_api_core::stream::{MetaEvent, StreamItem};
use serde_json::{Value, json};

use crate::session::Failure;

/// One raw stream item as a JSON line: a published event exactly as the server sent its
/// fields; header facts as `{"type":"meta.<name>", ...}`; the `[DONE]` sentinel as
/// `{"type":"done"}`.
pub fn item_json(item: &StreamItem) -> String {
    let value = match item {
        StreamItem::Event(event) => {
            return serde_json::to_string(event).unwrap_or_else(|err| {
                json!({"type": "unencodable", "error": err.to_string()}).to_string()
            });
        }
        StreamItem::Meta(MetaEvent::ServerModel(model)) => {
            json!({"type": "meta.server_model", "model": model})
        }
        StreamItem::Meta(MetaEvent::RateLimits(snapshot)) => {
            let mut value = rate_limits_json(snapshot);
            value["type"] = json!("meta.rate_limits");
            value
        }
        StreamItem::Meta(MetaEvent::ModelsEtag(etag)) => {
            json!({"type": "meta.models_etag", "etag": etag})
        }
        StreamItem::Meta(MetaEvent::ServerReasoningIncluded(included)) => {
            json!({"type": "meta.reasoning_included", "included": included})
        }
        StreamItem::Meta(other) => json!({"type": "meta.other", "debug": format!("{other:?}")}),
        StreamItem::Done => json!({"type": "done"}),
        other => json!({"type": "other", "debug": format!("{other:?}")}),
    };
    value.to_string()
}

fn window_json(window: &RateLimitWindow) -> Value {
    json!({
        "used_percent": window.used_percent,
        "window_minutes": window.window_minutes,
        "resets_at": window.resets_at,
    })
}

/// A rate-limit snapshot as JSON.
pub fn rate_limits_json(snapshot: &RateLimitSnapshot) -> Value {
    json!({
        "limit_id": snapshot.limit_id,
        "limit_name": snapshot.limit_name,
        "primary": snapshot.primary.as_ref().map(window_json),
        "secondary": snapshot.secondary.as_ref().map(window_json),
        "plan_type": snapshot.plan_type,
    })
}

/// A rate-limit snapshot for people: `codex: 42% of 300 min (resets at 1763...)`.
pub fn rate_limits_text(snapshot: &RateLimitSnapshot) -> String {
    let window = |name: &str, window: &RateLimitWindow| {
        let span = window.window_minutes.map_or_else(String::new, |minutes| {
            format!(" of a {minutes}-minute window")
        });
        format!("{name} {:.0}% used{span}", window.used_percent)
    };
    let mut parts = Vec::new();
    if let Some(primary) = &snapshot.primary {
        parts.push(window("primary", primary));
    }
    if let Some(secondary) = &snapshot.secondary {
        parts.push(window("secondary", secondary));
    }
    if parts.is_empty() {
        parts.push("no windows reported".to_owned());
    }
    format!("{}: {}", snapshot.limit_id, parts.join(", "))
}

/// The failure as one stderr line, each fact once: `codex-api: `, the kind in words, the facts
/// in parentheses (HTTP status, what a 401 means unless its code says it, the server's code,
/// the request id, the `cf-ray`), then the message, e.g.
/// `codex-api: rate limited (HTTP 429, code rate_limit_exceeded, request id req_abc): Rate
/// limit reached`.
pub fn failure_text(failure: &Failure) -> String {
    let kind = failure.kind.replace('_', " ");
    let mut notes = Vec::new();
    let message = match failure.server.as_deref() {
        // A server error's message is the server's own, its other facts are the notes.
        Some(api) => {
            if let Some(status) = api.status() {
                notes.push(format!("HTTP {}", status.as_u16()));
            }
            // What a 401 means, when the server's code does not already say it.
            if let Some(auth) = api
                .unauthorized()
                .map(|details| details.failure.as_str())
                .filter(|auth| api.code() != Some(*auth))
            {
                notes.push(auth.to_owned());
            }
            if let Some(code) = api.code() {
                notes.push(format!("code {code}"));
            }
            if let Some(id) = api.request_id() {
                notes.push(format!("request id {id}"));
            }
            if let Some(ray) = api.cf_ray() {
                notes.push(format!("cf-ray {ray}"));
            }
            api.message().unwrap_or_default()
        }
        // Any other failure's message is its whole text.
        None => failure.message.as_str(),
    };
    // A message that starts with the kind (`response incomplete: max_output_tokens`) names it
    // once.
    let message = [kind.as_str(), failure.kind.as_str()]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .filter(|rest| rest.is_empty() || rest.starts_with(':'))
        .map_or(message, |rest| rest.trim_start_matches(':').trim_start());
    let mut line = format!("codex-api: {kind}");
    if !notes.is_empty() {
        line.push_str(&format!(" ({})", notes.join(", ")));
    }
    if !message.is_empty() {
        line.push_str(": ");
        line.push_str(message);
    }
    // One line, whatever the message holds.
    line.replace(['\r', '\n'], " ")
}

/// The failure as one JSON object, for `--json`:
/// `{"error":{"kind","message","status","request_id","retry_after_ms"}}` (null when unknown).
pub fn failure_json(failure: &Failure) -> String {
    json!({"error": {
        "kind": failure.kind,
        "message": failure.server_message().unwrap_or(&failure.message),
        "status": failure.status(),
        "request_id": failure.request_id(),
        "retry_after_ms": failure.retry_after_ms(),
    }})
    .to_string()
}

/// A failure before any call (bad flags, a missing key, an unreadable file), as `--json` shows
/// it: kind `usage`.
pub fn usage_json(message: &str) -> String {
    json!({"error": {
        "kind": "usage",
        "message": message,
        "status": null,
        "request_id": null,
        "retry_after_ms": null,
    }})
    .to_string()
}
