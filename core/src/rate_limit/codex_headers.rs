//! Codex rate-limit headers: `x-<family>-{primary,secondary}-*`, limit names and credits.

use std::collections::BTreeSet;

use http::HeaderMap;

use super::{
    CreditsSnapshot, DEFAULT_LIMIT_ID, RateLimitSnapshot, RateLimitWindow, normalize_limit_id,
};

/// Header-name suffixes that mark a limit family `x-<family><suffix>`.
const FAMILY_SUFFIXES: [&str; 7] = [
    "-primary-used-percent",
    "-primary-window-minutes",
    "-primary-reset-at",
    "-secondary-used-percent",
    "-secondary-window-minutes",
    "-secondary-reset-at",
    "-limit-name",
];

/// One snapshot per limit family found in `headers`, `codex` first, then the others in
/// alphabetical order of their ids.
///
/// A family is any `x-<family>-{primary,secondary}-{used-percent,window-minutes,reset-at}` or
/// `x-<family>-limit-name` header; its id is `<family>` normalised (lower case, `-` → `_`), so
/// `x-codex-other-primary-used-percent` belongs to `codex_other`.
///
/// Per window: `used-percent` is required and must be a finite number; `window-minutes` (a
/// non-negative integer) and `reset-at` (Unix seconds, an integer) are dropped individually when
/// malformed; a window with no information ([`RateLimitWindow::from_parts`]) is dropped.
/// `x-<family>-limit-name` gives [`RateLimitSnapshot::limit_name`] (trimmed, empty ignored).
///
/// Credits (`x-codex-credits-has-credits` and `x-codex-credits-unlimited`, both required, each
/// `true`/`false`/`1`/`0`; optional `x-codex-credits-balance`) belong to the `codex` family
/// only. (Codex itself copies them into every family's snapshot.)
///
/// Families left without any window or credits are omitted, so no rate-limit headers give an
/// empty vector. (Codex always reports a `codex` snapshot, empty or not.)
pub fn snapshots_from_headers(headers: &HeaderMap) -> Vec<RateLimitSnapshot> {
    let mut families = BTreeSet::new();
    for name in headers.keys() {
        if let Some(family) = family_of(name.as_str()) {
            families.insert(normalize_limit_id(family));
        }
    }
    let mut snapshots = Vec::with_capacity(families.len() + 1);
    let codex = snapshot_for(headers, DEFAULT_LIMIT_ID);
    if codex.has_data() {
        snapshots.push(codex);
    }
    snapshots.extend(
        families
            .iter()
            .filter(|id| id.as_str() != DEFAULT_LIMIT_ID)
            .map(|id| snapshot_for(headers, id))
            .filter(RateLimitSnapshot::has_data),
    );
    snapshots
}

/// The `<family>` in `x-<family><suffix>`, if `name` is a family header.
fn family_of(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("x-")?;
    FAMILY_SUFFIXES
        .iter()
        .find_map(|suffix| rest.strip_suffix(suffix))
        .filter(|family| !family.is_empty())
}

fn snapshot_for(headers: &HeaderMap, limit_id: &str) -> RateLimitSnapshot {
    let prefix = format!("x-{}", limit_id.replace('_', "-"));
    let mut snapshot = RateLimitSnapshot::new(limit_id);
    snapshot.primary = window(headers, &prefix, "primary");
    snapshot.secondary = window(headers, &prefix, "secondary");
    snapshot.limit_name = header_str(headers, &format!("{prefix}-limit-name"))
        .filter(|name| !name.is_empty())
        .map(str::to_owned);
    if limit_id == DEFAULT_LIMIT_ID {
        snapshot.credits = credits(headers);
    }
    snapshot
}

fn window(headers: &HeaderMap, prefix: &str, which: &str) -> Option<RateLimitWindow> {
    let used_percent = header_str(headers, &format!("{prefix}-{which}-used-percent"))
        .and_then(parse_finite_f64)?;
    let window_minutes = header_str(headers, &format!("{prefix}-{which}-window-minutes"))
        .and_then(|text| text.parse::<u64>().ok());
    let resets_at = header_str(headers, &format!("{prefix}-{which}-reset-at"))
        .and_then(|text| text.parse::<i64>().ok());
    RateLimitWindow::from_parts(used_percent, window_minutes, resets_at)
}

fn credits(headers: &HeaderMap) -> Option<CreditsSnapshot> {
    let has_credits = header_str(headers, "x-codex-credits-has-credits").and_then(parse_bool)?;
    let unlimited = header_str(headers, "x-codex-credits-unlimited").and_then(parse_bool)?;
    let balance = header_str(headers, "x-codex-credits-balance")
        .filter(|balance| !balance.is_empty())
        .map(str::to_owned);
    Some(CreditsSnapshot {
        has_credits,
        unlimited,
        balance,
    })
}

/// A finite number; `inf`, `nan` and text are refused.
fn parse_finite_f64(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|value| value.is_finite())
}

/// `true`/`false` (ASCII case-insensitive) or `1`/`0`.
fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") || text == "1" {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") || text == "0" {
        Some(false)
    } else {
        None
    }
}

/// The first value of header `name`, trimmed, if it is visible ASCII.
pub(super) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}
