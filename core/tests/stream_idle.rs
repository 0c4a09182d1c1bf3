//! Idle-timeout scenarios with simulated time.

mod stream_support;

use std::time::{Duration, Instant};

use codex_api_core::error::ApiErrorKind;
use codex_api_core::stream::{IdleReset, ResponseStream, StreamConfig};
use stream_support::*;

fn config(idle_reset: IdleReset) -> StreamConfig {
    StreamConfig::default()
        .with_idle_timeout(Some(Duration::from_secs(10)))
        .with_idle_reset(idle_reset)
}

#[test]
fn the_default_is_300_seconds_from_the_head() {
    let start = Instant::now();
    let mut stream = ResponseStream::new(StreamConfig::default());
    assert_eq!(stream.poll_timeout(), None, "no deadline before the head");
    stream.handle_head(start, &ok_head());
    assert_eq!(stream.poll_timeout(), Some(t(start, 300)));
}

#[test]
fn comments_keep_the_stream_alive_by_default() {
    let start = Instant::now();
    let mut stream = started(config(IdleReset::AnyBytes), start);
    assert_eq!(stream.poll_timeout(), Some(t(start, 10)));

    stream.handle_body(t(start, 8), b": keep-alive\n\n");
    assert_eq!(stream.poll_timeout(), Some(t(start, 18)));
    // Partial event bytes count too.
    stream.handle_body(t(start, 15), b"data: {\"type\":");
    assert_eq!(stream.poll_timeout(), Some(t(start, 25)));

    stream.handle_timeout(t(start, 24));
    assert!(!stream.is_finished(), "an early timer call does nothing");
    assert!(drain(&mut stream).is_empty());

    stream.handle_timeout(t(start, 25));
    assert!(stream.is_finished());
    assert_eq!(stream.poll_timeout(), None);
    let (events, error) = split(drain(&mut stream));
    assert!(events.is_empty());
    let error = error.unwrap();
    assert_eq!(error.kind(), "idle_timeout");
    assert!(error.is_retryable());
    assert_eq!(
        error.error_kind(),
        &ApiErrorKind::IdleTimeout {
            after: Duration::from_secs(10)
        }
    );
    // Late bytes change nothing.
    stream.handle_body(t(start, 26), completed("r", 0).as_bytes());
    assert!(stream.poll_event().is_none());
}

#[test]
fn in_events_only_mode_comments_do_not_keep_the_stream_alive() {
    let start = Instant::now();
    let mut stream = started(config(IdleReset::EventsOnly), start);
    stream.handle_body(t(start, 5), text_delta("a", 0).as_bytes());
    assert_eq!(stream.poll_timeout(), Some(t(start, 15)));
    stream.handle_body(t(start, 8), b": keep-alive\n\n");
    stream.handle_body(t(start, 9), b"data: {\"partial\":");
    assert_eq!(stream.poll_timeout(), Some(t(start, 15)));
    stream.handle_timeout(t(start, 15));
    let (events, error) = split(drain(&mut stream));
    assert_eq!(events.len(), 1, "the event before the timeout is delivered");
    assert_eq!(error.unwrap().kind(), "idle_timeout");
}

#[test]
fn malformed_events_count_as_progress_in_events_only_mode() {
    let start = Instant::now();
    let mut stream = started(config(IdleReset::EventsOnly), start);
    stream.handle_body(t(start, 7), b"data: not json\n\n");
    assert_eq!(stream.poll_timeout(), Some(t(start, 17)));
}

#[test]
fn a_disabled_idle_timeout_never_fires() {
    let start = Instant::now();
    let mut stream = started(StreamConfig::default().with_idle_timeout(None), start);
    assert_eq!(stream.poll_timeout(), None);
    stream.handle_body(t(start, 1), text_delta("a", 0).as_bytes());
    assert_eq!(stream.poll_timeout(), None);
    stream.handle_timeout(t(start, 1_000_000));
    assert!(!stream.is_finished());
    stream.handle_body(t(start, 1_000_001), completed("r", 1).as_bytes());
    let (events, error) = split(drain(&mut stream));
    assert_eq!(events.len(), 2);
    assert!(error.is_none());
}

#[test]
fn the_deadline_is_gone_once_finished() {
    let start = Instant::now();
    let mut stream = started(config(IdleReset::AnyBytes), start);
    stream.handle_body(t(start, 1), completed("r", 0).as_bytes());
    assert_eq!(stream.poll_timeout(), None);
    stream.handle_timeout(t(start, 100));
    let (events, error) = split(drain(&mut stream));
    assert_eq!(events.len(), 1);
    assert!(error.is_none(), "a timeout after the end is ignored");
}
