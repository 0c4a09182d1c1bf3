//! 401 recovery on async-std and on smol: the core picks the step, the adapter awaits the
//! AuthProvider, the follow-up carries the new credentials.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use codex_api_async_std::{AuthFuture, AuthProvider, Client, StaticAuth};
use codex_api_core::call::AttemptRecord;
use codex_api_core::credentials::Credentials;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::unauthorized::{RecoveryMode, RecoveryStep, StepFailure};
use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};

use common::{drain, fast_policy, on_both, provider, request, text};

/// Credentials that change on `refresh_token` only (after an async pause), recording every
/// step asked for.
struct RotatingAuth {
    mode: RecoveryMode,
    current: Arc<Mutex<&'static str>>,
    steps: Arc<Mutex<Vec<RecoveryStep>>>,
    fail: Option<StepFailure>,
}

impl RotatingAuth {
    fn new(mode: RecoveryMode, fail: Option<StepFailure>) -> (Self, Arc<Mutex<Vec<RecoveryStep>>>) {
        let steps = Arc::new(Mutex::new(Vec::new()));
        let current = Arc::new(Mutex::new("old-token"));
        let auth = RotatingAuth {
            mode,
            current,
            steps: steps.clone(),
            fail,
        };
        (auth, steps)
    }
}

impl AuthProvider for RotatingAuth {
    fn credentials(&self) -> AuthFuture<'_, Credentials> {
        let token = *self.current.lock().unwrap();
        Box::pin(async move { Credentials::api_key(token) })
    }

    fn refresh(&self, step: RecoveryStep) -> AuthFuture<'_, Result<Credentials, StepFailure>> {
        self.steps.lock().unwrap().push(step);
        Box::pin(async move {
            // A token endpoint takes a while; the call waits for it without blocking.
            async_io::Timer::after(Duration::from_millis(10)).await;
            match (self.fail, step) {
                (Some(failure), _) => Err(failure),
                // Reloading finds what we already had; refreshing gets a new token.
                (None, RecoveryStep::Reload) => {
                    Ok(Credentials::api_key(*self.current.lock().unwrap()))
                }
                (None, _) => {
                    *self.current.lock().unwrap() = "new-token";
                    Ok(Credentials::api_key("new-token"))
                }
            }
        })
    }

    fn recovery_mode(&self) -> RecoveryMode {
        self.mode
    }

    fn auth_mode(&self) -> &str {
        "chatgpt"
    }
}

fn unauthorized() -> ScriptedResponse {
    ScriptedResponse::api_error(
        401,
        "expired",
        "invalid_request_error",
        None,
        Some("token_expired"),
    )
    .request_id("req_401")
}

fn tag<'a>(record: &'a AttemptRecord, key: &str) -> Option<&'a str> {
    let tags = record.auth_recovery.as_ref()?;
    tags.iter()
        .find(|(name, _)| *name == key)
        .map(|(_, value)| value.as_str())
}

/// A client whose attempt records land in the returned list.
fn client(
    server: &TestServer,
    auth: impl AuthProvider + 'static,
) -> (Client, Arc<Mutex<Vec<AttemptRecord>>>) {
    let records = Arc::new(Mutex::new(Vec::new()));
    let sink = records.clone();
    let client = Client::builder(provider(server), auth)
        .retry_policy(fast_policy())
        .on_attempt(move |record| sink.lock().unwrap().push(record.clone()))
        .build()
        .unwrap();
    (client, records)
}

#[test]
fn a_401_is_refreshed_and_the_follow_up_succeeds() {
    on_both(|| async {
        let transcript = Transcript::new()
            .created()
            .message(&["welcome back"])
            .completed();
        let server = TestServer::start(
            Script::new()
                .then(unauthorized())
                .then(ScriptedResponse::sse(transcript)),
        )
        .unwrap();
        let (auth, steps) = RotatingAuth::new(RecoveryMode::Managed, None);
        let (client, records) = client(&server, auth);
        let stream = client
            .stream(request(), ResponsesOptions::new())
            .await
            .unwrap();
        let (events, error) = drain(stream).await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(text(&events), "welcome back");

        let steps = steps.lock().unwrap().clone();
        assert_eq!(steps, [RecoveryStep::Reload, RecoveryStep::RefreshToken]);
        let requests = server.requests();
        assert_eq!(requests.len(), 2, "an unchanged reload sends no follow-up");
        assert_eq!(
            requests[0].header("authorization"),
            Some("Bearer old-token")
        );
        assert_eq!(
            requests[1].header("authorization"),
            Some("Bearer new-token")
        );
        assert_eq!(
            requests[0].body, requests[1].body,
            "the body is sent byte for byte"
        );

        let records = records.lock().unwrap();
        assert_eq!(records.len(), 2);
        assert!(!records[0].after_unauthorized && records[1].after_unauthorized);
        let last = &records[1];
        assert_eq!(tag(last, "auth_recovery_phase"), Some("refresh_token"));
        assert_eq!(
            tag(last, "auth_recovery_outcome"),
            Some("recovery_succeeded")
        );
        assert_eq!(tag(last, "auth_401_request_id"), Some("req_401"));
    });
}

#[test]
fn a_permanent_failure_ends_recovery_with_unauthorized() {
    on_both(|| async {
        let server = TestServer::start(Script::new().then(unauthorized())).unwrap();
        let (auth, steps) = RotatingAuth::new(RecoveryMode::External, Some(StepFailure::Permanent));
        let (client, _) = client(&server, auth);
        let error = client.list_models(None).await.unwrap_err();
        assert_eq!(error.kind(), "unauthorized");
        assert_eq!(*steps.lock().unwrap(), [RecoveryStep::ExternalRefresh]);
        assert_eq!(server.requests().len(), 1);
    });
}

#[test]
fn a_still_unauthorized_follow_up_gives_up() {
    on_both(|| async {
        let server =
            TestServer::start(Script::new().then(unauthorized()).then(unauthorized())).unwrap();
        let (auth, steps) = RotatingAuth::new(RecoveryMode::Managed, None);
        let (client, _) = client(&server, auth);
        let error = client.list_models(None).await.unwrap_err();
        assert_eq!(error.kind(), "unauthorized");
        let steps = steps.lock().unwrap().clone();
        assert_eq!(steps, [RecoveryStep::Reload, RecoveryStep::RefreshToken]);
        assert_eq!(server.requests().len(), 2);
    });
}

#[test]
fn a_static_key_is_not_recovered_and_never_shown() {
    on_both(|| async {
        let server = TestServer::start(Script::new().then(unauthorized())).unwrap();
        let auth = StaticAuth::new(Credentials::api_key("sk-fixed"));
        let (client, records) = client(&server, auth);
        let error = client.list_models(None).await.unwrap_err();
        assert_eq!(error.kind(), "unauthorized");
        assert_eq!(server.requests().len(), 1);
        let records = records.lock().unwrap();
        assert_eq!(
            tag(records.last().unwrap(), "auth_recovery_mode"),
            Some("none")
        );
        assert!(!format!("{error:?} {error} {client:?}").contains("sk-fixed"));
    });
}
