//! `delay_from_message`: every accepted form, and rejection of negatives and garbage.

use std::time::Duration;

use codex_api_core::error::delay_from_message;

#[test]
fn accepted_forms() {
    let table: &[(&str, Duration)] = &[
        ("Please try again in 1.2s.", Duration::from_millis(1200)),
        ("Please try again in 48ms.", Duration::from_millis(48)),
        (
            "Please try again in 11.054s. Visit https://platform.openai.com",
            Duration::from_millis(11_054),
        ),
        ("Please try again in 35 seconds", Duration::from_secs(35)),
        ("try again in 1 second", Duration::from_secs(1)),
        ("TRY AGAIN IN 2S", Duration::from_secs(2)),
        ("Try Again In 250 MS", Duration::from_millis(250)),
        ("try again in   3   secs", Duration::from_secs(3)),
        ("try again in 0s", Duration::ZERO),
        ("try again in 1.5 milliseconds", Duration::from_micros(1500)),
        ("try again in 86400s", Duration::from_secs(86_400)),
    ];
    for (message, expected) in table {
        assert_eq!(delay_from_message(message), Some(*expected), "{message}");
    }
}

#[test]
fn rejected_forms() {
    let table: &[&str] = &[
        "",
        "Rate limit reached",
        "try again later",
        "try again in",
        "try again in s",
        "try again in -1s",
        "try again in -0.5 seconds",
        "try again in 5",
        "try again in 5 minutes",
        "try again in 5h",
        "try again in 86401s",
        "try again in 1e400s",
        "try again in 99999999999999999999999999999999999999s",
        "try again in NaNs",
        "try again in infs",
        "try again in 1..2s",
        "try again in 2sx",
        "try again in ٣s",
        "retry in 2s",
    ];
    for message in table {
        assert_eq!(delay_from_message(message), None, "{message}");
    }
}

#[test]
fn non_ascii_text_around_the_phrase_is_fine() {
    assert_eq!(
        delay_from_message("€€ Bitte — try again in 2s — danke ✓"),
        Some(Duration::from_secs(2))
    );
    // Case-folding must not shift byte offsets: 'İ' lowercases to a longer string in Unicode.
    assert_eq!(
        delay_from_message("İİİ try again in 4ms"),
        Some(Duration::from_millis(4))
    );
}
