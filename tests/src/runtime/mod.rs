//! The executors: one [`Runtime`] per adapter and executor, and the harness that runs a
//! scenario through all of them.

mod async_std;
mod blocking;
mod glue;
mod tokio;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use codex_api_core::call::AttemptRecord;
use codex_api_core::client_config::{ClientAdapter, ClientBuilder, ConfigError};
use codex_api_core::provider::Provider;
use codex_api_core::stream::{ResponseEvent, StreamItem};
use codex_api_testkit::TestServer;
use codex_api_testkit::tls::TestIdentity;

use crate::auth::ScriptedAuth;
use crate::observation::{
    ErrorFacts, Observation, Outcome, StreamFacts, Tally, connections, differences, normalise,
    normalise_attempt,
};
use crate::scenario::{CallSpec, ClientConfig, ProxySpec, ProxyTarget, Scenario, UNDONE_PROXY};

pub use self::async_std::{AsyncStdRuntime, SmolRuntime};
pub use self::blocking::BlockingRuntime;
pub use self::tokio::{TokioRuntime, block_on_tokio};

/// What a runtime reports about one call: the events and how it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    /// The Codex-level events delivered (the `EventStream` view).
    pub events: Vec<ResponseEvent>,
    /// The raw items delivered (the `RawEventStream` view).
    pub raw: Vec<StreamItem>,
    /// The tally of a tally call.
    pub tally: Option<Tally>,
    /// The stream's own state once drained.
    pub stream: Option<StreamFacts>,
    /// How the call ended.
    pub outcome: Outcome,
    /// What the client showed: every error's `Display` and `Debug`, the client's `Debug`
    /// (checked for secrets, never compared: it names the runtime).
    pub shown: Vec<String>,
}

impl Execution {
    /// An execution that delivered nothing and ended with `outcome`.
    pub fn new(outcome: Outcome) -> Self {
        Execution {
            events: Vec::new(),
            raw: Vec::new(),
            tally: None,
            stream: None,
            outcome,
            shown: Vec::new(),
        }
    }

    /// The execution of a client that could not be built.
    pub fn config_error(error: &ConfigError) -> Self {
        let mut execution = Execution::new(Outcome::Failed(ErrorFacts::config(error)));
        execution.shown = vec![format!("{error}"), format!("{error:?}")];
        execution
    }

    /// Appends one step of a sequence (`self.outcome` is [`Outcome::Steps`]).
    pub fn merge(&mut self, step: Execution) {
        self.events.extend(step.events);
        self.raw.extend(step.raw);
        self.tally = step.tally.or(self.tally);
        self.stream = step.stream.or(self.stream.take());
        self.shown.extend(step.shown);
        if let Outcome::Steps(steps) = &mut self.outcome {
            steps.push(step.outcome);
        }
    }
}

/// Applies `config` to a builder of any adapter (the builder is the core's, shared by all):
/// timeouts, retry policy, jitter seed, CA bundle, proxy, and the attempt observer.
pub fn configure<A: ClientAdapter>(
    mut builder: ClientBuilder<A>,
    config: &ClientConfig,
    attempts: AttemptSink,
) -> ClientBuilder<A> {
    if let Some(idle) = config.idle_timeout {
        builder = builder.stream_idle_timeout(idle);
    }
    if let Some(policy) = &config.policy {
        builder = builder.retry_policy(policy.clone());
    }
    if let Some(path) = &config.ca_bundle {
        builder = builder.ca_bundle(path.clone());
    }
    builder = match &config.proxy {
        None => builder.proxy(UNDONE_PROXY, "").without_proxy(),
        Some(ProxySpec {
            target: ProxyTarget::Url(url),
            no_proxy,
        }) => builder.proxy(url.clone(), *no_proxy),
        Some(unresolved) => panic!("{unresolved:?} is resolved by `run_on`"),
    };
    builder
        .transport(config.transport)
        .jitter_seed(config.jitter_seed)
        .response_timeout(config.response_timeout)
        .connect_timeout(config.connect_timeout)
        .on_attempt(move |record| attempts.push(record))
}

/// Where a runtime's client reports its attempt records.
#[derive(Debug, Clone, Default)]
pub struct AttemptSink(Arc<Mutex<Vec<AttemptRecord>>>);

impl AttemptSink {
    /// Records one attempt (timing removed).
    pub fn push(&self, record: &AttemptRecord) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(normalise_attempt(record));
    }

    /// Every attempt recorded.
    pub fn records(&self) -> Vec<AttemptRecord> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// One way of running the adapters: an adapter plus the executor it runs on.
pub trait Runtime: Send + Sync {
    /// A short name (`tokio`, `async-std`, `smol`, `blocking`).
    fn name(&self) -> &'static str;

    /// Builds a client for `provider` with `config` and `auth` (its attempt records going to
    /// `attempts`), makes `call`, drains it.
    fn execute(
        &self,
        provider: Provider,
        config: &ClientConfig,
        auth: ScriptedAuth,
        attempts: AttemptSink,
        call: &CallSpec,
    ) -> Execution;

