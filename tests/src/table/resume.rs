//! Background streams that are cut and resume by themselves: after EOF, a reset and a stall;
//! with duplicates (dropped and counted), a gap (a typed error), a cancellation, a missing
//! response, a failing resume retried, and the resume budget spent. Non-background streams
//! are not resumed.

use std::time::Duration;

use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::ResponsesApiRequest;
use codex_api_testkit::{BackgroundResponse, CutKind, ResumeFault, Script, Transcript};

use super::{assert_failed, assert_requests, request};
use crate::observation::{Observation, Outcome};
use crate::scenario::{CallSpec, Scenario};

/// Sequence numbers 0..=9: created (0), a three-delta message (1..=8: the deltas are 3, 4, 5),
/// completed (9).
fn transcript() -> Transcript {
    Transcript::new()
        .response_id("resp_bg")
        .created()
        .message(&["one ", "two ", "three"])
        .completed()
}

fn background() -> ResponsesApiRequest {
    let mut request = request();
    request.background = Some(true);
    request
}

fn install(response: BackgroundResponse) -> Script {
    response.install(Script::new())
}

/// The text of the delivered deltas, in order.
fn text(o: &Observation) -> String {
    o.events
        .iter()
        .filter_map(|event| match event {
            ResponseEvent::OutputTextDelta { delta, .. } => Some(delta.as_str()),
            _ => None,
        })
        .collect()
}

/// Every event once, in order, ending with the completion.
fn assert_whole(o: &Observation) {
    assert_eq!(o.outcome, Outcome::StreamEnded, "{:#?}", o.outcome);
    assert_eq!(text(o), "one two three", "{:#?}", o.events);
    let created = o
        .events
        .iter()
        .filter(|event| matches!(event, ResponseEvent::Created))
        .count();
    assert_eq!(created, 1, "{:#?}", o.events);
    assert!(matches!(
        o.events.last(),
        Some(ResponseEvent::Completed { response_id, .. }) if response_id == "resp_bg"
    ));
    let stream = o.stream.clone().expect("stream facts");
    assert_eq!(stream.stats.sequence_gaps, 0);
    assert_eq!(stream.last_sequence_number, Some(9));
}

/// The `i`-th request is the resume after `after`.
fn assert_resume(o: &Observation, i: usize, after: u64) {
    let seen = &o.requests[i];
    assert_eq!(seen.method, "GET");
    assert_eq!(
        seen.path,
        format!("/v1/responses/resp_bg?stream=true&starting_after={after}")
    );
    assert_eq!(seen.header("accept"), Some("text/event-stream"));
    assert_eq!(seen.header("authorization"), Some("Bearer sk-test"));
    assert!(seen.body.is_empty());
}

fn resumes(o: &Observation) -> Vec<Option<u32>> {
    o.attempts.iter().map(|record| record.resume).collect()
}

