//! 401 recovery: the core picks the step, the adapter asks the AuthProvider, the tags tell.

mod common;

use std::sync::{Arc, Mutex};

use codex_api_blocking::{AuthProvider, Client, StaticAuth};
use codex_api_core::call::AttemptRecord;
use codex_api_core::credentials::Credentials;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::unauthorized::{RecoveryMode, RecoveryStep, StepFailure};
use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};

use common::{drain, provider, request, text};

/// Credentials that change on `refresh_token` only, recording every step asked for.
struct RotatingAuth {
    mode: RecoveryMode,
    current: Mutex<&'static str>,
    steps: Arc<Mutex<Vec<RecoveryStep>>>,
    fail: Option<StepFailure>,
}

impl RotatingAuth {
    fn new(mode: RecoveryMode, fail: Option<StepFailure>) -> (Self, Arc<Mutex<Vec<RecoveryStep>>>) {
        let steps = Arc::new(Mutex::new(Vec::new()));
        let auth = RotatingAuth {
            mode,
            current: Mutex::new("old-token"),
            steps: steps.clone(),
            fail,
        };
        (auth, steps)
    }
}

impl AuthProvider for RotatingAuth {
    fn credentials(&self) -> Credentials {
        let token = *self.current.lock().unwrap();
        Credentials::api_key(token)
    }

    fn refresh(&self, step: RecoveryStep) -> Result<Credentials, StepFailure> {
        self.steps.lock().unwrap().push(step);
        let result = match (self.fail, step) {
            (Some(failure), _) => Err(failure),
            // Reloading finds what we already had; refreshing gets a new token.
            (None, RecoveryStep::Reload) => Ok(*self.current.lock().unwrap()),
            (None, _) => {
                *self.current.lock().unwrap() = "new-token";
                Ok("new-token")
            }
        };
        result.map(Credentials::api_key)
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
        .without_proxy()
        .retry_policy(common::fast_policy())
        .on_attempt(move |record| sink.lock().unwrap().push(record.clone()))
        .build()
        .unwrap();
    (client, records)
}

#[test]
fn managed_recovery_reloads_then_refreshes_and_retries() {
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
    let stream = client.stream(request(), ResponsesOptions::new()).unwrap();
    let (events, error) = drain(stream);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text(&events), "welcome back");

    assert_eq!(
        *steps.lock().unwrap(),
        [RecoveryStep::Reload, RecoveryStep::RefreshToken]
    );
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

    let records = records.lock().unwrap();
    assert_eq!(records.len(), 2);
    assert!(!records[0].after_unauthorized && records[1].after_unauthorized);
    let last = &records[1];
    assert_eq!(tag(last, "auth_mode"), Some("chatgpt"));
    assert_eq!(tag(last, "auth_recovery_mode"), Some("managed"));
    assert_eq!(tag(last, "auth_recovery_phase"), Some("refresh_token"));
    assert_eq!(
        tag(last, "auth_recovery_outcome"),
        Some("recovery_succeeded")
    );
    assert_eq!(tag(last, "auth_retry_after_unauthorized"), Some("true"));
    assert_eq!(tag(last, "auth_recovery_followup_success"), Some("true"));
    assert_eq!(tag(last, "auth_401_request_id"), Some("req_401"));
    for record in records.iter() {
        let tags = format!("{:?}", record.auth_recovery);
        assert!(
            !tags.contains("old-token") && !tags.contains("new-token"),
            "{tags}"
        );
    }
}

#[test]
fn a_permanent_failure_ends_recovery_with_unauthorized() {
    let server = TestServer::start(Script::new().then(unauthorized())).unwrap();
    let (auth, steps) = RotatingAuth::new(RecoveryMode::External, Some(StepFailure::Permanent));
    let (client, records) = client(&server, auth);
    let error = client.list_models(None).unwrap_err();
    assert_eq!(error.kind(), "unauthorized");
    assert_eq!(*steps.lock().unwrap(), [RecoveryStep::ExternalRefresh]);
    assert_eq!(server.requests().len(), 1);
    // The attempt record was taken at the 401, before the step ran; the error has the end.
    let records = records.lock().unwrap();
    assert_eq!(
        tag(records.last().unwrap(), "auth_recovery_mode"),
        Some("external")
    );
    let details = error.api_error().unwrap().unauthorized().unwrap();
    let tags = details.recovery_tags.as_ref().unwrap();
    let outcome = tags
        .iter()
        .find(|(name, _)| *name == "auth_recovery_outcome");
    assert_eq!(
        outcome.map(|(_, value)| value.as_str()),
        Some("recovery_failed_permanent")
    );
}

#[test]
fn a_still_unauthorized_follow_up_gives_up() {
    let server =
        TestServer::start(Script::new().then(unauthorized()).then(unauthorized())).unwrap();
    let (auth, steps) = RotatingAuth::new(RecoveryMode::Managed, None);
    let (client, _) = client(&server, auth);
    let error = client.list_models(None).unwrap_err();
    assert_eq!(error.kind(), "unauthorized");
    assert_eq!(
        *steps.lock().unwrap(),
        [RecoveryStep::Reload, RecoveryStep::RefreshToken]
    );
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_static_key_is_not_recovered() {
    let server = TestServer::start(Script::new().then(unauthorized())).unwrap();
    let (client, records) = client(&server, StaticAuth::new(Credentials::api_key("sk-fixed")));
    let error = client.list_models(None).unwrap_err();
    assert_eq!(error.kind(), "unauthorized");
    assert_eq!(server.requests().len(), 1);
    let records = records.lock().unwrap();
    assert_eq!(
        tag(records.last().unwrap(), "auth_recovery_mode"),
        Some("none")
    );
    assert!(!format!("{error:?} {error}").contains("sk-fixed"));
    assert!(!format!("{client:?}").contains("sk-fixed"));
}