    /// Makes `call` with `Client::from_env()` (the process's environment), drains it.
    fn execute_from_env(&self, call: &CallSpec) -> Execution;
}

/// Every runtime of the suite, in a fixed order (the first is the reference whose observation
/// the others are compared with and the expectations check, unless the row excludes it).
pub fn all() -> Vec<Box<dyn Runtime>> {
    vec![
        Box::new(TokioRuntime),
        Box::new(AsyncStdRuntime),
        Box::new(SmolRuntime),
        Box::new(BlockingRuntime),
    ]
}

/// The outcome of a successful generic unary call: status, the server's headers (lowercased,
/// sorted, minus the framing ones) and the body.
pub fn unary_outcome(status: http::StatusCode, headers: &http::HeaderMap, body: &[u8]) -> Outcome {
    let mut headers: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| !crate::observation::TRANSPORT_HEADERS.contains(&name.as_str()))
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    headers.sort();
    Outcome::Unary {
        status: status.as_u16(),
        headers,
        body: body.to_vec(),
    }
}

/// One run: the observation plus what is compared only loosely (timing).
#[derive(Debug, Clone)]
pub struct Run {
    /// The runtime's name.
    pub runtime: &'static str,
    /// The comparable observation.
    pub observation: Observation,
    /// Gaps between consecutive requests' arrivals (for generous lower bounds only).
    pub request_gaps: Vec<Duration>,
    /// What the client showed (errors' `Display` and `Debug`, its own `Debug`).
    pub shown: Vec<String>,
}

/// Runs `scenario` on `runtime` against a fresh server (over TLS if the row says so; as the
/// proxy too if the row's proxy is the test server).
pub fn run_on(runtime: &dyn Runtime, scenario: &Scenario) -> Run {
    let script = match scenario.fresh_script {
        Some(make) => make(),
        None => scenario.script.clone(),
    };
    let server = if scenario.tls {
        TestServer::start_tls(script, &TestIdentity::localhost())
    } else {
        TestServer::start(script)
    }
    .expect("start the test server");
    let base = Provider::custom("test", format!("{}/v1", server.url())).expect("provider");
    let provider = (scenario.config.provider)(base);
    let mut config = scenario.config.clone();
    if let Some(proxy) = &mut config.proxy
        && let ProxyTarget::TestServer { userinfo } = proxy.target
    {
        proxy.target = ProxyTarget::Url(format!("http://{userinfo}{}", server.addr()));
    }
    let auth = scenario.auth.build();
    let attempts = AttemptSink::default();
    let execution = runtime.execute(
        provider,
        &config,
        auth.clone(),
        attempts.clone(),
        &scenario.call,
    );
    let recorded = server.requests();
    let websocket = server
        .websocket_messages()
        .into_iter()
        .map(|message| (message.session, message.text))
        .collect();
    let websocket_deflate = server
        .websocket_sessions()
        .iter()
        .map(|session| session.deflate())
        .collect();
    let server_addr = server.addr().to_string();
    drop(server);
    let request_gaps = recorded
        .windows(2)
        .map(|pair| pair[1].received_at.duration_since(pair[0].received_at))
        .collect();
    Run {
        runtime: runtime.name(),
        observation: Observation {
            events: execution.events,
            raw: execution.raw,
            tally: execution.tally,
            stream: execution.stream,
            outcome: execution.outcome,
            requests: normalise(&recorded, &server_addr),
            auth_steps: auth.steps(),
            attempts: attempts.records(),
            connections: connections(&recorded),
            websocket,
            websocket_deflate,
        },
        request_gaps,
        shown: execution.shown,
    }
}

/// Problems with what `run` showed: any of `secrets` in an error's `Display` or `Debug`, the
/// client's `Debug` or an attempt record.
fn shown_secrets(run: &Run, secrets: &[String]) -> Vec<String> {
    let attempts = format!("{:?}", run.observation.attempts);
    let mut problems = Vec::new();
    for secret in secrets {
        for shown in run.shown.iter().chain([&attempts]) {
            if shown.contains(secret.as_str()) {
                problems.push(format!(
                    "runtime `{}` shows the secret `{secret}` in: {shown}",
                    run.runtime
                ));
            }
        }
    }
    problems
}

/// How long one runtime may take on one scenario before it counts as hung.
pub const RUN_DEADLINE: Duration = Duration::from_secs(60);

