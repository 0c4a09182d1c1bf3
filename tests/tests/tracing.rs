//! The same spans, with the same fields, on every runtime (tokio, async-std, smol, blocking):
//! one `codex_api.call` span per call and one `codex_api.attempt` span per attempt, with
//! OpenTelemetry GenAI names, the time to first event, usage and response id of a stream, the
//! 401 tags of a recovery, the resume of a cut background stream, and never a credential.

use std::fmt::Debug;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::retry::RetryPolicy;
use codex_api_core::wire::{ResponseItem, ResponsesApiRequest, Role};
use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};
use futures_util::StreamExt;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records spans, records and events as lines `name field=value ...`, with the timing fields
/// and the runtime's name replaced by placeholders.
#[derive(Default, Clone)]
struct Recorder {
    lines: Arc<Mutex<Vec<String>>>,
    next: Arc<AtomicU64>,
}

struct Line<'a>(&'a mut String);

impl Visit for Line<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        let value = match field.name() {
            "codex_api.elapsed_ms" | "codex_api.time_to_first_event_ms" => "_".to_owned(),
            "codex_api.runtime" => "R".to_owned(),
            _ => format!("{value:?}"),
        };
        self.0.push_str(&format!(" {}={value}", field.name()));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        // Ours only: the HTTP stacks' own logs differ by nature.
        metadata.target().starts_with("codex_api")
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut line = span.metadata().name().to_owned();
        span.record(&mut Line(&mut line));
        self.lines.lock().unwrap().push(line);
        Id::from_u64(self.next.fetch_add(1, Ordering::Relaxed) + 1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut line = String::from("record");
        values.record(&mut Line(&mut line));
        self.lines.lock().unwrap().push(line);
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = String::from("event");
        event.record(&mut Line(&mut line));
        self.lines.lock().unwrap().push(line);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// A 500, then a models list.
fn models_script() -> Script {
    Script::new()
        .then(
            ScriptedResponse::api_error(500, "oops", "server_error", None, None)
                .request_id("req_a"),
        )
        .then(ScriptedResponse::models(vec![], "e").request_id("req_b"))
}

/// A 401 (a static key: not recovered).
fn unauthorized_script() -> Script {
    Script::new().then(
        ScriptedResponse::api_error(401, "bad key", "invalid_api_key", None, None)
            .request_id("req_401"),
    )
}

/// A streamed background response with usage, cut after its third event and resumed.
fn stream_script() -> Script {
    let transcript = Transcript::new()
        .created()
        .message(&["Hel", "lo"])
        .completed_with_usage(codex_api_testkit::Usage {
            input_tokens: 12,
            cached_tokens: 0,
            output_tokens: 7,
            reasoning_tokens: 0,
        });
    codex_api_testkit::BackgroundResponse::new(transcript)
        .cut_after(2)
        .install(Script::new())
}

fn background() -> ResponsesApiRequest {
    let mut request = request();
    request.background = Some(true);
    request
}

/// What one runtime does: list models, fail a 401, stream a response.
trait Run {
    fn name(&self) -> &'static str;
    fn run(&self, models: &TestServer, unauthorized: &TestServer, stream: &TestServer);
}

fn provider(server: &TestServer) -> Provider {
    Provider::custom("test", format!("{}/v1", server.url())).unwrap()
}

fn policy() -> RetryPolicy {
    let mut policy = RetryPolicy::default();
    policy.initial_backoff = std::time::Duration::from_millis(1);
    policy.max_backoff = std::time::Duration::from_millis(2);
    policy
}

fn request() -> ResponsesApiRequest {
    ResponsesApiRequest::new("gpt-test").input(vec![ResponseItem::text_message(Role::User, "hi")])
}

macro_rules! async_run {
    ($name:literal, $krate:ident, $block_on:expr) => {{
        struct Async;
        impl Run for Async {
            fn name(&self) -> &'static str {
                $name
            }
            fn run(&self, models: &TestServer, unauthorized: &TestServer, stream: &TestServer) {
                fn client(server: &TestServer) -> $krate::Client {
                    let auth = $krate::StaticAuth::new(Credentials::api_key("sk-secret-test"));
                    $krate::Client::builder(provider(server), auth)
                        .without_proxy()
                        .retry_policy(policy())
                        .jitter_seed(1)
                        .build()
                        .unwrap()
                }
                let block_on: fn(std::pin::Pin<Box<dyn Future<Output = ()>>>) = $block_on;
                block_on(Box::pin(async {
                    client(models).list_models(None).await.unwrap();
                    client(unauthorized).list_models(None).await.unwrap_err();
                    let mut events = client(stream)
                        .stream(background(), ResponsesOptions::new())
                        .await
                        .unwrap();
                    while let Some(event) = events.next().await {
                        event.unwrap();
                    }
                }));
            }
        }
        Box::new(Async) as Box<dyn Run>
    }};
}

