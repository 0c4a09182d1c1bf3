//! Connections across the calls of one client (each step on a clone: clones share the pool):
//! kept and reused after a call, given back by a finished stream, not reused once the server
//! closed them, a stream timed out on them or was dropped mid-way. Dropping a stream also
//! closes its socket at once: that row's test watches the socket too (`tests/scenarios.rs`).

use std::time::Duration;

use codex_api_testkit::{Body, Script, ScriptedResponse, Stall, Transcript};

use super::{assert_requests, request};
use crate::observation::{Observation, Outcome, Phase};
use crate::scenario::{CallSpec, Scenario, Step, Until};

/// Why the blocking adapter dials again after every stream.
const BLOCKING_CLOSES_FINISHED_STREAMS: &str = "the core ends a stream at its terminal event, \
    before ureq has read the body's end, and ureq pools only a connection whose body it read to \
    the end: the stream's connection is closed and the next call dials";

fn models() -> ScriptedResponse {
    ScriptedResponse::models(Vec::new(), "\"e\"")
}

fn transcript() -> Transcript {
    Transcript::new().created().message(&["a"]).completed()
}

fn models_call() -> Step {
    Step::call(CallSpec::Models(None))
}

fn stream_call() -> Step {
    Step::call(CallSpec::stream(request()))
}

fn drop_after(until: Until) -> Step {
    Step::StreamAndDrop(Box::new(request()), until)
}

fn is_models(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Models(_))
}

/// A stream that sends `Created` (and a delta) and then nothing, until the server stops.
fn stalled_stream() -> ScriptedResponse {
    ScriptedResponse::sse(
        Transcript::new()
            .created()
            .message(&["a"])
            .to_body()
            .stall(Stall::until_shutdown()),
    )
}

fn sequence(
    name: &'static str,
    script: Script,
    steps: impl IntoIterator<Item = Step>,
    expect: fn(&Observation),
) -> Scenario {
    Scenario::new(name, script, CallSpec::sequence(steps), expect)
}

/// The connection scenarios.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        sequence(
            "calls_reuse_one_connection",
            Script::new().then(models()).then(models()).then(models()),
            [models_call(), models_call(), models_call()],
            |o| {
                assert!(o.steps().iter().all(is_models), "{:#?}", o.outcome);
                assert_requests(o, 3);
            },
        )
        .connections(&[0, 0, 0]),
        sequence(
            "finished_streams_give_their_connection_back",
            // Content-Length framing: the body is complete with its last event (a chunked
            // body's terminating chunk may come after the stream has let go of it).
            Script::new()
                .then(ScriptedResponse::sse(Body::fixed(transcript().to_bytes())))
                .then(ScriptedResponse::sse(Body::fixed(transcript().to_bytes())))
                .then(models()),
            // Drained to its end; dropped by a consumer that stops at `Completed`; then a call.
            [stream_call(), drop_after(Until::Completed), models_call()],
            |o| {
                let steps = o.steps();
                assert_eq!(steps[..2], [Outcome::StreamEnded, Outcome::Dropped]);
                assert!(is_models(&steps[2]), "{steps:#?}");
                assert_eq!(o.text(), "aa");
            },
        )
        .connections(&[0, 0, 0])
        .connections_on("blocking", &[0, 1, 2], BLOCKING_CLOSES_FINISHED_STREAMS),
        sequence(
            "finished_chunked_stream_gives_its_connection_back",
            Script::new()
                .then(ScriptedResponse::sse(transcript()))
                .then(models()),
            // The stream ends at its last event; the pool drains the terminating chunk (given a
            // moment to arrive) when it takes the connection again.
            [
                stream_call(),
                Step::Pause(Duration::from_millis(50)),
                models_call(),
            ],
            |o| {
                assert_eq!(o.steps()[0], Outcome::StreamEnded);
                assert!(is_models(&o.steps()[1]), "{:#?}", o.outcome);
            },
        )
        .connections(&[0, 0])
        .connections_on("blocking", &[0, 1], BLOCKING_CLOSES_FINISHED_STREAMS),
        sequence(
            "server_closed_connection_is_not_reused",
            Script::new()
                .then(models().close_connection())
                .then(models()),
            [models_call(), models_call()],
            |o| {
                assert!(o.steps().iter().all(is_models), "{:#?}", o.outcome);
                assert_requests(o, 2);
                assert_eq!(o.attempts.len(), 2, "no failed attempt, no retry");
            },
        )
        .connections(&[0, 1]),
        sequence(
            "dropped_stream_closes_its_connection",
            Script::new().then(stalled_stream()).then(models()),
            [drop_after(Until::Events(1)), models_call()],
            |o| {
                let steps = o.steps();
                assert_eq!(steps[0], Outcome::Dropped);
                assert!(is_models(&steps[1]), "{steps:#?}");
                assert_eq!(o.events, [codex_api_core::stream::ResponseEvent::Created]);
            },
        )
        // The dropped stream's connection is not handed to the next call.
        .connections(&[0, 1]),
        sequence(
            "idle_timed_out_stream_is_not_pooled",
            Script::new().then(stalled_stream()).then(models()),
            [stream_call(), models_call()],
            |o| {
                let steps = o.steps();
                let Outcome::Failed(error) = &steps[0] else {
                    panic!("{steps:#?}")
                };
                assert_eq!(
                    (error.phase, error.kind.as_str()),
                    (Phase::Stream, "idle_timeout")
                );
                assert!(is_models(&steps[1]), "{steps:#?}");
            },
        )
        .idle_timeout(Duration::from_millis(100))
        .connections(&[0, 1]),
    ]
}
