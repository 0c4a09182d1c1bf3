//! With the `tracing` feature: one span per call, one per attempt with its number, status and
//! request id, and never a credential. (Run with `--features tracing`.)

mod common;

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use codex_api_testkit::{Script, ScriptedResponse, TestServer};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records every span as `name field=value ...`.
#[derive(Default)]
struct Recorder {
    spans: Arc<Mutex<Vec<String>>>,
    next: AtomicU64,
}

struct Line<'a>(&'a mut String);

impl Visit for Line<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut line = span.metadata().name().to_owned();
        span.record(&mut Line(&mut line));
        self.spans.lock().unwrap().push(line);
        Id::from_u64(self.next.fetch_add(1, Ordering::Relaxed) + 1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut line = String::from("record");
        values.record(&mut Line(&mut line));
        self.spans.lock().unwrap().push(line);
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = String::from("event");
        event.record(&mut Line(&mut line));
        self.spans.lock().unwrap().push(line);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn calls_and_attempts_are_traced_without_secrets() {
    let server = TestServer::start(
        Script::new()
            .then(
                ScriptedResponse::api_error(500, "oops", "server_error", None, None)
                    .request_id("req_a"),
            )
            .then(ScriptedResponse::models(vec![], "e").request_id("req_b")),
    )
    .unwrap();
    let recorder = Recorder::default();
    let spans = recorder.spans.clone();
    tracing::subscriber::with_default(recorder, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime
            .block_on(common::client(&server).list_models(None))
            .unwrap();
    });
    let spans = spans.lock().unwrap().join("\n");
    assert!(
        spans.contains("codex_api.call endpoint=\"models\""),
        "{spans}"
    );
    assert!(
        spans.contains("codex_api.attempt attempt=1 status=500 request_id=\"req_a\""),
        "{spans}"
    );
    assert!(
        spans.contains("codex_api.attempt attempt=2 status=200 request_id=\"req_b\""),
        "{spans}"
    );
    assert!(!spans.contains("sk-test"), "{spans}");
}