/// The resume scenarios.
pub fn scenarios() -> Vec<Scenario> {
    let mut stall = Scenario::fresh(
        "background_stream_resumes_after_a_stall",
        || {
            install(
                BackgroundResponse::new(transcript())
                    .cut_after(2)
                    .resume_faults([ResumeFault::StallAfter {
                        after: 4,
                        duration: Duration::from_secs(3),
                    }]),
            )
        },
        CallSpec::stream(background()),
        |o| {
            assert_whole(o);
            assert_requests(o, 3);
            assert_resume(o, 1, 2);
            assert_resume(o, 2, 4);
            assert_eq!(o.stream.clone().unwrap().stats.resumes, 2);
        },
    );
    stall.config.idle_timeout = Some(Some(Duration::from_millis(400)));

    vec![
        Scenario::fresh(
            "background_stream_resumes_after_eof",
            || {
                install(
                    BackgroundResponse::new(transcript())
                        .cut_after(3)
                        .cut_kind(CutKind::Eof),
                )
            },
            CallSpec::stream(background()),
            |o| {
                assert_whole(o);
                assert_requests(o, 2);
                assert_eq!(o.requests[0].method, "POST");
                assert_eq!(o.requests[0].json()["background"], true);
                assert_resume(o, 1, 3);
                assert_eq!(resumes(o), vec![None, Some(1)]);
                let stream = o.stream.clone().unwrap();
                assert_eq!(stream.stats.resumes, 1);
                assert_eq!(stream.stats.resume_duplicates, 0);
            },
        ),
        Scenario::fresh(
            "background_stream_resumes_after_a_reset",
            || install(BackgroundResponse::new(transcript()).cut_after(4)),
            CallSpec::stream(background()),
            |o| {
                assert_whole(o);
                assert_requests(o, 2);
                assert_resume(o, 1, 4);
            },
        ),
        stall,
        Scenario::fresh(
            "background_resume_drops_duplicates",
            || {
                install(
                    BackgroundResponse::new(transcript())
                        .cut_after(4)
                        .resume_faults([ResumeFault::StartAt(2)]),
                )
            },
            CallSpec::stream(background()),
            |o| {
                assert_whole(o);
                assert_eq!(o.stream.clone().unwrap().stats.resume_duplicates, 3);
            },
        ),
        Scenario::fresh(
            "background_resume_with_a_gap_is_a_sequence_gap",
            || {
                install(
                    BackgroundResponse::new(transcript())
                        .cut_after(3)
                        .resume_faults([ResumeFault::StartAt(6)]),
                )
            },
            CallSpec::stream(background()),
            |o| {
                assert_failed(o, "sequence_gap", None);
                assert_eq!(text(o), "one ", "events before the cut are delivered");
                assert_requests(o, 2);
            },
        ),
        Scenario::fresh(
            "background_resume_finds_the_response_cancelled",
            || {
                install(
                    BackgroundResponse::new(transcript())
                        .cut_after(3)
                        .resume_faults([ResumeFault::Cancelled]),
                )
            },
            CallSpec::stream(background()),
            |o| {
                assert_failed(o, "response_cancelled", None);
                assert_eq!(text(o), "one two three");
            },
        ),
        Scenario::fresh(
            "background_resume_finds_the_response_failed",
            || {
                install(
                    BackgroundResponse::new(transcript())
                        .cut_after(3)
                        .resume_faults([ResumeFault::Failed]),
                )
            },
            CallSpec::stream(background()),
            |o| {
                assert_failed(o, "server_error", None);
                assert_eq!(text(o), "one two three");
            },
        ),
        Scenario::fresh(
            "background_resume_of_a_missing_response_is_not_found",
            || {
                install(
                    BackgroundResponse::new(transcript())
                        .cut_after(3)
                        .resume_faults([ResumeFault::Status(404)]),
                )
            },
            CallSpec::stream(background()),
            |o| {
                assert_failed(o, "not_found", Some(404));
                assert_eq!(text(o), "one ");
                assert_requests(o, 2);
            },
        ),
        Scenario::fresh(
            "background_resume_retries_a_503_within_the_resume",
            || {
                install(
                    BackgroundResponse::new(transcript())
                        .cut_after(3)
                        .resume_faults([ResumeFault::Status(503)]),
                )
            },
            CallSpec::stream(background()),
            |o| {
                assert_whole(o);
                assert_requests(o, 3);
                assert_resume(o, 1, 3);
                assert_resume(o, 2, 3);
                assert_eq!(resumes(o), vec![None, Some(1), Some(1)]);
                assert_eq!(o.attempts[1].status.map(|s| s.as_u16()), Some(503));
            },
        ),
        Scenario::fresh(
            "background_resume_budget_is_spent",
            || {
                install(
                    BackgroundResponse::new(transcript())
                        .cut_after(2)
                        .resume_faults([
                            ResumeFault::Cut { after: 3 },
                            ResumeFault::Cut { after: 4 },
                        ]),
                )
            },
            CallSpec::stream(background()),
            |o| {
                // Two resumes (the policy's two retries), then the third cut is the error.
                assert_failed(o, "stream_truncated", None);
                assert_eq!(text(o), "one two ");
                assert_requests(o, 3);
                assert_eq!(resumes(o), vec![None, Some(1), Some(2)]);
            },
        ),
        Scenario::fresh(
            "a_stream_that_is_not_background_is_not_resumed",
            || install(BackgroundResponse::new(transcript()).cut_after(3)),
            CallSpec::stream(request()),
            |o| {
                assert_failed(o, "stream_truncated", None);
                assert_requests(o, 1);
            },
        ),
        Scenario::fresh(
            "retrieve_stream_from_a_sequence_number",
            || install(BackgroundResponse::new(transcript()).cut_after(9)),
            CallSpec::RetrieveStream("resp_bg".into(), Some(3)),
            |o| {
                assert_requests(o, 1);
                assert_resume(o, 0, 3);
                assert_eq!(text(o), "two three");
                assert!(o.completed());
            },
        ),
        Scenario::fresh(
            "a_cut_retrieve_stream_resumes_too",
            || {
                install(
                    BackgroundResponse::new(transcript())
                        .cut_after(9)
                        .resume_faults([ResumeFault::Cut { after: 5 }]),
                )
            },
            CallSpec::RetrieveStream("resp_bg".into(), Some(2)),
            |o| {
                assert_requests(o, 2);
                assert_resume(o, 0, 2);
                assert_resume(o, 1, 5);
                assert_eq!(text(o), "one two three");
                assert!(o.completed());
            },
        ),
    ]
}