/// Runs `scenario` on each runtime on a thread of its own; a runtime that panics fails the
/// scenario with its panic, one that takes longer than [`RUN_DEADLINE`] fails it as hung
/// (its thread is left behind, rather than hanging the suite).
fn run_in_parallel(scenario: &Scenario, runtimes: Vec<Box<dyn Runtime>>) -> Vec<Run> {
    let names: Vec<&'static str> = runtimes.iter().map(|runtime| runtime.name()).collect();
    let receivers: Vec<_> = runtimes
        .into_iter()
        .map(|runtime| {
            let (sender, receiver) = std::sync::mpsc::channel();
            let scenario = scenario.clone();
            std::thread::Builder::new()
                .name(format!("{}-{}", scenario.name, runtime.name()))
                .spawn(move || {
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run_on(runtime.as_ref(), &scenario)
                    }));
                    let _ = sender.send(result);
                })
                .expect("spawn a runtime thread");
            receiver
        })
        .collect();
    let deadline = std::time::Instant::now() + RUN_DEADLINE;
    names
        .into_iter()
        .zip(receivers)
        .map(|(name, receiver)| {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match receiver.recv_timeout(left) {
                Ok(Ok(run)) => run,
                Ok(Err(panic)) => std::panic::resume_unwind(panic),
                Err(_) => panic!(
                    "scenario `{}`: runtime `{name}` did not finish within {RUN_DEADLINE:?}",
                    scenario.name
                ),
            }
        })
        .collect()
}

/// Runs `scenario` on every runtime in parallel, asserts that every observation equals the
/// reference's (the first runtime neither excluded nor with a known difference; known
/// differences get their own checks instead; excluded runtimes must still differ, or the
/// exclusion is reported as stale), that no run shows a secret and that each uses the
/// connections the row states, checks the retry-gap lower bounds and the scenario's own
/// expectations on the reference, and returns every run.
pub fn run_everywhere(scenario: &Scenario) -> Vec<Run> {
    let runtimes = all();
    let runs = run_in_parallel(scenario, runtimes);
    let excluding = std::env::var_os("SUITE_NO_EXCLUDE").is_none();
    let special = |runtime: &str| {
        (excluding && scenario.excluded.iter().any(|e| e.runtime == runtime))
            || scenario
                .known_differences
                .iter()
                .any(|difference| difference.runtime == runtime)
    };
    let reference_index = runs
        .iter()
        .position(|run| !special(run.runtime))
        .expect("at least one runtime is neither excluded nor different");
    let reference = &runs[reference_index];
    let mut report = Vec::new();
    let secrets = scenario.all_secrets();
    for run in &runs {
        report.extend(shown_secrets(run, &secrets));
        if let Some(expected) = scenario.connections_for(run.runtime)
            && run.observation.connections != expected
        {
            report.push(format!(
                "runtime `{}` used connections {:?}, expected {expected:?}",
                run.runtime, run.observation.connections
            ));
        }
    }
    for (index, run) in runs.iter().enumerate() {
        if index == reference_index {
            continue;
        }
        let excluded = scenario
            .excluded
            .iter()
            .find(|exclusion| exclusion.runtime == run.runtime);
        if let Some(exclusion) = excluded.filter(|_| excluding) {
            // Still run, so that a fixed bug shows up as a stale exclusion, and the parts the
            // bug does not affect are still compared.
            let differences = differences(&run.observation, &reference.observation);
            if differences.is_empty() {
                report.push(format!(
                    "runtime `{}` is excluded ({}) but now agrees with `{}`: remove the exclusion",
                    run.runtime, exclusion.bug, reference.runtime
                ));
            }
            let unexpected: Vec<&String> = differences
                .iter()
                .filter(|line| !exclusion.affects.iter().any(|part| line.starts_with(part)))
                .collect();
            if !unexpected.is_empty() {
                report.push(format!(
                    "runtime `{}` (excluded for: {}) also differs from `{}` elsewhere:\n  {}",
                    run.runtime,
                    exclusion.bug,
                    reference.runtime,
                    unexpected
                        .iter()
                        .map(|line| line.as_str())
                        .collect::<Vec<_>>()
                        .join("\n  ")
                ));
            }
            continue;
        }
        let known = scenario
            .known_differences
            .iter()
            .find(|difference| difference.runtime == run.runtime);
        if let Some(difference) = known {
            (difference.check)(&run.observation);
            continue;
        }
        let mut differences = differences(&run.observation, &reference.observation);
        if scenario
            .connection_differences
            .iter()
            .any(|difference| difference.runtime == run.runtime)
        {
            // Checked against the difference's own connections above instead.
            differences.retain(|line| !line.starts_with("connections"));
        }
        if !differences.is_empty() {
            report.push(format!(
                "runtime `{}` differs from `{}`:\n  {}",
                run.runtime,
                reference.runtime,
                differences.join("\n  ")
            ));
        }
    }
    assert!(
        report.is_empty(),
        "scenario `{}`:\n{}",
        scenario.name,
        report.join("\n")
    );
    for run in &runs {
        if scenario.excluded.iter().any(|e| e.runtime == run.runtime) {
            continue;
        }
        for (index, minimum) in scenario.min_request_gaps.iter().enumerate() {
            let gap = run.request_gaps.get(index).copied().unwrap_or_default();
            assert!(
                gap >= *minimum,
                "scenario `{}` on `{}`: request {} came {gap:?} after the previous one, \
                 expected at least {minimum:?}",
                scenario.name,
                run.runtime,
                index + 1
            );
        }
    }
    (scenario.expect)(&reference.observation);
    runs
}
