//! `codex-api-blocking` (ureq 3) on the calling thread.

use codex_api_blocking::{AuthProvider, Client, Error};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::PreparedRequest;
use codex_api_core::unauthorized::{RecoveryMode, RecoveryStep, StepFailure};

use super::{AttemptSink, Execution, Runtime, unary_outcome};
use crate::auth::ScriptedAuth;
use crate::observation::{ErrorFacts, Outcome, Phase};
use crate::scenario::{CallSpec, ClientConfig};

/// The blocking adapter.
#[derive(Debug, Clone, Copy)]
pub struct BlockingRuntime;

struct Auth(ScriptedAuth);

impl AuthProvider for Auth {
    fn credentials(&self) -> Credentials {
        self.0.credentials()
    }

    fn refresh(&self, step: RecoveryStep) -> Result<Credentials, StepFailure> {
        self.0.refresh(step)
    }

    fn recovery_mode(&self) -> RecoveryMode {
        self.0.recovery_mode()
    }

    fn auth_mode(&self) -> &str {
        self.0.auth_mode()
    }
}

fn facts(phase: Phase, error: &Error) -> ErrorFacts {
    match error {
        Error::Api(api) => ErrorFacts::from_api(phase, error.kind(), api),
        Error::Call(call) => ErrorFacts::other(phase, error.kind(), format!("{call:?}")),
        Error::Transport(transport) => ErrorFacts::other(
            phase,
            error.kind(),
            format!("{:?} after {}", transport.kind(), transport.attempts()),
        ),
        other => ErrorFacts::other(phase, other.kind(), String::new()),
    }
}

fn unary<T>(result: Result<T, Error>, success: impl FnOnce(T) -> Outcome) -> Execution {
    Execution {
        events: Vec::new(),
        outcome: match result {
            Ok(value) => success(value),
            Err(error) => Outcome::Failed(facts(Phase::Call, &error)),
        },
    }
}

impl Runtime for BlockingRuntime {
    fn name(&self) -> &'static str {
        "blocking"
    }

    fn execute(
        &self,
        provider: Provider,
        config: &ClientConfig,
        auth: ScriptedAuth,
        attempts: AttemptSink,
        call: &CallSpec,
    ) -> Execution {
        let client = Client::builder(provider, Auth(auth))
            .without_proxy()
            .retry_policy(config.policy.clone())
            .jitter_seed(config.jitter_seed)
            .stream_idle_timeout(config.idle_timeout)
            .response_timeout(config.response_timeout)
            .on_attempt(move |record| attempts.push(record))
            .build()
            .expect("build the blocking client");
        match call {
            CallSpec::Stream(request, options) => {
                let mut stream = match client.stream((**request).clone(), options.clone()) {
                    Ok(stream) => stream,
                    Err(error) => return unary::<()>(Err(error), |_| Outcome::StreamEnded),
                };
                let mut events = Vec::new();
                while let Some(item) = stream.next() {
                    match item {
                        Ok(event) => events.push(event),
                        Err(error) => {
                            let outcome = Outcome::Failed(facts(Phase::Stream, &error));
                            assert!(stream.next().is_none(), "an item after the error");
                            return Execution { events, outcome };
                        }
                    }
                }
                Execution {
                    events,
                    outcome: Outcome::StreamEnded,
                }
            }
            CallSpec::Compact(input, options) => unary(
                client.compact((**input).clone(), options.clone()),
                Outcome::Compacted,
            ),
            CallSpec::Memories(input, options) => unary(
                client.summarize_memories((**input).clone(), options.clone()),
                Outcome::Memories,
            ),
            CallSpec::Models(version) => {
                unary(client.list_models(version.as_deref()), Outcome::Models)
            }
            CallSpec::Unary(endpoint, options, body) => {
                let prepared =
                    PreparedRequest::new(endpoint.clone(), body.clone().map(bytes::Bytes::from));
                unary(client.send(prepared, options.clone()), |output| {
                    unary_outcome(output.status, &output.headers, &output.body)
                })
            }
        }
    }
}