struct Blocking;

impl Run for Blocking {
    fn name(&self) -> &'static str {
        "blocking"
    }
    fn run(&self, models: &TestServer, unauthorized: &TestServer, stream: &TestServer) {
        fn client(server: &TestServer) -> codex_api_blocking::Client {
            let auth = codex_api_blocking::StaticAuth::new(Credentials::api_key("sk-secret-test"));
            codex_api_blocking::Client::builder(provider(server), auth)
                .without_proxy()
                .retry_policy(policy())
                .jitter_seed(1)
                .build()
                .unwrap()
        }
        client(models).list_models(None).unwrap();
        client(unauthorized).list_models(None).unwrap_err();
        for event in client(stream)
            .stream(background(), ResponsesOptions::new())
            .unwrap()
        {
            event.unwrap();
        }
    }
}

fn runs() -> Vec<Box<dyn Run>> {
    vec![
        async_run!("tokio", codex_api_tokio, |future| {
            codex_api_tests::block_on_tokio(future)
        }),
        async_run!("async-std", codex_api_async_std, |future| {
            async_std::task::block_on(future)
        }),
        async_run!("smol", codex_api_async_std, |future| smol::block_on(future)),
        Box::new(Blocking),
    ]
}

fn trace(run: &dyn Run) -> Vec<String> {
    let (models, unauthorized, stream) = (
        TestServer::start(models_script()).unwrap(),
        TestServer::start(unauthorized_script()).unwrap(),
        TestServer::start(stream_script()).unwrap(),
    );
    let recorder = Recorder::default();
    let lines = recorder.lines.clone();
    tracing::subscriber::with_default(recorder, || run.run(&models, &unauthorized, &stream));
    let lines = lines.lock().unwrap().clone();
    // The servers' ports differ from run to run.
    let ports = [&models, &unauthorized, &stream]
        .map(|server| server.url().rsplit(':').next().unwrap().to_owned());
    lines
        .into_iter()
        .map(|line| {
            ports.iter().fold(line, |line, port| {
                line.replace(&format!("server.port={port}"), "server.port=P")
            })
        })
        .collect()
}

#[test]
fn every_runtime_emits_the_same_spans() {
    let mut reference: Option<(&'static str, Vec<String>)> = None;
    for run in runs() {
        let lines = trace(run.as_ref());
        let text = lines.join("\n");
        for expected in [
            "codex_api.call gen_ai.operation.name=\"models.list\" gen_ai.provider.name=\"test\" server.address=\"127.0.0.1\" server.port=P codex_api.runtime=R",
            "codex_api.attempt codex_api.attempt=1 http.response.status_code=500 codex_api.request_id=\"req_a\" codex_api.outcome=\"error_status\" error.type=\"server_error\"",
            "codex_api.attempt codex_api.attempt=2 http.response.status_code=200 codex_api.request_id=\"req_b\" codex_api.outcome=\"succeeded\"",
            "codex_api.attempt codex_api.attempt=1 http.response.status_code=401 codex_api.request_id=\"req_401\" codex_api.outcome=\"error_status\" error.type=\"unauthorized\"",
            "auth_401_request_id=\"req_401\"",
            "record error.type=\"unauthorized\"",
            "codex_api.call gen_ai.operation.name=\"chat\" gen_ai.provider.name=\"test\" gen_ai.request.model=\"gpt-test\"",
            "record codex_api.time_to_first_event_ms=_",
            "record gen_ai.response.id=\"resp_test\"",
            "record gen_ai.usage.input_tokens=12",
            "record gen_ai.usage.output_tokens=7",
            "event message=stream cut; resuming codex_api.resume=1 codex_api.starting_after=2 codex_api.delay_ms=0 error.type=\"stream_truncated\"",
            "codex_api.outcome=\"streamed\" codex_api.elapsed_ms=_ codex_api.after_unauthorized=false codex_api.resume=1",
        ] {
            assert!(
                text.contains(expected),
                "{}: no `{expected}` in\n{text}",
                run.name()
            );
        }
        assert!(
            !text.contains("sk-secret-test"),
            "{}: a secret in\n{text}",
            run.name()
        );
        match &reference {
            None => reference = Some((run.name(), lines)),
            Some((name, first)) => assert_eq!(
                first,
                &lines,
                "{} and {} trace differently",
                name,
                run.name()
            ),
        }
    }
}
